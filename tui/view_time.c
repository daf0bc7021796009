/* view_time.c - time in the calls view: when each call started (since its
 * process started, or by the wall clock), where it ran within the time
 * window of the rows on screen (a few cells of timeline, so that bursts
 * and stalls stand out), and the jumps to the selected path's slowest
 * call and to its calls slower than its p99. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "view.h"

#define TL_CELLS 10

static const struct mprocess *proc_of(const struct tree_view *tv, const struct mcall *c)
{
	return model_path_thread(tv->m, c->path)->proc;
}

/* A call's end for the timeline: its exit, or now (its thread's newest
 * event) while running; its start when not known. */
static int64_t end_of(const struct tree_view *tv, const struct mcall *c)
{
	if (c->state == CALL_RUNNING) {
		int64_t last = model_path_thread(tv->m, c->path)->last_ts;

		return last > c->start_ts ? last : c->start_ts;
	}
	if (c->dur_ns > 0 && c->start_ts <= INT64_MAX - c->dur_ns)
		return c->start_ts + c->dur_ns;
	return c->start_ts;
}

const char *tree_start_text(const struct tree_view *tv, const struct mcall *c, char *buf, size_t size)
{
	const struct mprocess *p = proc_of(tv, c);
	/* its start: the hello, or an earlier event (a writer's first events
	 * may go out before its hello) */
	int64_t base = p->hello_ts && p->hello_ts < p->first_ts ? p->hello_ts : p->first_ts, d;

	if (tv->wall_clock && p->wall_ns && p->hello_ts &&
	    !__builtin_sub_overflow(c->start_ts, p->hello_ts, &d) &&
	    !__builtin_add_overflow(p->wall_ns, d, &d) && d >= 0) {
		time_t s = (time_t)(d / 1000000000);
		struct tm tm;
		char hms[16];

		if (localtime_r(&s, &tm) && strftime(hms, sizeof(hms), "%H:%M:%S", &tm)) {
			snprintf(buf, size, "%s.%06lld", hms, (long long)(d % 1000000000) / 1000);
			return buf;
		}
	}
	if (__builtin_sub_overflow(c->start_ts, base, &d))
		d = 0;
	snprintf(buf, size, "%s%lld.%06llds", d < 0 ? "-" : "+", (long long)(d < 0 ? -(d / 1000000000) : d / 1000000000),
		 (long long)((d < 0 ? -(d % 1000000000) : d % 1000000000) / 1000));
	return buf;
}

void tree_timeline_window(struct tree_view *tv)
{
	bool any = false;

	tv->tl_lo = tv->tl_hi = 0;
	for (int i = 0; i < tv->nrows; i++) {
		const struct mnode *n = model_find(tv->m, tv->rows[i].id);

		if (!n || mnode_kind(n) != MN_CALL)
			continue;
		const struct mcall *c = (const struct mcall *)n;
		int64_t e = end_of(tv, c);

		if (!any || c->start_ts < tv->tl_lo)
			tv->tl_lo = c->start_ts;
		if (!any || e > tv->tl_hi)
			tv->tl_hi = e;
		any = true;
	}
}

static int cell_of(const struct tree_view *tv, int64_t t, bool up)
{
	double span = (double)tv->tl_hi - (double)tv->tl_lo;
	double x = span > 0 ? ((double)t - (double)tv->tl_lo) * TL_CELLS / span : 0;

	/* a running call drawn alone (cursor moves) may have gone past the
	 * window of the frame: clamp before converting */
	if (!(x > 0))
		return 0;
	if (x >= TL_CELLS)
		return TL_CELLS;
	return up ? (int)(x + 0.999999) : (int)x;
}

void tree_timeline_draw(const struct tree_view *tv, WINDOW *w, int y, int x_end, int width,
			const struct mcall *c, attr_t base, bool is_cursor)
{
	const struct draw_glyphs *g = draw_glyphs();
	int from = cell_of(tv, c->start_ts, false), to = cell_of(tv, end_of(tv, c), true);
	int x = x_end - TL_CELLS - 1;

	if (width < TL_CELLS + 2)
		return;
	if (to <= from)
		to = from + 1;   /* however short, a call takes a cell */
	if (to > TL_CELLS) {
		to = TL_CELLS;
		from = to - 1 < from ? to - 1 : from;
	}
	/* three runs (before, during, after the call), one draw each */
	int cut[4] = { 0, from, to, TL_CELLS };

	for (int r = 0; r < 3; r++) {
		const char *glyph = r == 1 ? g->bar : g->dot;
		char run[TL_CELLS * 4 + 1];
		size_t gl = strlen(glyph), at = 0;

		if (cut[r + 1] <= cut[r])
			continue;
		for (int i = cut[r]; i < cut[r + 1] && at + gl < sizeof(run); i++, at += gl)
			memcpy(run + at, glyph, gl);
		run[at] = '\0';
		draw_text(w, y, x + cut[r], cut[r + 1] - cut[r], run,
			  is_cursor ? base : draw_attr(r != 1 ? COL_DIM : c->state == CALL_RUNNING ? COL_RUNNING : COL_BAR));
	}
}

unsigned tree_view_time_key(struct tree_view *tv)
{
	tv->wall_clock = !tv->wall_clock;
	snprintf(tv->message, sizeof(tv->message), "start times: %s",
		 tv->wall_clock ? "wall clock (processes without one: since their start)"
				: "since the process started");
	return DIRTY_TREE | DIRTY_HINT;
}

/* ---- the path's slow calls -------------------------------------------------- */

static bool known(const struct mcall *c)
{
	return (c->state == CALL_DONE || c->state == CALL_PARTIAL) && c->dur_ns >= 0;
}

static const struct mpath *selected_path(struct tree_view *tv)
{
	const struct mnode *cur = tree_view_cursor(tv);

	if (!cur)
		return NULL;
	if (mnode_kind(cur) == MN_CALL)
		return ((const struct mcall *)cur)->path;
	if (mnode_kind(cur) == MN_PATH)
		return (const struct mpath *)cur;
	return NULL;
}

/* The kept calls of p's thread, in tree order (by start): next after n. */
static const struct mnode *next_call(const struct tree_view *tv, const struct mnode *n, int *level)
{
	n = model_next_preorder(tv->m, VIEW_CALLS, n, level);
	return n && *level >= 0 ? n : NULL;
}

static void say_sample(struct tree_view *tv, const struct mpath *p, size_t at)
{
	uint64_t received, lost;
	char pct[16];

	model_scope_events(tv->m, &p->node, &received, &lost);
	if (!lost || at >= sizeof(tv->message))
		return;
	model_share_text(received, lost, pct, sizeof(pct));
	snprintf(tv->message + at, sizeof(tv->message) - at, " (of the calls received: %s %% of events)", pct);
}

unsigned tree_view_slowest(struct tree_view *tv)
{
	const struct mpath *p = selected_path(tv);
	const struct mcall *best = NULL;
	const struct mnode *n;
	char a[24], b[24];
	int level = 0;
	size_t at;

	if (!p) {
		snprintf(tv->message, sizeof(tv->message), "slowest call: put the cursor on a call or path");
		return DIRTY_HINT;
	}
	for (n = model_first_child(tv->m, VIEW_CALLS, &model_path_thread(tv->m, p)->node); n;
	     n = next_call(tv, n, &level)) {
		const struct mcall *c = (const struct mcall *)n;

		if (c->path == p && known(c) && (!best || c->dur_ns > best->dur_ns))
			best = c;
	}
	if (!best) {
		snprintf(tv->message, sizeof(tv->message), "%s: no finished call kept", p->fn->name);
		return DIRTY_HINT;
	}
	unsigned d = tree_view_jump(tv, best->node.id);
	uint64_t received, lost;

	/* Events lost: the calls view has the calls received only.  The
	 * path's max counts calls no longer kept too and, from the writer's
	 * stats (exact), those whose events were lost: both when they differ. */
	model_scope_events(tv->m, &p->node, &received, &lost);
	hist_format_ns((uint64_t)best->dur_ns, a, sizeof(a));
	hist_format_ns(p->max_ns, b, sizeof(b));
	at = (size_t)snprintf(tv->message, sizeof(tv->message), "slowest call %s: %s",
			      lost ? "received and kept" : "kept", a);
	if (p->max_ns > (uint64_t)best->dur_ns && at < sizeof(tv->message))
		at += (size_t)snprintf(tv->message + at, sizeof(tv->message) - at,
				       "; the path's %smax %s is a call %s", p->stats ? "exact " : "", b,
				       p->stats && lost ? "lost or not kept" : "not kept");
	else if (p->stats && at < sizeof(tv->message))
		at += (size_t)snprintf(tv->message + at, sizeof(tv->message) - at, " (the path's exact max)");
	if (!p->stats)
		say_sample(tv, p, at);
	return d | DIRTY_HINT;
}

unsigned tree_view_step_slow(struct tree_view *tv, bool backwards)
{
	const struct mpath *p = selected_path(tv);
	const struct mnode *cur = tree_view_cursor(tv), *n;
	const struct mnode *first = NULL, *last = NULL, *before = NULL, *after = NULL, *to;
	int first_i = 0, last_i = 0, before_i = 0, after_i = 0, total = 0, level = 0;
	bool passed;
	struct hist h;
	uint64_t p99;
	char a[24], b[24];

	if (!p) {
		snprintf(tv->message, sizeof(tv->message), "slow calls: put the cursor on a call or path");
		return DIRTY_HINT;
	}
	model_path_hist(tv->m, p, &h);
	p99 = hist_quantile(&h, 0.99);
	passed = mnode_kind(cur) != MN_CALL;   /* from a path: the first (or last) one */
	for (n = model_first_child(tv->m, VIEW_CALLS, &model_path_thread(tv->m, p)->node); n;
	     n = next_call(tv, n, &level)) {
		const struct mcall *c = (const struct mcall *)n;
		bool slow = c->path == p && known(c) && (uint64_t)c->dur_ns > p99;

		total += slow;
		if (n == cur) {
			passed = true;
			continue;
		}
		if (!slow)
			continue;
		if (!first) {
			first = n;
			first_i = total;
		}
		last = n;
		last_i = total;
		if (!passed) {
			before = n;
			before_i = total;
		} else if (!after) {
			after = n;
			after_i = total;
		}
	}
	hist_format_ns(p99, b, sizeof(b));
	if (!first) {
		snprintf(tv->message, sizeof(tv->message), "%s: no other kept call slower than p99 %s",
			 p->fn->name, b);
		return DIRTY_HINT;
	}
	if (backwards) {
		to = before ? before : last;   /* wrapping around */
		before_i = before ? before_i : last_i;
	} else {
		to = after ? after : first;
		before_i = after ? after_i : first_i;
	}
	unsigned d = tree_view_jump(tv, to->id);
	size_t at = (size_t)snprintf(tv->message, sizeof(tv->message), "%s, slower than p99 %s: %d of %d",
				     hist_format_ns((uint64_t)((const struct mcall *)to)->dur_ns, a, sizeof(a)),
				     b, before_i, total);

	say_sample(tv, p, at);
	return d | DIRTY_HINT;
}
