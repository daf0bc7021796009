/* view_status.c - the status line at the top (source, LIVE/PAUSED, counts,
 * rates, drops, bad lines, memory) and the key hint line at the bottom. */
#include "config.h"

#include <signal.h>
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

static void sep(struct line *l)
{
	char buf[16];

	snprintf(buf, sizeof(buf), " %s ", draw_glyphs()->dot);
	seg(l, buf, draw_attr(COL_STATUS));
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

/* What the figures leave out, each when it happened. */
static void caveats(struct line *l, const struct model_stats *ms)
{
	const struct { uint64_t n; const char *one, *many; } c[] = {
		{ ms->calls_unfinished, "unfinished call", "unfinished calls" },
		{ ms->depth_mismatches, "depth mismatch", "depth mismatches" },
		{ ms->too_deep, "ignored (too deep)", "ignored (too deep)" },
		{ ms->calls_nodur, "call without duration", "calls without duration" },
		{ ms->calls_flattened, "call put flat (path limit)", "calls put flat (path limit)" },
	};
	char buf[80], n1[32];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (!c[i].n)
			continue;
		sep(l);
		snprintf(buf, sizeof(buf), "%s %s", draw_count(c[i].n, n1, sizeof(n1)),
			 c[i].n == 1 ? c[i].one : c[i].many);
		seg(l, buf, draw_attr(COL_WARN));
	}
}

void status_draw(WINDOW *w, const struct status_info *si)
{
	const struct ingest_status *st = si->st;
	attr_t a = draw_attr(COL_STATUS);
	struct line l = { w, 0, getmaxx(w) };
	char buf[256], n1[32], n2[32];

	draw_blank(w, 0, 0, l.width, a);
	wmove(w, 0, 0);
	seg(&l, " pipetrace", a | A_BOLD);
	if (st) {
		sep(&l);
		/* a long command line must not push the counts off the line */
		int srcw = l.width / 4 > 24 ? l.width / 4 : 24;

		l.x += draw_text(w, 0, l.x, l.width - l.x < srcw ? l.width - l.x : srcw,
				 st->source ? st->source : "?", a);
		if (st->has_child) {
			child_state(st, n1, sizeof(n1));
			snprintf(buf, sizeof(buf), " [%s]", n1);
			seg(&l, buf, st->child_running ? a : draw_attr(COL_WARN));
		}
		sep(&l);
		if (st->paused) {
			snprintf(buf, sizeof(buf), " PAUSED %s queued (max %s",
				 draw_count(st->queued, n1, sizeof(n1)), draw_count(st->queue_max, n2, sizeof(n2)));
			seg(&l, buf, draw_attr(COL_PAUSED));
			if (st->queue_dropped) {
				snprintf(buf, sizeof(buf), ", %s lost",
					 draw_count(st->queue_dropped, n1, sizeof(n1)));
				seg(&l, buf, draw_attr(COL_PAUSED));
			}
			seg(&l, ") ", draw_attr(COL_PAUSED));
		} else if (st->input_ended) {
			seg(&l, "ENDED", draw_attr(COL_WARN));
		} else {
			snprintf(buf, sizeof(buf), "%s LIVE", draw_glyphs()->live);
			seg(&l, buf, draw_attr(COL_LIVE));
		}
	}
	if (st && st->fifo_problem) {
		/* writers that connect now reach nothing of ours: say so
		 * until the path is free again */
		sep(&l);
		snprintf(buf, sizeof(buf), "FIFO lost: %s", st->fifo_problem);
		seg(&l, buf, draw_attr(COL_WARN));
	} else if (st && st->fifo_recreated) {
		sep(&l);
		if (st->fifo_recreated == 1)
			snprintf(buf, sizeof(buf), "FIFO re-created");
		else
			snprintf(buf, sizeof(buf), "FIFO re-created %s times",
				 draw_count(st->fifo_recreated, n1, sizeof(n1)));
		seg(&l, buf, a);
	}
	if (st && st->fifo_warning) {
		/* said on stderr too, but the screen hides it while it runs */
		sep(&l);
		seg(&l, "$XDG_RUNTIME_DIR not used", draw_attr(COL_WARN));
	}
	if (si->notice) {
		/* what the last key did, before anything else can push it off */
		sep(&l);
		seg(&l, si->notice, draw_attr(si->notice_warn ? COL_WARN : COL_LIVE));
	}
	if (si->scope && *si->scope) {
		sep(&l);
		seg(&l, si->scope, draw_attr(COL_WARN));
	}
	sep(&l);
	snprintf(buf, sizeof(buf), "%u proc%s %u thread%s", si->ms.processes,
		 si->ms.processes == 1 ? "" : "s", si->ms.threads, si->ms.threads == 1 ? "" : "s");
	seg(&l, buf, a);
	if (st) {
		sep(&l);
		snprintf(buf, sizeof(buf), "%s ev/s", draw_count((uint64_t)(st->events_per_s + 0.5), n1, sizeof(n1)));
		seg(&l, buf, a);
	}
	sep(&l);
	snprintf(buf, sizeof(buf), "%s event%s", draw_count(si->ms.events, n1, sizeof(n1)),
		 si->ms.events == 1 ? "" : "s");
	seg(&l, buf, a);
	sep(&l);
	/* what the writers reported lost; losses nobody reported are
	 * "unaccounted", never added to it */
	snprintf(buf, sizeof(buf), "drops %s", draw_count(si->ms.drops, n1, sizeof(n1)));
	seg(&l, buf, si->ms.drops ? draw_attr(COL_WARN) : a);
	if (si->ms.stats_threads) {
		/* their figures come from stats: drops cost only the calls view */
		sep(&l);
		if (si->ms.stats_threads == si->ms.threads)
			snprintf(buf, sizeof(buf), "figures exact");
		else
			snprintf(buf, sizeof(buf), "exact: %u/%u threads", si->ms.stats_threads,
				 si->ms.threads);
		seg(&l, buf, a);
	}
	if (si->ms.stats_bad || si->ms.stats_ignored || si->ms.stats_unsent) {
		sep(&l);
		snprintf(buf, sizeof(buf), "stats entries lost %s",
			 draw_count(si->ms.stats_bad + si->ms.stats_ignored + si->ms.stats_unsent,
				    n1, sizeof(n1)));
		seg(&l, buf, draw_attr(COL_WARN));
	}
	if (si->ms.filtered) {
		/* PIPETRACE_FILTER, _MIN_DURATION: calls left out by choice */
		char dot[16], text[200];

		sep(&l);
		snprintf(dot, sizeof(dot), " %s ", draw_glyphs()->dot);
		if (si->ms.filters_differ)
			snprintf(buf, sizeof(buf), "filtered in %u proc%s", si->ms.filtered,
				 si->ms.filtered == 1 ? "" : "s");
		else if (si->ms.filtered == si->ms.processes)
			snprintf(buf, sizeof(buf), "%s", model_filter_text(text, sizeof(text),
				 si->ms.filter[0] ? si->ms.filter : NULL, si->ms.min_duration, dot));
		else
			snprintf(buf, sizeof(buf), "%s in %u proc%s", model_filter_text(text, sizeof(text),
				 si->ms.filter[0] ? si->ms.filter : NULL, si->ms.min_duration, dot),
				 si->ms.filtered, si->ms.filtered == 1 ? "" : "s");
		seg(&l, buf, a);
	}
	if (si->ms.depth_limited) {
		/* PIPETRACE_DEPTH: deeper calls are not events, not losses */
		sep(&l);
		if (!si->ms.depth_max)
			snprintf(buf, sizeof(buf), "depth limited in %u proc%s", si->ms.depth_limited,
				 si->ms.depth_limited == 1 ? "" : "s");
		else if (si->ms.depth_limited == si->ms.processes)
			snprintf(buf, sizeof(buf), "depth < %llu", (unsigned long long)si->ms.depth_max);
		else
			snprintf(buf, sizeof(buf), "depth < %llu in %u proc%s",
				 (unsigned long long)si->ms.depth_max, si->ms.depth_limited,
				 si->ms.depth_limited == 1 ? "" : "s");
		seg(&l, buf, a);
	}
	if (si->ms.incomplete_processes || si->ms.incomplete_threads) {
		sep(&l);
		incomplete_text(&si->ms, buf, sizeof(buf));
		seg(&l, buf, draw_attr(COL_WARN));
	}
	if (st) {
		sep(&l);
		snprintf(buf, sizeof(buf), "bad %s", draw_count(st->bad_lines, n1, sizeof(n1)));
		seg(&l, buf, st->bad_lines ? draw_attr(COL_WARN) : a);
	}
	if (st && st->record_error) {
		sep(&l);
		snprintf(buf, sizeof(buf), "not recording: %s", st->record_error);
		seg(&l, buf, draw_attr(COL_WARN));
	}
	if (si->ms.too_deep) {
		/* the model's own bound on open calls: never silent */
		sep(&l);
		snprintf(buf, sizeof(buf), "%s ignored (too deep)", draw_count(si->ms.too_deep, n1, sizeof(n1)));
		seg(&l, buf, draw_attr(COL_WARN));
	}
	if (si->ms.calls_retired) {
		sep(&l);
		snprintf(buf, sizeof(buf), "%s old call%s retired", draw_count(si->ms.calls_retired, n1, sizeof(n1)),
			 si->ms.calls_retired == 1 ? "" : "s");
		seg(&l, buf, a);
	}
	sep(&l);
	fmt_bytes(si->ms.bytes, n1, sizeof(n1));
	seg(&l, n1, a);
	/* last: where they fit, they must not push the rest off the line */
	caveats(&l, &si->ms);
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
