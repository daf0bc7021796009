/* event_stats.c - the entries of a stats line's "nodes" array.
 *
 * A stats line carries the exact figures of many call paths at once, so a
 * wrong entry must not cost the others: each entry is checked on its own,
 * the valid ones go into the event, the rest are only counted (with the
 * first reason) for the model to report.  The line itself is bad only when
 * it is not JSON or "nodes" is not an array (event.c).  Only jansson reads
 * these lines: they are few (one or a few per thread every stats period),
 * and the fast path leaves every array to it. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_int.h"
#include "grow.h"

/* An optional non-negative integer member; false when present but wrong. */
static bool opt_u64(json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (!v)
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static bool opt_str(json_t *o, const char *key, struct event_str *out)
{
	json_t *v = json_object_get(o, key);

	out->s = NULL;
	out->len = 0;
	if (!v)
		return true;
	if (!json_is_string(v))
		return false;
	out->s = json_string_value(v);
	out->len = json_string_length(v);
	return true;
}

bool event_stats_reserve(struct event_parser *p, size_t nodes, size_t pairs)
{
	return pt_grow((void **)&p->nodes, &p->nodes_cap, nodes, sizeof(*p->nodes)) &&
	       pt_grow((void **)&p->pairs, &p->pairs_cap, pairs, sizeof(*p->pairs));
}

/* The entry's "hist" into p->pairs from *npairs on; NULL when it is right,
 * else why not. */
static const char *take_hist(struct event_parser *p, json_t *h, size_t *npairs,
			     struct event_stats_node *n)
{
	n->hist_off = (uint32_t)*npairs;
	n->hist_n = 0;
	if (!h)
		return NULL;
	if (!json_is_array(h))
		return "\"hist\" is not an array";
	size_t len = json_array_size(h);
	if (len > EVENT_HIST_BUCKETS)
		return "\"hist\" has more pairs than buckets";
	if (!pt_grow((void **)&p->pairs, &p->pairs_cap, *npairs + len, sizeof(*p->pairs)))
		return "out of memory";
	long long prev = -1;
	for (size_t i = 0; i < len; i++) {
		json_t *pair = json_array_get(h, i);
		json_t *b = json_array_get(pair, 0), *c = json_array_get(pair, 1);
		if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_integer(b) ||
		    !json_is_integer(c))
			return "a \"hist\" entry is not a [bucket, count] pair of integers";
		long long bv = json_integer_value(b), cv = json_integer_value(c);
		if (bv < 0 || bv >= EVENT_HIST_BUCKETS)
			return "a \"hist\" bucket is out of range";
		if (bv <= prev)
			return "\"hist\" buckets are not in increasing order";
		if (cv < 0)
			return "a \"hist\" count is negative";
		prev = bv;
		p->pairs[*npairs + i] = (struct event_hist_pair){ (uint32_t)bv, (uint64_t)cv };
	}
	n->hist_n = (uint32_t)len;
	*npairs += len;
	return NULL;
}

/* One entry into *n; NULL when it is valid, else why not. */
static const char *take_node(struct event_parser *p, json_t *o, size_t *npairs,
			     struct event_stats_node *n)
{
	if (!json_is_object(o))
		return "an entry is not an object";
	json_t *id = json_object_get(o, "id");
	if (!id)
		return "an entry has no \"id\"";
	if (!json_is_integer(id) || json_integer_value(id) < 1)
		return "an entry's \"id\" is not an integer >= 1";
	memset(n, 0, sizeof(*n));
	n->id = (uint64_t)json_integer_value(id);
	json_t *parent = json_object_get(o, "parent");
	if (parent) {
		if (!json_is_integer(parent) || json_integer_value(parent) < 0)
			return "an entry's \"parent\" is not an integer >= 0";
		n->parent = (uint64_t)json_integer_value(parent);
		n->has_parent = true;
		if (n->parent == n->id)
			return "an entry is its own parent";
	}
	if (!opt_str(o, "fn", &n->fn) || !opt_str(o, "file", &n->file))
		return "an entry's \"fn\" or \"file\" is not a string";
	uint64_t line;
	if (!opt_u64(o, "line", &line) || line > 2147483647u)
		return "an entry's \"line\" is not an integer in range";
	n->line = (int32_t)line;
	if (!opt_u64(o, "count", &n->count) || !opt_u64(o, "total", &n->total) ||
	    !opt_u64(o, "self", &n->self) || !opt_u64(o, "max", &n->max) ||
	    !opt_u64(o, "exc", &n->exc) || !opt_u64(o, "abandoned", &n->abandoned) ||
	    !opt_u64(o, "hist_missing", &n->hist_missing))
		return "an entry's figure is not an integer >= 0";
	json_t *other = json_object_get(o, "other");
	if (other && !json_is_boolean(other))
		return "an entry's \"other\" is not true or false";
	n->other = other && json_is_true(other);
	return take_hist(p, json_object_get(o, "hist"), npairs, n);
}

/* Figures past INT64_MAX never get here: jansson refuses the line. */
bool event_stats_nodes(struct event_parser *p, json_t *arr, struct event *out,
		       struct event_error *err)
{
	size_t len = json_array_size(arr), n = 0, npairs = 0;

	if (!arr) {
		/* the fast path decoded them, every one valid (event_fast.c) */
		out->stats = p->nodes;
		out->nstats = p->fast_nodes;
		out->stats_hist = p->pairs;
		return true;
	}

	if (!pt_grow((void **)&p->nodes, &p->nodes_cap, len ? len : 1, sizeof(*p->nodes))) {
		if (err) {
			snprintf(err->text, sizeof err->text, "out of memory for a stats line");
			err->column = 0;
		}
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		size_t mark = npairs;
		const char *why = take_node(p, json_array_get(arr, i), &npairs, &p->nodes[n]);
		if (!why) {
			n++;
			continue;
		}
		npairs = mark;           /* its pairs, if any, are not kept */
		if (!out->stats_bad++)
			out->stats_bad_why = why;
	}
	out->stats = p->nodes;
	out->nstats = n;
	out->stats_hist = p->pairs;
	return true;
}
