/* model_stats.c - exact figures from the writers' "stats" lines.
 *
 * A writer that announced stats_ms in its hello counts every call in the
 * traced thread, per call path, and sends the cumulative figures of the
 * paths that changed (lib/PROTOCOL.md).  Each stats node is mapped once to
 * the model's path of the same chain of functions, the very path the
 * thread's events use, and its figures replace the path's.  Functions,
 * threads and the whole run add their paths up, so they move by the
 * difference between a path's figures before and after.  The events of
 * such a thread then only feed the calls view: its figures are exact
 * whatever events were dropped (model.c leaves them alone).
 *
 * Everything here comes from the wire: entries that break the rules are
 * counted and left out (stats_bad), those that cannot be placed
 * (unknown id without fn, a path past max_paths) likewise (stats_ignored),
 * and the thread is then incomplete; nothing loops (a parent chain is
 * followed through the line's own entries once, a cycle refused) and the
 * memory stays bounded (one map entry per path the thread owns, bases at
 * most STATS_BASE_MAX). */
#include <config.h>

#include <string.h>

#include "model_priv.h"

/* Paths holding an earlier run's figures beside the current run's: a tid
 * reused after its thread's tally.  Past it, such entries are ignored. */
#define STATS_BASE_MAX 65536u

/* A line entry's state while the line's chains are resolved. */
enum { SL_NEW, SL_BUSY, SL_OK, SL_BAD, SL_IGNORED };

static size_t id_hash(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdull;
	id ^= id >> 33;
	return (size_t)id;
}

/* ---- the thread's map: node id -> path -------------------------------- */

static struct stats_ent *smap_find(const struct thread_ent *t, uint64_t id)
{
	if (!t->smap_cap)
		return NULL;
	uint32_t mask = t->smap_cap - 1;
	for (uint32_t i = (uint32_t)id_hash(id) & mask; t->smap[i].id; i = (i + 1) & mask)
		if (t->smap[i].id == id)
			return &t->smap[i];
	return NULL;
}

static void smap_insert(struct stats_ent *tab, uint32_t cap, const struct stats_ent *e)
{
	uint32_t mask = cap - 1, i = (uint32_t)id_hash(e->id) & mask;
	while (tab[i].id)
		i = (i + 1) & mask;
	tab[i] = *e;
}

static struct stats_ent *smap_add(struct model *m, struct thread_ent *t, uint64_t id,
				  uint32_t path, bool outer, uint32_t depth)
{
	if ((t->smap_n + 1) * 2 > t->smap_cap) {
		uint32_t ncap = t->smap_cap ? t->smap_cap * 2 : 64;
		struct stats_ent *nt = model_calloc(m, (size_t)ncap * sizeof(*nt));
		for (uint32_t i = 0; i < t->smap_cap; i++)
			if (t->smap[i].id)
				smap_insert(nt, ncap, &t->smap[i]);
		model_release(m, t->smap);
		t->smap = nt;
		t->smap_cap = ncap;
	}
	struct stats_ent e = { .id = id, .path = path, .outer = outer, .depth = depth };
	smap_insert(t->smap, t->smap_cap, &e);
	t->smap_n++;
	return smap_find(t, id);
}

static void chain_clear(struct thread_ent *t);

void model_stats_new_run(struct model *m, struct thread_ent *t)
{
	chain_clear(t);
	for (uint32_t i = 0; i < t->smap_cap; i++)
		if (t->smap[i].id)
			model_path_at(m, t->smap[i].path)->stats = 0;
	if (t->smap_cap)
		memset(t->smap, 0, (size_t)t->smap_cap * sizeof(*t->smap));
	t->smap_n = 0;
}

void model_stats_thread_free(struct model *m, struct thread_ent *t)
{
	model_release(m, t->chain);
	model_release(m, t->cset);
	model_release(m, t->smap);
	t->smap = NULL;
	t->smap_cap = t->smap_n = 0;
}

/* ---- bases: an earlier run's figures on a path ------------------------ */

static struct stats_base *base_find(const struct model *m, uint32_t path)
{
	if (!m->nbase)
		return NULL;
	size_t mask = m->bcap - 1;
	for (size_t i = id_hash(path) & mask; m->btab[i]; i = (i + 1) & mask)
		if (m->base[m->btab[i] - 1].path == path)
			return &m->base[m->btab[i] - 1];
	return NULL;
}

/* The path's figures now become its base; false past STATS_BASE_MAX. */
static bool base_take(struct model *m, struct mpath *p)
{
	uint32_t serial = model_path_serial(p);
	struct stats_base *b = base_find(m, serial);
	if (!b) {
		if (m->nbase >= STATS_BASE_MAX)
			return false;
		if (m->nbase == m->capbase) {
			size_t cap = m->capbase;
			m->base = model_grow(m, m->base, m->nbase, &cap, sizeof(*m->base));
			m->capbase = (uint32_t)cap;
		}
		if ((m->nbase + 1) * 2 > m->bcap) {
			size_t ncap = m->bcap ? m->bcap * 2 : 64;
			model_release(m, m->btab);
			m->btab = model_calloc(m, ncap * sizeof(*m->btab));
			m->bcap = ncap;
			for (uint32_t k = 0; k < m->nbase; k++) {
				size_t i = id_hash(m->base[k].path) & (ncap - 1);
				while (m->btab[i])
					i = (i + 1) & (ncap - 1);
				m->btab[i] = k + 1;
			}
		}
		b = &m->base[m->nbase++];
		size_t i = id_hash(serial) & (m->bcap - 1);
		while (m->btab[i])
			i = (i + 1) & (m->bcap - 1);
		m->btab[i] = m->nbase;
	}
	struct hist h;
	model_path_hist(m, p, &h);
	*b = (struct stats_base){ .path = serial, .count = p->count, .total = p->total_ns,
				  .self = p->self_ns, .max = p->max_ns, .exc = p->exceptions,
				  .abandoned = p->abandoned };
	memcpy(b->bucket, h.bucket, sizeof(b->bucket));
	return true;
}

/* ---- figures ---------------------------------------------------------- */

static uint64_t sat(uint64_t a, uint64_t b)
{
	uint64_t s;
	return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

static uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Makes a path's figures agree with each other as the model's own do
 * (self and max within total, the histogram holding count calls of at
 * most max): a writer's may not (hostile, or read while they changed).
 * True when something had to change. */
static bool normalize(uint64_t *count, uint64_t *total, uint64_t *self, uint64_t *max,
		      uint64_t bucket[HIST_BUCKETS], uint64_t missing)
{
	bool changed = false;
	if (!*count && (*total || *self || *max)) {
		*total = *self = *max = 0;
		changed = true;
	}
	if (*max > *total) {
		*max = *total;
		changed = true;
	}
	if (*self > *total) {
		*self = *total;
		changed = true;
	}
	/* one call is its max; two are max and the rest, which is no longer */
	if (*count == 1 && *max != *total) {
		*max = *total;
		changed = true;
	}
	if (*count == 2 && *total - *max > *max) {
		*max = *total - *max;
		changed = true;
	}
	if (*count < 3) {
		/* the figures tell the durations (as model_path_hist() does) */
		memset(bucket, 0, HIST_BUCKETS * sizeof(*bucket));
		if (*count >= 1)
			bucket[hist_bucket_of(*max)]++;
		if (*count == 2)
			bucket[hist_bucket_of(*total - *max)]++;
		return changed;
	}
	int top = hist_bucket_of(*max);
	uint64_t sum = 0;
	for (int i = top + 1; i < HIST_BUCKETS; i++) {
		if (bucket[i]) {
			bucket[top] += bucket[i];   /* longer than the longest */
			bucket[i] = 0;
			changed = true;
		}
	}
	for (int i = 0; i <= top; i++)
		sum += bucket[i];
	if (sum != *count || !bucket[top]) {
		/* Not the calls it counts: the difference taken at the top
		 * (the longest call is in its bucket).  Calls the writer said
		 * it could not put in (hist_missing) are no disagreement. */
		if (sum + missing != *count || (!bucket[top] && !missing))
			changed = true;
		for (int i = top; i >= 0 && sum > *count; i--) {
			uint64_t d = sum - *count < bucket[i] ? sum - *count : bucket[i];
			bucket[i] -= d;
			sum -= d;
		}
		bucket[top] += *count - sum;
		if (!bucket[top]) {
			for (int i = top - 1; i >= 0; i--)
				if (bucket[i]) {
					bucket[i]--;
					break;
				}
			bucket[top] = 1;
		}
	}
	return changed;
}

/* The node's figures (plus the path's base) replace the path's; its
 * function, thread and the run move by the difference. */
static void apply_figures(struct model *m, struct thread_ent *t, const struct stats_ent *e,
			  const struct event_stats_node *n, const struct event_hist_pair *pairs)
{
	struct mpath *p = model_path_at(m, e->path);
	const struct stats_base *b = base_find(m, e->path);
	struct hist before, after;
	model_path_hist(m, p, &before);
	uint64_t oc = p->count, ot = p->total_ns, os = p->self_ns;
	uint32_t oe = p->exceptions, oa = p->abandoned;

	uint64_t bucket[HIST_BUCKETS] = { 0 };
	for (uint32_t i = 0; i < n->hist_n; i++)
		bucket[pairs[n->hist_off + i].bucket] = pairs[n->hist_off + i].count;
	uint64_t count = n->count, total = n->total, self = n->self, max = n->max;
	if (normalize(&count, &total, &self, &max, bucket, n->hist_missing))
		m->st.stats_clamped++;
	uint64_t exc = n->exc, ab = n->abandoned;
	if (b) {
		count = sat(count, b->count);
		total = sat(total, b->total);
		self = sat(self, b->self);
		if (b->max > max)
			max = b->max;
		exc = sat(exc, b->exc);
		ab = sat(ab, b->abandoned);
		for (int i = 0; i < HIST_BUCKETS; i++)
			bucket[i] = sat(bucket[i], b->bucket[i]);
	}
	p->count = count;
	p->total_ns = total;
	p->self_ns = self;
	p->max_ns = max;
	p->exceptions = sat32(exc);
	p->abandoned = sat32(ab);
	/* As with events, a path's histogram is kept from its third call:
	 * up to two, count, total and max tell the durations. */
	if (p->count >= 3 || p->link.hist) {
		if (!p->link.hist)
			p->link.hist = model_chunkvec_add(m, &m->hists, sizeof(struct hist_compact));
		int lo = 0;
		while (lo < HIST_BUCKETS - 1 && !bucket[lo])
			lo++;
		/* The writer sends no minimum: its bucket's lower bound. */
		uint64_t min = hist_bucket_lo(lo);
		hist_compact_set(model_hist_at(m, p->link.hist), bucket,
				 min < p->max_ns ? min : p->max_ns, &m->halloc);
	}
	model_path_hist(m, p, &after);

	struct mfunc *f = p->fn;
	f->calls += p->count - oc;
	f->self_ns += p->self_ns - os;
	if (e->outer)
		f->total_ns += p->total_ns - ot;
	f->exceptions += (uint64_t)p->exceptions - oe;
	f->abandoned += (uint64_t)p->abandoned - oa;
	hist_replace_part(&f->hist, &before, &after);
	hist_replace_part(&t->hist, &before, &after);
	hist_replace_part(&m->all, &before, &after);
	if (p->exceptions != oe) {
		t->stats_exc += (uint64_t)p->exceptions - oe;
		t->sx_dirty = true;
	}
}

/* ---- placing a line's entries ------------------------------------------ */

static void sl_reserve(struct model *m, size_t n)
{
	size_t need = 16;
	while (need < 2 * n)
		need *= 2;
	if (m->sl_cap < need) {
		model_release(m, m->sl_key);
		model_release(m, m->sl_val);
		model_release(m, m->sl_path);
		model_release(m, m->sl_state);
		model_release(m, m->sl_stack);
		m->sl_key = model_alloc(m, need * sizeof(*m->sl_key));
		m->sl_stack = model_alloc(m, need * sizeof(*m->sl_stack));
		m->sl_val = model_alloc(m, need * sizeof(*m->sl_val));
		m->sl_path = model_alloc(m, need * sizeof(*m->sl_path));
		m->sl_state = model_alloc(m, need * sizeof(*m->sl_state));
		m->sl_cap = need;
	}
	memset(m->sl_key, 0, m->sl_cap * sizeof(*m->sl_key));
}

/* The line's first entry defining `id` (with fn), or -1. */
static long sl_find(const struct model *m, uint64_t id)
{
	size_t mask = m->sl_cap - 1;
	for (size_t i = id_hash(id) & mask; m->sl_key[i]; i = (i + 1) & mask)
		if (m->sl_key[i] == id)
			return m->sl_val[i];
	return -1;
}

static void sl_add(struct model *m, uint64_t id, uint32_t idx)
{
	size_t mask = m->sl_cap - 1, i = id_hash(id) & mask;
	while (m->sl_key[i]) {
		if (m->sl_key[i] == id)
			return;
		i = (i + 1) & mask;
	}
	m->sl_key[i] = id;
	m->sl_val[i] = idx;
}

/* ---- outermost paths --------------------------------------------------- */

/* Whether no path above a new one has its function.  The thread keeps the
 * chain of paths down to the node placed last, with a count of each
 * function on it: a node placed under the chain's last path, or under one
 * on the chain (a writer sends a path's node before its children), costs
 * O(1).  Otherwise the chain is rebuilt from the parent up, for a parent
 * at most STATS_CHAIN_REBUILD deep; deeper, the parent's ancestors are
 * looked at up to STATS_OUTER_WALK of them, and past that the path is
 * taken as outermost and counted unsure (the cost stays bounded whatever
 * shape the writer's tree has). */
#define STATS_CHAIN_REBUILD 4096u
#define STATS_OUTER_WALK 1024u

static struct chain_fn *cset_slot(struct thread_ent *t, const struct func_ent *f)
{
	uint32_t mask = t->cset_cap - 1;
	for (uint32_t i = f->hash & mask;; i = (i + 1) & mask)
		if (!t->cset[i].f || t->cset[i].f == f)
			return &t->cset[i];
}

/* Functions stay in the table when their count drops to 0 (no deletion
 * in linear probing): it holds at most the functions of the thread. */
static void cset_add(struct model *m, struct thread_ent *t, const struct func_ent *f, int d)
{
	if ((t->cset_used + 1) * 2 > t->cset_cap) {
		struct chain_fn *old = t->cset;
		uint32_t ocap = t->cset_cap;
		t->cset_cap = ocap ? ocap * 2 : 64;
		t->cset = model_calloc(m, (size_t)t->cset_cap * sizeof(*t->cset));
		for (uint32_t i = 0; i < ocap; i++)
			if (old[i].f)
				*cset_slot(t, old[i].f) = old[i];
		model_release(m, old);
	}
	struct chain_fn *c = cset_slot(t, f);
	if (!c->f) {
		c->f = f;
		t->cset_used++;
	}
	c->n += (uint32_t)d;
}

static bool cset_has(const struct thread_ent *t, const struct func_ent *f)
{
	if (!t->cset_cap)
		return false;
	uint32_t mask = t->cset_cap - 1;
	for (uint32_t i = f->hash & mask; t->cset[i].f; i = (i + 1) & mask)
		if (t->cset[i].f == f)
			return t->cset[i].n != 0;
	return false;
}

static const struct func_ent *fent(const struct mpath *p)
{
	return MODEL_CONTAINER(p->fn, const struct func_ent, pub);
}

static void chain_cut(struct model *m, struct thread_ent *t, uint32_t n)
{
	while (t->chain_n > n)
		cset_add(m, t, fent(model_path_at(m, t->chain[--t->chain_n])), -1);
}

static void chain_clear(struct thread_ent *t)
{
	t->chain_n = 0;
	if (t->cset_cap)
		memset(t->cset, 0, (size_t)t->cset_cap * sizeof(*t->cset));
	t->cset_used = 0;
}

static void chain_push(struct model *m, struct thread_ent *t, uint32_t serial)
{
	if (t->chain_n == t->chain_cap) {
		size_t cap = t->chain_cap;
		t->chain = model_grow(m, t->chain, t->chain_n, &cap, sizeof(*t->chain));
		t->chain_cap = (uint32_t)cap;
	}
	t->chain[t->chain_n++] = serial;
	cset_add(m, t, fent(model_path_at(m, serial)), 1);
}

/* p, new, under parent ps (0: the top) at depth pdepth + 1. */
static bool outermost(struct model *m, struct thread_ent *t, const struct mpath *p, uint32_t ps,
		      uint32_t pdepth)
{
	const struct func_ent *f = fent(p);
	if (!ps) {
		chain_cut(m, t, 0);
	} else if (t->chain_n > pdepth && t->chain[pdepth] == ps) {
		chain_cut(m, t, pdepth + 1);
	} else if (pdepth < STATS_CHAIN_REBUILD) {
		chain_clear(t);
		uint32_t n = 0;
		for (uint32_t s = ps; s; s = model_path_at(m, s)->link.parent)
			n++;
		while (t->chain_cap < n) {
			size_t cap = t->chain_cap;
			t->chain = model_grow(m, t->chain, t->chain_n, &cap, sizeof(*t->chain));
			t->chain_cap = (uint32_t)cap;
		}
		uint32_t i = n;
		for (uint32_t s = ps; s; s = model_path_at(m, s)->link.parent) {
			t->chain[--i] = s;
			cset_add(m, t, fent(model_path_at(m, s)), 1);
		}
		t->chain_n = n;
	} else {
		chain_clear(t);
		uint32_t steps = 0;
		for (uint32_t s = ps; s; s = model_path_at(m, s)->link.parent) {
			if (model_path_at(m, s)->fn == p->fn)
				return false;
			if (++steps == STATS_OUTER_WALK) {
				m->st.stats_unsure++;
				return true;
			}
		}
		return true;
	}
	bool outer = !cset_has(t, f);
	chain_push(m, t, model_path_serial(p));
	return outer;
}

/* A new node of the thread under the node pe (NULL: top level): its
 * state, and its path's serial in *out. */
static int place(struct model *m, struct thread_ent *t, const struct event_stats_node *n,
		 const struct stats_ent *pe, uint32_t *out)
{
	uint32_t ps = pe && !n->other ? pe->path : 0;
	uint32_t pdepth = ps ? pe->depth : 0;
	struct mpath *parent = ps ? model_path_at(m, ps) : NULL;
	bool full = parent && m->paths.n >= m->cfg.max_paths;
	struct func_ent *f = n->other ? m->other
			   : full ? model_func_lookup(m, n->fn.s, n->fn.len)
				  : model_func_intern(m, n->fn.s, n->fn.len);
	struct mpath *p = f ? model_path_find(m, t, parent, f) : NULL;
	if (!p) {
		if (full)
			return SL_IGNORED;       /* past max_paths: not shown, counted */
		p = model_path_get(m, t, parent, f);
	}
	if (p->stats)
		return SL_BAD;               /* another node of this run has it */
	if ((p->count || p->total_ns || p->exceptions || p->abandoned) && !base_take(m, p))
		return SL_IGNORED;
	p->stats = p->backed = 1;
	*out = model_path_serial(p);
	bool outer = outermost(m, t, p, ps, pdepth);
	uint32_t depth = !ps ? 0 : pdepth + 1 < (1u << 31) ? pdepth + 1 : (1u << 31) - 1;
	smap_add(m, t, n->id, *out, outer, depth);
	return SL_OK;
}

/* A known node given again: it must name the same function and parent. */
static int check_known(const struct model *m, const struct thread_ent *t,
		       const struct event_stats_node *n, const struct stats_ent *e)
{
	const struct mpath *p = model_path_at(m, e->path);
	if (n->fn.s && !(n->other ? p->fn == &m->other->pub
				  : model_func_is(p->fn, n->fn.s, n->fn.len)))
		return SL_BAD;
	if (n->has_parent) {
		const struct stats_ent *pe = n->parent ? smap_find(t, n->parent) : NULL;
		if (n->parent ? !pe || pe->path != p->link.parent : p->link.parent != 0)
			return SL_BAD;
	}
	return SL_OK;
}

/* Entry i's state, following its chain of parents through the line's own
 * entries (each one once: the chain's entries are SL_BUSY on the way up,
 * and one found busy again closes a cycle). */
static void resolve(struct model *m, struct thread_ent *t, const struct event *ev, uint32_t i)
{
	const struct event_stats_node *nodes = ev->stats;
	uint32_t *stack = m->sl_stack;
	uint32_t sp = 0;

	if (m->sl_state[i] != SL_NEW)
		return;
	stack[sp++] = i;
	while (sp) {
		uint32_t j = stack[sp - 1];
		const struct event_stats_node *n = &nodes[j];
		uint64_t parent = n->has_parent && !n->other ? n->parent : 0;
		if (m->sl_state[j] == SL_NEW) {
			if (!parent) {
				m->sl_state[j] = (uint8_t)place(m, t, n, NULL, &m->sl_path[j]);
				sp--;
				continue;
			}
			const struct stats_ent *pe = smap_find(t, parent);
			if (pe) {
				struct stats_ent pc = *pe;  /* place() may move the map */
				m->sl_state[j] = (uint8_t)place(m, t, n, &pc, &m->sl_path[j]);
				sp--;
				continue;
			}
			long k = sl_find(m, parent);
			if (k < 0) {
				m->sl_state[j] = SL_IGNORED;  /* a parent never seen */
				sp--;
				continue;
			}
			if (m->sl_state[k] == SL_BUSY) {
				m->sl_state[j] = SL_BAD;      /* a cycle */
				sp--;
				continue;
			}
			m->sl_state[j] = SL_BUSY;
			if (m->sl_state[k] == SL_NEW) {
				stack[sp++] = (uint32_t)k;
				continue;
			}
		}
		/* SL_BUSY: its parent, entry k of the line, is decided */
		long k = sl_find(m, parent);
		if (m->sl_state[k] == SL_OK) {
			struct stats_ent pc = *smap_find(t, nodes[k].id);
			m->sl_state[j] = (uint8_t)place(m, t, n, &pc, &m->sl_path[j]);
		}
		else {
			m->sl_state[j] = m->sl_state[k] == SL_BAD ? SL_BAD : SL_IGNORED;
		}
		sp--;
	}
}

void model_stats_apply(struct model *m, struct thread_ent *t, const struct event *ev)
{
	m->st.stats_bad += ev->stats_bad;
	if (!t->pub.stats) {
		/* its process announced no stats: its figures are its events' */
		m->st.stats_ignored += ev->nstats;
		return;
	}
	t->pub.stats_lines++;
	m->st.stats_lines++;
	uint64_t lost = ev->stats_bad;
	size_t n = ev->nstats;
	sl_reserve(m, n);
	for (size_t i = 0; i < n; i++) {
		m->sl_state[i] = SL_NEW;
		if (ev->stats[i].fn.s && !smap_find(t, ev->stats[i].id))
			sl_add(m, ev->stats[i].id, (uint32_t)i);
	}
	for (size_t i = 0; i < n; i++) {
		const struct event_stats_node *nd = &ev->stats[i];
		const struct stats_ent *e = smap_find(t, nd->id);
		if (e) {
			m->sl_state[i] = (uint8_t)check_known(m, t, nd, e);
		} else if (!nd->fn.s) {
			m->sl_state[i] = SL_IGNORED;  /* unknown, and not described */
		} else if (sl_find(m, nd->id) != (long)i) {
			m->sl_state[i] = SL_BAD;      /* the line defined this id before */
		} else {
			resolve(m, t, ev, (uint32_t)i);
			continue;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct stats_ent *e;
		switch (m->sl_state[i]) {
		case SL_OK:
			e = smap_find(t, ev->stats[i].id);
			apply_figures(m, t, e, &ev->stats[i], ev->stats_hist);
			m->st.stats_nodes++;
			break;
		case SL_BAD:
			m->st.stats_bad++;
			lost++;
			break;
		default:
			m->st.stats_ignored++;
			lost++;
			break;
		}
	}
	t->pub.stats_lost += lost;
}

/* Sets the subtree exceptions of t's paths from their own (stats), in
 * one walk of its paths: each one's sum goes to its parent when the walk
 * leaves it. */
void model_stats_sx_refresh(const struct model *cm, const struct thread_ent *ct)
{
	if (!ct->sx_dirty)
		return;
	/* A cache of figures already in the model, filled on the first look
	 * after they changed: a view's query may fill it. */
	struct model *m = (struct model *)cm;
	struct thread_ent *t = (struct thread_ent *)ct;
	t->sx_dirty = false;
	struct { uint32_t serial; uint64_t sum; } *st = NULL;
	size_t nst = 0, cap = 0;
	int level = 0;
	const struct mnode *top = &t->pub.node;
	for (const struct mnode *n = model_first_child(m, VIEW_PATHS, top); n;) {
		/* level: 0 for the thread's top paths */
		while (nst > (size_t)level) {
			nst--;
			model_excsum_set(m, st[nst].serial, st[nst].sum);
			if (nst)
				st[nst - 1].sum += st[nst].sum;
		}
		if (nst == cap)
			st = model_grow(m, st, nst, &cap, sizeof(*st));
		const struct mpath *p = (const struct mpath *)n;
		st[nst].serial = model_path_serial(p);
		st[nst].sum = p->exceptions;
		nst++;
		n = model_next_preorder(m, VIEW_PATHS, n, &level);
		if (n && mnode_kind(n) != MN_PATH)
			break;               /* left the thread */
		if (n && level < 0)
			break;
	}
	while (nst) {
		nst--;
		model_excsum_set(m, st[nst].serial, st[nst].sum);
		if (nst)
			st[nst - 1].sum += st[nst].sum;
	}
	model_release(m, st);
}

void model_stats_free(struct model *m)
{
	model_release(m, m->base);
	model_release(m, m->btab);
	model_release(m, m->sl_key);
	model_release(m, m->sl_val);
	model_release(m, m->sl_path);
	model_release(m, m->sl_state);
	model_release(m, m->sl_stack);
}
