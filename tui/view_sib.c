/* view_sib.c - shortcuts into long sibling lists for the calls pane.
 *
 * The model links siblings forward only, and a thread can have a million
 * root calls.  Going up a row, or to the last row (End, follow), would walk
 * the whole list each time.  For long lists this keeps a mark every
 * SIB_STRIDE siblings (their ids, in list order) and starts walks from the
 * nearest live mark before the target.
 *
 * Marks are only hints: a walk that does not reach its target from a mark
 * (ids not increasing along the list, the mark retired or moved) falls back
 * to walking from the first child, so the answer never depends on them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "view.h"

#define SIB_STRIDE 256
#define SIB_MIN 2048             /* shorter lists are simply walked */
#define SIB_CACHES 8

struct sibcache {
	bool used;
	enum model_view view;
	node_id parent;          /* 0: the root (processes) */
	unsigned scope_stamp;    /* the scope its list was walked under */
	node_id *marks;          /* owned, in list order */
	size_t n, cap;
	uint64_t tick;           /* for LRU */
};

struct sibcaches {
	struct sibcache c[SIB_CACHES];
	uint64_t tick;
};

void sib_free(struct sibcaches *s)
{
	if (!s)
		return;
	for (int i = 0; i < SIB_CACHES; i++)
		free(s->c[i].marks);
	free(s);
}

static struct sibcache *lookup(struct tree_view *tv, const struct mnode *p, bool create)
{
	node_id pid = p ? p->id : 0;
	struct sibcache *victim = NULL;

	if (!tv->sib) {
		if (!create || !(tv->sib = calloc(1, sizeof(*tv->sib))))
			return NULL;
	}
	for (int i = 0; i < SIB_CACHES; i++) {
		struct sibcache *c = &tv->sib->c[i];

		if (c->used && c->parent == pid && c->view == tv->view &&
		    c->scope_stamp == tv->scope_stamp) {
			c->tick = ++tv->sib->tick;
			return c;
		}
		if (!victim || !c->used || (victim->used && c->tick < victim->tick))
			victim = c;
	}
	if (!create)
		return NULL;
	victim->used = true;
	victim->view = tv->view;
	victim->parent = pid;
	victim->scope_stamp = tv->scope_stamp;
	victim->n = 0;
	victim->tick = ++tv->sib->tick;
	return victim;
}

static void add_mark(struct sibcache *c, node_id id)
{
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		node_id *m = realloc(c->marks, ncap * sizeof(*m));

		if (!m)
			return;
		c->marks = m;
		c->cap = ncap;
	}
	c->marks[c->n++] = id;
}

/* A live mark that is a child of p: the last one with id < before (or the
 * last of all when before is 0); its index in *at. */
static const struct mnode *start_mark(struct tree_view *tv, struct sibcache *c, const struct mnode *p,
				      node_id before, size_t *at)
{
	size_t lo = 0, hi = c->n;

	if (before) {
		while (lo < hi) {        /* first mark with id >= before */
			size_t mid = (lo + hi) / 2;

			if (c->marks[mid] < before)
				lo = mid + 1;
			else
				hi = mid;
		}
	} else {
		lo = c->n;
	}
	while (lo > 0) {
		const struct mnode *m = model_find(tv->m, c->marks[lo - 1]);

		/* still one of p's rows under the scope (a hidden function's
		 * callees are p's too; a process that ended may be hidden now) */
		if (m && tree_parent(tv, m) == p && tree_scope_row(tv, m) == m) {
			*at = lo - 1;
			return m;
		}
		lo--;
	}
	/* every earlier mark is gone (retired): drop them */
	if (c->n && !model_find(tv->m, c->marks[0])) {
		size_t dead = 0;

		while (dead < c->n && !model_find(tv->m, c->marks[dead]))
			dead++;
		memmove(c->marks, c->marks + dead, (c->n - dead) * sizeof(*c->marks));
		c->n -= dead;
	}
	return NULL;
}

/* Walks the children of p from the best start towards `target` (NULL: to
 * the end).  ring/cap collect the siblings passed, the last cap of them;
 * *count says how many were passed.  Returns the last child when target is
 * NULL, else target, or NULL when target is not a child of p. */
static const struct mnode *walk(struct tree_view *tv, const struct mnode *p, const struct mnode *target,
				const struct mnode **ring, size_t cap, size_t *count)
{
	/* marks assume ids grow along the list: only in first-seen order
	 * (and a list walked under a scope has marks of its own) */
	bool marks = tv->sort[tv->view] == SORT_FIRST;
	struct sibcache *c = marks ? lookup(tv, p, false) : NULL;
	const struct mnode *s = NULL, *last = NULL;
	size_t at = 0, next = 0, since = 0, passed = 0;
	bool from_mark = false;

	if (c && (s = start_mark(tv, c, p, target ? target->id : 0, &at))) {
		from_mark = true;
		next = at + 1;   /* the next mark expected along the walk */
	} else {
		s = tree_first_child(tv, p);
	}
	for (; s && s != target; s = tree_next_sib(tv, s)) {
		if (ring && cap)
			ring[passed % cap] = s;
		passed++;
		last = s;
		if (c && next < c->n) {
			/* inside the marked part: only keep track of where we are */
			if (s->id == c->marks[next]) {
				next++;
				since = 0;
			}
			continue;
		}
		if (++since < SIB_STRIDE)
			continue;
		since = 0;
		if (!c && marks && passed >= SIB_MIN) {
			/* a long list: mark it from here on */
			c = lookup(tv, p, true);
			next = 0;
		}
		if (c) {
			add_mark(c, s->id);
			next = c->n;
		}
	}
	if (target && !s && from_mark) {
		/* the marks misled us: forget them, walk the whole list */
		c->n = 0;
		return walk(tv, p, target, ring, cap, count);
	}
	if (count)
		*count = passed;
	return target ? s : last;
}

const struct mnode *sib_last_child(const struct tree_view *tv, const struct mnode *p)
{
	struct tree_view *w = (struct tree_view *)tv;  /* the marks are a cache */
	bool done = false;
	const struct mnode *last = scope_active(&tv->scope) ? NULL : sort_last_child(tv, p, &done);

	if (done)
		return last;
	return walk(w, p, NULL, NULL, 0, NULL);
}

size_t sib_before(const struct tree_view *tv, const struct mnode *p, const struct mnode *n,
		  const struct mnode **ring, size_t cap, bool *found)
{
	struct tree_view *w = (struct tree_view *)tv;
	size_t count = 0;

	if (cap && !scope_active(&tv->scope) && sort_before(tv, p, n, ring, cap, &count)) {
		*found = true;
		return count;
	}
	*found = walk(w, p, n, ring, cap, &count) == n;
	return count;
}
