/* view_tree_keys.c - keys of the calls pane: moving, expanding, following,
 * stepping through exceptions, jumping to a node.
 *
 * Moves inside the rows of the last frame only change the cursor (two rows
 * repainted); anything else marks the pane for a full redraw. */
#include "config.h"

#include <string.h>

#include "view.h"

static const struct mnode *find(const struct tree_view *tv, node_id id)
{
	return id ? model_find(tv->m, id) : NULL;
}

static const struct mnode *parent_of(const struct tree_view *tv, const struct mnode *n)
{
	return tree_vis_parent(tv, n);
}

static bool has_children(const struct tree_view *tv, const struct mnode *n)
{
	return tree_first_child(tv, tree_list_of(tv, n)) != NULL;
}

static void set_expanded(struct tree_view *tv, const struct mnode *n, bool on)
{
	if (tree_view_expanded(tv, n) == on)
		return;
	if (idset_has(&tv->toggled, n->id))
		idset_del(&tv->toggled, n->id);
	else
		idset_put(&tv->toggled, n->id);
}

static unsigned set_cursor(struct tree_view *tv, const struct mnode *n)
{
	tv->cursor[tv->view] = n->id;
	return DIRTY_TREE | DIRTY_HIST;
}

/* Cursor one row down or up: within the last frame only the two rows are
 * repainted; at an edge the pane scrolls by one. */
static unsigned move_by_one(struct tree_view *tv, bool down)
{
	const struct mnode *cur = tree_view_cursor(tv), *n;
	int r = tv->cursor_row;

	if (!cur)
		return 0;
	if (r >= 0 && r < tv->nrows && tv->rows[r].id == cur->id) {
		int nr = down ? r + 1 : r - 1;

		if (nr >= 0 && nr < tv->nrows && nr < tv->height && find(tv, tv->rows[nr].id)) {
			tv->cursor[tv->view] = tv->rows[nr].id;
			tv->cursor_row = nr;
			return DIRTY_CURSOR | DIRTY_HIST;
		}
	}
	n = down ? tree_next_visible(tv, cur) : tree_up(tv, cur, 1, NULL);
	if (!n || n == cur)
		return 0;
	if (down) {
		const struct mnode *top = find(tv, tv->top[tv->view]);

		if (top && r >= tv->height - 1)
			tv->top[tv->view] = tree_next_visible(tv, top) ? tree_next_visible(tv, top)->id : top->id;
	} else if (r <= 0) {
		tv->top[tv->view] = n->id;
	}
	return set_cursor(tv, n);
}

static unsigned move_page(struct tree_view *tv, bool down)
{
	const struct mnode *cur = tree_view_cursor(tv), *top = find(tv, tv->top[tv->view]), *n;
	int page = tv->height > 1 ? tv->height - 1 : 1;

	if (!cur)
		return 0;
	if (!top)
		top = cur;
	if (down) {
		n = cur;
		for (int i = 0; i < page; i++) {
			const struct mnode *x = tree_next_visible(tv, n);

			if (!x)
				break;
			n = x;
			if ((x = tree_next_visible(tv, top)))
				top = x;
		}
	} else {
		n = tree_up(tv, cur, page, NULL);
		top = tree_up(tv, top, page, NULL);
	}
	tv->top[tv->view] = top->id;
	return set_cursor(tv, n);
}

/* Follow: the thread with the newest event (several busy threads take
 * turns), on its innermost open call, else on its last row. */
void tree_view_follow(struct tree_view *tv)
{
	const struct mthread *best = NULL;
	const struct mnode *n;

	for (const struct mnode *p = model_first_child(tv->m, tv->view, NULL); p;
	     p = model_next_sibling(tv->m, tv->view, p))
		for (const struct mthread *t = ((const struct mprocess *)p)->threads; t; t = t->next)
			if ((!best || t->last_ts >= best->last_ts) && scope_shows_thread(&tv->scope, tv->m, t))
				best = t;
	if (!best)
		return;
	const struct mcall *open = model_thread_open_call(tv->m, best);

	if (open)
		n = tv->view == VIEW_CALLS ? &open->node : &open->path->node;
	else
		n = tree_last_visible(tv, &best->node);
	/* on the row it is drawn on (the expand state is the user's); the
	 * next frame scrolls only when that row is off screen */
	tv->cursor[tv->view] = n->id;
	tree_view_cursor(tv);
}

unsigned tree_view_jump(struct tree_view *tv, node_id id)
{
	const struct mnode *n = find(tv, id);

	if (!n)
		return 0;
	if (mnode_kind(n) == MN_CALL)
		tv->view = VIEW_CALLS;
	else if (mnode_kind(n) == MN_PATH)
		tv->view = VIEW_PATHS;
	tree_fold_reveal(tv, n);
	for (const struct mnode *p = parent_of(tv, n); p; p = parent_of(tv, p))
		set_expanded(tv, p, true);
	tv->follow = false;
	tv->cursor[tv->view] = n->id;
	tv->top[tv->view] = tree_up(tv, n, tv->height / 3, NULL)->id;
	tv->nrows = 0;
	tv->cursor_row = tv->old_cursor_row = -1;
	return DIRTY_TREE | DIRTY_HIST | DIRTY_STATUS | DIRTY_HINT;
}

static bool has_exception(const struct tree_view *tv, const struct mnode *n)
{
	bool has = false;

	if (mnode_kind(n) == MN_PATH)
		has = ((const struct mpath *)n)->exceptions > 0;
	else if (mnode_kind(n) == MN_CALL)
		has = ((const struct mcall *)n)->has_exception;
	/* one the scope leaves out is not stepped to */
	return has && scope_shows_node(&tv->scope, tv->m, tv->view, n);
}

/* Next or previous node in tree order (expanded or not) that raised an
 * exception, wrapping around. */
static unsigned step_exception(struct tree_view *tv, bool backwards)
{
	const struct mnode *cur = tree_view_cursor(tv), *n, *found = NULL;
	const struct mnode *first = model_first_child(tv->m, tv->view, NULL);

	if (!cur)
		return 0;
	if (!backwards) {
		for (n = model_next_preorder(tv->m, tv->view, cur, NULL); n && !found; n = model_next_preorder(tv->m, tv->view, n, NULL))
			if (has_exception(tv, n))
				found = n;
		for (n = first; n && n != cur && !found; n = model_next_preorder(tv->m, tv->view, n, NULL))
			if (has_exception(tv, n))
				found = n;
	} else {
		/* no back links: the last hit before the cursor, else the last one */
		const struct mnode *before = NULL, *last = NULL;
		bool passed = false;

		for (n = first; n; n = model_next_preorder(tv->m, tv->view, n, NULL)) {
			if (n == cur)
				passed = true;
			else if (has_exception(tv, n)) {
				if (!passed)
					before = n;
				last = n;
			}
		}
		found = before ? before : last;
	}
	if (!found) {
		strcpy(tv->message, "no exception in this view");
		return DIRTY_HINT;
	}
	tv->message[0] = 0;
	return tree_view_jump(tv, found->id);
}

static void expand_subtree(struct tree_view *tv, const struct mnode *root)
{
	const struct mnode *n = root;

	/* pre-order over the subtree only */
	while (n) {
		const struct mnode *c;

		set_expanded(tv, n, true);
		if ((c = model_first_child(tv->m, tv->view, n))) {
			n = c;
			continue;
		}
		while (n && n != root && !(c = model_next_sibling(tv->m, tv->view, n)))
			n = model_parent(tv->m, tv->view, n);
		n = (n && n != root) ? c : NULL;
	}
}

static unsigned key(struct tree_view *tv, int key);

unsigned tree_view_key(struct tree_view *tv, int k)
{
	unsigned d = key(tv, k);

	/* the rows of the last frame no longer tell what is below what */
	if (d & DIRTY_TREE) {
		tv->nrows = 0;
		tv->cursor_row = tv->old_cursor_row = -1;
	}
	return d;
}

static unsigned key(struct tree_view *tv, int key)
{
	const struct mnode *cur = tree_view_cursor(tv), *n;

	switch (key) {
	case KEY_DOWN: case 'j':
		tv->follow = false;
		return move_by_one(tv, true);
	case KEY_UP: case 'k':
		tv->follow = false;
		return move_by_one(tv, false);
	case KEY_NPAGE: case VIEW_CTRL('f'): case VIEW_CTRL('d'):
		tv->follow = false;
		return move_page(tv, true);
	case KEY_PPAGE: case VIEW_CTRL('b'): case VIEW_CTRL('u'):
		tv->follow = false;
		return move_page(tv, false);
	case KEY_HOME: case 'g':
		tv->follow = false;
		if (!(n = tree_first_child(tv, NULL)))
			return 0;
		tv->top[tv->view] = n->id;
		return set_cursor(tv, n);
	case KEY_END: case 'G':
		tv->follow = false;
		if (!(n = tree_last_visible(tv, sib_last_child(tv, NULL))))
			return 0;
		tv->top[tv->view] = tree_up(tv, n, tv->height > 1 ? tv->height - 1 : 0, NULL)->id;
		return set_cursor(tv, n) | DIRTY_STATUS;
	case 'f':
		tv->follow = !tv->follow;
		if (tv->follow)
			tree_view_follow(tv);
		return DIRTY_TREE | DIRTY_HIST | DIRTY_STATUS;
	case KEY_RIGHT: case 'l': case '+':
		if (!cur || !has_children(tv, cur))
			return 0;
		tv->follow = false;
		if (!tree_view_expanded(tv, cur)) {
			set_expanded(tv, cur, true);
			return DIRTY_TREE;
		}
		return set_cursor(tv, tree_first_child(tv, tree_list_of(tv, cur)));
	case KEY_LEFT: case 'h': case '-':
		if (!cur)
			return 0;
		tv->follow = false;
		if (has_children(tv, cur) && tree_view_expanded(tv, cur)) {
			set_expanded(tv, cur, false);
			return DIRTY_TREE;
		}
		if ((n = parent_of(tv, cur)))
			return set_cursor(tv, n);
		return 0;
	case '\n': case '\r': case KEY_ENTER: case ' ':
		if (!cur || !has_children(tv, cur))
			return 0;
		tv->follow = false;
		set_expanded(tv, cur, !tree_view_expanded(tv, cur));
		return DIRTY_TREE;
	case '*':
		if (!cur)
			return 0;
		expand_subtree(tv, cur);
		return DIRTY_TREE;
	case 'C':
		idset_clear(&tv->toggled);
		tree_fold_reset(tv);
		tv->threads_closed = true;
		return DIRTY_TREE | DIRTY_HIST;
	case 'T':
		return tree_view_time_key(tv);
	case 'M':
		return tree_view_slowest(tv);
	case '{': case '}':
		return tree_view_step_slow(tv, key == '{');
	case 'z':
		tv->follow = false;
		return tree_view_fold_key(tv, cur);
	case '[': case ']':
		return tree_view_shift(tv, key == ']');
	case 's': case KEY_F(6):
		return tree_view_cycle_sort(tv) | DIRTY_STATUS;
	case 'e':
		return step_exception(tv, false);
	case 'E':
		return step_exception(tv, true);
	case 'v': {
		enum model_view other = tv->view == VIEW_PATHS ? VIEW_CALLS : VIEW_PATHS;

		/* carry the cursor over: a call becomes its path, a path its thread */
		if (cur && mnode_kind(cur) == MN_CALL)
			tv->cursor[other] = ((const struct mcall *)cur)->path->node.id;
		else if (cur && mnode_kind(cur) == MN_PATH)
			tv->cursor[other] = model_path_thread(tv->m, (const struct mpath *)cur)->node.id;
		else if (cur)
			tv->cursor[other] = cur->id;
		tv->view = other;
		tv->top[other] = 0;
		if (tv->follow)
			tree_view_follow(tv);
		else if ((n = find(tv, tv->cursor[other])))
			tv->top[other] = tree_up(tv, n, tv->height / 3, NULL)->id;
		tree_view_refresh_matches(tv, true);
		return DIRTY_TREE | DIRTY_HIST | DIRTY_STATUS | DIRTY_HINT;
	}
	}
	return 0;
}
