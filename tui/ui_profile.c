/* ui_profile.c - the profile view's place in the interface: t (F5) shows it
 * in the calls pane's place, which keys go to it, and what the histogram
 * pane shows under it (the selected function's, or path's). */
#include "config.h"

#include <stdio.h>

#include "ui_int.h"

static unsigned show(struct ui *u, bool on)
{
	u->pv.on = on;
	u->pv.message[0] = 0;
	if (on)
		profile_view_refresh(&u->pv, true);
	if (!u->win[PANE_TREE]) {
		/* a small layout showing another pane: show this one */
		u->focus = PANE_TREE;
		return DIRTY_LAYOUT;
	}
	return DIRTY_TREE | DIRTY_HIST | DIRTY_STATUS | DIRTY_HINT;
}

/* What the view said goes on the status line until the next key. */
static void tell(struct ui *u, bool warn)
{
	if (!u->pv.message[0])
		return;
	snprintf(u->notice, sizeof u->notice, "%s", u->pv.message);
	u->notice_warn = warn;
	u->pv.message[0] = 0;
	u->dirty |= DIRTY_STATUS;
}

static bool moves(int key)
{
	switch (key) {
	case KEY_DOWN: case 'j': case KEY_UP: case 'k': case KEY_NPAGE: case KEY_PPAGE: case ' ':
	case VIEW_CTRL('f'): case VIEW_CTRL('b'): case VIEW_CTRL('d'): case VIEW_CTRL('u'):
	case KEY_HOME: case 'g': case KEY_END: case 'G': case '\n': case '\r': case KEY_ENTER:
	case KEY_RIGHT: case 'l': case KEY_LEFT: case 'h': case KEY_BACKSPACE: case 127:
		return true;
	}
	return false;
}

bool ui_profile_key(struct ui *u, int key)
{
	node_id jump = 0;

	if (key == 't' || key == KEY_F(5)) {
		u->dirty |= show(u, !u->pv.on);
		return true;
	}
	if (!u->pv.on)
		return false;
	switch (key) {
	case 'v':
		/* back to the calls pane, in the view it had */
		u->dirty |= show(u, false);
		return true;
	case 'e': case 'E': case 'f':
		/* the calls pane's: shown there */
		u->dirty |= show(u, false);
		return false;
	case 'C': case '*':
		return true;
	case 'c':
		tell(u, !profile_view_save(&u->pv, NULL));
		return true;
	case 'n': case 'N':
		u->dirty |= profile_view_find(&u->pv, u->tv.search, key == 'N');
		tell(u, true);
		return true;
	case '<': case '>': case 's': case KEY_F(6): case 'a':
		u->dirty |= profile_view_key(&u->pv, key, tree_view_cursor(&u->tv), &jump) | DIRTY_STATUS;
		return true;
	case VIEW_KEY_ESC:
		if (!u->pv.callers_of || u->focus == PANE_EXC)
			return false;   /* clears the search */
		break;
	default:
		/* the histogram pane follows the table's cursor: it moves it */
		if (u->focus == PANE_EXC || !moves(key))
			return false;
	}
	u->dirty |= profile_view_key(&u->pv, key, tree_view_cursor(&u->tv), &jump);
	if (jump) {
		/* Enter on a caller path: that path in the calls pane */
		unsigned d = tree_view_jump(&u->tv, jump);

		if (d) {
			u->pv.on = false;
			u->dirty |= d | DIRTY_TREE;
		}
	}
	return true;
}

void ui_profile_hist(struct ui *u)
{
	const struct mnode *path, *scope = u->pv.scope ? model_find(u->m, u->pv.scope) : NULL;
	const struct prof_row *r = profile_view_selected(&u->pv, &path);
	WINDOW *w = u->win[PANE_HIST];

	if (r) {
		struct prof_row now = *r;

		profile_row_now(&u->pv.prof, &now);   /* as the table draws it */
		hist_view_draw_func(w, u->m, now.fn->name, now.hist, now.total_ns, now.self_ns, scope,
				    u->focus == PANE_HIST);
	}
	else
		hist_view_draw(w, u->m, path ? path : scope, u->focus == PANE_HIST);
}
