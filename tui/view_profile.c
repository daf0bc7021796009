/* view_profile.c - the profile view: one row per function over a scope,
 * sortable by any column, and a function's call paths.
 *
 * The rows are a snapshot (model_profile.c) made again when the model
 * moved, at most as often as the loop asks (about once a second: a
 * process's or thread's rows walk all its paths).  After a key the order
 * is held for PROFILE_HOLD_NS while the figures go on changing; the
 * cursor is held by function, so a re-sort moves it with its row. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scope.h"
#include "view_profile.h"

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void profile_view_init(struct profile_view *pv, const struct model *m, const struct tree_view *tv)
{
	memset(pv, 0, sizeof(*pv));
	pv->m = m;
	pv->tv = tv;
	pv->sort = PROF_TOTAL;
	pv->now = mono_ns;
	pv->last_key_ns = INT64_MIN / 2;
	pv->big_paths = PROFILE_BIG_PATHS;
	profile_init(&pv->prof);
}

void profile_view_free(struct profile_view *pv)
{
	profile_free(&pv->prof);
	free(pv->callers);
	memset(pv, 0, sizeof(*pv));
}

void profile_view_resize(struct profile_view *pv, int height, int width)
{
	pv->height = height < 0 ? 0 : height;
	pv->width = width;
}

/* The figures' scope: the view's own, else the calls pane's filter to
 * one process or thread, else everything (NULL). */
static const struct mnode *scope_node(const struct profile_view *pv)
{
	if (pv->scope)
		return model_find(pv->m, pv->scope);
	if (pv->tv && pv->tv->scope.only)
		return model_find(pv->m, pv->tv->scope.only);
	return NULL;
}

static bool keep_thread(const struct mthread *t, void *ctx)
{
	const struct tree_view *tv = ctx;

	return scope_shows_thread(&tv->scope, tv->m, t);
}

static bool hidden_fn(const struct mfunc *fn, void *ctx)
{
	return scope_fn_hidden(ctx, fn);
}

/* The rows of the scope, under the calls pane's filters: ended processes
 * left out, hidden functions' rows too. */
static void build(struct profile_view *pv)
{
	const struct mnode *s = scope_node(pv);
	const struct scope *f = pv->tv ? &pv->tv->scope : NULL;

	if (!s && f && f->hide_ended)
		profile_build_threads(&pv->prof, pv->m, keep_thread, (void *)pv->tv);
	else
		profile_build(&pv->prof, pv->m, s);
	if (f && f->nhidden)
		profile_remove_if(&pv->prof, hidden_fn, (void *)f);
	pv->filter_stamp = pv->tv ? pv->tv->scope_stamp : 0;
	pv->name_need = 0;
	for (size_t i = 0; i < pv->prof.n && pv->name_need < PROFILE_NAME_WANT; i++) {
		size_t l = strlen(pv->prof.rows[i].fn->name);

		if (l > (size_t)pv->name_need)
			pv->name_need = l < PROFILE_NAME_WANT ? (int)l : PROFILE_NAME_WANT;
	}
}

static size_t cursor_index(const struct profile_view *pv)
{
	for (size_t i = 0; i < pv->prof.n; i++)
		if (pv->prof.rows[i].fn == pv->cursor_fn)
			return i;
	return 0;
}

static void load_callers(struct profile_view *pv)
{
	if (!pv->callers && !(pv->callers = malloc(PROFILE_CALLERS_MAX * sizeof(*pv->callers))))
		return;
	pv->callers_total = profile_callers(pv->m, scope_node(pv), pv->callers_of, pv->callers,
					    PROFILE_CALLERS_MAX);
	pv->ncallers = pv->callers_total < PROFILE_CALLERS_MAX ? pv->callers_total : PROFILE_CALLERS_MAX;
	if (pv->ccursor >= pv->ncallers)
		pv->ccursor = pv->ncallers ? pv->ncallers - 1 : 0;
}

/* held: keep the order shown (new functions after it) */
static void rebuild(struct profile_view *pv, bool held)
{
	const struct mfunc **prev = NULL;
	size_t nprev = pv->prof.n;

	if (held && nprev && (prev = malloc(nprev * sizeof(*prev))))
		for (size_t i = 0; i < nprev; i++)
			prev[i] = pv->prof.rows[i].fn;
	build(pv);
	if (prev)
		profile_sort_like(&pv->prof, prev, nprev, pv->sort);
	else
		profile_sort(&pv->prof, pv->sort);
	free(prev);
	pv->built_gen = model_generation(pv->m);
	pv->built_ns = pv->now();
	pv->sum_gen = 0;   /* the build's sum may be older than the rows drawn */
	if (!pv->cursor_fn && pv->prof.n)
		pv->cursor_fn = pv->prof.rows[0].fn;
	if (pv->callers_of && !held)
		load_callers(pv);
}

/* Never made, or made under other filters than the calls pane's now. */
static bool stale(const struct profile_view *pv)
{
	return !pv->built_gen || (pv->tv && pv->filter_stamp != pv->tv->scope_stamp);
}

bool profile_view_refresh(struct profile_view *pv, bool force)
{
	if (!pv->on)
		return false;
	/* the calls pane's filters changed: that is the user's doing */
	if (stale(pv))
		force = true;
	if (!force && pv->built_gen && pv->built_gen == model_generation(pv->m))
		return false;
	/* a scope of very many paths takes a noticeable time to add up */
	if (!force && pv->prof.paths > pv->big_paths && pv->now() - pv->built_ns < PROFILE_BIG_NS)
		return false;
	rebuild(pv, !force && pv->now() - pv->last_key_ns < PROFILE_HOLD_NS);
	return true;
}

/* ---- drawing ---------------------------------------------------------------- */

/* Width of each column, 0 when left out for want of room; the name takes
 * what is left.  x[c] is where column c ends (one past). */
struct layout {
	int w[PROF_NCOLS];
	int end[PROF_NCOLS];
	int name_w;
};

static void lay_out(const struct profile_view *pv, struct layout *L)
{
	static const int full[PROF_NCOLS] = { 0, 9, 10, 10, 10, 10, 10, 7, 8 };
	/* left out first when narrow */
	static const enum prof_col drop[] = { PROF_AVG, PROF_EXC, PROF_P99, PROF_MAX, PROF_SHARE, PROF_SELF };
	int sum = 0;
	/* Room for the names (16 columns at least, a quarter of the pane at most):
	 * at 160 columns sqlite's names were cut to 18 ("sqlite3BtreePaylo…"
	 * twice), shorter than at 80, where more columns had given way. */
	int need = pv->name_need + 2, most = pv->width / 4;

	if (need > most)
		need = most;
	if (need < 16)
		need = 16;
	memcpy(L->w, full, sizeof(L->w));
	if (pv->callers_of)
		L->w[PROF_SHARE] = 0;   /* paths have none: room for their callers */
	for (int c = 1; c < PROF_NCOLS; c++)
		sum += L->w[c];
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]) && pv->width - sum < need; i++) {
		sum -= L->w[drop[i]];
		L->w[drop[i]] = 0;
	}
	L->name_w = pv->width - sum - 1;
	if (L->name_w < 4)
		L->name_w = 4;
	int x = 1 + L->name_w;

	L->end[PROF_NAME] = x;
	for (int c = 1; c < PROF_NCOLS; c++) {
		x += L->w[c];
		L->end[c] = x;
	}
}

static void fmt_col(const struct profile *p, const struct prof_row *r, enum prof_col c, char *buf,
		    size_t size)
{
	uint64_t v = profile_value(p, r, c);

	switch (c) {
	case PROF_CALLS:
		draw_count(v, buf, size);
		break;
	case PROF_EXC:
		if (v)
			draw_count(v, buf, size);
		else
			snprintf(buf, size, "%s", "");
		break;
	case PROF_SHARE:
		snprintf(buf, size, "%.1f%%", (double)v / 1e4);
		break;
	case PROF_AVG:
	case PROF_P99:
	case PROF_MAX:
		/* one call's figures: below the clock's step, say so (sums
		 * of many calls may well be) */
		if (!r->calls)
			buf[0] = 0;
		else
			hist_format_ns_step(v, p->clock_step, buf, size);
		break;
	default:
		if (!r->calls)
			buf[0] = 0;
		else
			hist_format_ns(v, buf, size);
	}
}

void profile_view_scope_text(const struct profile_view *pv, char *buf, size_t size)
{
	const struct mnode *s = scope_node(pv);

	if (!s) {
		snprintf(buf, size, pv->tv && pv->tv->scope.hide_ended ? "all live processes" : "all processes");
	} else if (mnode_kind(s) == MN_PROCESS) {
		const struct mprocess *p = (const struct mprocess *)s;

		snprintf(buf, size, "process %d%s%s", (int)p->pid, *p->prog ? " " : "", p->prog);
	} else {
		const struct mthread *t = (const struct mthread *)s;

		snprintf(buf, size, "thread %d%s%s", (int)t->tid, t->name ? " " : "", t->name ? t->name : "");
	}
}

/* "sample 12.3 % of events" when the scope's figures are from a sample
 * (threads whose writers send stats are exact whatever was lost);
 * *exact: the scope's threads with stats. */
static bool sample_text(const struct profile_view *pv, char *buf, size_t size, uint32_t *exact)
{
	uint64_t received, lost;
	uint32_t ex = 0;
	char pct[16];

	model_scope_figures(pv->m, scope_node(pv), &received, &lost, &ex);
	if (exact)
		*exact = ex;
	if (!lost)
		return false;
	model_share_text(received, lost, pct, sizeof(pct));
	snprintf(buf, size, ex ? "sample %s %% where no stats" : "sample %s %% of events", pct);
	return true;
}

static void draw_header(struct profile_view *pv, WINDOW *w, const struct layout *L, bool callers)
{
	attr_t a = draw_attr(COL_DIM) | A_UNDERLINE;
	char note[64], head[32];
	int n;

	uint32_t exact;
	bool sample = sample_text(pv, note, sizeof(note), &exact);

	draw_blank(w, 1, 1, pv->width, a);
	n = draw_text(w, 1, 1, L->name_w,
		      callers ? "called from (path)" : !sample && exact ? "function (exact)" : "function", a);
	if (sample && n + 2 < L->name_w)
		draw_text(w, 1, 2 + n, L->name_w - n - 1, note, draw_attr(COL_WARN) | A_UNDERLINE);
	for (int c = 1; c < PROF_NCOLS; c++) {
		bool sorted = !callers && (enum prof_col)c == pv->sort;

		if (!L->w[c] || (callers && c == PROF_SHARE))
			continue;
		snprintf(head, sizeof(head), "%s%s", profile_col_name((enum prof_col)c),
			 sorted ? (draw_utf8() ? "\u25be" : "*") : "");
		draw_text_right(w, 1, L->end[c], L->w[c], head, sorted ? a | A_BOLD | A_REVERSE : a);
	}
	if (!callers && pv->sort == PROF_NAME) {
		snprintf(head, sizeof(head), "function%s", draw_utf8() ? "\u25b4" : "^");
		draw_text(w, 1, 1, L->name_w, head, a | A_BOLD | A_REVERSE);
	}
}

static void draw_fn_row(struct profile_view *pv, WINDOW *w, int y, const struct layout *L,
			const struct prof_row *row, bool is_cursor, bool focused)
{
	attr_t base = is_cursor ? (focused ? draw_attr(COL_CURSOR) : A_REVERSE) : draw_attr(COL_NORMAL);
	struct prof_row now = *row;
	const struct prof_row *r = &now;
	char buf[48];

	/* the whole run's figures are drawn as they are now (the order is
	 * the last sort's): the histogram pane beside them is live too */
	profile_row_now(&pv->prof, &now);
	draw_blank(w, y, 1, pv->width, base);
	draw_text(w, y, 2, L->name_w - 1, r->fn->name, base);
	for (int c = 1; c < PROF_NCOLS; c++) {
		if (!L->w[c])
			continue;
		fmt_col(&pv->prof, r, (enum prof_col)c, buf, sizeof(buf));
		draw_text_right(w, y, L->end[c], L->w[c], buf,
			  c == PROF_EXC && !is_cursor ? draw_attr(COL_EXC) : base);
	}
}

/* "tid › outer › … › fn", cut at the left when it does not fit. */
static void path_label(const struct model *m, const struct mpath *p, char *buf, size_t size)
{
	const char *sep = draw_utf8() ? " \u203a " : " > ";
	const struct mnode *chain[64];
	int n = 0, more = 0;

	for (const struct mnode *x = &p->node; x && mnode_kind(x) == MN_PATH;
	     x = model_parent(m, VIEW_PATHS, x)) {
		if (n < 64)
			chain[n++] = x;
		else
			more++;
	}
	const struct mthread *t = model_path_thread(m, p);
	size_t at = (size_t)snprintf(buf, size, "%d", t ? (int)t->tid : 0);

	if (more && at < size)
		at += (size_t)snprintf(buf + at, size - at, "%s%s(%d more)", sep, draw_glyphs()->ellipsis, more);
	for (int i = n - 1; i >= 0 && at < size; i--)
		at += (size_t)snprintf(buf + at, size - at, "%s%s", sep,
				       ((const struct mpath *)chain[i])->fn->name);
}

static void draw_path_row(struct profile_view *pv, WINDOW *w, int y, const struct layout *L,
			  const struct mpath *p, bool is_cursor, bool focused)
{
	attr_t base = is_cursor ? (focused ? draw_attr(COL_CURSOR) : A_REVERSE) : draw_attr(COL_NORMAL);
	struct prof_row r = { .fn = p->fn, .calls = p->count, .total_ns = p->total_ns,
			      .self_ns = p->self_ns, .sum_ns = p->total_ns, .max_ns = p->max_ns,
			      .exceptions = p->exceptions };
	char buf[48], label[1024];
	struct hist h;

	model_path_hist(pv->m, p, &h);
	r.p99_ns = hist_quantile(&h, 0.99);
	draw_blank(w, y, 1, pv->width, base);
	path_label(pv->m, p, label, sizeof(label));
	/* the innermost callers matter most: keep the end in view */
	const char *s = label;
	int x = 2;

	if (draw_width(s) > L->name_w - 1) {
		x += draw_text(w, y, x, 1, draw_glyphs()->ellipsis, base);
		while (*s && draw_width(s) > L->name_w - 2) {
			s++;
			while ((*s & 0xc0) == 0x80)
				s++;
		}
	}
	draw_text(w, y, x, L->name_w + 1 - x, s, base);
	for (int c = 1; c < PROF_NCOLS; c++) {
		if (!L->w[c] || c == PROF_SHARE)
			continue;
		fmt_col(&pv->prof, &r, (enum prof_col)c, buf, sizeof(buf));
		draw_text_right(w, y, L->end[c], L->w[c], buf,
			  c == PROF_EXC && !is_cursor ? draw_attr(COL_EXC) : base);
	}
}

static void clamp_top(size_t *top, size_t cur, size_t n, int height)
{
	size_t h = height > 0 ? (size_t)height : 1;

	if (cur < *top)
		*top = cur;
	if (cur >= *top + h)
		*top = cur - h + 1;
	if (*top + h > n)
		*top = n > h ? n - h : 0;
}

void profile_view_draw(struct profile_view *pv, WINDOW *w, bool focused)
{
	char title[200], scope[120], note[64];
	struct layout L;

	if (stale(pv))
		rebuild(pv, false);
	profile_view_scope_text(pv, scope, sizeof(scope));
	if (pv->callers_of)
		snprintf(title, sizeof(title), "Profile: %s called from %zu path%s, %s", pv->callers_of->name,
			 pv->callers_total, pv->callers_total == 1 ? "" : "s", scope);
	else if (sample_text(pv, note, sizeof(note), NULL))
		snprintf(title, sizeof(title), "Profile: %s, by %s (%s)", scope, profile_col_name(pv->sort), note);
	else
		snprintf(title, sizeof(title), "Profile: %s, by %s", scope, profile_col_name(pv->sort));
	werase(w);
	draw_frame(w, title, focused);
	if (pv->height <= 0)
		return;
	lay_out(pv, &L);
	draw_header(pv, w, &L, pv->callers_of != NULL);
	if (pv->callers_of) {
		clamp_top(&pv->ctop, pv->ccursor, pv->ncallers, pv->height);
		for (int i = 0; i < pv->height && pv->ctop + (size_t)i < pv->ncallers; i++) {
			const struct mnode *n = model_find(pv->m, pv->callers[pv->ctop + (size_t)i]);

			if (n && mnode_kind(n) == MN_PATH)
				draw_path_row(pv, w, 2 + i, &L, (const struct mpath *)n,
					      pv->ctop + (size_t)i == pv->ccursor, focused);
		}
		return;
	}
	if (!pv->prof.n) {
		draw_text(w, 2, 2, pv->width - 1, "no function in this scope yet", draw_attr(COL_DIM));
		return;
	}
	size_t cur = cursor_index(pv);

	/* live figures: their shares of the self time as it is now (one
	 * look at every function: once per change of the model) */
	if (pv->sum_gen != model_generation(pv->m)) {
		profile_sum_now(&pv->prof);
		pv->sum_gen = model_generation(pv->m);
	}
	pv->cursor_fn = pv->prof.rows[cur].fn;
	clamp_top(&pv->top, cur, pv->prof.n, pv->height);
	for (int i = 0; i < pv->height && pv->top + (size_t)i < pv->prof.n; i++)
		draw_fn_row(pv, w, 2 + i, &L, &pv->prof.rows[pv->top + (size_t)i], pv->top + (size_t)i == cur,
			    focused);
}

/* ---- keys ------------------------------------------------------------------- */

static void set_scope(struct profile_view *pv, const struct mnode *sel)
{
	const struct mnode *s = NULL;

	for (int tries = 0; tries < 3 && !s; tries++) {
		pv->scope_kind = (enum profile_scope)((pv->scope_kind + 1) % 3);
		if (pv->scope_kind == PSCOPE_ALL)
			break;
		s = profile_scope_of(pv->m, sel, pv->scope_kind == PSCOPE_THREAD);
	}
	if (!s)
		pv->scope_kind = PSCOPE_ALL;
	pv->scope = s ? s->id : 0;
	pv->callers_of = NULL;
	pv->top = 0;
}

static void move_by(size_t *cur, size_t n, long by)
{
	if (!n)
		return;
	if (by < 0)
		*cur = (size_t)-by > *cur ? 0 : *cur - (size_t)-by;
	else
		*cur = *cur + (size_t)by >= n ? n - 1 : *cur + (size_t)by;
}

unsigned profile_view_key(struct profile_view *pv, int key, const struct mnode *sel, node_id *jump)
{
	long page = pv->height > 1 ? pv->height - 1 : 1, by = 0;
	size_t n = pv->callers_of ? pv->ncallers : pv->prof.n;
	size_t cur = pv->callers_of ? pv->ccursor : cursor_index(pv);

	*jump = 0;
	pv->message[0] = 0;
	switch (key) {
	case KEY_DOWN: case 'j': by = 1; break;
	case KEY_UP: case 'k': by = -1; break;
	case KEY_NPAGE: case ' ': case VIEW_CTRL('f'): case VIEW_CTRL('d'): by = page; break;
	case KEY_PPAGE: case VIEW_CTRL('b'): case VIEW_CTRL('u'): by = -page; break;
	case KEY_HOME: case 'g': by = -(long)n - 1; break;
	case KEY_END: case 'G': by = (long)n + 1; break;
	case '<': case '>': case 's': case KEY_F(6):
		if (pv->callers_of)
			return 0;
		pv->sort = (enum prof_col)((pv->sort + (key == '<' ? PROF_NCOLS - 1 : 1)) % PROF_NCOLS);
		pv->last_key_ns = pv->now();
		rebuild(pv, false);
		return DIRTY_TREE | DIRTY_HINT;
	case 'a':
		set_scope(pv, sel);
		pv->last_key_ns = pv->now();
		rebuild(pv, false);
		return DIRTY_TREE | DIRTY_HIST | DIRTY_HINT;
	case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: case 'l':
		if (pv->callers_of) {
			if (pv->ccursor < pv->ncallers && (key == '\n' || key == '\r' || key == KEY_ENTER))
				*jump = pv->callers[pv->ccursor];
			return 0;
		}
		if (!n)
			return 0;
		pv->callers_of = pv->prof.rows[cur].fn;
		pv->ccursor = pv->ctop = 0;
		load_callers(pv);
		return DIRTY_TREE | DIRTY_HIST | DIRTY_HINT;
	case VIEW_KEY_ESC: case KEY_LEFT: case 'h': case KEY_BACKSPACE: case 127:
		if (!pv->callers_of)
			return 0;
		pv->callers_of = NULL;
		return DIRTY_TREE | DIRTY_HIST | DIRTY_HINT;
	default:
		return 0;
	}
	move_by(&cur, n, by);
	pv->last_key_ns = pv->now();
	if (pv->callers_of)
		pv->ccursor = cur;
	else if (n)
		pv->cursor_fn = pv->prof.rows[cur].fn;
	return DIRTY_TREE | DIRTY_HIST;
}

unsigned profile_view_click(struct profile_view *pv, int row, int col)
{
	struct layout L;

	if (row < -1)
		return 0;   /* the frame */
	lay_out(pv, &L);
	pv->last_key_ns = pv->now();
	if (row < 0) {
		/* a column's header sorts by it */
		if (pv->callers_of)
			return 0;
		for (int c = 0; c < PROF_NCOLS; c++)
			if ((c == 0 || L.w[c]) && col < L.end[c]) {
				pv->sort = (enum prof_col)c;
				rebuild(pv, false);
				return DIRTY_TREE | DIRTY_HINT;
			}
		return 0;
	}
	if (pv->callers_of) {
		if (pv->ctop + (size_t)row >= pv->ncallers)
			return 0;
		pv->ccursor = pv->ctop + (size_t)row;
	} else {
		if (pv->top + (size_t)row >= pv->prof.n)
			return 0;
		pv->cursor_fn = pv->prof.rows[pv->top + (size_t)row].fn;
	}
	return DIRTY_TREE | DIRTY_HIST;
}

const struct prof_row *profile_view_selected(struct profile_view *pv, const struct mnode **path)
{
	*path = NULL;
	if (pv->callers_of) {
		if (pv->ccursor < pv->ncallers)
			*path = model_find(pv->m, pv->callers[pv->ccursor]);
		return NULL;
	}
	if (stale(pv))
		rebuild(pv, false);
	return pv->prof.n ? &pv->prof.rows[cursor_index(pv)] : NULL;
}

/* ---- saving ----------------------------------------------------------------- */

/* A new file (never an existing one, never through a symlink). */
static FILE *create_new(const char *dir, const char *base, const char *ext, char *path, size_t size)
{
	for (int i = 1; i < 100; i++) {
		char suffix[16] = "";
		int fd;

		if (i > 1)
			snprintf(suffix, sizeof(suffix), "-%d", i);
		if ((size_t)snprintf(path, size, "%s%s%s%s%s", dir ? dir : "", dir ? "/" : "", base, suffix, ext) >= size) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0) {
			FILE *f = fdopen(fd, "w");

			if (!f)
				close(fd);
			return f;
		}
		if (errno != EEXIST)
			return NULL;
	}
	return NULL;
}

bool profile_view_save(struct profile_view *pv, const char *dir)
{
	char base[64], csv[4096], txt[4096], scope[120], note[64], title[300];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	if (stale(pv))
		rebuild(pv, false);
	/* the table as drawn: the whole run's figures as they are now */
	for (size_t i = 0; i < pv->prof.n; i++)
		profile_row_now(&pv->prof, &pv->prof.rows[i]);
	profile_sum_now(&pv->prof);
	localtime_r(&now, &tm);
	strftime(base, sizeof(base), "pipetrace-profile-%Y%m%d-%H%M%S", &tm);
	profile_view_scope_text(pv, scope, sizeof(scope));
	bool sample = sample_text(pv, note, sizeof(note), NULL);

	snprintf(title, sizeof(title), "pipetrace-tui profile: %s, by %s%s%s", scope, profile_col_name(pv->sort),
		 sample ? ", " : "", sample ? note : "");
	if (!(f = create_new(dir, base, ".csv", csv, sizeof(csv))) ||
	    (profile_write_csv(&pv->prof, f) | fclose(f)) != 0) {
		snprintf(pv->message, sizeof(pv->message), "profile not saved: %s", strerror(errno));
		return false;
	}
	/* the text table beside it, named alike */
	size_t l = strlen(csv);

	snprintf(txt, sizeof(txt), "%.*s.txt", (int)(l - 4), csv);
	int fd = open(txt, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		snprintf(pv->message, sizeof(pv->message), "profile saved: %.150s (text not saved: %s)", csv,
			 strerror(errno));
		return true;
	}
	if ((profile_write_text(&pv->prof, f, title) | fclose(f)) != 0) {
		snprintf(pv->message, sizeof(pv->message), "profile saved: %.150s (text: %s)", csv, strerror(errno));
		return true;
	}
	snprintf(pv->message, sizeof(pv->message), "profile saved: %.150s and .txt", csv);
	return true;
}

unsigned profile_view_find(struct profile_view *pv, const struct search *s, bool backwards)
{
	size_t n = pv->prof.n, cur = cursor_index(pv);

	if (!s || !n || pv->callers_of)
		return 0;
	for (size_t k = 1; k <= n; k++) {
		size_t i = backwards ? (cur + n - k) % n : (cur + k) % n;

		if (search_find_in(s, pv->prof.rows[i].fn->name) >= 0) {
			pv->cursor_fn = pv->prof.rows[i].fn;
			pv->last_key_ns = pv->now();
			return DIRTY_TREE | DIRTY_HIST;
		}
	}
	snprintf(pv->message, sizeof(pv->message), "no function matches");
	return DIRTY_HINT;
}
