/* view_search.c - incremental search in the calls pane: the matches in tree
 * order, n/N stepping (expanding ancestors) and the "match 3 of 27" line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "view.h"

static void collect(struct tree_view *tv)
{
	tv->nmatches = tv->matches_total = 0;
	if (!tv->search)
		return;
	if (!tv->matches) {
		tv->matches = malloc(TREE_MATCHES_MAX * sizeof(*tv->matches));
		if (!tv->matches)
			return;
	}
	tv->matches_total = search_collect(tv->search, tv->m, tv->view, tv->matches, TREE_MATCHES_MAX);
	tv->nmatches = tv->matches_total < TREE_MATCHES_MAX ? tv->matches_total : TREE_MATCHES_MAX;
	if (scope_active(&tv->scope)) {
		/* matches the scope leaves out are none */
		size_t k = 0;

		for (size_t i = 0; i < tv->nmatches; i++)
			if (scope_shows_node(&tv->scope, tv->m, tv->view, model_find(tv->m, tv->matches[i])))
				tv->matches[k++] = tv->matches[i];
		tv->matches_total -= tv->nmatches - k;
		tv->nmatches = k;
	}
	tv->matches_gen = model_generation(tv->m);
}

static void set_message(struct tree_view *tv)
{
	if (!tv->search)
		tv->message[0] = 0;
	else if (!tv->matches_total)
		snprintf(tv->message, sizeof(tv->message), "no match");
	else if (tv->match_idx < tv->nmatches && tv->matches[tv->match_idx] == tv->cursor[tv->view])
		snprintf(tv->message, sizeof(tv->message), "match %zu of %zu", tv->match_idx + 1,
			 tv->matches_total);
	else
		snprintf(tv->message, sizeof(tv->message), "%zu match%s", tv->matches_total,
			 tv->matches_total == 1 ? "" : "es");
}

static long index_of(const struct tree_view *tv, node_id id)
{
	for (size_t i = 0; i < tv->nmatches; i++)
		if (tv->matches[i] == id)
			return (long)i;
	return -1;
}

void tree_view_refresh_matches(struct tree_view *tv, bool force)
{
	if (!tv->search)
		return;
	if (force || tv->matches_gen != model_generation(tv->m)) {
		node_id at = tv->match_idx < tv->nmatches ? tv->matches[tv->match_idx] : 0;
		long i;

		collect(tv);
		/* keep the current match where it is in the new list */
		if (at && (i = index_of(tv, at)) >= 0)
			tv->match_idx = (size_t)i;
	}
	set_message(tv);
}

unsigned tree_view_set_query(struct tree_view *tv, const char *query)
{
	unsigned d = DIRTY_TREE | DIRTY_HINT | DIRTY_STATUS;

	search_free(tv->search);
	tv->search = query && *query ? search_create(query) : NULL;
	tv->match_idx = 0;
	collect(tv);
	if (tv->search && tv->nmatches) {
		/* stay on the cursor when it matches, else go to the first match */
		long at = index_of(tv, tv->cursor[tv->view]);

		tv->match_idx = at >= 0 ? (size_t)at : 0;
		d |= tree_view_jump(tv, tv->matches[tv->match_idx]);
	}
	set_message(tv);
	return d;
}

/* With the cursor off the matches (moved by hand): the first match after
 * it in tree order, or the last one before it; wrapping around. */
static size_t nearest(struct tree_view *tv, bool backwards)
{
	const struct mnode *cur = tree_view_cursor(tv), *n;
	struct idset set;
	size_t pick = backwards ? tv->nmatches - 1 : 0;
	node_id found = 0;

	if (!cur)
		return pick;
	idset_init(&set);
	for (size_t i = 0; i < tv->nmatches; i++)
		idset_put(&set, tv->matches[i]);
	if (!backwards) {
		for (n = model_next_preorder(tv->m, tv->view, cur, NULL); n && !found; n = model_next_preorder(tv->m, tv->view, n, NULL))
			if (idset_has(&set, n->id))
				found = n->id;
	} else {
		for (n = model_first_child(tv->m, tv->view, NULL); n && n != cur;
		     n = model_next_preorder(tv->m, tv->view, n, NULL))
			if (idset_has(&set, n->id))
				found = n->id;
	}
	idset_free(&set);
	if (found) {
		long at = index_of(tv, found);

		if (at >= 0)
			pick = (size_t)at;
	}
	return pick;
}

unsigned tree_view_next_match(struct tree_view *tv, bool backwards)
{
	long at;
	unsigned d;

	if (!tv->search) {
		snprintf(tv->message, sizeof(tv->message), "no search: press / first");
		return DIRTY_HINT;
	}
	if (tv->matches_gen != model_generation(tv->m))
		collect(tv);
	if (!tv->nmatches) {
		set_message(tv);
		return DIRTY_HINT;
	}
	at = index_of(tv, tv->cursor[tv->view]);
	if (at < 0)
		tv->match_idx = nearest(tv, backwards);
	else if (backwards)
		tv->match_idx = at == 0 ? tv->nmatches - 1 : (size_t)at - 1;
	else
		tv->match_idx = (size_t)at + 1 >= tv->nmatches ? 0 : (size_t)at + 1;
	d = tree_view_jump(tv, tv->matches[tv->match_idx]);
	set_message(tv);
	return d | DIRTY_HINT | DIRTY_STATUS;
}
