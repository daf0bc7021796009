/* ui_mouse.c - the mouse: a click focuses the pane under it and selects
 * the row (on a tree row's mark, toggles the node; on the profile's
 * header, sorts by that column); the wheel moves the cursor of the pane
 * under it three rows at a time.  Off with --no-mouse (ui_set_mouse());
 * with it on, the terminal's own text selection wants Shift. */
#include "config.h"

#include "ui.h"
#include "ui_int.h"

#define WHEEL_ROWS 3

static bool mouse_on = true;

void ui_set_mouse(bool on)
{
	mouse_on = on;
}

bool ui_mouse_enabled(void)
{
	return mouse_on;
}

static enum pane pane_at(const struct ui *u, int y, int x)
{
	for (int p = 0; p < PANE_COUNT; p++)
		if (u->win[p] && wenclose(u->win[p], y, x))
			return (enum pane)p;
	return PANE_COUNT;
}

static void focus(struct ui *u, enum pane p)
{
	if (u->focus == p)
		return;
	u->focus = p;
	u->dirty |= DIRTY_TREE | DIRTY_HIST | DIRTY_EXC;
}

/* A click on content row `row` of the calls pane at column x. */
static void click_tree(struct ui *u, int row, int x)
{
	struct tree_view *tv = &u->tv;

	if (row < 0 || row >= tv->nrows || !model_find(u->m, tv->rows[row].id))
		return;
	tv->follow = false;
	tv->cursor[tv->view] = tv->rows[row].id;
	tv->old_cursor_row = tv->cursor_row;
	tv->cursor_row = row;
	u->dirty |= DIRTY_CURSOR | DIRTY_HIST | DIRTY_STATUS;
	/* on the mark: what Enter does there */
	if (tv->rows[row].mark_x >= 0 && x == tv->rows[row].mark_x)
		u->dirty |= tree_view_key(tv, '\r');
}

static void wheel(struct ui *u, enum pane p, bool down)
{
	int key = down ? KEY_DOWN : KEY_UP;
	node_id jump;

	for (int i = 0; i < WHEEL_ROWS; i++) {
		if (p == PANE_TREE && u->pv.on)
			u->dirty |= profile_view_key(&u->pv, key, NULL, &jump);
		else if (p == PANE_TREE)
			u->dirty |= tree_view_key(&u->tv, key);
		else if (p == PANE_EXC)
			u->dirty |= exc_view_key(&u->ev, u->m, key, 1);
	}
}

void ui_mouse(struct ui *u, const MEVENT *me)
{
	enum pane p = pane_at(u, me->y, me->x);
	mmask_t b = me->bstate;

	if (p == PANE_COUNT || u->layout == LAYOUT_TOO_SMALL)
		return;
	if (b & BUTTON4_PRESSED) {
		wheel(u, p, false);
		return;
	}
#ifdef BUTTON5_PRESSED
	if (b & BUTTON5_PRESSED) {
		wheel(u, p, true);
		return;
	}
#endif
	if (!(b & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
		return;
	focus(u, p);
	int y = me->y - getbegy(u->win[p]), x = me->x - getbegx(u->win[p]);

	if (p == PANE_TREE && u->pv.on)
		u->dirty |= profile_view_click(&u->pv, y - 2, x);
	else if (p == PANE_TREE)
		click_tree(u, y - 2, x);
	else if (p == PANE_EXC)
		u->dirty |= exc_view_click(&u->ev, u->m, y);
}
