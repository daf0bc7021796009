/* view_status.c - the status line at the top (source, LIVE/PAUSED, counts,
 * rates, drops, bad lines, memory) and the key hint line at the bottom. */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "view.h"

struct line {                    /* a one-line window filled left to right */
	WINDOW *w;               /* borrowed */
	int x, width;
};

static void seg(struct line *l, const char *s, attr_t a)
{
	if (l->x >= l->width)
		return;
	l->x += draw_text(l->w, 0, l->x, l->width - l->x, s, a);
}

static void fmt_bytes(size_t b, char *buf, size_t size)
{
	if (b < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", b / 1024.0);
	else if (b < (size_t)1024 * 1024 * 1024)
		snprintf(buf, size, "%.1f MiB", b / (1024.0 * 1024));
	else
		snprintf(buf, size, "%.2f GiB", b / (1024.0 * 1024 * 1024));
}

static void child_state(const struct ingest_status *st, char *buf, size_t size)
{
	int ws = st->child_wait_status;

	if (st->child_running)
		snprintf(buf, size, "running");
	else if (WIFEXITED(ws))
		snprintf(buf, size, "exited %d", WEXITSTATUS(ws));
	else if (WIFSIGNALED(ws))
		snprintf(buf, size, "killed by SIG%s", sigabbrev_np(WTERMSIG(ws)) ?
			 sigabbrev_np(WTERMSIG(ws)) : "?");
	else
		snprintf(buf, size, "ended");
}

/* "incomplete: 350 events unaccounted, 1 proc without final counts" */
static void incomplete_text(const struct model_stats *ms, char *buf, size_t size)
{
	char n1[32];
	int k = snprintf(buf, size, "incomplete");

	if (ms->unaccounted && k >= 0 && (size_t)k < size)
		k += snprintf(buf + k, size - (size_t)k, ": %s event%s unaccounted",
			      draw_count(ms->unaccounted, n1, sizeof(n1)), ms->unaccounted == 1 ? "" : "s");
	if (ms->processes_end_lost && k >= 0 && (size_t)k < size)
		snprintf(buf + k, size - (size_t)k, "%s%s proc%s without final counts",
			 ms->unaccounted ? ", " : ": ", draw_count(ms->processes_end_lost, n1, sizeof(n1)),
			 ms->processes_end_lost == 1 ? "" : "s");
}

/* One segment of the status line.  When the line is too narrow, segments
 * give way in order of `cut` / `drop` (higher first; 0 never): a segment is
 * first cut (to `brief`, or to `minw` columns), then dropped.  The losses
 * and the marks of exactness and incompleteness rank lowest, so that what
 * says how far the figures can be trusted is the last thing to go. */
struct part {
	char text[256], brief[64];
	attr_t attr;
	int w, minw;             /* columns now; minw > 0: may be cut to that */
	unsigned char cut, drop;
	bool glued;              /* follows the previous part without a separator */
	bool gone;
};

enum { NPARTS = 32 };

struct parts {
	struct part p[NPARTS];
	int n;
};

static struct part *add(struct parts *ps, attr_t a, int drop, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct part *add(struct parts *ps, attr_t a, int drop, const char *fmt, ...)
{
	static struct part spare;    /* past NPARTS: filled and never drawn */
	struct part *p = ps->n < NPARTS ? &ps->p[ps->n++] : &spare;
	va_list ap;

	memset(p, 0, sizeof(*p));
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	va_end(ap);
	p->attr = a;
	p->drop = (unsigned char)drop;
	p->w = draw_width(p->text);
	return p;
}

/* A shorter form, tried before the part is dropped. */
static void brief(struct part *p, int cut, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void brief(struct part *p, int cut, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->brief, sizeof(p->brief), fmt, ap);
	va_end(ap);
	p->cut = (unsigned char)cut;
}

static int parts_width(const struct parts *ps, int sepw)
{
	int w = 0;
	bool first = true;

	for (int i = 0; i < ps->n; i++) {
		if (ps->p[i].gone)
			continue;
		w += ps->p[i].w + (first || ps->p[i].glued ? 0 : sepw);
		first = false;
	}
	return w;
}

/* Cuts or drops the least needed parts, the rightmost first among equals,
 * until the line fits or only what must stay is left. */
static void parts_fit(struct parts *ps, int width, int sepw)
{
	int over;

	while ((over = parts_width(ps, sepw) - width) > 0) {
		struct part *best = NULL;
		int best_rank = 0;

		for (int i = 0; i < ps->n; i++) {
			struct part *p = &ps->p[i];
			int rank = p->gone ? 0 : p->cut ? p->cut : p->drop;

			if (rank && rank >= best_rank) {
				best = p;
				best_rank = rank;
			}
		}
		if (!best)
			return;
		if (best->cut && best->minw) {
			best->w = best->w - over > best->minw ? best->w - over : best->minw;
			best->cut = 0;
		} else if (best->cut) {
			snprintf(best->text, sizeof(best->text), "%s", best->brief);
			best->w = draw_width(best->text);
			best->cut = 0;
		} else {
			best->gone = true;
		}
	}
	/* room left by a wide part dropped late: a narrower one dropped
	 * earlier may fit again */
	for (int i = 0; i < ps->n; i++)
		if (ps->p[i].gone && !(ps->p[i].glued && ps->p[i - 1].gone)) {
			ps->p[i].gone = false;
			ps->p[i].gone = parts_width(ps, sepw) > width;
		}
}

/* What the figures leave out, each when it happened.  Some are troubles
 * of the events that arrived (of_events): when every thread's figures
 * come from its writer's exact statistics, they concern the calls view
 * only (the paths view shows no path from events then), and the paths
 * view does not warn of them - jq, 56 M of 58 M events dropped, read
 * "figures exact - 336 unfinished calls - 6160 depth mismatches", as if
 * its figures missed calls. */
static void caveats(struct parts *ps, const struct status_info *si)
{
	const struct model_stats *ms = &si->ms;
	bool sample_only = ms->threads && ms->stats_threads == ms->threads &&
			   si->view == VIEW_PATHS;
	const struct { uint64_t n; const char *one, *many; bool of_events; } c[] = {
		{ ms->calls_unfinished, "unfinished call", "unfinished calls", true },
		{ ms->depth_mismatches, "depth mismatch", "depth mismatches", true },
		{ ms->calls_nodur, "call without duration", "calls without duration", true },
		{ ms->calls_flattened, "call put flat (path limit)", "calls put flat (path limit)", false },
	};
	char n1[32];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (c[i].n && !(sample_only && c[i].of_events))
			add(ps, draw_attr(COL_WARN), 4, "%s %s", draw_count(c[i].n, n1, sizeof(n1)),
			    c[i].n == 1 ? c[i].one : c[i].many);
}

void status_draw(WINDOW *w, const struct status_info *si)
{
	const struct ingest_status *st = si->st;
	attr_t a = draw_attr(COL_STATUS), warn = draw_attr(COL_WARN);
	struct line l = { w, 1, getmaxx(w) };
	struct parts ps = { .n = 0 };
	struct part *p;
	char dot[16], n1[32], n2[32], text[200];
	int sepw;

	snprintf(dot, sizeof(dot), " %s ", draw_glyphs()->dot);
	sepw = draw_width(dot);
	draw_blank(w, 0, 0, l.width, a);
	wmove(w, 0, 0);
	add(&ps, a | A_BOLD, 9, "pipetrace");
	if (st) {
		/* a long command line must not push the counts off the line */
		int srcw = l.width / 4 > 24 ? l.width / 4 : 24;

		p = add(&ps, a, 5, "%s", st->source ? st->source : "?");
		if (p->w > srcw)
			p->w = srcw;
		if (p->w > 12) {
			p->minw = 12;
			p->cut = 9;
		}
		if (st->has_child) {
			child_state(st, n1, sizeof(n1));
			p = add(&ps, st->child_running ? a : warn, 5, " [%s]", n1);
			p->glued = true;
		}
		if (st->paused) {
			char lost[48] = "";

			if (st->queue_dropped)
				snprintf(lost, sizeof(lost), ", %s lost",
					 draw_count(st->queue_dropped, n2, sizeof(n2)));
			p = add(&ps, draw_attr(COL_PAUSED), 0, " PAUSED %s queued (max %s%s) ",
				draw_count(st->queued, n1, sizeof(n1)),
				draw_count(st->queue_max, text, sizeof(text)), lost);
			brief(p, 7, "PAUSED%s", lost);
		} else if (st->input_ended) {
			add(&ps, warn, 3, "ENDED");
		} else {
			add(&ps, draw_attr(COL_LIVE), 3, "%s LIVE", draw_glyphs()->live);
		}
	}
	if (st && st->fifo_problem) {
		/* writers that connect now reach nothing of ours: say so
		 * until the path is free again */
		p = add(&ps, warn, 1, "FIFO lost: %s", st->fifo_problem);
		brief(p, 5, "FIFO lost");
	} else if (st && st->fifo_recreated) {
		if (st->fifo_recreated == 1)
			add(&ps, a, 5, "FIFO re-created");
		else
			add(&ps, a, 5, "FIFO re-created %s times",
			    draw_count(st->fifo_recreated, n1, sizeof(n1)));
	}
	if (st && st->fifo_warning)
		/* said on stderr too, but the screen hides it while it runs */
		add(&ps, warn, 4, "$XDG_RUNTIME_DIR not used");
	if (si->notice)
		/* what the last key did */
		add(&ps, draw_attr(si->notice_warn ? COL_WARN : COL_LIVE), 3, "%s", si->notice);
	if (si->scope && *si->scope)
		add(&ps, warn, 2, "%s", si->scope);
	p = add(&ps, a, 6, "%u proc%s %u thread%s", si->ms.processes, si->ms.processes == 1 ? "" : "s",
		si->ms.threads, si->ms.threads == 1 ? "" : "s");
	brief(p, 8, "%up %ut", si->ms.processes, si->ms.threads);
	if (st)
		add(&ps, a, 8, "%s ev/s", draw_count((uint64_t)(st->events_per_s + 0.5), n1, sizeof(n1)));
	add(&ps, a, 7, "%s event%s", draw_count(si->ms.events, n1, sizeof(n1)),
	    si->ms.events == 1 ? "" : "s");
	/* what the writers reported lost; losses nobody reported are
	 * "unaccounted", never added to it */
	add(&ps, si->ms.drops ? warn : a, si->ms.drops ? 0 : 2, "drops %s",
	    draw_count(si->ms.drops, n1, sizeof(n1)));
	if (si->ms.stats_threads) {
		/* their figures come from stats: drops cost only the calls view */
		if (si->ms.stats_threads == si->ms.threads) {
			p = add(&ps, a, 0, "figures exact");
			brief(p, 6, "exact");
		} else {
			p = add(&ps, a, 0, "exact: %u/%u threads", si->ms.stats_threads, si->ms.threads);
			brief(p, 6, "exact %u/%u", si->ms.stats_threads, si->ms.threads);
		}
	}
	if (si->ms.stats_bad || si->ms.stats_ignored || si->ms.stats_unsent) {
		draw_count(si->ms.stats_bad + si->ms.stats_ignored + si->ms.stats_unsent, n1, sizeof(n1));
		p = add(&ps, warn, 0, "stats entries lost %s", n1);
		brief(p, 6, "stats lost %s", n1);
	}
	if (si->ms.filtered) {
		/* PIPETRACE_FILTER, _MIN_DURATION: calls left out by choice */
		if (si->ms.filters_differ)
			p = add(&ps, a, 2, "filtered in %u proc%s", si->ms.filtered,
				si->ms.filtered == 1 ? "" : "s");
		else if (si->ms.filtered == si->ms.processes)
			p = add(&ps, a, 2, "%s", model_filter_text(text, sizeof(text),
				si->ms.filter[0] ? si->ms.filter : NULL, si->ms.min_duration, dot));
		else
			p = add(&ps, a, 2, "%s in %u proc%s", model_filter_text(text, sizeof(text),
				si->ms.filter[0] ? si->ms.filter : NULL, si->ms.min_duration, dot),
				si->ms.filtered, si->ms.filtered == 1 ? "" : "s");
		brief(p, 5, "filtered");
	}
	if (si->ms.depth_limited) {
		/* PIPETRACE_DEPTH: deeper calls are not events, not losses */
		if (!si->ms.depth_max)
			p = add(&ps, a, 2, "depth limited in %u proc%s", si->ms.depth_limited,
				si->ms.depth_limited == 1 ? "" : "s");
		else if (si->ms.depth_limited == si->ms.processes)
			p = add(&ps, a, 2, "depth < %llu", (unsigned long long)si->ms.depth_max);
		else
			p = add(&ps, a, 2, "depth < %llu in %u proc%s",
				(unsigned long long)si->ms.depth_max, si->ms.depth_limited,
				si->ms.depth_limited == 1 ? "" : "s");
		brief(p, 5, "depth limited");
	}
	if (si->ms.incomplete_processes || si->ms.incomplete_threads) {
		incomplete_text(&si->ms, text, sizeof(text));
		p = add(&ps, warn, 0, "%s", text);
		if (si->ms.unaccounted)
			brief(p, 6, "INCOMPLETE: %s unaccounted",
			      draw_count(si->ms.unaccounted, n1, sizeof(n1)));
		else
			brief(p, 6, "INCOMPLETE");
	}
	if (st)
		add(&ps, st->bad_lines ? warn : a, st->bad_lines ? 0 : 6, "bad %s",
		    draw_count(st->bad_lines, n1, sizeof(n1)));
	if (st && st->record_error) {
		p = add(&ps, warn, 1, "not recording: %s", st->record_error);
		brief(p, 5, "not recording");
	}
	if (si->ms.too_deep)
		/* the model's own bound on open calls: never silent */
		add(&ps, warn, 1, "%s ignored (too deep)", draw_count(si->ms.too_deep, n1, sizeof(n1)));
	if (si->ms.calls_retired)
		add(&ps, a, 3, "%s old call%s retired", draw_count(si->ms.calls_retired, n1, sizeof(n1)),
		    si->ms.calls_retired == 1 ? "" : "s");
	fmt_bytes(si->ms.bytes, n1, sizeof(n1));
	add(&ps, a, 8, "%s", n1);
	caveats(&ps, si);

	parts_fit(&ps, l.width - l.x, sepw);
	bool first = true;

	for (int i = 0; i < ps.n && l.x < l.width; i++) {
		p = &ps.p[i];
		if (p->gone)
			continue;
		if (!first && !p->glued)
			seg(&l, dot, a);
		first = false;
		l.x += draw_text(w, 0, l.x, l.width - l.x < p->w ? l.width - l.x : p->w, p->text, p->attr);
	}
}

struct hint {
	const char *key, *what;
	int prio;                /* dropped first when the line is short: high */
};

static const char *hint_key(const struct hint *h, char *buf, size_t size)
{
	const struct draw_glyphs *g = draw_glyphs();

	if (h->key[0] == '\x01')
		snprintf(buf, size, "%s%s", g->up, g->down);
	else if (h->key[0] == '\x02')
		snprintf(buf, size, "%s%s", g->right, g->left);
	else
		return h->key;
	return buf;
}

void hint_draw(WINDOW *w, const struct status_info *si)
{
	static const struct hint hints[] = {
		{ "\x01", "move", 4 }, { "\x02", "expand/collapse", 3 }, { "/", "search", 1 },
		{ "n/N", "next", 5 }, { "p", "pause", 2 }, { "e", "exception", 6 },
		{ "Tab", "pane", 2 }, { "v", "view", 8 }, { "t", "profile", 7 }, { "f", "follow", 9 }, { "o", "output", 5 },
		{ "F", "filter", 7 },
		{ "?", "help", 0 }, { "q", "quit", 0 },
	};
	static const struct hint profile_hints[] = {
		{ "\x01", "move", 4 }, { "Enter", "called from", 3 }, { "< >", "sort", 1 }, { "a", "scope", 2 },
		{ "c", "save", 5 }, { "/", "search", 6 }, { "p", "pause", 2 }, { "Tab", "pane", 7 },
		{ "t", "tree", 1 }, { "?", "help", 0 }, { "q", "quit", 0 },
	};
	enum { NHINTS = sizeof(hints) / sizeof(hints[0]) };
	_Static_assert(sizeof(profile_hints) <= sizeof(hints), "skip[] holds every hint");
	const struct hint *hs = si->profile ? profile_hints : hints;
	int nh = si->profile ? (int)(sizeof(profile_hints) / sizeof(profile_hints[0])) : NHINTS;
	struct line l = { w, 0, getmaxx(w) };
	bool skip[NHINTS] = { false };
	char kb[32];
	int total = 0;

	draw_blank(w, 0, 0, l.width, draw_attr(COL_NORMAL));
	wmove(w, 0, 0);
	if (si->note) {
		seg(&l, " ", draw_attr(COL_NORMAL));
		seg(&l, si->note, draw_attr(COL_EXC));
		return;
	}
	if (si->prompt) {
		seg(&l, "/", draw_attr(COL_HINTKEY));
		seg(&l, si->prompt, draw_attr(COL_NORMAL));
		if (si->search_msg && *si->search_msg) {
			seg(&l, "   ", draw_attr(COL_NORMAL));
			seg(&l, si->search_msg, draw_attr(COL_DIM));
		}
		wmove(w, 0, 1 + draw_width(si->prompt));
		return;
	}
	if (si->search_msg && *si->search_msg) {
		seg(&l, " ", draw_attr(COL_NORMAL));
		seg(&l, si->search_msg, draw_attr(COL_FOCUS));
		/* other keys' messages (slowest call, no exception...) are not
		 * stepped with n/N */
		seg(&l, si->searching ? "  (n/N step, Esc clears) " : "  ", draw_attr(COL_DIM));
	}
	for (int i = 0; i < nh; i++) {
		skip[i] = hs[i].key[0] == 'o' && !(si->st && si->st->has_child);
		if (!skip[i])
			total += 2 + draw_width(hint_key(&hs[i], kb, sizeof(kb))) + (int)strlen(hs[i].what);
	}
	/* drop the least needed hints until the rest fit */
	for (int prio = 9; prio > 0 && total > l.width - l.x; prio--)
		for (int i = nh - 1; i >= 0 && total > l.width - l.x; i--)
			if (!skip[i] && hs[i].prio == prio) {
				skip[i] = true;
				total -= 2 + draw_width(hint_key(&hs[i], kb, sizeof(kb))) +
					 (int)strlen(hs[i].what);
			}
	for (int i = 0; i < nh; i++) {
		if (skip[i])
			continue;
		seg(&l, " ", draw_attr(COL_NORMAL));
		seg(&l, hint_key(&hs[i], kb, sizeof(kb)), draw_attr(COL_HINTKEY));
		seg(&l, " ", draw_attr(COL_NORMAL));
		seg(&l, hs[i].what, draw_attr(COL_NORMAL));
	}
	/* the last bad line's reason, when it fits */
	if (si->st && si->st->bad_lines && si->st->last_bad[0] && l.width - l.x > 24) {
		seg(&l, "  last bad: ", draw_attr(COL_EXC));
		seg(&l, si->st->last_bad, draw_attr(COL_DIM));
	}
}
