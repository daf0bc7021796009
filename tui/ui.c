/* ui.c - layout of the panes, redraw of what is dirty, and the keys that are
 * not a single pane's (search prompt, pause, focus, overlays, quit).
 *
 * Layouts: wide terminals get the calls pane with a side column
 * (histogram over exceptions); narrower ones stack the side panes below the
 * tree; small ones show only the focused pane; below UI_MIN_COLS x
 * UI_MIN_LINES a short message. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "ui_int.h"

void ui_state_init(struct ui *u, struct ingest *ing, struct model *m)
{
	memset(u, 0, sizeof(*u));
	u->ing = ing;
	u->m = m;
	tree_view_init(&u->tv, m);
	profile_view_init(&u->pv, m, &u->tv);
	u->ev.scope_tv = &u->tv;
	u->focus = PANE_TREE;
	u->dirty = DIRTY_ALL;
}

static void free_windows(struct ui *u)
{
	for (int i = 0; i < PANE_COUNT; i++) {
		if (u->win[i])
			delwin(u->win[i]);
		u->win[i] = NULL;
	}
	if (u->status)
		delwin(u->status);
	if (u->hint)
		delwin(u->hint);
	if (u->overlay_win)
		delwin(u->overlay_win);
	u->status = u->hint = u->overlay_win = NULL;
}

void ui_state_free(struct ui *u)
{
	free_windows(u);
	tree_view_free(&u->tv);
	profile_view_free(&u->pv);
	exc_view_free(&u->ev);
	pager_free(&u->pager);
}

static void place_tree(struct ui *u, int h, int w, int y, int x)
{
	u->win[PANE_TREE] = newwin(h, w, y, x);
	/* frame (2 rows) and the column header */
	tree_view_resize(&u->tv, h - 3, w - 2);
	profile_view_resize(&u->pv, h - 3, w - 2);
}

void ui_layout(struct ui *u)
{
	int H = LINES, W = COLS, bh = H - 2;

	free_windows(u);
	u->dirty = DIRTY_ALL & ~DIRTY_LAYOUT;
	if (W < UI_MIN_COLS || H < UI_MIN_LINES) {
		u->layout = LAYOUT_TOO_SMALL;
		return;
	}
	u->status = newwin(1, W, 0, 0);
	u->hint = newwin(1, W, H - 1, 0);
	if (W >= 100) {
		int sw = W * 2 / 5, hh = bh * 11 / 20;

		if (sw > 72)
			sw = 72;
		u->layout = LAYOUT_SIDE;
		place_tree(u, bh, W - sw, 1, 0);
		u->win[PANE_HIST] = newwin(hh, sw, 1, W - sw);
		u->win[PANE_EXC] = newwin(bh - hh, sw, 1 + hh, W - sw);
	} else if (bh >= 20) {
		int th = bh * 11 / 20, rest = bh - th;

		u->layout = LAYOUT_STACK;
		place_tree(u, th, W, 1, 0);
		if (W >= 70) {
			u->win[PANE_HIST] = newwin(rest, W / 2, 1 + th, 0);
			u->win[PANE_EXC] = newwin(rest, W - W / 2, 1 + th, W / 2);
		} else {
			/* room for one: the focused side pane, else the histogram */
			enum pane p = u->focus == PANE_EXC ? PANE_EXC : PANE_HIST;

			u->win[p] = newwin(rest, W, 1 + th, 0);
		}
	} else {
		u->layout = LAYOUT_SINGLE;
		if (u->focus == PANE_TREE)
			place_tree(u, bh, W, 1, 0);
		else
			u->win[u->focus] = newwin(bh, W, 1, 0);
		/* the tree keeps a size for paging even while hidden */
		if (u->focus != PANE_TREE)
			tree_view_resize(&u->tv, bh - 3, W - 2);
	}
	if (u->overlay != OV_NONE) {
		int oh = H - 4 > 6 ? H - 4 : H - 2, ow = W - 8 > 40 ? W - 8 : W - 2;

		u->overlay_win = newwin(oh, ow, (H - oh) / 2, (W - ow) / 2);
	}
}

static void fill_status(struct ui *u, struct status_info *si)
{
	memset(si, 0, sizeof(*si));
	si->st = u->ing ? ingest_get_status(u->ing) : NULL;
	model_get_stats(u->m, &si->ms);
	si->follow = u->tv.follow;
	si->view = u->tv.view;
	si->search_msg = u->tv.message[0] ? u->tv.message : NULL;
	si->searching = u->tv.search != NULL;
	si->prompt = u->prompt ? u->query : NULL;
	si->note = u->quit_note[0] ? u->quit_note : ui_scope_hint(u);
	si->scope = ui_scope_status(u, u->scope_text, sizeof u->scope_text);
	si->notice = u->notice[0] ? u->notice : NULL;
	si->notice_warn = u->notice_warn;
	si->profile = u->pv.on;
}

void ui_draw(struct ui *u)
{
	unsigned d = u->dirty;
	struct status_info si;

	if (d & DIRTY_LAYOUT) {
		ui_layout(u);
		d = DIRTY_ALL;
		/* Keys are read through stdscr, and reading from a window that
		 * has changes refreshes it: send it out blank now, under the
		 * panes, rather than over them at the next key. */
		werase(stdscr);
		wnoutrefresh(stdscr);
	}
	u->dirty = 0;
	if (u->layout == LAYOUT_TOO_SMALL) {
		too_small_draw(stdscr);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	fill_status(u, &si);
	if (d & DIRTY_STATUS) {
		status_draw(u->status, &si);
		wnoutrefresh(u->status);
	}
	if (u->win[PANE_TREE] && (d & (DIRTY_TREE | DIRTY_CURSOR))) {
		if (u->pv.on)
			profile_view_draw(&u->pv, u->win[PANE_TREE], u->focus == PANE_TREE);
		else if (d & DIRTY_TREE)
			tree_view_draw(&u->tv, u->win[PANE_TREE], u->focus == PANE_TREE);
		else
			tree_view_draw_cursor(&u->tv, u->win[PANE_TREE], u->focus == PANE_TREE);
		wnoutrefresh(u->win[PANE_TREE]);
	}
	if (u->win[PANE_HIST] && (d & DIRTY_HIST)) {
		if (u->pv.on)
			ui_profile_hist(u);
		else
			hist_view_draw(u->win[PANE_HIST], u->m, tree_view_cursor(&u->tv), u->focus == PANE_HIST);
		wnoutrefresh(u->win[PANE_HIST]);
	}
	if (u->win[PANE_EXC] && (d & DIRTY_EXC)) {
		exc_view_draw(&u->ev, u->win[PANE_EXC], u->m, u->focus == PANE_EXC);
		wnoutrefresh(u->win[PANE_EXC]);
	}
	if (d & (DIRTY_HINT | DIRTY_STATUS)) {
		hint_draw(u->hint, &si);
		wnoutrefresh(u->hint);
	}
	if (u->overlay != OV_NONE && u->overlay_win) {
		/* on top of whatever was refreshed beneath it */
		if (u->overlay == OV_HELP)
			help_draw(u->overlay_win, u->help_scroll, si.st);
		else {
			/* the program may still be writing: follow its log */
			if ((d & DIRTY_STATUS) && si.st && si.st->child_log)
				pager_refresh(&u->pager, si.st->child_log);
			pager_draw(&u->pager, u->overlay_win);
		}
		touchwin(u->overlay_win);
		wnoutrefresh(u->overlay_win);
	}
	curs_set(u->prompt && u->overlay == OV_NONE ? 1 : 0);
	if (u->prompt && u->overlay == OV_NONE)
		wnoutrefresh(u->hint);   /* leaves the terminal cursor in the prompt */
	doupdate();
}

void ui_poll_model(struct ui *u)
{
	uint64_t gen = model_generation(u->m);
	const char *note = u->ing && !u->tv.empty_note ?
		ingest_no_events_note(u->ing, u->empty_note, sizeof u->empty_note) : NULL;

	if (note) {
		/* input ended with no event: the empty tree says why */
		u->tv.empty_note = note;
		u->dirty |= DIRTY_TREE;
	}
	if (gen != u->last_gen) {
		size_t nexc = model_exception_count(u->m);

		u->last_gen = gen;
		if (u->tv.follow)
			tree_view_follow(&u->tv);
		u->dirty |= DIRTY_TREE | DIRTY_HIST | DIRTY_STATUS;
		/* the exceptions pane only changes when one arrives (or is retired) */
		if (nexc != u->last_exc_count ||
		    (nexc && model_exception_at(u->m, 0)->id != u->last_exc_id)) {
			u->last_exc_count = nexc;
			u->last_exc_id = nexc ? model_exception_at(u->m, 0)->id : 0;
			u->dirty |= DIRTY_EXC;
		}
	}
}

static void open_overlay(struct ui *u, enum overlay o)
{
	u->overlay = o;
	u->help_scroll = 0;
	u->dirty |= DIRTY_LAYOUT;
}

static void close_overlay(struct ui *u)
{
	u->overlay = OV_NONE;
	pager_free(&u->pager);
	/* everything under the overlay must be repainted */
	u->dirty |= DIRTY_LAYOUT;
}

static void open_output(struct ui *u)
{
	const struct ingest_status *st = u->ing ? ingest_get_status(u->ing) : NULL;
	char title[160];

	if (!st || !st->has_child) {
		snprintf(u->tv.message, sizeof(u->tv.message), "no program output: not started with -- CMD");
		u->dirty |= DIRTY_HINT;
		return;
	}
	snprintf(title, sizeof(title), "Output of %s%s (q or Esc closes)", st->source ? st->source : "the program",
		 st->child_running ? "" : ", exited");
	pager_load(&u->pager, st->child_log, title);
	open_overlay(u, OV_PAGER);
}

static void prompt_key(struct ui *u, int key)
{
	switch (key) {
	case VIEW_KEY_ESC:
		u->prompt = false;
		u->qlen = 0;
		u->query[0] = 0;
		u->dirty |= tree_view_set_query(&u->tv, NULL) | DIRTY_HINT;
		return;
	case '\n': case '\r': case KEY_ENTER:
		u->prompt = false;
		u->dirty |= DIRTY_HINT;
		if (u->pv.on)   /* the profile's next function that matches */
			u->dirty |= profile_view_find(&u->pv, u->tv.search, false);
		return;
	case KEY_BACKSPACE: case 127: case VIEW_CTRL('h'):
		if (!u->qlen) {
			u->prompt = false;
			u->dirty |= DIRTY_HINT;
			return;
		}
		/* drop one UTF-8 character */
		do
			u->qlen--;
		while (u->qlen && ((unsigned char)u->query[u->qlen] & 0xc0) == 0x80);
		u->query[u->qlen] = 0;
		break;
	default:
		if (key < 32 || key >= KEY_MIN)
			return;
		char mb[8];
		int n;

		mbstate_t ps;
		memset(&ps, 0, sizeof(ps));
		n = (int)wcrtomb(mb, (wchar_t)key, &ps);
		if (n <= 0 || u->qlen + (size_t)n >= sizeof(u->query))
			return;
		memcpy(u->query + u->qlen, mb, (size_t)n);
		u->qlen += (size_t)n;
		u->query[u->qlen] = 0;
	}
	u->dirty |= tree_view_set_query(&u->tv, u->query) | DIRTY_HINT;
}

static void cycle_focus(struct ui *u, int dir)
{
	u->focus = (enum pane)(((int)u->focus + dir + PANE_COUNT) % PANE_COUNT);
	/* a hidden pane gets shown: small layouts show the focused one */
	if (!u->win[u->focus])
		u->dirty |= DIRTY_LAYOUT;
	u->dirty |= DIRTY_TREE | DIRTY_HIST | DIRTY_EXC;
}

static void jump_to_exception(struct ui *u)
{
	const struct mexception *e = exc_view_selected(&u->ev, u->m);
	node_id first, second;

	if (!e)
		return;
	first = u->tv.view == VIEW_CALLS ? e->call : e->path;
	second = u->tv.view == VIEW_CALLS ? e->path : e->call;
	unsigned d = tree_view_jump(&u->tv, first);

	if (!d)
		d = tree_view_jump(&u->tv, second);
	if (!d) {
		snprintf(u->tv.message, sizeof(u->tv.message), "that call is no longer kept");
		u->dirty |= DIRTY_HINT;
		return;
	}
	u->focus = PANE_TREE;
	if (!u->win[PANE_TREE])
		d |= DIRTY_LAYOUT;
	u->dirty |= d | DIRTY_EXC;
}

/* With -- CMD still running, quitting stops it: say so, and where its
 * output is, before doing it. */
static bool ask_before_quit(struct ui *u)
{
	const struct ingest_status *st = u->ing ? ingest_get_status(u->ing) : NULL;

	if (!st || !st->has_child || !st->child_running)
		return false;
	snprintf(u->quit_note, sizeof(u->quit_note),
		 "q again: quit and stop the command (SIGTERM); other keys: stay.  Its output: %s%s",
		 st->child_log ? st->child_log : "(none)",
		 st->child_log && !st->child_log_kept ? " (removed on quit; --log keeps it)" : "");
	u->dirty |= DIRTY_HINT;
	return true;
}

void ui_key(struct ui *u, int key)
{
	int page = u->tv.height > 1 ? u->tv.height - 1 : 1;

	if (key == KEY_MOUSE) {
		MEVENT me;

		/* over an overlay or a prompt the wheel scrolls, clicks do nothing */
		if (getmouse(&me) != OK)
			return;
		if (u->overlay == OV_NONE && !u->prompt && !u->scope_mode)
			ui_mouse(u, &me);
		else if (u->overlay != OV_NONE && (me.bstate & BUTTON4_PRESSED))
			ui_key(u, KEY_UP);
#ifdef BUTTON5_PRESSED
		else if (u->overlay != OV_NONE && (me.bstate & BUTTON5_PRESSED))
			ui_key(u, KEY_DOWN);
#endif
		return;
	}
	if (u->overlay != OV_NONE) {
		if (u->overlay == OV_PAGER && key != 'q' && key != VIEW_KEY_ESC && key != 'o') {
			u->dirty |= pager_key(&u->pager, key, page);
			return;
		}
		if (u->overlay == OV_HELP && (key == KEY_DOWN || key == 'j' || key == KEY_NPAGE || key == ' ')) {
			u->help_scroll += key == KEY_NPAGE || key == ' ' ? page : 1;
			if (u->help_scroll > help_lines() - 1)
				u->help_scroll = help_lines() - 1;
			u->dirty |= DIRTY_OVERLAY;
			return;
		}
		if (u->overlay == OV_HELP && (key == KEY_UP || key == 'k' || key == KEY_PPAGE)) {
			u->help_scroll -= key == KEY_PPAGE ? page : 1;
			if (u->help_scroll < 0)
				u->help_scroll = 0;
			u->dirty |= DIRTY_OVERLAY;
			return;
		}
		close_overlay(u);
		return;
	}
	if (u->prompt) {
		prompt_key(u, key);
		return;
	}
	if (u->notice[0]) {
		/* said until the next key */
		u->notice[0] = 0;
		u->dirty |= DIRTY_STATUS;
	}
	if (u->scope_mode) {
		ui_scope_key(u, key);
		return;
	}
	if (key == KEY_RESIZE) {
		u->dirty |= DIRTY_LAYOUT;
		return;
	}
	if (u->layout == LAYOUT_TOO_SMALL) {
		if (key == 'q' || key == KEY_F(10))
			u->quit = true;
		return;
	}
	if (u->quit_note[0]) {
		/* the question is answered by this key */
		u->quit_note[0] = 0;
		u->dirty |= DIRTY_HINT;
		if (key == 'q' || key == KEY_F(10)) {
			u->quit = true;
			return;
		}
	}
	if (ui_profile_key(u, key))
		return;
	switch (key) {
	case 'q': case KEY_F(10):
		if (ask_before_quit(u))
			return;
		u->quit = true;
		return;
	case VIEW_CTRL('c'):
		u->quit = true;
		return;
	case '?': case KEY_F(1):
		open_overlay(u, OV_HELP);
		return;
	case 'o':
		open_output(u);
		return;
	case 'F': case KEY_F(4):
		ui_scope_open(u);
		return;
	case 'S':
		ui_save_trace(u);
		return;
	case 'X':
		ui_export_trace(u);
		return;
	case '/': case KEY_F(3):
		u->prompt = true;
		u->qlen = 0;
		u->query[0] = 0;
		u->dirty |= DIRTY_HINT;
		return;
	case 'n': case 'N':
		u->dirty |= tree_view_next_match(&u->tv, key == 'N');
		return;
	case VIEW_KEY_ESC:
		u->dirty |= tree_view_set_query(&u->tv, NULL);
		u->tv.message[0] = 0;
		u->dirty |= DIRTY_HINT;
		return;
	case 'p': case 'Z':
		if (u->ing) {
			bool now = ingest_get_status(u->ing)->paused;

			ingest_set_paused(u->ing, !now);
		}
		u->dirty |= DIRTY_STATUS | DIRTY_HINT;
		return;
	case '\t':
		cycle_focus(u, 1);
		return;
	case KEY_BTAB:
		cycle_focus(u, -1);
		return;
	case VIEW_CTRL('l'):
		clearok(curscr, TRUE);
		u->dirty |= DIRTY_ALL;
		return;
	case 'v': case 'f': case 'e': case 'E': case 'C': case '*': case 's': case KEY_F(6):
		/* tree keys that work whatever pane has the focus */
		u->dirty |= tree_view_key(&u->tv, key) | DIRTY_STATUS;
		if (!u->win[PANE_TREE] && (key == 'e' || key == 'E')) {
			u->focus = PANE_TREE;
			u->dirty |= DIRTY_LAYOUT;
		}
		return;
	}
	if (u->focus == PANE_EXC) {
		if (key == '\n' || key == '\r' || key == KEY_ENTER)
			jump_to_exception(u);
		else
			u->dirty |= exc_view_key(&u->ev, u->m, key,
						 u->win[PANE_EXC] ? (getmaxy(u->win[PANE_EXC]) - 2) / 2 : 1);
		return;
	}
	/* the histogram follows the tree cursor: its pane moves the cursor too */
	u->dirty |= tree_view_key(&u->tv, key);
}
