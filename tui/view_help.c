/* view_help.c - the overlays: help listing every key, the pager over the
 * traced program's captured output, and the "terminal too small" note. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "view.h"

static const char *const help_text[] = {
	"Moving",
	"  Up Down j k      move the cursor",
	"  PgUp PgDn        a page up / down (also Ctrl-B Ctrl-F, Ctrl-U",
	"                   Ctrl-D); Space: down in profile, exceptions,",
	"                   help, output",
	"  Home g           first row",
	"  End G            last row",
	"  f                follow the newest activity on/off (the",
	"                   thread with the newest event)",
	"Tree",
	"  Right l +        expand; on an open node: its first child",
	"  Left h -         collapse; on a leaf or closed node: its parent",
	"  Enter Space      toggle the node (fold / unfold)",
	"  *                expand the whole subtree",
	"  C                collapse all (down to the threads), fold all",
	"  [ ]              shift the indentation 4 levels left / right",
	"  z                fold / unfold the recursion under the cursor",
	"  T                calls view: start by wall clock / since start",
	"  M  { }           the path's slowest call; previous / next call",
	"                   slower than its p99",
	"  v                paths view (calls merged by call path) or",
	"                   calls view (every call, its own duration)",
	"  s F6             order children: first seen, total, count,",
	"                   max, exceptions (calls view: first seen,",
	"                   duration, exceptions); the pane title says",
	"                   which; rows move at most once a second",
	"Search",
	"  / F3             search function names, exception types and",
	"                   messages, thread and program names; smart",
	"                   case (exact case once the query has a",
	"                   capital); Enter keeps it",
	"  n N              next / previous match in tree order",
	"  Esc              clear the search",
	"Live data",
	"  p Z              one toggle: pause / resume the view; input",
	"                   is still queued, applied on resume; with the",
	"                   queue full the monitor stops reading (it",
	"                   drops nothing; programs see a slow reader)",
	"  e E              next / previous call with an exception",
	"Panes",
	"  Tab Shift-Tab    focus calls, histogram, exceptions",
	"  Enter            (exceptions) jump to the call that raised it",
	"  g Home           (exceptions) follow the newest again",
	"  o                output of the traced program (-- CMD)",
	"  S                save the trace received so far to a new",
	"                   ./pipetrace-DATE-TIME.jsonl (--replay reads",
	"                   it); the status line says where and whether",
	"                   it holds every event received",
	"  X                export it: new ./pipetrace-DATE-TIME",
	"                   .trace.json (Chrome) and .folded (stacks)",
	"  ? F1             this help (j k scroll)",
	"  Ctrl-L           redraw the screen",
	"  q F10 Ctrl-C     quit (q, F10 ask first while -- CMD runs)",
	"Mouse (off with --no-mouse; with it on, select text with Shift)",
	"  click            focus the pane, select the row; on a \u25b8 \u25be",
	"                   mark: toggle; on a profile column's header:",
	"                   sort by it",
	"  wheel            move the cursor of the pane under it 3 rows",
	"Filters (F or F4, then one key; the status line says what",
	"is filtered and how much is hidden)",
	"  F t / F p        only the thread / process under the cursor",
	"                   (the same again: everything)",
	"  F a              everything shown again (no filter)",
	"  F e              hide ended processes on/off",
	"  F c              clear ended processes from the model: their",
	"                   memory is freed (--keep-ended N does it as",
	"                   they end, keeping the N newest); the others'",
	"                   figures stay; per-function figures and the",
	"                   run's histogram keep the cleared calls",
	"  F h / F H        hide the function under the cursor, its",
	"                   callees shown in its place under its",
	"                   caller / show hidden functions again; the",
	"                   caller's figures stay its own (its total",
	"                   holds the hidden calls, its self does not)",
	"  F d              calls view: only calls lasting at least",
	"                   (1ms, 250us, 2s; empty: all), and what they",
	"                   called; running ones stay",
	"                   Filters apply to the tree, search, e/E and",
	"                   follow; thread and process filters to the",
	"                   exceptions pane too; the histogram is the",
	"                   cursor row's, all its calls",
	"Profile view (one row per function)",
	"  t F5             the profile table in the calls pane's place,",
	"                   and back (v too): calls, total (a recursive",
	"                   function's outermost calls), self, avg, p99,",
	"                   max, exceptions, share (of all self time)",
	"  < > s F6         sort by the previous / next column (the",
	"                   header marks it); after a key, rows keep",
	"                   their order 2 s while figures change",
	"  a                scope: all, the process, the thread of the",
	"                   calls pane's cursor",
	"  Enter Right      the function's call paths (called from);",
	"                   there Enter shows the path in the tree,",
	"                   Esc Left go back",
	"  Space            a page down (as PgDn)",
	"  / Enter, n N     the next / previous function matching",
	"  c                save the table: pipetrace-profile-DATE-TIME.csv",
	"                   and .txt in the current directory",
	"",
	"Deep trees: a row keeps room for its name; one indented no",
	"further says its call level (\u00b727 parse_term, 0 = outermost).",
	"Recursion repeating 1-3 functions is one row, f \u203a g \u00d712",
	"(24 levels); its children are the deepest level's; calls made at",
	"the other levels are inside the fold (z shows them).",
	"Calls view: start (T: wall clock), a timeline of the rows on",
	"screen, duration.  M: \"slowest received\" when events were lost.",
	"Calls: \u25b6 (> in ASCII) after a count: calls of that path",
	"running now.  \u2717N: exceptions; on a collapsed row, and on",
	"process and thread rows, those below it too, dimmed when not",
	"all its own.  \u21afN (^ in ASCII): calls a longjmp abandoned",
	"(no duration, in no figure).  total: inclusive, a recursive",
	"function's outermost calls; self: less the calls it made.",
	"(callers not seen): calls whose callers were never seen.",
	"(other paths): calls a writer counted past its cap on paths.",
	"Threads whose writer sends stats: paths, functions and",
	"histograms exact whatever was dropped (\"figures exact\" on the",
	"status line, \"exact\" in the header); the calls view is the",
	"calls that arrived, a sample when events were dropped.",
	"Status line: source, LIVE/PAUSED (events queued, queue bound),",
	"processes and threads, event rate, events, drops (as the writers",
	"reported them), bad lines, memory held; \"incomplete\" with the",
	"events unaccounted for (lost with no report, or a process ended",
	"without its final counts); unfinished calls, depth mismatches,",
	"calls ignored as too deep or without a duration, where they fit.",
	"\"depth < N\": processes traced with PIPETRACE_DEPTH=N (their rows",
	"say it too); deeper calls were filtered out, not lost.",
	"\"filter: ...\", \"calls >= T\": processes traced with PIPETRACE_FILTER",
	"or _MIN_DURATION (rows say it too); calls left out are not lost.",
	"Histogram: log2 duration buckets of the path under the cursor",
	"(that thread's or process's calls on such a row); n, p50, p90,",
	"p99, max.  Buckets that do not fit are merged, never left out.",
	"\"<10ns\": below the step of the traced clock (\"clock step 10ns\"),",
	"which cannot tell shorter durations apart.",
	"Exceptions: by time, newest first; a moved cursor holds its",
	"exception and the title counts the newer ones.  longjmps too:",
	"from where, back to which function, how many calls abandoned.",
	"",
	"Press any other key to close.",
};

int help_lines(void)
{
	return (int)(sizeof(help_text) / sizeof(help_text[0]));
}

void help_draw(WINDOW *w, int scroll, const struct ingest_status *st)
{
	int H = getmaxy(w), W = getmaxx(w), n = help_lines(), y = 1;

	werase(w);
	draw_frame(w, "Help: pipetrace-tui keys (j/k scroll)", true);
	if (scroll > n - 1)
		scroll = n - 1;
	for (int i = scroll < 0 ? 0 : scroll; i < n && y < H - 1; i++, y++) {
		const char *s = help_text[i];
		bool head = s[0] && s[0] != ' ';

		draw_text(w, y, 2, W - 4, s, head ? draw_attr(COL_TITLE) : draw_attr(COL_NORMAL));
	}
	if (st && st->last_bad[0] && y + 1 < H - 1) {
		draw_text(w, y, 2, W - 4, "Last bad line:", draw_attr(COL_EXC));
		draw_text(w, y + 1, 4, W - 6, st->last_bad, draw_attr(COL_DIM));
	}
}

/* ---- pager ---------------------------------------------------------------- */

#define PAGER_MAX_BYTES (4u << 20)   /* the last 4 MiB of the log */

bool pager_refresh(struct pager *p, const char *path)
{
	struct stat sb;
	long scroll = p->scroll;
	bool at_end = scroll < 0 || (size_t)scroll + (size_t)p->page >= p->nlines;
	char title[sizeof(p->title)];

	if (!path || stat(path, &sb) != 0 || sb.st_size == p->file_size)
		return false;
	memcpy(title, p->title, sizeof(title));
	if (!pager_load(p, path, title))
		return false;
	p->scroll = at_end ? -1 : scroll;
	return true;
}

bool pager_load(struct pager *p, const char *path, const char *title)
{
	struct stat sb;
	int fd;
	off_t from = 0;
	ssize_t r;
	size_t cap = 256;

	pager_free(p);
	snprintf(p->title, sizeof(p->title), "%s", title);
	fd = path ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		p->text = strdup("(no output captured)");
	} else {
		p->file_size = sb.st_size;
		if (sb.st_size > (off_t)PAGER_MAX_BYTES)
			from = sb.st_size - (off_t)PAGER_MAX_BYTES;
		p->text = malloc(PAGER_MAX_BYTES + 1);
		p->len = 0;
		while (p->text && p->len < PAGER_MAX_BYTES &&
		       (r = pread(fd, p->text + p->len, PAGER_MAX_BYTES - p->len, from + (off_t)p->len)) > 0)
			p->len += (size_t)r;
		close(fd);
		if (p->text && !p->len) {
			free(p->text);
			p->text = strdup("(no output yet)");
		}
	}
	if (!p->text)
		return false;
	if (!p->len)
		p->len = strlen(p->text);
	p->lines = malloc(cap * sizeof(*p->lines));
	if (!p->lines)
		return false;
	p->lines[p->nlines++] = 0;
	for (size_t i = 0; i < p->len; i++) {
		if (p->text[i] != '\n' || i + 1 == p->len)
			continue;
		if (p->nlines == cap) {
			size_t *n = realloc(p->lines, 2 * cap * sizeof(*n));

			if (!n)
				break;
			p->lines = n;
			cap *= 2;
		}
		p->lines[p->nlines++] = i + 1;
	}
	p->scroll = -1;
	return true;
}

void pager_free(struct pager *p)
{
	free(p->text);
	free(p->lines);
	memset(p, 0, sizeof(*p));
}

void pager_draw(struct pager *p, WINDOW *w)
{
	int H = getmaxy(w), W = getmaxx(w), rows = H - 2;
	long maxscroll = (long)p->nlines - rows;

	if (maxscroll < 0)
		maxscroll = 0;
	if (p->scroll < 0 || p->scroll > maxscroll)
		p->scroll = maxscroll;
	p->page = rows;
	werase(w);
	draw_frame(w, p->title, true);
	for (int y = 0; y < rows && (size_t)(p->scroll + y) < p->nlines; y++) {
		size_t i = (size_t)p->scroll + (size_t)y;
		size_t s = p->lines[i], e = i + 1 < p->nlines ? p->lines[i + 1] : p->len;

		while (e > s && (p->text[e - 1] == '\n' || p->text[e - 1] == '\r'))
			e--;
		draw_text_hl(w, 1 + y, 1, W - 2, p->text + s, e - s, draw_attr(COL_NORMAL), -1, 0, 0);
	}
}

unsigned pager_key(struct pager *p, int key, int page)
{
	switch (key) {
	case KEY_DOWN: case 'j':
		p->scroll++;
		break;
	case KEY_UP: case 'k':
		if (p->scroll > 0)
			p->scroll--;
		break;
	case KEY_NPAGE: case ' ': case VIEW_CTRL('f'):
		p->scroll += page;
		break;
	case KEY_PPAGE: case VIEW_CTRL('b'):
		p->scroll = p->scroll > page ? p->scroll - page : 0;
		break;
	case KEY_HOME: case 'g':
		p->scroll = 0;
		break;
	case KEY_END: case 'G':
		p->scroll = -1;
		break;
	default:
		return 0;
	}
	return DIRTY_OVERLAY;
}

void too_small_draw(WINDOW *w)
{
	int H = getmaxy(w), W = getmaxx(w);
	char msg[80];

	werase(w);
	snprintf(msg, sizeof(msg), "terminal too small (%dx%d, need %dx%d)", W, H, UI_MIN_COLS, UI_MIN_LINES);
	if ((int)strlen(msg) > W)
		snprintf(msg, sizeof(msg), "too small: need %dx%d", UI_MIN_COLS, UI_MIN_LINES);
	draw_text(w, H / 2, 0, W, msg, draw_attr(COL_NORMAL));
	if (H / 2 + 1 < H)
		draw_text(w, H / 2 + 1, 0, W, "q quits", draw_attr(COL_DIM));
}
