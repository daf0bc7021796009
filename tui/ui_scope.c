/* ui_scope.c - the filter menu (F or F4) and its minimum-duration prompt,
 * both on the hint line, and the status line's words for what the scope
 * filters leave out.
 *
 * The menu takes one key and closes: t and p show only the thread or the
 * process under the cursor (again: everything), a shows everything, e
 * hides ended processes, c clears them from the model (memory freed, see
 * model_forget_ended()), h hides the function under the cursor (its
 * callees stay), H shows the hidden functions again, d asks for the
 * calls view's minimum duration. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "hist.h"
#include "ui_int.h"

enum { SCOPE_MENU = 1, SCOPE_PROMPT = 2 };

static const char menu_text[] =
	"filter: t this thread  p this process  a all  e hide ended  c clear ended  "
	"h hide function  H unhide all  d min duration  (other keys: none)";
/* the same in 80 columns, where the long one lost H and d */
static const char menu_short[] =
	"F: t thread p process a all e hide ended c clear ended h hide H unhide d time";

void ui_scope_open(struct ui *u)
{
	u->scope_mode = SCOPE_MENU;
	u->dirty |= DIRTY_HINT;
}

static void say(struct ui *u, bool warn, const char *what, const char *arg)
{
	snprintf(u->notice, sizeof u->notice, "%s%s", what, arg);
	u->notice_warn = warn;
	u->dirty |= DIRTY_STATUS;
}

/* The scope moved: rows, matches, panes and counts follow it. */
static void changed(struct ui *u)
{
	struct tree_view *tv = &u->tv;

	tv->scope_stamp++;
	tv->nrows = 0;
	tv->cursor_row = tv->old_cursor_row = -1;
	tree_view_refresh_matches(tv, true);
	ui_scope_recount(u);
	u->dirty |= DIRTY_TREE | DIRTY_HIST | DIRTY_EXC | DIRTY_STATUS | DIRTY_HINT;
}

/* The thread (or process) of the node under the cursor. */
static const struct mnode *cursor_up_to(struct ui *u, enum mnode_kind kind)
{
	const struct mnode *n = tree_view_cursor(&u->tv);

	while (n && mnode_kind(n) > kind)
		n = model_parent(u->m, u->tv.view, n);
	return n && mnode_kind(n) == kind ? n : NULL;
}

static void only(struct ui *u, enum mnode_kind kind)
{
	const struct mnode *n = cursor_up_to(u, kind);

	if (!n) {
		say(u, true, kind == MN_THREAD ? "no thread under the cursor (a process row: p)"
					       : "no process under the cursor", "");
		return;
	}
	/* the same key again shows everything */
	u->tv.scope.only = u->tv.scope.only == n->id ? 0 : n->id;
	changed(u);
}

static void hide_function(struct ui *u)
{
	const struct mnode *n = tree_view_cursor(&u->tv);
	const struct mfunc *fn = NULL;

	if (n && mnode_kind(n) == MN_PATH)
		fn = ((const struct mpath *)n)->fn;
	else if (n && mnode_kind(n) == MN_CALL)
		fn = ((const struct mcall *)n)->path->fn;
	if (!fn || fn->marker) {
		say(u, true, "no function under the cursor", "");
		return;
	}
	if (!scope_toggle_hidden(&u->tv.scope, fn)) {
		say(u, true, "too many hidden functions (H shows them again)", "");
		return;
	}
	changed(u);
}

void ui_forget_ended(struct ui *u, uint32_t keep)
{
	if (!model_forget_ended(u->m, keep))
		return;
	/* the view's borrowed pointers into what was cleared */
	idset_clear(&u->tv.pids);
	u->tv.pids_upto = NULL;
	if (u->tv.scope.only && !model_find(u->m, u->tv.scope.only))
		u->tv.scope.only = 0;
	changed(u);
}

static void clear_ended(struct ui *u, uint32_t keep)
{
	struct model_stats before, after;
	char n1[32], msg[160];

	model_get_stats(u->m, &before);
	ui_forget_ended(u, keep);
	model_get_stats(u->m, &after);
	uint32_t n = after.processes_cleared - before.processes_cleared;
	if (!n) {
		say(u, false, "no ended process to clear", "");
		return;
	}
	snprintf(msg, sizeof msg, "%s ended process%s cleared, %.1f MiB freed", draw_count(n, n1, sizeof n1),
		 n == 1 ? "" : "es",
		 before.bytes > after.bytes ? (double)(before.bytes - after.bytes) / (1024.0 * 1024) : 0.0);
	say(u, false, msg, "");
}

static void prompt_done(struct ui *u)
{
	uint64_t ns = 0;

	u->scope_mode = 0;
	u->dirty |= DIRTY_HINT;
	if (u->scope_ilen && !scope_parse_duration(u->scope_input, &ns)) {
		say(u, true, "not a duration (e.g. 1ms, 250us, 2s; empty: off): ", u->scope_input);
		return;
	}
	u->tv.scope.min_ns = ns;
	changed(u);
}

static void prompt_key(struct ui *u, int key)
{
	switch (key) {
	case VIEW_KEY_ESC:
		u->scope_mode = 0;
		break;
	case '\n': case '\r': case KEY_ENTER:
		prompt_done(u);
		return;
	case KEY_BACKSPACE: case 127: case VIEW_CTRL('h'):
		if (u->scope_ilen)
			u->scope_input[--u->scope_ilen] = 0;
		break;
	default:
		/* a duration is ASCII (µ may be typed as u) */
		if (key < 32 || key > 126 || u->scope_ilen + 1 >= sizeof u->scope_input)
			return;
		u->scope_input[u->scope_ilen++] = (char)key;
		u->scope_input[u->scope_ilen] = 0;
	}
	u->dirty |= DIRTY_HINT;
}

void ui_scope_key(struct ui *u, int key)
{
	if (u->scope_mode == SCOPE_PROMPT) {
		prompt_key(u, key);
		return;
	}
	u->scope_mode = 0;
	u->dirty |= DIRTY_HINT;
	switch (key) {
	case 't':
		only(u, MN_THREAD);
		break;
	case 'p':
		only(u, MN_PROCESS);
		break;
	case 'a':
		memset(&u->tv.scope, 0, sizeof u->tv.scope);
		changed(u);
		break;
	case 'e':
		u->tv.scope.hide_ended = !u->tv.scope.hide_ended;
		changed(u);
		break;
	case 'c':
		clear_ended(u, 0);
		break;
	case 'h':
		hide_function(u);
		break;
	case 'H':
		u->tv.scope.nhidden = 0;
		changed(u);
		break;
	case 'd':
		u->scope_mode = SCOPE_PROMPT;
		u->scope_ilen = 0;
		u->scope_input[0] = 0;
		break;
	}
}

const char *ui_scope_hint(struct ui *u)
{
	if (u->scope_mode == SCOPE_MENU)
		return COLS > (int)sizeof menu_text ? menu_text : menu_short;
	if (u->scope_mode == SCOPE_PROMPT) {
		snprintf(u->scope_hint, sizeof u->scope_hint,
			 "calls view, calls lasting at least (1ms, 250us, 2s; empty: all; Esc): %s_",
			 u->scope_input);
		return u->scope_hint;
	}
	return NULL;
}

void ui_scope_recount(struct ui *u)
{
	u->scope_gen = model_generation(u->m);
	scope_count(&u->tv.scope, u->m, &u->scope_counts);
}

/* Appends one part, with the separator before all but the first. */
static void part(char *buf, size_t size, const char *s)
{
	size_t at = strlen(buf);

	if (at + 1 < size)
		snprintf(buf + at, size - at, "%s%s", at ? (draw_utf8() ? " \u00b7 " : " | ") : "", s);
}

const char *ui_scope_status(struct ui *u, char *buf, size_t size)
{
	const struct scope *s = &u->tv.scope;
	const struct scope_counts *c = &u->scope_counts;
	char p[300], n1[32], d[32];

	struct model_stats ms;

	buf[0] = 0;
	model_get_stats(u->m, &ms);
	if (ms.processes_cleared) {
		snprintf(p, sizeof p, "%s ended proc%s cleared", draw_count(ms.processes_cleared, n1, sizeof n1),
			 ms.processes_cleared == 1 ? "" : "s");
		part(buf, size, p);
	}
	if (!scope_active(s))
		return buf;
	const struct mnode *o = s->only ? model_find(u->m, s->only) : NULL;
	if (o && mnode_kind(o) == MN_THREAD) {
		const struct mthread *t = (const struct mthread *)o;

		snprintf(p, sizeof p, "only thread %.200s (%d)", t->name ? t->name : "", (int)t->tid);
		part(buf, size, p);
	} else if (o) {
		const struct mprocess *pr = (const struct mprocess *)o;

		snprintf(p, sizeof p, "only process %.200s (%d)", pr->prog ? pr->prog : "", (int)pr->pid);
		part(buf, size, p);
	}
	if (c->procs_hidden) {
		snprintf(p, sizeof p, "%s proc%s hidden%s", draw_count(c->procs_hidden, n1, sizeof n1),
			 c->procs_hidden == 1 ? "" : "s", s->hide_ended ? " (ended ones too)" : "");
		part(buf, size, p);
	} else if (s->hide_ended) {
		part(buf, size, "ended procs hidden (none now)");
	}
	if (c->threads_hidden) {
		snprintf(p, sizeof p, "%s thread%s hidden", draw_count(c->threads_hidden, n1, sizeof n1),
			 c->threads_hidden == 1 ? "" : "s");
		part(buf, size, p);
	}
	if (s->nhidden == 1) {
		snprintf(p, sizeof p, "%.200s hidden (callees shown)", s->hidden[0]->name);
		part(buf, size, p);
	} else if (s->nhidden) {
		snprintf(p, sizeof p, "%zu functions hidden (callees shown)", s->nhidden);
		part(buf, size, p);
	}
	if (s->min_ns) {
		hist_format_ns(s->min_ns, d, sizeof d);
		snprintf(p, sizeof p, "calls %s %s: %s hidden", draw_utf8() ? "\u2265" : ">=", d,
			 draw_count(c->calls_hidden, n1, sizeof n1));
		part(buf, size, p);
	}
	return buf;
}
