/* model_profile.c - the flat profile: per-function figures over a scope.
 *
 * The whole run is the model's functions as they are.  A process or a
 * thread is a walk of its merged paths in pre-order, keeping the rows of
 * the path walked on a stack: a path adds its total to its function's
 * only when no path above it on the stack is of the same function (the
 * function's outermost calls; deeper ones are inside them already).  Its
 * count, self time, maximum, exceptions and histogram always add up.
 * The walk costs one look at every path of the scope: callers rebuild at
 * most about once a second. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "model_profile.h"
#include "grow.h"

#define NONE UINT32_MAX

void profile_init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
}

void profile_free(struct profile *p)
{
	free(p->rows);
	free(p->hists);
	free(p->slots);
	free(p->open);
	free(p->stack);
	memset(p, 0, sizeof(*p));
}

static uint64_t ptr_hash(const void *f)
{
	uint64_t h = (uint64_t)(uintptr_t)f;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* The row of fn, added when new; NONE without memory. */
static uint32_t row_of(struct profile *p, const struct mfunc *fn)
{
	if ((p->n + 1) * 2 > p->nslots) {
		size_t ns = p->nslots ? p->nslots * 2 : 256;
		uint32_t *s = calloc(ns, sizeof(*s));

		if (!s)
			return NONE;
		for (size_t i = 0; i < p->n; i++) {
			size_t k = ptr_hash(p->rows[i].fn) & (ns - 1);

			while (s[k])
				k = (k + 1) & (ns - 1);
			s[k] = (uint32_t)i + 1;
		}
		free(p->slots);
		p->slots = s;
		p->nslots = ns;
	}
	size_t k = ptr_hash(fn) & (p->nslots - 1);

	while (p->slots[k]) {
		if (p->rows[p->slots[k] - 1].fn == fn)
			return p->slots[k] - 1;
		k = (k + 1) & (p->nslots - 1);
	}
	if (p->n >= NONE - 1)
		return NONE;
	if (!pt_grow((void **)&p->rows, &p->cap, p->n + 1, sizeof(*p->rows)))
		return NONE;
	if (p->hists_cap < p->n + 1) {
		/* open counts and histograms: one per row */
		size_t nc = p->cap;
		uint32_t *o = realloc(p->open, nc * sizeof(*o));

		if (!o)
			return NONE;
		p->open = o;
		struct hist *h = realloc(p->hists, nc * sizeof(*h));

		if (!h)
			return NONE;
		p->hists = h;
		p->hists_cap = nc;
	}
	uint32_t i = (uint32_t)p->n++;

	memset(&p->rows[i], 0, sizeof(p->rows[i]));
	p->rows[i].fn = fn;
	p->open[i] = 0;
	hist_init(&p->hists[i]);
	p->slots[k] = i + 1;
	return i;
}

static void add_path(struct profile *p, const struct model *m, const struct mpath *path, uint32_t r)
{
	struct prof_row *row = &p->rows[r];
	struct hist h;

	row->calls += path->count;
	row->self_ns += path->self_ns;
	row->sum_ns += path->total_ns;
	if (path->max_ns > row->max_ns)
		row->max_ns = path->max_ns;
	row->exceptions += path->exceptions;
	if (!p->open[r])
		row->total_ns += path->total_ns;
	if (path->count) {
		model_path_hist(m, path, &h);
		hist_merge(&p->hists[r], &h);
	}
}

/* Adds up the paths of one thread. */
static bool walk_thread(struct profile *p, const struct model *m, const struct mthread *t)
{
	int level = 0;
	size_t depth = 0;

	for (const struct mnode *n = model_next_preorder(m, VIEW_PATHS, &t->node, &level);
	     n && level > 0; n = model_next_preorder(m, VIEW_PATHS, n, &level)) {
		const struct mpath *path = (const struct mpath *)n;
		size_t d = (size_t)level - 1;

		/* leave the paths the walk came back up from */
		while (depth > d) {
			uint32_t r = p->stack[--depth];

			if (r != NONE)
				p->open[r]--;
		}
		if (!pt_grow((void **)&p->stack, &p->stack_cap, depth + 1, sizeof(*p->stack)))
			return false;
		uint32_t r = NONE;

		/* "(callers not seen)" is not a function: a level of its own */
		if (!path->fn->marker) {
			if ((r = row_of(p, path->fn)) == NONE)
				return false;
			p->paths++;
			add_path(p, m, path, r);
			p->open[r]++;
		}
		p->stack[depth++] = r;
	}
	while (depth) {
		uint32_t r = p->stack[--depth];

		if (r != NONE)
			p->open[r]--;
	}
	return true;
}

const struct mnode *profile_scope_of(const struct model *m, const struct mnode *n, bool thread)
{
	if (!n)
		return NULL;
	if (mnode_kind(n) == MN_CALL)
		n = &((const struct mcall *)n)->path->node;
	if (mnode_kind(n) == MN_PATH)
		n = &model_path_thread(m, (const struct mpath *)n)->node;
	if (mnode_kind(n) == MN_PROCESS)
		return !thread ? n : ((const struct mprocess *)n)->threads ?
				     &((const struct mprocess *)n)->threads->node : NULL;
	return thread ? n : &((const struct mthread *)n)->proc->node;
}

/* What a scope argument stands for: a process or thread, or NULL. */
static const struct mnode *scope_node(const struct model *m, const struct mnode *scope)
{
	if (scope && mnode_kind(scope) == MN_PROCESS)
		return scope;
	return profile_scope_of(m, scope, true);
}

/* A whole-run row's figures: its function's, as they are now. */
static void take_func(struct prof_row *r, const struct mfunc *f)
{
	r->calls = f->calls;
	r->total_ns = f->total_ns;
	r->self_ns = f->self_ns;
	r->sum_ns = f->hist.sum_ns;
	r->max_ns = f->hist.max_ns;
	r->exceptions = f->exceptions;
	r->hist = &f->hist;
}

void profile_sum_now(struct profile *p)
{
	uint64_t sum = 0;

	if (!p->live)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (__builtin_add_overflow(sum, p->rows[i].fn->self_ns, &sum))
			sum = UINT64_MAX;
	p->self_sum_ns = sum;
}

void profile_row_now(const struct profile *p, struct prof_row *r)
{
	if (!p->live)
		return;
	take_func(r, r->fn);
	r->p99_ns = hist_quantile(r->hist, 0.99);
}

static bool build_all(struct profile *p, const struct model *m)
{
	size_t nf = model_func_count(m);

	if (!pt_grow((void **)&p->rows, &p->cap, nf ? nf : 1, sizeof(*p->rows)))
		return false;
	for (size_t i = 0; i < nf; i++) {
		const struct mfunc *f = model_func_at(m, i);
		struct prof_row *r;

		if (f->marker)
			continue;
		r = &p->rows[p->n++];
		memset(r, 0, sizeof(*r));
		r->fn = f;
		take_func(r, f);
	}
	p->live = true;
	return true;
}

static void begin(struct profile *p, node_id scope)
{
	p->n = 0;
	p->paths = 0;
	p->self_sum_ns = 0;
	p->scope = scope;
	p->live = false;
	p->clock_step = 0;
	if (p->slots)
		memset(p->slots, 0, p->nslots * sizeof(*p->slots));
}

static bool finish(struct profile *p, bool ok, bool own_hists)
{
	if (!ok) {
		p->n = 0;
		return false;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct prof_row *r = &p->rows[i];

		if (own_hists)
			r->hist = &p->hists[i];
		r->p99_ns = hist_quantile(r->hist, 0.99);
		if (__builtin_add_overflow(p->self_sum_ns, r->self_ns, &p->self_sum_ns))
			p->self_sum_ns = UINT64_MAX;
	}
	return true;
}

bool profile_build(struct profile *p, const struct model *m, const struct mnode *scope)
{
	bool ok = true;

	scope = scope_node(m, scope);
	begin(p, scope ? scope->id : 0);
	p->clock_step = model_clock_step(m, scope);
	if (!scope)
		return finish(p, build_all(p, m), false);
	if (mnode_kind(scope) == MN_THREAD)
		ok = walk_thread(p, m, (const struct mthread *)scope);
	else
		for (const struct mthread *t = ((const struct mprocess *)scope)->threads; t && ok; t = t->next)
			ok = walk_thread(p, m, t);
	return finish(p, ok, true);
}

bool profile_build_threads(struct profile *p, const struct model *m,
			   bool (*keep)(const struct mthread *t, void *ctx), void *ctx)
{
	bool ok = true;

	begin(p, 0);
	for (const struct mnode *pn = model_first_child(m, VIEW_PATHS, NULL); pn && ok;
	     pn = model_next_sibling(m, VIEW_PATHS, pn))
		for (const struct mthread *t = ((const struct mprocess *)pn)->threads; t && ok; t = t->next)
			if (keep(t, ctx)) {
				ok = walk_thread(p, m, t);
				if (t->proc->clock_step > p->clock_step)
					p->clock_step = t->proc->clock_step;
			}
	return finish(p, ok, true);
}

void profile_remove_if(struct profile *p, bool (*drop)(const struct mfunc *fn, void *ctx), void *ctx)
{
	size_t w = 0;

	for (size_t i = 0; i < p->n; i++)
		if (!drop(p->rows[i].fn, ctx))
			p->rows[w++] = p->rows[i];
	p->n = w;
}

uint64_t profile_value(const struct profile *p, const struct prof_row *r, enum prof_col col)
{
	switch (col) {
	case PROF_CALLS: return r->calls;
	case PROF_TOTAL: return r->total_ns;
	case PROF_SELF: return r->self_ns;
	case PROF_AVG: return r->calls ? r->sum_ns / r->calls : 0;
	case PROF_P99: return r->p99_ns;
	case PROF_MAX: return r->max_ns;
	case PROF_EXC: return r->exceptions;
	case PROF_SHARE:
		return p->self_sum_ns ? (uint64_t)((double)r->self_ns / (double)p->self_sum_ns * 1e6) : 0;
	default: return 0;
	}
}

static int by_key(const void *a, const void *b)
{
	const struct prof_row *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return strcmp(x->fn->name, y->fn->name);
}

static int by_name(const void *a, const void *b)
{
	const struct prof_row *x = a, *y = b;

	return strcmp(x->fn->name, y->fn->name);
}

static int by_key_up(const void *a, const void *b)
{
	const struct prof_row *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->fn->name, y->fn->name);
}

void profile_sort(struct profile *p, enum prof_col col)
{
	if (!p->n)
		return;
	if (col == PROF_NAME) {
		qsort(p->rows, p->n, sizeof(*p->rows), by_name);
		return;
	}
	for (size_t i = 0; i < p->n; i++)
		p->rows[i].key = profile_value(p, &p->rows[i], col);
	qsort(p->rows, p->n, sizeof(*p->rows), by_key);
	/* rows (and so their histograms' owners) moved: a scoped row's
	 * histogram pointer moved with it, the block did not */
}

void profile_sort_like(struct profile *p, const struct mfunc *const *prev, size_t nprev,
		       enum prof_col col)
{
	size_t ns = 16;
	uint32_t *s;

	profile_sort(p, col);   /* the newcomers' order, and the fallback */
	while (ns < nprev * 2)
		ns *= 2;
	if (!nprev || !(s = calloc(ns, sizeof(*s))))
		return;
	for (size_t i = 0; i < nprev && i < NONE - 1; i++) {
		size_t k = ptr_hash(prev[i]) & (ns - 1);

		while (s[k])
			k = (k + 1) & (ns - 1);
		s[k] = (uint32_t)i + 1;
	}
	for (size_t i = 0; i < p->n; i++) {
		size_t k = ptr_hash(p->rows[i].fn) & (ns - 1);
		uint64_t key = (uint64_t)nprev + i;   /* after the held ones, as sorted */

		for (; s[k]; k = (k + 1) & (ns - 1))
			if (prev[s[k] - 1] == p->rows[i].fn) {
				key = s[k] - 1;
				break;
			}
		p->rows[i].key = key;
	}
	free(s);
	qsort(p->rows, p->n, sizeof(*p->rows), by_key_up);
}

struct caller {
	uint64_t total;
	node_id id;
};

static int by_total(const void *a, const void *b)
{
	const struct caller *x = a, *y = b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

size_t profile_callers(const struct model *m, const struct mnode *scope, const struct mfunc *fn,
		       node_id *out, size_t cap)
{
	struct caller *c = NULL;
	size_t n = 0, ccap = 0, total = 0;

	scope = scope_node(m, scope);
	for (const struct mnode *pn = model_first_child(m, VIEW_PATHS, NULL); pn;
	     pn = model_next_sibling(m, VIEW_PATHS, pn)) {
		if (scope && mnode_kind(scope) == MN_PROCESS && pn != scope)
			continue;
		for (const struct mthread *t = ((const struct mprocess *)pn)->threads; t; t = t->next) {
			int level = 0;

			if (scope && mnode_kind(scope) == MN_THREAD && &t->node != scope)
				continue;
			for (const struct mnode *x = model_next_preorder(m, VIEW_PATHS, &t->node, &level);
			     x && level > 0; x = model_next_preorder(m, VIEW_PATHS, x, &level)) {
				const struct mpath *path = (const struct mpath *)x;

				if (path->fn != fn)
					continue;
				total++;
				if (!pt_grow((void **)&c, &ccap, n + 1, sizeof(*c)))
					continue;   /* counted, not listed */
				c[n].total = path->total_ns;
				c[n++].id = x->id;
			}
		}
	}
	if (n)
		qsort(c, n, sizeof(*c), by_total);
	for (size_t i = 0; i < n && i < cap; i++)
		out[i] = c[i].id;
	free(c);
	return total;
}

const char *profile_col_name(enum prof_col col)
{
	static const char *const names[PROF_NCOLS] = {
		"function", "calls", "total", "self", "avg", "p99", "max", "exc", "share",
	};

	return col < PROF_NCOLS ? names[col] : "";
}

/* A name from the trace as one CSV field: quoted, quotes doubled, and no
 * control character written raw. */
static void csv_name(FILE *out, const char *name)
{
	char safe[4 * 1024 + 8];

	event_safe_text(safe, sizeof(safe), name, strlen(name), true);
	fputc('"', out);
	for (const char *s = safe; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

int profile_write_csv(const struct profile *p, FILE *out)
{
	fputs("function,calls,total_ns,self_ns,avg_ns,p99_ns,max_ns,exceptions,share_pct\n", out);
	for (size_t i = 0; i < p->n; i++) {
		const struct prof_row *r = &p->rows[i];

		csv_name(out, r->fn->name);
		fprintf(out, ",%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.4f\n", (unsigned long long)r->calls,
			(unsigned long long)r->total_ns, (unsigned long long)r->self_ns,
			(unsigned long long)profile_value(p, r, PROF_AVG), (unsigned long long)r->p99_ns,
			(unsigned long long)r->max_ns, (unsigned long long)r->exceptions,
			(double)profile_value(p, r, PROF_SHARE) / 1e4);
	}
	return ferror(out) ? -1 : 0;
}

int profile_write_text(const struct profile *p, FILE *out, const char *title)
{
	size_t namew = 8;
	char safe[4 * 1024 + 8];

	for (size_t i = 0; i < p->n; i++) {
		size_t l = event_safe_text(safe, sizeof(safe), p->rows[i].fn->name,
					   strlen(p->rows[i].fn->name), true);

		if (l > namew)
			namew = l < 60 ? l : 60;
	}
	if (title)
		fprintf(out, "%s\n", title);
	fprintf(out, "%-*s %12s %10s %10s %10s %10s %10s %8s %7s\n", (int)namew, "function", "calls",
		"total", "self", "avg", "p99", "max", "exc", "share");
	for (size_t i = 0; i < p->n; i++) {
		const struct prof_row *r = &p->rows[i];
		char t[5][32];

		event_safe_text(safe, sizeof(safe), r->fn->name, strlen(r->fn->name), true);
		hist_format_ns(r->total_ns, t[0], sizeof(t[0]));
		hist_format_ns(r->self_ns, t[1], sizeof(t[1]));
		hist_format_ns_step(profile_value(p, r, PROF_AVG), p->clock_step, t[2], sizeof(t[2]));
		hist_format_ns_step(r->p99_ns, p->clock_step, t[3], sizeof(t[3]));
		hist_format_ns_step(r->max_ns, p->clock_step, t[4], sizeof(t[4]));
		fprintf(out, "%-*s %12llu %10s %10s %10s %10s %10s %8llu %6.2f%%\n", (int)namew, safe,
			(unsigned long long)r->calls, t[0], t[1], t[2], t[3], t[4],
			(unsigned long long)r->exceptions, (double)profile_value(p, r, PROF_SHARE) / 1e4);
	}
	return ferror(out) ? -1 : 0;
}
