/* scope.c - the scope filters' questions about the model (scope.h). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scope.h"

static const struct mprocess *proc_of(const struct model *m, const struct mnode *n)
{
	while (n && mnode_kind(n) != MN_PROCESS)
		n = model_parent(m, VIEW_PATHS, n);
	return (const struct mprocess *)n;
}

bool scope_shows_process(const struct scope *s, const struct model *m, const struct mprocess *p)
{
	if (s->hide_ended && p->state != PROC_LIVE)
		return false;
	if (!s->only)
		return true;
	const struct mnode *o = model_find(m, s->only);
	/* the process (or thread) chosen is gone from the model: show all
	 * rather than nothing */
	return !o || proc_of(m, o) == p;
}

bool scope_shows_thread(const struct scope *s, const struct model *m, const struct mthread *t)
{
	if (!scope_shows_process(s, m, t->proc))
		return false;
	/* a node id's kind is in its low 2 bits (model.h) */
	if (!s->only || (s->only & 3) != MN_THREAD)
		return true;
	return !model_find(m, s->only) || t->node.id == s->only;
}

bool scope_fn_hidden(const struct scope *s, const struct mfunc *fn)
{
	for (size_t i = 0; i < s->nhidden; i++)
		if (s->hidden[i] == fn)
			return true;
	return false;
}

bool scope_call_short(const struct scope *s, const struct mcall *c)
{
	return s->min_ns && (c->state == CALL_DONE || c->state == CALL_PARTIAL) && c->dur_ns >= 0 &&
	       (uint64_t)c->dur_ns < s->min_ns;
}

static const struct mfunc *node_fn(const struct mnode *n)
{
	if (mnode_kind(n) == MN_PATH)
		return ((const struct mpath *)n)->fn;
	if (mnode_kind(n) == MN_CALL)
		return ((const struct mcall *)n)->path->fn;
	return NULL;
}

bool scope_shows_node(const struct scope *s, const struct model *m, enum model_view view,
		      const struct mnode *n)
{
	if (!scope_active(s) || !n)
		return true;
	const struct mfunc *fn = node_fn(n);
	if (fn && scope_fn_hidden(s, fn))
		return false;
	for (; n; n = model_parent(m, view, n)) {
		switch (mnode_kind(n)) {
		case MN_CALL:
			if (scope_call_short(s, (const struct mcall *)n))
				return false;
			break;
		case MN_THREAD:
			return scope_shows_thread(s, m, (const struct mthread *)n);
		case MN_PROCESS:
			return scope_shows_process(s, m, (const struct mprocess *)n);
		default:
			break;
		}
	}
	return true;
}

bool scope_toggle_hidden(struct scope *s, const struct mfunc *fn)
{
	for (size_t i = 0; i < s->nhidden; i++)
		if (s->hidden[i] == fn) {
			s->hidden[i] = s->hidden[--s->nhidden];
			return true;
		}
	if (s->nhidden == SCOPE_HIDDEN_MAX)
		return false;
	s->hidden[s->nhidden++] = fn;
	return true;
}

bool scope_parse_duration(const char *text, uint64_t *ns)
{
	static const struct { const char *unit; double mul; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1 },
	};
	char *end;

	while (isspace((unsigned char)*text))
		text++;
	if (!isdigit((unsigned char)*text) && *text != '.')
		return false;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || !(v >= 0))
		return false;
	while (isspace((unsigned char)*end))
		end++;
	size_t len = strlen(end);
	while (len && isspace((unsigned char)end[len - 1]))
		len--;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strlen(units[i].unit) != len || strncasecmp(end, units[i].unit, len))
			continue;
		double x = v * units[i].mul;
		if (x >= 18e18)
			return false;
		*ns = (uint64_t)llround(x);
		return true;
	}
	return false;
}

/* Kept calls of t left out by min_ns: the short ones and everything
 * below them. */
static uint64_t count_short(const struct scope *s, const struct model *m, const struct mthread *t)
{
	uint64_t n = 0;
	int level = 1, below = INT_MAX;   /* below: the level of the short call we are under */

	for (const struct mnode *c = model_first_child(m, VIEW_CALLS, &t->node); c && level > 0;
	     c = model_next_preorder(m, VIEW_CALLS, c, &level)) {
		if (level <= below)
			below = INT_MAX;
		if (below != INT_MAX) {
			n++;
		} else if (scope_call_short(s, (const struct mcall *)c)) {
			n++;
			below = level;
		}
	}
	return n;
}

void scope_count(const struct scope *s, const struct model *m, struct scope_counts *out)
{
	memset(out, 0, sizeof(*out));
	if (!scope_active(s))
		return;
	for (const struct mnode *pn = model_first_child(m, VIEW_PATHS, NULL); pn;
	     pn = model_next_sibling(m, VIEW_PATHS, pn)) {
		const struct mprocess *p = (const struct mprocess *)pn;

		if (!scope_shows_process(s, m, p)) {
			out->procs_hidden++;
			continue;
		}
		for (const struct mthread *t = p->threads; t; t = t->next) {
			if (!scope_shows_thread(s, m, t))
				out->threads_hidden++;
			else if (s->min_ns)
				out->calls_hidden += count_short(s, m, t);
		}
	}
}
