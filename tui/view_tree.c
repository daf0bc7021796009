/* view_tree.c - the calls pane: trees per thread grouped by process, in the
 * paths or the calls view.
 *
 * Nothing here counts or flattens the whole tree: a frame walks forward
 * from the first row drawn (kept as a node id) for as many rows as fit, so
 * its cost does not grow with the tree.  Expand state and the cursor are
 * kept by node id, so live updates never collapse what the user opened or
 * move the cursor off its node. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "view.h"

/* The pane's rows: folded recursion is one row (view_fold.c). */
static const struct mnode *first_child(const struct tree_view *tv, const struct mnode *n)
{
	return tree_first_child(tv, tree_list_of(tv, n));
}

static const struct mnode *next_sib(const struct tree_view *tv, const struct mnode *n)
{
	return tree_next_sib(tv, n);
}

static const struct mnode *parent_of(const struct tree_view *tv, const struct mnode *n)
{
	return tree_vis_parent(tv, n);
}

void tree_view_init(struct tree_view *tv, const struct model *m)
{
	memset(tv, 0, sizeof(*tv));
	tv->m = m;
	tv->view = VIEW_PATHS;
	idset_init(&tv->toggled);
	idset_init(&tv->pids);
	tv->cursor_row = tv->old_cursor_row = -1;
}

void tree_view_free(struct tree_view *tv)
{
	idset_free(&tv->toggled);
	idset_free(&tv->pids);
	free(tv->rows);
	free(tv->matches);
	search_free(tv->search);
	sib_free(tv->sib);
	sort_free(tv->sortc);
	fold_free(tv->folds);
	memset(tv, 0, sizeof(*tv));
}

void tree_view_resize(struct tree_view *tv, int height, int width)
{
	struct tree_row *r;

	if (height < 0)
		height = 0;
	r = realloc(tv->rows, (size_t)(height ? height : 1) * sizeof(*r));
	if (!r)
		return;  /* keep the old size: drawing is clipped to it */
	tv->rows = r;
	tv->height = height;
	tv->width = width;
	tv->nrows = 0;
	tv->cursor_row = tv->old_cursor_row = -1;
}

bool tree_view_expanded(const struct tree_view *tv, const struct mnode *n)
{
	bool def = mnode_kind(n) == MN_PROCESS || (mnode_kind(n) == MN_THREAD && !tv->threads_closed);

	return def != idset_has(&tv->toggled, n->id);
}

const struct mnode *tree_next_visible(const struct tree_view *tv, const struct mnode *n)
{
	const struct mnode *c;

	if (tree_view_expanded(tv, n) && (c = first_child(tv, n)))
		return c;
	for (; n; n = parent_of(tv, n)) {
		if ((c = next_sib(tv, n)))
			return c;
	}
	return NULL;
}

const struct mnode *tree_last_visible(const struct tree_view *tv, const struct mnode *n)
{
	const struct mnode *c;

	while (n && tree_view_expanded(tv, n) && (c = sib_last_child(tv, tree_list_of(tv, n))))
		n = c;
	return n;
}

#define UP_RING 256

/* The node k visible rows above n.  Sibling lists have no back links, so
 * one pass over a list collects the previous siblings in a ring; collapsed
 * ones are taken straight from it, which keeps scrolling up through a
 * million collapsed calls linear in the rows moved plus one list walk. */
const struct mnode *tree_up(const struct tree_view *tv, const struct mnode *n, int k, int *moved)
{
	const struct mnode *ring[UP_RING];
	int done = 0;

	while (n && done < k) {
		const struct mnode *p = parent_of(tv, n);
		const struct mnode *s = first_child(tv, p);
		size_t cnt = 0, cap = (size_t)(k - done) < UP_RING ? (size_t)(k - done) : UP_RING;

		if (s == n) {
			if (!p)
				break;
			n = p;
			done++;
			continue;
		}
		bool found;

		/* the walk may start past the first child: then the ring ends
		 * early and the next round goes on from its first entry */
		cnt = sib_before(tv, tree_list_of(tv, p), n, ring, cap, &found);
		if (!found || !cnt)
			break;  /* n is not among its parent's children: stop here */
		size_t have = cnt < cap ? cnt : cap;
		for (size_t i = 0; i < have && done < k; i++) {
			const struct mnode *prev = ring[(cnt - 1 - i) % cap];

			done++;
			if (tree_view_expanded(tv, prev) && first_child(tv, prev)) {
				n = tree_last_visible(tv, prev);
				break;
			}
			n = prev;
		}
	}
	if (moved)
		*moved = done;
	return n;
}

static int depth_of(const struct tree_view *tv, const struct mnode *n)
{
	return tree_vis_depth(tv, n);
}

/* The node itself when every ancestor is expanded, else the outermost
 * collapsed ancestor (where the row for it is drawn). */
static const struct mnode *visible_self(const struct tree_view *tv, const struct mnode *n)
{
	/* a path left out since (model_node_shown()): its nearest shown caller */
	while (!model_node_shown(tv->m, tv->view, n) && parent_of(tv, n))
		n = parent_of(tv, n);
	const struct mnode *shown = tree_fold_shown_as(tv, n);

	for (const struct mnode *p = parent_of(tv, shown); p; p = parent_of(tv, p)) {
		if (!tree_view_expanded(tv, p))
			shown = p;
	}
	return shown;
}

static const struct mnode *first_row(const struct tree_view *tv)
{
	return first_child(tv, NULL);
}

const struct mnode *tree_view_cursor(struct tree_view *tv)
{
	const struct mnode *n = tv->cursor[tv->view] ? model_find(tv->m, tv->cursor[tv->view]) : NULL;

	if (!n) {
		n = tv->top[tv->view] ? model_find(tv->m, tv->top[tv->view]) : NULL;
		if (!n)
			n = first_row(tv);
	}
	if (n && !(n = tree_scope_row(tv, n)))
		n = first_row(tv);   /* its thread or process is filtered out */
	if (n)
		n = visible_self(tv, n);
	tv->cursor[tv->view] = n ? n->id : 0;
	return n;
}

/* ---- rows ---------------------------------------------------------------- */

struct cols {
	int count, total, self, avg, max, exc;  /* widths, 0 = hidden */
	int start, tl;           /* calls view: start time, timeline */
	int all;
};

static void choose_cols(const struct tree_view *tv, struct cols *c)
{
	int w = tv->width;

	memset(c, 0, sizeof(*c));
	if (tv->view == VIEW_PATHS) {
		/* Where the time goes first: total and self stay longest,
		 * avg and max give way (at 80 columns the pane used to show
		 * avg and max without total and self). */
		c->count = 9;
		c->exc = 8;
		if (w >= 56)
			c->total = 10;
		if (w >= 68)
			c->self = 10;
		if (w >= 80)
			c->avg = 10;
		if (w >= 92)
			c->max = 10;
		c->all = c->count + c->total + c->self + c->avg + c->max + c->exc;
	} else {
		c->total = 12;   /* the call's own duration or its state */
		c->exc = 3;
		if (w >= 56)
			c->start = tv->wall_clock ? 17 : 13;
		if (w >= 72)
			c->tl = 12;
		c->all = c->total + c->exc + c->start + c->tl;
	}
	if (w - c->all < 12)
		c->all = 0;      /* too narrow for numbers: names only */
}

static void put_right(WINDOW *w, int y, int x_end, int width, const char *s, attr_t a)
{
	int n = draw_width(s);

	if (width <= 0)
		return;
	if (n > width - 1)
		n = width - 1;
	draw_text_hl(w, y, x_end - n, n, s, strlen(s), a, -1, 0, 0);
}

static void fmt_ns(uint64_t ns, char *buf, size_t size)
{
	hist_format_ns(ns, buf, size);
}

static const char *proc_state(const struct mprocess *p, char *buf, size_t size)
{
	switch (p->state) {
	case PROC_EXITED:
		if (p->has_status)
			snprintf(buf, size, "exited %d", p->status);
		else
			snprintf(buf, size, "exited");
		return buf;
	case PROC_VANISHED:
		return "vanished";
	default:
		return "";
	}
}

/* Left of a thread's or process's figures: "incomplete" when its trace is
 * known to miss events, with how many where known. */
static void put_incomplete(WINDOW *w, int y, int x_end, int width, bool incomplete,
			   uint64_t unaccounted, attr_t a)
{
	char buf[64], num[24];

	if (!incomplete)
		return;
	if (unaccounted)
		snprintf(buf, sizeof(buf), "incomplete: %s unaccounted  ",
			 draw_count(unaccounted, num, sizeof(num)));
	else
		snprintf(buf, sizeof(buf), "incomplete  ");
	put_right(w, y, x_end, width, buf, a);
}

static uint64_t pid_key(int32_t pid)
{
	return (uint64_t)(uint32_t)pid | 1ull << 32;   /* never 0, an idset's empty slot */
}

/* Whether a traced process other than `self` has the pid `pid`. */
static bool pid_traced(struct tree_view *tv, const struct mprocess *self, int32_t pid)
{
	const struct mnode *o = tv->pids_upto ? next_sib(tv, tv->pids_upto) : first_child(tv, NULL);

	for (; o; o = next_sib(tv, o)) {
		uint64_t k = pid_key(((const struct mprocess *)o)->pid);

		idset_put(&tv->pids, k);
		if (!idset_has(&tv->pids, k))
			break;   /* out of memory: walk below */
		tv->pids_upto = o;
	}
	if (!o && pid != self->pid)
		return idset_has(&tv->pids, pid_key(pid));
	/* a process naming itself as its parent (hostile input), or no memory */
	for (o = first_child(tv, NULL); o; o = next_sib(tv, o))
		if (o != &self->node && ((const struct mprocess *)o)->pid == pid)
			return true;
	return false;
}

/* The exception mark of a row: its own in the exceptions' colour; on a
 * collapsed row (and on process and thread rows) those of everything below
 * it too, dimmed when some are not its own.  Calls keep only a flag. */
static int draw_exc(const struct tree_view *tv, WINDOW *w, int y, int x, int width,
		    const struct mnode *n, bool collapsed, attr_t base, bool is_cursor)
{
	uint64_t own = 0, all;
	char buf[48], num[24];

	if (mnode_kind(n) == MN_PATH)
		own = ((const struct mpath *)n)->exceptions;
	else if (mnode_kind(n) == MN_CALL)
		own = ((const struct mcall *)n)->has_exception;
	all = collapsed || mnode_kind(n) == MN_PROCESS || mnode_kind(n) == MN_THREAD
		      ? model_subtree_exceptions(tv->m, n) : own;
	if (all < own)
		all = own;
	if (!all)
		return 0;
	if (mnode_kind(n) == MN_CALL)
		snprintf(buf, sizeof(buf), "%s", draw_glyphs()->exc);
	else
		snprintf(buf, sizeof(buf), "%s%s", draw_glyphs()->exc, draw_count(all, num, sizeof(num)));
	put_right(w, y, x, width, buf,
		  is_cursor ? base | (all == own ? A_BOLD : 0) :
		  draw_attr(all == own && mnode_kind(n) != MN_PROCESS && mnode_kind(n) != MN_THREAD
			    ? COL_EXC : COL_EXCSUB));
	return draw_width(buf) + 1;
}

/* The figures at the right of a row; on the cursor row everything keeps
 * the row's attributes so that the bar stays one colour. */
static void draw_stats(const struct tree_view *tv, WINDOW *w, int y, const struct mnode *n,
		       const struct cols *c, attr_t base, bool is_cursor)
{
	int x = 1 + tv->width;   /* one past the last content column */
	char buf[48], num[24];
	attr_t dim_a = is_cursor ? base : draw_attr(COL_DIM);
	attr_t warn_a = is_cursor ? base | A_BOLD : draw_attr(COL_EXC);
	struct fold_row fr;
	/* a folded chain's row stands for the calls inside it too */
	bool collapsed = (!tree_view_expanded(tv, n) && first_child(tv, n)) ||
			 (tree_fold_row(tv, n, &fr) && fr.folded);

	if (!c->all)
		return;
	if ((mnode_kind(n) == MN_PATH && ((const struct mpath *)n)->fn->marker) ||
	    (mnode_kind(n) == MN_CALL && ((const struct mcall *)n)->path->fn->marker)) {
		/* "(callers not seen)": no call of its own, but what was
		 * raised below it */
		draw_exc(tv, w, y, x, c->exc, n, collapsed, base, is_cursor);
		return;
	}
	if (mnode_kind(n) == MN_PATH) {
		const struct mpath *p = (const struct mpath *)n;
		uint64_t avg = p->count ? p->total_ns / p->count : 0;
		/* one call's figures below the clock's step say so; sums
		 * of many calls stay as read */
		uint32_t step = model_clock_step(tv->m, n);

		draw_exc(tv, w, y, x, c->exc, n, collapsed, base, is_cursor);
		x -= c->exc;
		if (c->max) {
			hist_format_ns_step(p->max_ns, step, buf, sizeof(buf));
			put_right(w, y, x, c->max, p->count ? buf : "", base);
			x -= c->max;
		}
		if (c->avg) {
			hist_format_ns_step(avg, step, buf, sizeof(buf));
			put_right(w, y, x, c->avg, p->count ? buf : "", base);
			x -= c->avg;
		}
		if (c->self) {
			fmt_ns(p->self_ns, buf, sizeof(buf));
			put_right(w, y, x, c->self, p->count ? buf : "", base);
			x -= c->self;
		}
		if (c->total) {
			fmt_ns(p->total_ns, buf, sizeof(buf));
			put_right(w, y, x, c->total, p->count ? buf : "", base);
			x -= c->total;
		}
		/* a path with calls open now gets a running mark in the
		 * count column's last cell, kept free so counts stay aligned;
		 * calls left by a longjmp are counted apart, after the count */
		bool odd = p->running || ((p->unfinished || p->abandoned) && !p->count);

		if (p->count || !odd)
			draw_count(p->count, buf, sizeof(buf));
		else if (p->running || p->unfinished)
			snprintf(buf, sizeof(buf), "%s", p->running ? "running" : "unfinished");
		else
			buf[0] = '\0';
		if (p->abandoned) {
			size_t at = strlen(buf);

			snprintf(buf + at, sizeof(buf) - at, "%s%s%s", at ? " " : "",
				 draw_utf8() ? "\u21af" : "^", draw_count(p->abandoned, num, sizeof(num)));
		}
		put_right(w, y, x - 1, c->count - 1 + (odd || p->abandoned ? 8 : 0), buf,
			  !odd || is_cursor ? base :
			  draw_attr(p->running ? COL_RUNNING : COL_EXC));
		if (p->running && p->count)
			draw_text(w, y, x - 1, 1, draw_utf8() ? "\u25b6" : ">",
				  is_cursor ? base : draw_attr(COL_RUNNING));
	} else if (mnode_kind(n) == MN_CALL) {
		const struct mcall *call = (const struct mcall *)n;
		uint32_t step = model_clock_step(tv->m, n);
		attr_t a = base;

		draw_exc(tv, w, y, x, c->exc, n, collapsed, base, is_cursor);
		x -= c->exc;
		switch (call->state) {
		case CALL_RUNNING:
			snprintf(buf, sizeof(buf), "running");
			if (!is_cursor)
				a = draw_attr(COL_RUNNING);
			break;
		case CALL_UNFINISHED:
			snprintf(buf, sizeof(buf), "unfinished");
			if (!is_cursor)
				a = draw_attr(COL_EXC);
			break;
		case CALL_ABANDONED:
			/* left by a longjmp: its duration is unknown */
			snprintf(buf, sizeof(buf), "%s abandoned", draw_utf8() ? "\u21af" : "^");
			if (!is_cursor)
				a = draw_attr(COL_EXC);
			break;
		case CALL_PARTIAL:
			if (call->dur_ns < 0) {
				snprintf(buf, sizeof(buf), "~?");   /* the writer did not know */
				break;
			}
			buf[0] = '~';
			hist_format_ns_step(call->dur_ns > 0 ? (uint64_t)call->dur_ns : 0, step, buf + 1,
					    sizeof(buf) - 1);
			break;
		default:
			if (call->dur_ns < 0)
				snprintf(buf, sizeof(buf), "?");
			else
				hist_format_ns_step((uint64_t)call->dur_ns, step, buf, sizeof(buf));
		}
		put_right(w, y, x, c->total, buf, a);
		x -= c->total;
		if (c->tl) {
			tree_timeline_draw(tv, w, y, x, c->tl, call, base, is_cursor);
			x -= c->tl;
		}
		if (c->start)
			put_right(w, y, x, c->start, tree_start_text(tv, call, buf, sizeof(buf)), dim_a);
	} else if (mnode_kind(n) == MN_THREAD) {
		const struct mthread *t = (const struct mthread *)n;
		int ew = draw_exc(tv, w, y, x, c->all / 2, n, collapsed, base, is_cursor);

		snprintf(buf, sizeof(buf), "%s ev", draw_count(t->events, num, sizeof(num)));
		put_right(w, y, x - ew, c->all - ew, buf, dim_a);
		put_incomplete(w, y, x - ew - draw_width(buf), c->all - ew - draw_width(buf),
			       t->incomplete, t->unaccounted, warn_a);
	} else {
		const struct mprocess *p = (const struct mprocess *)n;
		int ew = draw_exc(tv, w, y, x, c->all / 2, n, collapsed, base, is_cursor);

		snprintf(buf, sizeof(buf), "%u thread%s", p->nthreads, p->nthreads == 1 ? "" : "s");
		put_right(w, y, x - ew, c->all - ew, buf, dim_a);
		put_incomplete(w, y, x - ew - draw_width(buf), c->all - ew - draw_width(buf),
			       p->incomplete, p->unaccounted, warn_a);
	}
}

static void draw_row(struct tree_view *tv, WINDOW *w, int row, const struct tree_row *r,
		     bool is_cursor, bool focused)
{
	const struct mnode *n = model_find(tv->m, r->id);
	const struct draw_glyphs *g = draw_glyphs();
	int y = 2 + row, x = 1, maxx = 1 + tv->width;
	attr_t base = is_cursor ? (focused ? draw_attr(COL_CURSOR) : A_REVERSE) : draw_attr(COL_NORMAL);
	attr_t name_a = base;
	struct cols c;
	char label[48], state[48], depth_st[96], filt_st[320], filt[200];
	const char *name = NULL, *st = "";
	long hl = -1;

	draw_blank(w, y, 1, tv->width, base);
	if (!n)
		return;
	choose_cols(tv, &c);
	int name_end = maxx - c.all - 1;
	bool at_depth, is_call = mnode_kind(n) == MN_PATH || mnode_kind(n) == MN_CALL;
	int level = is_call ? tree_real_depth(tv, n) - 2 : -1;

	x += tree_indent(tv, r->depth, level, name_end - x, &at_depth);
	tv->rows[row].mark_x = x < name_end ? x : -1;
	if (is_call && level + 2 != r->depth)
		at_depth = true;   /* below a folded chain: the row says its real level */
	if (x < name_end) {
		const char *gl = first_child(tv, n) ? (tree_view_expanded(tv, n) ? g->open : g->closed) : g->leaf;

		draw_text(w, y, x, 1, gl, base);
		x += 2;
	}
	if (at_depth && x < name_end) {
		char lv[24];

		snprintf(lv, sizeof(lv), "%s%d ", draw_utf8() ? "\u00b7" : ":", level);
		x += draw_text(w, y, x, name_end - x, lv, is_cursor ? base : draw_attr(COL_DIM));
	}
	label[0] = 0;
	switch (mnode_kind(n)) {
	case MN_PROCESS: {
		const struct mprocess *p = (const struct mprocess *)n;

		snprintf(label, sizeof(label), "%d ", (int)p->pid);
		name = p->prog && *p->prog ? p->prog : "(process)";
		st = proc_state(p, state, sizeof(state));
		/* a fork of another traced process says whose */
		if (!*st && pid_traced(tv, p, p->ppid)) {
			snprintf(state, sizeof(state), "(child of %d)", (int)p->ppid);
			st = state;
		}
		/* PIPETRACE_DEPTH: deeper calls are missing by choice, not lost */
		if (p->depth_max) {
			snprintf(depth_st, sizeof(depth_st), "%s%s(depth < %llu)", st, *st ? " " : "",
				 (unsigned long long)p->depth_max);
			st = depth_st;
		}
		/* PIPETRACE_FILTER, _MIN_DURATION: the same */
		if (p->filter || p->min_duration) {
			snprintf(filt_st, sizeof(filt_st), "%s%s(%s)", st, *st ? " " : "",
				 model_filter_text(filt, sizeof(filt), p->filter, p->min_duration, ", "));
			st = filt_st;
		}
		if (!is_cursor)
			name_a = draw_attr(COL_PROCESS);
		break;
	}
	case MN_THREAD: {
		const struct mthread *t = (const struct mthread *)n;

		snprintf(label, sizeof(label), "%d ", (int)t->tid);
		name = t->name ? t->name : "(thread)";
		if (!is_cursor)
			name_a = draw_attr(COL_THREAD);
		break;
	}
	case MN_PATH:
		name = ((const struct mpath *)n)->fn->name;
		if ((((const struct mpath *)n)->fn->marker || ((const struct mpath *)n)->fn->other) && !is_cursor)
			name_a = draw_attr(COL_DIM) | A_ITALIC;
		break;
	case MN_CALL:
		name = ((const struct mcall *)n)->path->fn->name;
		if (((const struct mcall *)n)->path->fn->marker && !is_cursor)
			name_a = draw_attr(COL_DIM) | A_ITALIC;
		break;
	}
	struct fold_row fr;
	char fold_name[512], fold_st[96];

	if (is_call && tree_fold_row(tv, n, &fr) && fr.folded) {
		const char *sep = draw_utf8() ? " \u203a " : " > ";
		char times[24];
		size_t at = 0;

		/* "f › g ×12", or "×12 f › g" when it would be cut */
		snprintf(times, sizeof(times), "%s%u", draw_utf8() ? "\u00d7" : "x",
			 fr.levels / (uint32_t)fr.period);
		for (int pass = 0; pass < 2; pass++) {
			at = 0;
			if (pass)
				at += (size_t)snprintf(fold_name, sizeof(fold_name), "%s ", times);
			for (int i = 0; i < fr.period && at < sizeof(fold_name); i++)
				at += (size_t)snprintf(fold_name + at, sizeof(fold_name) - at, "%s%s",
						       i ? sep : "", fr.fn[i]);
			if (!pass && at < sizeof(fold_name))
				at += (size_t)snprintf(fold_name + at, sizeof(fold_name) - at, " %s", times);
			for (uint32_t i = 0; i < fr.levels % (uint32_t)fr.period && at < sizeof(fold_name); i++)
				at += (size_t)snprintf(fold_name + at, sizeof(fold_name) - at, "%s%s", sep, fr.fn[i]);
			if (draw_width(fold_name) <= name_end - x - (int)draw_width(label))
				break;
		}
		name = fold_name;
		snprintf(fold_st, sizeof(fold_st), "(%u levels%s)", fr.levels,
			 fr.side_levels ? ", more calls inside: z" : "");
		st = fold_st;
	}
	if (label[0] && x < name_end)
		x += draw_text(w, y, x, name_end - x, label, is_cursor ? base : draw_attr(COL_DIM));
	if (tv->search && name)
		hl = search_find_in(tv->search, name);
	if (x < name_end && name)
		x += draw_text_hl(w, y, x, name_end - x, name, strlen(name), name_a, hl,
				  hl >= 0 ? strlen(search_query(tv->search)) : 0,
				  draw_attr(COL_MATCH));
	if (*st && x + 2 < name_end)
		draw_text(w, y, x + 1, name_end - x - 1, st,
			  is_cursor ? base : draw_attr(*st == '(' ? COL_DIM : COL_EXC));
	draw_stats(tv, w, y, n, &c, base, is_cursor);
}

static void draw_header(struct tree_view *tv, WINDOW *w)
{
	struct cols c;
	int x = 1 + tv->width;
	attr_t a = draw_attr(COL_DIM) | A_UNDERLINE;

	choose_cols(tv, &c);
	uint64_t received, lost;
	int name_w = c.all ? tv->width - c.all - 1 : tv->width;

	draw_blank(w, 1, 1, tv->width, a);
	/* Counts and times below cover only the calls that got through: say so
	 * first (the pane's title names the view already).  The paths of
	 * threads with stats are exact whatever was lost; the calls view
	 * stays the sample of calls that arrived. */
	uint32_t exact = 0;
	if (tv->view == VIEW_PATHS)
		model_scope_figures(tv->m, NULL, &received, &lost, &exact);
	else
		model_scope_events(tv->m, NULL, &received, &lost);
	if (lost) {
		char pct[16], note[48];
		int n = draw_text(w, 1, 1, name_w, "function", a);

		model_share_text(received, lost, pct, sizeof(pct));
		snprintf(note, sizeof(note), exact ? "sample %s %% where no stats" :
			 "sample %s %% of events", pct);
		if (n + 2 < name_w)
			draw_text(w, 1, 2 + n, name_w - n - 1, note, draw_attr(COL_WARN) | A_UNDERLINE);
	} else {
		draw_text(w, 1, 1, name_w,
			  tv->view == VIEW_CALLS ? "function (each call)"
			  : exact ? "function (merged by path, exact)" : "function (merged by path)", a);
	}
	if (!c.all)
		return;
	if (tv->view == VIEW_PATHS) {
		put_right(w, 1, x, c.exc, "exc", a);
		x -= c.exc;
		if (c.max) {
			put_right(w, 1, x, c.max, "max", a);
			x -= c.max;
		}
		if (c.avg) {
			put_right(w, 1, x, c.avg, "avg", a);
			x -= c.avg;
		}
		if (c.self) {
			put_right(w, 1, x, c.self, "self", a);
			x -= c.self;
		}
		if (c.total) {
			put_right(w, 1, x, c.total, "total", a);
			x -= c.total;
		}
		put_right(w, 1, x - 1, c.count - 1, "count", a);
	} else {
		x -= c.exc;
		put_right(w, 1, x, c.total, "duration", a);
		x -= c.total;
		if (c.tl) {
			put_right(w, 1, x - 1, c.tl - 1, "timeline", a);   /* over the cells */
			x -= c.tl;
		}
		if (c.start)
			put_right(w, 1, x, c.start, tv->wall_clock ? "wall clock" : "start", a);
	}
}

/* Walks `height` rows forward from top; returns how many were filled. */
static int fill_rows(struct tree_view *tv, const struct mnode *top, const struct mnode *cur)
{
	const struct mnode *n = top;
	int d = depth_of(tv, top), i;

	tv->cursor_row = -1;
	for (i = 0; i < tv->height && n; i++) {
		tv->rows[i].id = n->id;
		tv->rows[i].depth = d;
		if (n == cur)
			tv->cursor_row = i;
		/* the next visible node, tracking depth as we go */
		const struct mnode *c;

		if (tree_view_expanded(tv, n) && (c = first_child(tv, n))) {
			n = c;
			d++;
			continue;
		}
		while (n) {
			if ((c = next_sib(tv, n))) {
				n = c;
				break;
			}
			n = parent_of(tv, n);
			d--;
		}
	}
	tv->nrows = i;
	return i;
}

/* Decides the first row so that the cursor is on screen and the pane is
 * full when there is enough to fill it. */
static void place(struct tree_view *tv)
{
	const struct mnode *top = tv->top[tv->view] ? model_find(tv->m, tv->top[tv->view]) : NULL;
	const struct mnode *cur = tree_view_cursor(tv);

	if (!cur) {
		tv->nrows = 0;
		tv->cursor_row = -1;
		return;
	}
	top = top ? visible_self(tv, top) : cur;
	fill_rows(tv, top, cur);
	if (tv->cursor_row < 0) {
		/* Below the pane when a short walk on finds it, else above. */
		const struct mnode *n = tv->nrows ? model_find(tv->m, tv->rows[tv->nrows - 1].id) : NULL;
		bool below = false;

		for (int i = 0; n && i < 2 * tv->height + 8; i++) {
			n = tree_next_visible(tv, n);
			if (n == cur) {
				below = true;
				break;
			}
		}
		top = below ? tree_up(tv, cur, tv->height - 1, NULL) : cur;
		fill_rows(tv, top, cur);
	}
	if (tv->nrows < tv->height && top != first_row(tv)) {
		int moved;

		top = tree_up(tv, top, tv->height - tv->nrows, &moved);
		if (moved)
			fill_rows(tv, top, cur);
	}
	tv->top[tv->view] = top->id;
}

/* A note over the empty pane, wrapped at spaces to its width. */
static void draw_note(struct tree_view *tv, WINDOW *w, const char *s)
{
	int y = 2, maxw = tv->width - 2;
	char line[1024];

	while (*s && y <= tv->height && maxw > 8) {
		size_t n = 0, fit = 0;

		/* the longest run of whole words that fits; a word too long
		 * for the pane is cut by draw_text */
		while (s[n] && n + 1 < sizeof line) {
			size_t e = n;
			while (s[e] == ' ')
				e++;
			while (s[e] && s[e] != ' ' && e + 1 < sizeof line)
				e++;
			memcpy(line, s, e);
			line[e] = '\0';
			if (fit && draw_width(line) > maxw)
				break;
			fit = n = e;
		}
		memcpy(line, s, fit);
		line[fit] = '\0';
		draw_text(w, y++, 2, maxw, line, draw_attr(COL_WARN));
		s += fit;
		while (*s == ' ')
			s++;
	}
}

void tree_view_draw(struct tree_view *tv, WINDOW *w, bool focused)
{
	char title[112], by[32] = "";

	if (tv->sort[tv->view] != SORT_FIRST)
		snprintf(by, sizeof(by), ", by %s", tree_sort_name(tv->view, tv->sort[tv->view]));
	char from[32] = "";

	if (tv->indent_shift)
		snprintf(from, sizeof(from), ", indent from level %d", tv->indent_shift);
	snprintf(title, sizeof(title), "Calls: %s view%s%s%s", tv->view == VIEW_PATHS ? "paths" : "calls",
		 by, from, tv->follow ? " [follow]" : "");
	werase(w);
	draw_frame(w, title, focused);
	if (tv->height <= 0)
		return;
	draw_header(tv, w);
	place(tv);
	if (!tv->nrows) {
		if (tv->empty_note)
			draw_note(tv, w, tv->empty_note);
		else
			draw_text(w, 2, 2, tv->width - 1, "waiting for events...", draw_attr(COL_DIM));
		return;
	}
	if (tv->view == VIEW_CALLS)
		tree_timeline_window(tv);
	for (int i = 0; i < tv->nrows; i++)
		draw_row(tv, w, i, &tv->rows[i], i == tv->cursor_row, focused);
	tv->old_cursor_row = tv->cursor_row;
}

void tree_view_draw_cursor(struct tree_view *tv, WINDOW *w, bool focused)
{
	if (tv->old_cursor_row >= 0 && tv->old_cursor_row < tv->nrows)
		draw_row(tv, w, tv->old_cursor_row, &tv->rows[tv->old_cursor_row], false, focused);
	if (tv->cursor_row >= 0 && tv->cursor_row < tv->nrows)
		draw_row(tv, w, tv->cursor_row, &tv->rows[tv->cursor_row], true, focused);
	tv->old_cursor_row = tv->cursor_row;
}
