/* view_scope.c - the calls pane's walk under the scope filters (scope.h),
 * and the words for what they leave out.
 *
 * The pane walks the sorted children (view_sort.c) through the three
 * functions here.  A process, thread or (calls view) too-short call that
 * the scope leaves out is skipped with its subtree; the row of a hidden
 * function is replaced by its children, spliced in its place, so its
 * callees show under its parent.  With no filter set the walk is the
 * sorted one, unchanged. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hist.h"
#include "view.h"

static bool left_out(const struct tree_view *tv, const struct mnode *n)
{
	switch (mnode_kind(n)) {
	case MN_PROCESS:
		return !scope_shows_process(&tv->scope, tv->m, (const struct mprocess *)n);
	case MN_THREAD:
		return !scope_shows_thread(&tv->scope, tv->m, (const struct mthread *)n);
	case MN_CALL:
		return scope_call_short(&tv->scope, (const struct mcall *)n);
	default:
		return false;
	}
}

/* A row of a hidden function: its children are shown in its place. */
static bool flat(const struct tree_view *tv, const struct mnode *n)
{
	if (!tv->scope.nhidden)
		return false;
	if (mnode_kind(n) == MN_PATH)
		return scope_fn_hidden(&tv->scope, ((const struct mpath *)n)->fn);
	if (mnode_kind(n) == MN_CALL)
		return scope_fn_hidden(&tv->scope, ((const struct mcall *)n)->path->fn);
	return false;
}

const struct mnode *tree_parent(const struct tree_view *tv, const struct mnode *n)
{
	const struct mnode *p = model_parent(tv->m, tv->view, n);

	while (p && flat(tv, p))
		p = model_parent(tv->m, tv->view, p);
	return p;
}

/* The sibling after c in the sorted order; after the last child of a
 * hidden function's row, the sibling after that row; NULL past the last
 * child of the shown parent p. */
static const struct mnode *next_up(const struct tree_view *tv, const struct mnode *p,
				   const struct mnode *c)
{
	for (;;) {
		const struct mnode *s = sort_next_sib(tv, c);

		if (s)
			return s;
		c = model_parent(tv->m, tv->view, c);
		if (!c || c == p)
			return NULL;
	}
}

/* The first shown row at c or after it among p's (spliced) children. */
static const struct mnode *settle(const struct tree_view *tv, const struct mnode *p,
				  const struct mnode *c)
{
	while (c) {
		if (left_out(tv, c)) {
			c = next_up(tv, p, c);
		} else if (flat(tv, c)) {
			const struct mnode *k = sort_first_child(tv, c);

			c = k ? k : next_up(tv, p, c);
		} else {
			return c;
		}
	}
	return NULL;
}

const struct mnode *tree_first_child(const struct tree_view *tv, const struct mnode *p)
{
	const struct mnode *c = sort_first_child(tv, p);

	return scope_active(&tv->scope) ? settle(tv, p, c) : c;
}

const struct mnode *tree_next_sib(const struct tree_view *tv, const struct mnode *n)
{
	if (!scope_active(&tv->scope) || !n)
		return sort_next_sib(tv, n);
	const struct mnode *p = tree_parent(tv, n);

	return settle(tv, p, next_up(tv, p, n));
}

const struct mnode *tree_scope_row(const struct tree_view *tv, const struct mnode *n)
{
	if (!scope_active(&tv->scope))
		return n;
	while (n && !scope_shows_node(&tv->scope, tv->m, tv->view, n))
		n = tree_parent(tv, n);
	return n;
}
