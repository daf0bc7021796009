/* plain.c - the plain-text mode: prints each event as it is applied, notes
 * about new processes and threads, drops, bad lines; then, on request, a
 * per-function summary.  Every string from the trace goes through
 * event_safe_text() first: nothing from the input reaches the terminal raw. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <wchar.h>

#include "plain.h"

#define MAX_INDENT 60

struct plain {
	FILE *out;               /* borrowed */
	const struct plain_opts *o;
	uint64_t *seen;          /* owned: open-addressing set of pid<<32|tid (+1) */
	size_t seen_cap, seen_n;
	bool warned_version;
	uint64_t bad, unknown;   /* already reported */
	uint64_t fifo_notes;
	uint32_t end_lost;       /* processes_end_lost already reported */
	uint64_t unwinds, callers_unseen;   /* the model's, already reported */
	uint64_t stats_lost;     /* the model's stats_bad + stats_ignored, already reported */
	bool rec_reported;
	char buf[3][4 * EVENT_LINE_MAX + 8];
};

/* Slot of key in a table of cap (a power of two) slots.  Keys differ in
 * their high half (the pid) as often as in the low one, so the bits must
 * be mixed both ways: a plain multiply keeps the low bits of the product
 * tied to the low bits of the key, and every process key (tid 0) then
 * landed in one slot, a quadratic crawl with thousands of processes. */
static size_t seen_slot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

/* Adds key to the set; true when it was new. */
static bool seen_add(struct plain *p, uint64_t key)
{
	key++;                   /* 0 marks an empty slot */
	if (2 * (p->seen_n + 1) > p->seen_cap) {
		size_t cap = p->seen_cap ? p->seen_cap * 2 : 256;
		uint64_t *ns = calloc(cap, sizeof *ns);
		if (!ns)
			return false;
		for (size_t i = 0; i < p->seen_cap; i++) {
			uint64_t k = p->seen[i];
			if (!k)
				continue;
			size_t j = seen_slot(k, cap);
			while (ns[j])
				j = (j + 1) & (cap - 1);
			ns[j] = k;
		}
		free(p->seen);
		p->seen = ns;
		p->seen_cap = cap;
	}
	size_t j = seen_slot(key, p->seen_cap);
	while (p->seen[j]) {
		if (p->seen[j] == key)
			return false;
		j = (j + 1) & (p->seen_cap - 1);
	}
	p->seen[j] = key;
	p->seen_n++;
	return true;
}

static const char *safe(struct plain *p, int slot, const struct event_str *s)
{
	if (!s->s)
		return "";
	event_safe_text(p->buf[slot], sizeof p->buf[slot], s->s, s->len, p->o->utf8);
	return p->buf[slot];
}

/* The same for a string of ours that holds user input (the command and
 * its arguments, a path). */
static const char *safe_str(struct plain *p, int slot, const char *s)
{
	event_safe_text(p->buf[slot], sizeof p->buf[slot], s, strlen(s), p->o->utf8);
	return p->buf[slot];
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static void indent(FILE *out, int32_t depth)
{
	int n = depth < 0 ? 0 : depth > MAX_INDENT ? MAX_INDENT : depth;

	fprintf(out, "%*s", 2 * n, "");
}

/* What the model made of the event beyond the event itself: a
 * "(callers not seen)" node opened, or calls left by a longjmp (said
 * before the exit that revealed them, at their depth). */
static void model_notes(struct plain *p, const struct event *ev, const struct model *m)
{
	struct model_stats ms;
	bool u = p->o->utf8;

	model_get_stats(m, &ms);
	if (ms.callers_unseen != p->callers_unseen) {
		p->callers_unseen = ms.callers_unseen;
		fprintf(p->out, "[%" PRId32 ":%" PRId32 "] (callers not seen)\n", ev->pid, ev->tid);
	}
	uint64_t stats_lost = ms.stats_bad + ms.stats_ignored + ms.stats_unsent;
	if (stats_lost != p->stats_lost) {
		uint64_t n = stats_lost - p->stats_lost;
		p->stats_lost = stats_lost;
		fprintf(p->out, "[%" PRId32 ":%" PRId32 "] ! %" PRIu64 " stats entr%s not applied "
			"(%s)\n", ev->pid, ev->tid, n, n == 1 ? "y" : "ies",
			ev->kind == EV_STATS && ev->stats_bad_why ? ev->stats_bad_why
			: ev->kind == EV_TALLY && ev->stats_unsent
			? "the writer's tally: its last stats lines were never written, the reader "
			  "took nothing during its exit's wait; the thread's figures lag"
			: "unknown id or parent, a parent cycle, another function or parent for a "
			  "known id, past the paths kept, or no stats_ms in the hello");
	}
	if (ms.unwinds == p->unwinds)
		return;
	p->unwinds = ms.unwinds;
	const struct mexception *e = model_exception_count(m) ? model_exception_at(m, 0) : NULL;

	if (!e || !e->abandoned)
		return;
	fprintf(p->out, "[%" PRId32 ":%" PRId32 "] ", ev->pid, ev->tid);
	indent(p->out, ev->depth + 1);
	fprintf(p->out, "%s longjmp: %" PRIu64 " call%s abandoned (", u ? "\u21af" : "^",
		e->abandoned, e->abandoned == 1 ? "" : "s");
	/* the outermost and the innermost few: enough to see where from */
	for (size_t i = 0; i < e->nstack; i++) {
		if (e->nstack > 6 && i == 2) {
			fputs(u ? " \u203a \u2026" : " > ...", p->out);
			i = e->nstack - 3;
			continue;
		}
		struct event_str s = { .s = e->stack[i], .len = strlen(e->stack[i]) };

		fprintf(p->out, "%s%s", i ? (u ? " \u203a " : " > ") : "", safe(p, 0, &s));
	}
	struct event_str to = { .s = e->to, .len = strlen(e->to) };

	fprintf(p->out, "), back in %s\n", safe(p, 0, &to));
}

static void print_event(void *ctx, const struct event *ev, const struct model *m)
{
	struct plain *p = ctx;
	FILE *out = p->out;
	bool u = p->o->utf8;
	char dur[32];

	/* A thread seen before means its process was too: one lookup per
	 * event in the common case, not two. */
	uint64_t pkey = (uint64_t)(uint32_t)ev->pid << 32;
	bool new_thread = ev->tid && seen_add(p, pkey | (uint32_t)ev->tid);
	if ((!ev->tid || new_thread) && seen_add(p, pkey) && ev->kind != EV_HELLO)
		fprintf(out, "[%" PRId32 "] new process (attached after its start)\n", ev->pid);
	if (new_thread && ev->kind != EV_THREAD)
		fprintf(out, "[%" PRId32 ":%" PRId32 "] new thread\n", ev->pid, ev->tid);
	model_notes(p, ev, m);

	switch (ev->kind) {
	case EV_HELLO:
		fprintf(out, "[%" PRId32 "] process %s (parent %" PRId32 ", %s)\n", ev->pid,
			safe(p, 0, &ev->prog), ev->ppid, ev->lib.s ? safe(p, 1, &ev->lib) : "?");
		if (ev->depth_max)
			fprintf(out, "[%" PRId32 "] traced to depth %" PRIu64 " only (PIPETRACE_DEPTH=%"
				PRIu64 "): deeper calls filtered out, not lost\n", ev->pid,
				ev->depth_max - 1, ev->depth_max);
		if (ev->filter.s)
			fprintf(out, "[%" PRId32 "] traced with PIPETRACE_FILTER=%s: calls it "
				"leaves out are not events, not lost\n", ev->pid, safe(p, 0, &ev->filter));
		if (ev->min_duration) {
			char mdur[32];

			fprintf(out, "[%" PRId32 "] calls shorter than %s not sent "
				"(PIPETRACE_MIN_DURATION): left out, not lost\n", ev->pid,
				hist_format_ns(ev->min_duration, mdur, sizeof mdur));
		}
		if (ev->version > 1 && !p->warned_version) {
			p->warned_version = true;
			fprintf(out, "! protocol v%" PRId32 " is newer than this reader's v1: "
				"reading what it can\n", ev->version);
		}
		break;
	case EV_THREAD:
		fprintf(out, "[%" PRId32 ":%" PRId32 "] thread named %s\n", ev->pid, ev->tid,
			safe(p, 0, &ev->name));
		break;
	case EV_ENTER:
		fprintf(out, "[%" PRId32 ":%" PRId32 "] ", ev->pid, ev->tid);
		indent(out, ev->depth);
		fprintf(out, "%s %s\n", u ? "\u2192" : "->", safe(p, 0, &ev->fn));
		break;
	case EV_EXIT:
		fprintf(out, "[%" PRId32 ":%" PRId32 "] ", ev->pid, ev->tid);
		indent(out, ev->depth);
		if (ev->dur >= 0) {
			/* below its process's clock step: "<11 ns", not "0 ns" */
			const struct mthread *t = ev->dur < 1000000000 ?
				model_thread_find(m, ev->pid, ev->tid) : NULL;

			hist_format_ns_step((uint64_t)ev->dur, t ? t->proc->clock_step : 0, dur,
					    sizeof dur);
		} else
			snprintf(dur, sizeof dur, "(duration unknown)");
		fprintf(out, "%s %s %s\n", u ? "\u2190" : "<-", safe(p, 0, &ev->fn), dur);
		break;
	case EV_EXCEPTION:
		fprintf(out, "[%" PRId32 ":%" PRId32 "] ", ev->pid, ev->tid);
		indent(out, ev->depth);
		fprintf(out, "%s %s %s: %s", u ? "\u2717" : "x", safe(p, 0, &ev->fn),
			safe(p, 1, &ev->type), safe(p, 2, &ev->msg));
		if (ev->signal.s && !(ev->signal.len == ev->type.len &&
				      !memcmp(ev->signal.s, ev->type.s, ev->type.len)))
			fprintf(out, " (signal %s)", safe(p, 0, &ev->signal));
		fputc('\n', out);
		if (ev->nstack) {
			fprintf(out, "[%" PRId32 ":%" PRId32 "] ", ev->pid, ev->tid);
			indent(out, ev->depth);
			fputs("  stack:", out);
			for (size_t i = 0; i < ev->nstack; i++)
				fprintf(out, "%s%s", i ? (u ? " \u203a " : " > ") : " ",
					safe(p, 0, &ev->stack[i]));
			fputc('\n', out);
		}
		break;
	case EV_DROP:
		fprintf(out, "[%" PRId32 ":%" PRId32 "] ! %" PRIu64 " events dropped by the writer\n",
			ev->pid, ev->tid, ev->count);
		break;
	case EV_TALLY: {
		const struct mthread *t = model_thread_find(m, ev->pid, ev->tid);

		fprintf(out, "[%" PRId32 ":%" PRId32 "] thread done: %" PRIu64 " event%s written, %"
			PRIu64 " dropped by the writer", ev->pid, ev->tid, ev->seq, plural(ev->seq),
			ev->dropped);
		if (t && t->unaccounted)
			fprintf(out, ", %" PRIu64 " unaccounted for: incomplete\n", t->unaccounted);
		else
			fputs(", all accounted for\n", out);
		break;
	}
	case EV_BYE:
		fprintf(out, "[%" PRId32 "] process exited", ev->pid);
		if (ev->has_status)
			fprintf(out, " (status %" PRId32 ")", ev->status);
		if (ev->has_threads)
			fprintf(out, ", %" PRIu32 " thread%s traced", ev->threads, plural(ev->threads));
		fputc('\n', out);
		break;
	default:
		break;
	}
}

/* Processes found ended without their final counts since the last look
 * (no event says so: their pid is gone). */
static void note_end_lost(struct plain *p, const struct model *m)
{
	struct model_stats ms;

	model_get_stats(m, &ms);
	if (ms.processes_end_lost <= p->end_lost)
		return;
	uint32_t n = ms.processes_end_lost - p->end_lost;
	fprintf(p->out, "! %" PRIu32 " process%s ended without %s final counts (no bye, or "
		"tallies missing): the trace is incomplete\n", n, n == 1 ? "" : "es",
		n == 1 ? "its" : "their");
	p->end_lost = ms.processes_end_lost;
}

/* Notes for what the counters say happened since the last look. */
static void notes(struct plain *p, const struct ingest_status *st)
{
	if (st->record_error && !p->rec_reported) {
		fprintf(p->out, "! %s\n", safe_str(p, 0, st->record_error));
		p->rec_reported = true;
	}
	if (st->bad_lines != p->bad) {
		uint64_t n = st->bad_lines - p->bad;
		fprintf(p->out, "! %" PRIu64 " bad line%s (%" PRIu64 " in all), last: %s\n", n,
			n == 1 ? "" : "s", st->bad_lines, st->last_bad);
		p->bad = st->bad_lines;
	}
	if (st->fifo_notes != p->fifo_notes) {
		/* the listening FIFO was removed or replaced under us */
		fprintf(p->out, "! %s\n", safe_str(p, 0, st->fifo_note));
		p->fifo_notes = st->fifo_notes;
	}
	if (st->unknown_kinds != p->unknown) {
		uint64_t n = st->unknown_kinds - p->unknown;
		fprintf(p->out, "! %" PRIu64 " line%s of an unknown kind skipped\n", n,
			n == 1 ? "" : "s");
		p->unknown = st->unknown_kinds;
	}
}

/* Columns of code point cp when wcwidth() cannot tell (a locale that is
 * not UTF-8 while the output is): combining marks take none, the common
 * East Asian wide and emoji blocks two, the rest one. */
static int width_fallback(uint32_t cp)
{
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || cp == 0xfeff ||
	    (cp >= 0xfe00 && cp <= 0xfe0f))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

/* Decodes the character at s (valid UTF-8, as event_safe_text makes it):
 * its length in bytes, its code point in *cp. */
static size_t utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = u[0] < 0x80 ? 1 : u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4;

	if (len > n)
		len = n;
	uint32_t v = len == 1 ? u[0] : u[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++)
		v = (v << 6) | (u[i] & 0x3f);
	*cp = v;
	return len;
}

/* Writes text (safe: no control characters, valid UTF-8 when utf8, ASCII
 * otherwise) into dst, cut and padded to exactly cols display columns:
 * table columns line up whatever the script of the names.  A cut name
 * ends in "…" ("~" in ASCII). */
static void fit_columns(char *dst, size_t size, const char *text, int cols, bool utf8)
{
	size_t n = strlen(text), o = 0, keep = 0;
	int used = 0, used_keep = 0;
	mbstate_t ps;

	memset(&ps, 0, sizeof ps);
	/* First pass: how much fits, leaving a column for the cut mark. */
	for (size_t i = 0; i < n;) {
		wchar_t wc;
		uint32_t cp;
		size_t len = utf8 ? mbrtowc(&wc, text + i, n - i, &ps) : 1;
		int w;

		if (!utf8) {
			w = 1;
		} else if (len == 0 || len > n - i) {
			/* not decodable in this locale: decode it ourselves */
			memset(&ps, 0, sizeof ps);
			len = utf8_decode(text + i, n - i, &cp);
			w = width_fallback(cp);
		} else {
			w = wcwidth(wc);
			if (w < 0) {
				utf8_decode(text + i, n - i, &cp);
				w = width_fallback(cp);
			}
		}
		if (used + w > cols) {
			/* does not fit: cut at the last place with room for the mark */
			o = keep;
			used = used_keep;
			break;
		}
		used += w;
		i += len;
		o = i;
		if (used <= cols - 1) {
			keep = i;
			used_keep = used;
		}
	}
	const char *mark = o < n ? (utf8 ? "\u2026" : "~") : "";
	size_t marklen = strlen(mark);
	if (o + marklen + (size_t)cols + 1 > size)
		o = 0; /* cannot happen with the caller's buffer; stay safe */
	memcpy(dst, text, o);
	memcpy(dst + o, mark, marklen);
	o += marklen;
	if (*mark)
		used++;
	while (used < cols && o + 1 < size) {
		dst[o++] = ' ';
		used++;
	}
	dst[o] = '\0';
}

static int cmp_total(const void *a, const void *b)
{
	const struct mfunc *x = *(const struct mfunc *const *)a;
	const struct mfunc *y = *(const struct mfunc *const *)b;

	if (x->total_ns != y->total_ns)
		return x->total_ns < y->total_ns ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Most lines naming an incomplete process or thread; the rest are counted. */
#define INCOMPLETE_LINES 20

/* Which processes and threads are known to miss events, and why. */
static void summary_incomplete(const struct model *m, const struct model_stats *ms, FILE *out)
{
	char safe_name[160];
	unsigned shown = 0, more = 0;

	fprintf(out, "! incomplete trace:");
	if (ms->unaccounted)
		fprintf(out, " %" PRIu64 " event%s unaccounted for (neither received nor reported "
			"dropped)%s", ms->unaccounted, plural(ms->unaccounted),
			ms->processes_end_lost ? ";" : "");
	if (ms->processes_end_lost)
		fprintf(out, " %" PRIu32 " process%s ended without final counts",
			ms->processes_end_lost, ms->processes_end_lost == 1 ? "" : "es");
	if (ms->stats_bad || ms->stats_ignored || ms->stats_unsent)
		fprintf(out, "%s %" PRIu64 " stats entries not applied",
			ms->unaccounted || ms->processes_end_lost ? ";" : "",
			ms->stats_bad + ms->stats_ignored + ms->stats_unsent);
	fputc('\n', out);
	for (const struct mnode *n = model_first_child(m, VIEW_PATHS, NULL); n;
	     n = model_next_sibling(m, VIEW_PATHS, n)) {
		const struct mprocess *p = (const struct mprocess *)n;

		if (!p->incomplete)
			continue;
		event_safe_text(safe_name, sizeof safe_name, p->prog, strlen(p->prog), false);
		if (shown++ >= INCOMPLETE_LINES)
			more++;
		else if (p->state == PROC_VANISHED)
			fprintf(out, "!   process %" PRId32 " %s: ended without bye (its last events "
				"and counts may be missing)\n", p->pid, safe_name);
		else if (p->has_bye_threads && p->tallies < p->bye_threads)
			fprintf(out, "!   process %" PRId32 " %s: bye names %" PRIu32 " thread%s, %"
				PRIu32 " tall%s arrived\n", p->pid, safe_name, p->bye_threads,
				plural(p->bye_threads), p->tallies, p->tallies == 1 ? "y" : "ies");
		for (const struct mthread *t = p->threads; t; t = t->next) {
			if (!t->incomplete)
				continue;
			if (shown++ >= INCOMPLETE_LINES) {
				more++;
				continue;
			}
			fprintf(out, "!   thread %" PRId32 "/%" PRId32 " %s: %" PRIu64 " received, %"
				PRIu64 " dropped", p->pid, t->tid,
				t->name ? (event_safe_text(safe_name, sizeof safe_name, t->name,
							   strlen(t->name), false), safe_name) : "-",
				t->received, t->drops);
			if (t->has_tally)
				fprintf(out, ", %" PRIu64 " written", t->tally_seq);
			if (t->unaccounted)
				fprintf(out, ": %" PRIu64 " unaccounted for\n", t->unaccounted);
			else if (t->stats_lost && (t->has_tally || !model_proc_end_lost(p)))
				fprintf(out, ": %" PRIu64 " stats entr%s not applied\n", t->stats_lost,
					t->stats_lost == 1 ? "y" : "ies");
			else
				fputs(": its tally never arrived\n", out);
		}
	}
	if (more)
		fprintf(out, "!   ... and %u more\n", more);
}

/* What the table leaves out or could not know, each count when it happened. */
static void summary_caveats(const struct model *m, const struct model_stats *ms, FILE *out)
{
	if (ms->incomplete_processes || ms->incomplete_threads)
		summary_incomplete(m, ms, out);
	uint32_t live = 0;
	for (const struct mnode *n = model_first_child(m, VIEW_PATHS, NULL); n;
	     n = model_next_sibling(m, VIEW_PATHS, n)) {
		const struct mprocess *p = (const struct mprocess *)n;
		char safe_name[160];

		live += p->state == PROC_LIVE;
		event_safe_text(safe_name, sizeof safe_name, p->prog, strlen(p->prog), false);
		if (p->filter || p->min_duration) {
			char text[200], safe_text[400];

			model_filter_text(text, sizeof text, p->filter, p->min_duration, ", ");
			event_safe_text(safe_text, sizeof safe_text, text, strlen(text), false);
			fprintf(out, "(process %" PRId32 " %s traced with %s: the calls it leaves "
				"out were filtered at the source, not lost; their time is in their "
				"traced caller's self time)\n", p->pid, safe_name, safe_text);
		}
		if (!p->depth_max)
			continue;
		fprintf(out, "(process %" PRId32 " %s traced to depth %" PRIu64 " only "
			"(PIPETRACE_DEPTH=%" PRIu64 "): deeper calls were filtered out, not lost; "
			"their time is in their traced caller's self time)\n", p->pid, safe_name, p->depth_max - 1, p->depth_max);
	}
	if (live)
		fprintf(out, "(%" PRIu32 " process%s had not said bye when the input ended: still "
			"running, or ended unseen; the last events may be missing)\n", live,
			live == 1 ? "" : "es");
	bool exact_all = ms->threads && ms->stats_threads == ms->threads;
	if (ms->calls_unfinished && exact_all)
		fprintf(out, "(the calls view has %" PRIu64 " call%s unfinished: never returned "
			"before the process or the input ended, or the exit was lost; the figures "
			"count every call that returned)\n", ms->calls_unfinished,
			plural(ms->calls_unfinished));
	else if (ms->calls_unfinished)
		fprintf(out, "(%" PRIu64 " call%s unfinished: never returned before the process "
			"or the input ended, or the exit was lost; not in the figures)\n",
			ms->calls_unfinished, plural(ms->calls_unfinished));
	/* Lost events' troubles, the calls view's only when every thread
	 * has exact figures from stats. */
	if (ms->depth_mismatches && !exact_all)
		fprintf(out, "(%" PRIu64 " depth mismatch%s: enters or exits lost "
			"(a longjmp with no event lost is no mismatch: its calls are abandoned); "
			"the calls left open were closed as unfinished)\n",
			ms->depth_mismatches, ms->depth_mismatches == 1 ? "" : "es");
	if (ms->calls_partial && !exact_all)
		fprintf(out, "(%" PRIu64 " exit%s without %s enter: counted with %s duration, "
			"under the callers that were seen)\n", ms->calls_partial,
			plural(ms->calls_partial), ms->calls_partial == 1 ? "its" : "their",
			ms->calls_partial == 1 ? "its" : "their");
	if (ms->calls_flattened)
		fprintf(out, "(%" PRIu64 " call%s put at their thread's top level: more than %u "
			"call paths; their figures are counted, under no caller)\n",
			ms->calls_flattened, plural(ms->calls_flattened), MODEL_DEFAULT_MAX_PATHS);
	if (ms->stats_bad || ms->stats_ignored)
		fprintf(out, "(%" PRIu64 " stats entr%s refused as malformed or inconsistent, %"
			PRIu64 " ignored (unknown, or past the %u paths kept): the figures of their "
			"threads miss them)\n", ms->stats_bad, ms->stats_bad == 1 ? "y" : "ies",
			ms->stats_ignored, MODEL_DEFAULT_MAX_PATHS);
	if (ms->stats_unsent)
		fprintf(out, "(%" PRIu64 " stats entr%s never written: a writer exited while the "
			"pipe was full, its tallies say so; the figures of those threads lag)\n",
			ms->stats_unsent, ms->stats_unsent == 1 ? "y" : "ies");
	if (ms->stats_clamped)
		fprintf(out, "(%" PRIu64 " stats entr%s whose figures disagreed (self or max above "
			"total, a histogram not of its calls): made to agree)\n", ms->stats_clamped,
			ms->stats_clamped == 1 ? "y" : "ies");
	if (ms->stats_unsure)
		fprintf(out, "(%" PRIu64 " stats path%s deeper than 1024 calls without %s function "
			"among the 1024 above: a recursive function's total may count %s twice)\n",
			ms->stats_unsure, plural(ms->stats_unsure), ms->stats_unsure == 1 ? "its" : "their",
			ms->stats_unsure == 1 ? "it" : "them");
	const struct mfunc *other = model_other_func(m);
	if (other->calls)
		fprintf(out, "(%" PRIu64 " call%s counted in \"(other paths)\": past a writer's cap "
			"on distinct paths (PIPETRACE_STATS_PATHS), of no function listed here; in "
			"their thread's figures)\n", other->calls, plural(other->calls));
	if (ms->calls_nodur)
		fprintf(out, "(%" PRIu64 " call%s without a duration (the writer did not know it): "
			"shown as +N in the calls column, not in the times)\n", ms->calls_nodur,
			plural(ms->calls_nodur));
}

void plain_summary(const struct model *m, const struct ingest_status *st, bool utf8, FILE *out)
{
	struct model_stats ms;
	size_t n = model_func_count(m);
	const struct mfunc **fs = calloc(n ? n : 1, sizeof *fs);

	model_get_stats(m, &ms);
	uint64_t bad = st ? st->bad_lines : 0;
	fprintf(out, "\nsummary: %" PRIu64 " event%s, %" PRIu64 " call%s, %" PRIu32 " process%s, %"
		PRIu32 " thread%s, %" PRIu64 " exception%s, %" PRIu64 " dropped, %" PRIu64
		" bad line%s\n", ms.events, plural(ms.events), ms.calls, plural(ms.calls),
		ms.processes, ms.processes == 1 ? "" : "es", ms.threads, plural(ms.threads),
		ms.exceptions, plural(ms.exceptions), ms.drops, bad, plural(bad));
	if (ms.calls_retired)
		fprintf(out, "(%" PRIu64 " individual calls kept, %" PRIu64 " older ones retired "
			"into the totals: --max-calls)\n", ms.calls_kept, ms.calls_retired);
	if (ms.too_deep)
		fprintf(out, "(%" PRIu64 " enter and exit events ignored: more than %d calls open "
			"in a thread)\n", ms.too_deep, MODEL_MAX_DEPTH);
	uint64_t received, lost;
	uint32_t exact;
	model_scope_figures(m, NULL, &received, &lost, &exact);
	if (exact)
	{
		char of[48] = "";
		if (exact != ms.threads)
			snprintf(of, sizeof of, " of the %" PRIu32, ms.threads);
		fprintf(out, "(exact for %" PRIu32 "%s thread%s: the figures below come from the "
			"writers' stats, counted in the traced threads: every call counts, whatever "
			"events were lost; the events and calls above are those that arrived)\n",
			exact, of, plural(*of ? ms.threads : exact));
	}
	if (lost) {
		char pct[16];

		model_share_text(received, lost, pct, sizeof pct);
		if (exact)
			fprintf(out, "(a sample for the %" PRIu32 " thread%s without stats: %s %% of "
				"their events arrived, %" PRIu64 " were lost; their calls, times and "
				"percentiles below count only the calls that arrived)\n",
				ms.threads - exact, plural(ms.threads - exact), pct, lost);
		else
			fprintf(out, "(a sample: %s %% of the traced threads' events arrived, %" PRIu64
				" were lost; the calls, times and percentiles below count only the calls "
				"that arrived: PIPETRACE_LOSSLESS=1 makes them exact)\n", pct, lost);
	}
	summary_caveats(m, &ms, out);
	if (ms.calls_abandoned)
		fprintf(out, "(%" PRIu64 " call%s abandoned by %" PRIu64 " longjmp%s: %s duration%s "
			"unknown, not in the figures)\n", ms.calls_abandoned, plural(ms.calls_abandoned),
			ms.unwinds, plural(ms.unwinds), ms.calls_abandoned == 1 ? "its" : "their",
			plural(ms.calls_abandoned));
	if (ms.nest_unsure)
		fprintf(out, "(%" PRIu64 " call%s seen without %s enter: a recursive function's "
			"total may count %s twice)\n", ms.nest_unsure, plural(ms.nest_unsure),
			ms.nest_unsure == 1 ? "its" : "their", ms.nest_unsure == 1 ? "it" : "them");
	uint32_t step = model_clock_step(m, NULL);
	if (step > 1) {
		char sv[32];

		hist_format_ns(step, sv, sizeof sv);
		fprintf(out, "(clock step %s: the traced clock%s cannot tell shorter durations "
			"apart; an avg, p99 or max below it reads <%s)\n", sv,
			ms.processes > 1 ? " (the coarsest of the processes')" : "", sv);
	}
	if (!fs)
		return;
	/* Escapes make a name up to four times longer (\xNN). */
	char safe_name[4 * 160 + 8], name[sizeof safe_name + 48];
	for (size_t i = 0; i < n; i++)
		fs[i] = model_func_at(m, i);
	qsort(fs, n, sizeof *fs, cmp_total);
	/* total: inclusive time, a recursive function's outermost calls
	 * only; self: exclusive; avg: of every call, at every level */
	fprintf(out, "%-40s %10s %10s %10s %10s %10s %10s %6s\n",
		lost ? (exact ? "function (partly a sample)" : "function (sample)") : "function",
		"calls", "total",
		"self", "avg", "p99", "max", "exc");
	for (size_t i = 0; i < n; i++) {
		const struct mfunc *f = fs[i];
		char tot[32], self[32], avg[32], p99[32], max[32];

		/* The table takes 40 columns of the name; the safe text of
		 * the first 160 bytes covers them whatever the characters. */
		size_t nlen = strlen(f->name);
		event_safe_text(safe_name, sizeof safe_name, f->name, nlen > 160 ? 160 : nlen, utf8);
		fit_columns(name, sizeof name, safe_name, 40, utf8);
		if (f->calls) {
			hist_format_ns(f->total_ns, tot, sizeof tot);
			hist_format_ns(f->self_ns, self, sizeof self);
			hist_format_ns_step(f->hist.n ? f->hist.sum_ns / f->hist.n : 0, step, avg,
					    sizeof avg);
			hist_format_ns_step(hist_quantile(&f->hist, 0.99), step, p99, sizeof p99);
			hist_format_ns_step(f->hist.max_ns, step, max, sizeof max);
		} else {
			/* no finished call of known duration: no time to show */
			strcpy(tot, "-");
			strcpy(self, "-");
			strcpy(avg, "-");
			strcpy(p99, "-");
			strcpy(max, "-");
		}
		char calls[48];
		if (f->calls_nodur)
			snprintf(calls, sizeof calls, "%" PRIu64 "+%" PRIu64, f->calls, f->calls_nodur);
		else
			snprintf(calls, sizeof calls, "%" PRIu64, f->calls);
		fprintf(out, "%s %10s %10s %10s %10s %10s %10s %6" PRIu64 "\n", name, calls, tot,
			self, avg, p99, max, f->exceptions);
	}
	free(fs);
}

static int exit_status_of(const struct ingest_status *st)
{
	if (!st->has_child)
		return 0;
	if (st->child_running)
		return 130;
	if (WIFEXITED(st->child_wait_status))
		return WEXITSTATUS(st->child_wait_status);
	if (WIFSIGNALED(st->child_wait_status))
		return 128 + WTERMSIG(st->child_wait_status);
	return 1;
}

int plain_run(struct ingest *ing, struct model *m, const struct plain_opts *o, FILE *out)
{
	struct plain *p = calloc(1, sizeof *p);
	const struct ingest_status *st = ingest_get_status(ing);

	if (!p) {
		fputs("pipetrace-tui: out of memory\n", stderr);
		return 1;
	}
	p->out = out;
	p->o = o;
	if (!o->quiet)
		ingest_set_event_cb(ing, print_event, p);
	while (!(o->stop && *o->stop)) {
		struct pollfd fds[8];
		uint64_t lines = st->lines;

		if (st->input_ended && !st->queued)
			break;
		/* Small slices keep the notes about bad lines near the
		 * events they came between. */
		ingest_step(ing, 512);
		notes(p, st);
		note_end_lost(p, m);
		fflush(out);
		if (st->lines != lines || (st->input_ended && !st->queued))
			continue;
		/* Nothing new: wait for input, waking now and then to reap a
		 * traced command that exited. */
		int n = ingest_pollfds(ing, fds, 8);
		if (poll(fds, (nfds_t)n, 100) < 0 && errno != EINTR)
			break;
	}
	ingest_set_event_cb(ing, NULL, NULL);
	notes(p, st);
	note_end_lost(p, m);
	if (st->has_child) {
		if (st->child_running)
			fprintf(out, "! stopped while the command was still running (%s)\n",
				safe_str(p, 0, st->source));
		else
			fprintf(out, "command exited with status %d (%s)\n", exit_status_of(st),
				safe_str(p, 0, st->source));
		char note[2048];
		if (ingest_no_events_note(ing, note, sizeof note))
			fprintf(out, "! %s\n", safe_str(p, 0, note));
	}
	if (o->summary)
		plain_summary(m, st, o->utf8, out);
	fflush(out);
	free(p->seen);
	free(p);
	return exit_status_of(st);
}
