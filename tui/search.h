/* search.h - smart-case substring search over the model (pure, no curses).
 *
 * A query matches a node when it is found in the node's function name, in
 * the type or message of an exception raised there, or in a thread's name
 * (or a process's program name).  Smart case: case-insensitive unless the
 * query holds an upper-case letter, for any script's letters (UTF-8), except
 * the few whose two cases differ in encoded length. */
#ifndef PT_SEARCH_H
#define PT_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

struct search;

struct search *search_create(const char *query);   /* NULL for an empty query */
void search_free(struct search *s);
const char *search_query(const struct search *s);

bool search_node_matches(const struct search *s, const struct model *m,
			 const struct mnode *node);
/* Where the query occurs in `text` (smart case), or -1; for highlighting. */
long search_find_in(const struct search *s, const char *text);

/* Every matching node of `view` in tree order (pre-order: process, its
 * threads, their calls), whether expanded or not.  Stores at most `max` ids
 * in `out` and returns the total number of matches. */
size_t search_collect(const struct search *s, const struct model *m,
		      enum model_view view, node_id *out, size_t max);

#endif
