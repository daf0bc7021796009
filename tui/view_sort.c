/* view_sort.c - the order of children in the calls pane.
 *
 * The model links children in first-seen order.  For another order the
 * pane keeps, per parent it walks, the children's ids sorted once (and a
 * copy sorted by id to find a child's place), stamped with the epoch it
 * was made in.  The epoch moves only when the user picks an order or on
 * tree_view_resort() (at most once a second, while the model changes), so
 * rows do not jump under the cursor on every event.  Children that arrive
 * between two sorts follow the sorted ones, in first-seen order; figures
 * that change between two sorts do not move rows until the next one.
 *
 * Only lists the frame walks are sorted (those of expanded parents on the
 * way), and a small LRU keeps the most recent ones. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "view.h"

#define SORT_CACHES 64
/* Sorting a million children takes ~0.2 s: lists this long are sorted
 * again only every SORT_BIG_EVERY epochs (and on the key). */
#define SORT_BIG 100000
#define SORT_BIG_EVERY 10

struct byid {
	node_id id;
	size_t pos;
};

struct sortent {
	bool used;
	enum model_view view;
	enum tree_sort key;
	node_id parent;
	uint64_t epoch, tick;
	node_id last_fs;         /* the last child in first-seen order when sorted; 0: none */
	node_id *order;          /* owned, n */
	struct byid *byid;       /* owned, n, by id */
	size_t n;
};

struct sortcache {
	struct sortent e[SORT_CACHES];
	uint64_t tick;
};

const char *tree_sort_name(enum model_view view, enum tree_sort s)
{
	switch (s) {
	case SORT_TOTAL:
		return view == VIEW_CALLS ? "duration" : "total";
	case SORT_COUNT:
		return "count";
	case SORT_MAX:
		return "max";
	case SORT_EXC:
		return "exceptions";
	default:
		return "first seen";
	}
}

void sort_free(struct sortcache *c)
{
	if (!c)
		return;
	for (int i = 0; i < SORT_CACHES; i++) {
		free(c->e[i].order);
		free(c->e[i].byid);
	}
	free(c);
}

unsigned tree_view_cycle_sort(struct tree_view *tv)
{
	enum tree_sort *s = &tv->sort[tv->view];

	/* a call has no count of its own, and its total is its max */
	do
		*s = (enum tree_sort)((*s + 1) % SORT_N);
	while (tv->view == VIEW_CALLS && (*s == SORT_COUNT || *s == SORT_MAX));
	tv->sort_epoch++;
	tv->sort_gen = model_generation(tv->m);
	return DIRTY_TREE | DIRTY_HIST;
}

void tree_view_resort(struct tree_view *tv)
{
	uint64_t g = model_generation(tv->m);

	if (tv->sort[tv->view] == SORT_FIRST || g == tv->sort_gen)
		return;
	tv->sort_gen = g;
	tv->sort_epoch++;
}

static bool sorted_parent(const struct tree_view *tv, const struct mnode *p)
{
	return tv->sort[tv->view] != SORT_FIRST && p && mnode_kind(p) != MN_PROCESS;
}

static uint64_t sort_value(enum tree_sort key, const struct mnode *n)
{
	if (mnode_kind(n) == MN_PATH) {
		const struct mpath *p = (const struct mpath *)n;

		switch (key) {
		case SORT_TOTAL: return p->total_ns;
		case SORT_COUNT: return p->count;
		case SORT_MAX: return p->max_ns;
		case SORT_EXC: return p->exceptions;
		default: return 0;
		}
	}
	if (mnode_kind(n) == MN_CALL) {
		const struct mcall *c = (const struct mcall *)n;

		if (key == SORT_EXC)
			return c->has_exception;
		/* unknown durations (running, abandoned, "?") sort last */
		if (key == SORT_TOTAL || key == SORT_MAX)
			return c->dur_ns > 0 && (c->state == CALL_DONE || c->state == CALL_PARTIAL)
				       ? (uint64_t)c->dur_ns : 0;
	}
	return 0;
}

struct item {
	uint64_t v;
	size_t seq;
	node_id id;
};

static int by_value(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;   /* largest first */
	return x->seq < y->seq ? -1 : x->seq > y->seq;   /* then first seen */
}

static int by_id(const void *a, const void *b)
{
	const struct byid *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static bool build(struct tree_view *tv, struct sortent *e, const struct mnode *p)
{
	struct item *it = NULL;
	size_t n = 0, cap = 0;
	node_id last = 0;

	for (const struct mnode *c = model_first_child(tv->m, tv->view, p); c;
	     c = model_next_sibling(tv->m, tv->view, c)) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct item *x = realloc(it, ncap * sizeof(*x));

			if (!x) {
				free(it);
				return false;
			}
			it = x;
			cap = ncap;
		}
		it[n].v = sort_value(tv->sort[tv->view], c);
		it[n].seq = n;
		it[n].id = c->id;
		last = c->id;
		n++;
	}
	node_id *order = malloc((n ? n : 1) * sizeof(*order));
	struct byid *bi = malloc((n ? n : 1) * sizeof(*bi));

	if (!order || !bi) {
		free(order);
		free(bi);
		free(it);
		return false;
	}
	if (n)
		qsort(it, n, sizeof(*it), by_value);
	for (size_t i = 0; i < n; i++) {
		order[i] = it[i].id;
		bi[i].id = it[i].id;
		bi[i].pos = i;
	}
	free(it);
	if (n)
		qsort(bi, n, sizeof(*bi), by_id);
	free(e->order);
	free(e->byid);
	e->order = order;
	e->byid = bi;
	e->n = n;
	e->last_fs = last;
	e->used = true;
	e->view = tv->view;
	e->key = tv->sort[tv->view];
	e->parent = p->id;
	e->epoch = tv->sort_epoch;
	return true;
}

/* The sorted children of p, made now when missing or stale; NULL without
 * memory (then the walk keeps first-seen order). */
static struct sortent *entry(const struct tree_view *ctv, const struct mnode *p)
{
	struct tree_view *tv = (struct tree_view *)ctv;   /* the order is a cache */
	struct sortent *hit = NULL, *victim = NULL;

	if (!tv->sortc && !(tv->sortc = calloc(1, sizeof(*tv->sortc))))
		return NULL;
	for (int i = 0; i < SORT_CACHES; i++) {
		struct sortent *e = &tv->sortc->e[i];

		if (e->used && e->parent == p->id && e->view == tv->view) {
			hit = e;
			break;
		}
		if (!victim || !e->used || (victim->used && e->tick < victim->tick))
			victim = e;
	}
	if (hit && ((hit->epoch != tv->sort_epoch &&
		     (hit->n < SORT_BIG || tv->sort_epoch - hit->epoch >= SORT_BIG_EVERY)) ||
		    hit->key != tv->sort[tv->view] ||
		    (hit->last_fs && !model_find(tv->m, hit->last_fs)))) {
		victim = hit;   /* stale, or its tail is gone: sort again */
		hit = NULL;
	}
	if (!hit) {
		if (!build(tv, victim, p)) {
			victim->used = false;
			return NULL;
		}
		hit = victim;
	}
	hit->tick = ++tv->sortc->tick;
	return hit;
}

/* The first live child from sorted position i, else the first child that
 * arrived after the sort. */
static const struct mnode *from(const struct tree_view *tv, const struct sortent *e,
				const struct mnode *p, size_t i)
{
	for (; i < e->n; i++) {
		const struct mnode *c = model_find(tv->m, e->order[i]);

		if (c)
			return c;
	}
	if (!e->last_fs)
		return model_first_child(tv->m, tv->view, p);
	return model_next_sibling(tv->m, tv->view, model_find(tv->m, e->last_fs));
}

const struct mnode *sort_first_child(const struct tree_view *tv, const struct mnode *p)
{
	struct sortent *e;

	if (!sorted_parent(tv, p) || !model_first_child(tv->m, tv->view, p) || !(e = entry(tv, p)))
		return model_first_child(tv->m, tv->view, p);
	return from(tv, e, p, 0);
}

/* n's place in the sorted order, or false when it came after the sort. */
static bool place_of(const struct sortent *e, node_id id, size_t *pos)
{
	size_t lo = 0, hi = e->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e->byid[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < e->n && e->byid[lo].id == id) {
		*pos = e->byid[lo].pos;
		return true;
	}
	return false;
}

const struct mnode *sort_next_sib(const struct tree_view *tv, const struct mnode *n)
{
	const struct mnode *p = n ? model_parent(tv->m, tv->view, n) : NULL;
	struct sortent *e;
	size_t pos;

	if (!sorted_parent(tv, p) || !(e = entry(tv, p)))
		return model_next_sibling(tv->m, tv->view, n);
	if (place_of(e, n->id, &pos))
		return from(tv, e, p, pos + 1);
	return model_next_sibling(tv->m, tv->view, n);   /* arrived after the sort */
}

bool sort_before(const struct tree_view *tv, const struct mnode *p, const struct mnode *n,
		 const struct mnode **ring, size_t cap, size_t *count)
{
	struct sortent *e;
	size_t pos, have = 0;

	if (!sorted_parent(tv, p) || !(e = entry(tv, p)) || !place_of(e, n->id, &pos))
		return false;
	/* the live siblings just before n, straight from the sorted order */
	size_t i = pos;

	while (i > 0 && have < cap)
		if (model_find(tv->m, e->order[--i]))
			have++;
	for (size_t k = 0; i < pos; i++) {
		const struct mnode *c = model_find(tv->m, e->order[i]);

		if (c)
			ring[k++] = c;
	}
	*count = have;
	return true;
}

const struct mnode *sort_last_child(const struct tree_view *tv, const struct mnode *p, bool *done)
{
	struct sortent *e;
	const struct mnode *last = NULL, *c;

	*done = false;
	if (!sorted_parent(tv, p) || !model_first_child(tv->m, tv->view, p) || !(e = entry(tv, p)))
		return NULL;
	*done = true;
	/* the newest arrival after the sort, else the last sorted one alive */
	c = e->last_fs ? model_next_sibling(tv->m, tv->view, model_find(tv->m, e->last_fs)) : NULL;
	for (; c; c = model_next_sibling(tv->m, tv->view, c))
		last = c;
	for (size_t i = e->n; !last && i > 0; i--)
		last = model_find(tv->m, e->order[i - 1]);
	return last;
}
