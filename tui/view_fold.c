/* view_fold.c - folding of recursion in the calls pane.
 *
 * A chain of calls that repeats a cycle of up to FOLD_PERIOD_MAX functions
 * (f › f › f, or parse_term › parse_factor › parse_term ...) is drawn as
 * one row, "parse_term › parse_factor ×12", whose children are those of
 * the chain's deepest level; z unfolds it into one row a level.  Calls
 * made at the chain's other levels (besides the next level of the chain)
 * are inside the fold: the row says so.
 *
 * The pane walks a contracted tree: the visible parent of a row and its
 * depth come from one pass down the node's ancestors, memoised by node id
 * for as long as the model, the view and the folds stay the same, so a
 * frame costs the rows it draws plus, once, the depth of the deepest one.
 *
 * Which chains fold is decided locally and only from the model's
 * first-seen order (never the pane's sorting), so the same tree always
 * folds the same way:
 *   - chain(x): the smallest period k such that x's function comes back k
 *     levels down, and the cycle runs twice (three levels for k = 1); each
 *     next level is the first of the first FOLD_SCAN children with the
 *     cycle's next function;
 *   - a chain starts a fold unless its node is the next level of its
 *     parent's chain.
 * While the scope hides functions (their callees spliced into their
 * place), nothing is folded. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

#define FOLD_PERIOD_MAX 3
#define FOLD_SCAN 32             /* children looked at for the next level */
#define FOLD_TRY 16              /* children tried as a cycle's second function */
#define FOLD_TRY3 6              /* ... and third */
#define MEMO_MAX (1u << 22)      /* entries; past it the memo starts again */

struct chain {
	node_id id;
	uint64_t stamp;
	uint8_t k;                   /* 0: no chain starts here */
	bool walked;
	const struct mfunc *fn[FOLD_PERIOD_MAX];
	node_id a1;                  /* the second level */
	node_id tail;                /* the last level (once walked) */
	uint32_t levels;             /* levels of the chain */
	uint32_t side_levels;        /* levels that made other calls too */
};

struct vis {
	node_id id;
	uint64_t stamp;
	node_id vparent;             /* the row above it in the tree (0: top) */
	node_id shown_as;            /* 0: it has a row; else the fold row standing for it */
	node_id head;                /* the chain it is a level of (0: none) */
	int32_t j;                   /* that level, 0 = the head */
	int32_t vdepth, rdepth;      /* depth of its row in the pane, in the model */
};

struct folds {
	struct idset unfolded;       /* fold rows opened with z */
	uint64_t epoch;              /* moves with every z */
	uint64_t stamp;              /* of the memo entries valid now */
	uint64_t gen, epoch_at;
	unsigned scope_at;
	enum model_view view;
	struct vis *memo;
	size_t cap, live;
	struct chain *chains;
	size_t ccap, clive;
	const struct mnode **stack;
	size_t scap;
	/* chains of finished calls, kept across model changes: what is below
	 * a call that returned does not change (it is retired whole) */
	struct chain *keep;
	size_t kcap, klive;
};

static struct folds *folds(const struct tree_view *ctv)
{
	struct tree_view *tv = (struct tree_view *)ctv;   /* state and caches */
	struct folds *f = tv->folds;

	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f)
			return NULL;
		idset_init(&f->unfolded);
		f->stamp = 1;
		tv->folds = f;
	}
	uint64_t gen = model_generation(tv->m);

	if (gen != f->gen || f->epoch != f->epoch_at || tv->view != f->view || tv->scope_stamp != f->scope_at) {
		f->gen = gen;
		f->epoch_at = f->epoch;
		f->view = tv->view;
		f->scope_at = tv->scope_stamp;
		f->stamp++;
		f->live = f->clive = 0;
	}
	return f;
}

void fold_free(struct folds *f)
{
	if (!f)
		return;
	idset_free(&f->unfolded);
	free(f->memo);
	free(f->chains);
	free(f->stack);
	free(f->keep);
	free(f);
}

static size_t slot_of(node_id id, size_t cap)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

/* Open addressing; an entry of an older stamp is an empty slot (they all
 * went stale at once, so no probe chain is cut short). */
#define TABLE_FIND(T, CAP, STAMP, ID, OUT)                                         \
	do {                                                                       \
		(OUT) = NULL;                                                      \
		if (!(CAP))                                                        \
			break;                                                     \
		for (size_t i_ = slot_of((ID), (CAP));; i_ = (i_ + 1) & ((CAP) - 1)) { \
			if ((T)[i_].stamp != (STAMP))                              \
				break;                                             \
			if ((T)[i_].id == (ID)) {                                  \
				(OUT) = &(T)[i_];                                  \
				break;                                             \
			}                                                          \
		}                                                                  \
	} while (0)

static bool grow_memo(struct folds *f)
{
	size_t ncap = f->cap ? f->cap * 2 : 1024;
	struct vis *n = calloc(ncap, sizeof(*n));

	if (!n)
		return false;
	for (size_t i = 0; i < f->cap; i++) {
		if (f->memo[i].stamp != f->stamp)
			continue;
		size_t s = slot_of(f->memo[i].id, ncap);

		while (n[s].stamp == f->stamp)
			s = (s + 1) & (ncap - 1);
		n[s] = f->memo[i];
	}
	free(f->memo);
	f->memo = n;
	f->cap = ncap;
	return true;
}

static void memo_put(struct folds *f, const struct vis *v)
{
	if (f->live >= MEMO_MAX) {
		f->stamp++;
		f->live = f->clive = 0;
		return;   /* this one is recomputed when asked again */
	}
	if ((f->live + 1) * 2 > f->cap && !grow_memo(f))
		return;
	size_t s = slot_of(v->id, f->cap);

	while (f->memo[s].stamp == f->stamp && f->memo[s].id != v->id)
		s = (s + 1) & (f->cap - 1);
	if (f->memo[s].stamp != f->stamp)
		f->live++;
	f->memo[s] = *v;
	f->memo[s].stamp = f->stamp;
}

static const struct mfunc *fn_of(const struct mnode *n)
{
	const struct mfunc *fn = NULL;

	if (mnode_kind(n) == MN_PATH)
		fn = ((const struct mpath *)n)->fn;
	else if (mnode_kind(n) == MN_CALL)
		fn = ((const struct mcall *)n)->path->fn;
	return fn && !fn->marker ? fn : NULL;
}

/* The first of x's first FOLD_SCAN children calling f. */
static const struct mnode *child_with(const struct tree_view *tv, const struct mnode *x,
				      const struct mfunc *f)
{
	int i = 0;

	if (!x)
		return NULL;
	for (const struct mnode *c = model_first_child(tv->m, tv->view, x); c && i < FOLD_SCAN;
	     c = model_next_sibling(tv->m, tv->view, c), i++)
		if (fn_of(c) == f)
			return c;
	return NULL;
}

/* Whether the cycle fn[0..k) runs on from x (at level 0) for `levels`
 * levels; *a1 the second. */
static bool runs(const struct tree_view *tv, const struct mnode *x, const struct mfunc *const *fn,
		 int k, int levels, node_id *a1)
{
	const struct mnode *a = x;

	for (int j = 1; j < levels; j++) {
		if (!(a = child_with(tv, a, fn[j % k])))
			return false;
		if (j == 1)
			*a1 = a->id;
	}
	return true;
}

static void detect(const struct tree_view *tv, const struct mnode *x, struct chain *c)
{
	const struct mfunc *fn[FOLD_PERIOD_MAX] = { fn_of(x) };
	const struct mnode *c1, *c2;
	int i, i2;

	c->k = 0;
	if (!fn[0])
		return;
	if (runs(tv, x, fn, 1, 3, &c->a1)) {
		c->k = 1;
		goto found;
	}
	i = 0;
	for (c1 = model_first_child(tv->m, tv->view, x); c1 && i < FOLD_TRY;
	     c1 = model_next_sibling(tv->m, tv->view, c1), i++) {
		fn[1] = fn_of(c1);
		if (fn[1] && fn[1] != fn[0] && runs(tv, x, fn, 2, 4, &c->a1)) {
			c->k = 2;
			goto found;
		}
	}
	i = 0;
	for (c1 = model_first_child(tv->m, tv->view, x); c1 && i < FOLD_TRY3;
	     c1 = model_next_sibling(tv->m, tv->view, c1), i++) {
		fn[1] = fn_of(c1);
		if (!fn[1] || fn[1] == fn[0])
			continue;
		i2 = 0;
		for (c2 = model_first_child(tv->m, tv->view, c1); c2 && i2 < FOLD_TRY3;
		     c2 = model_next_sibling(tv->m, tv->view, c2), i2++) {
			fn[2] = fn_of(c2);
			if (fn[2] && fn[2] != fn[0] && runs(tv, x, fn, 3, 6, &c->a1)) {
				c->k = 3;
				goto found;
			}
		}
	}
	return;
found:
	memcpy(c->fn, fn, sizeof(fn));
}

static bool grow_chains(struct folds *f)
{
	size_t ncap = f->ccap ? f->ccap * 2 : 1024;
	struct chain *n = calloc(ncap, sizeof(*n));

	if (!n)
		return false;
	for (size_t i = 0; i < f->ccap; i++) {
		if (f->chains[i].stamp != f->stamp)
			continue;
		size_t s = slot_of(f->chains[i].id, ncap);

		while (n[s].stamp == f->stamp)
			s = (s + 1) & (ncap - 1);
		n[s] = f->chains[i];
	}
	free(f->chains);
	f->chains = n;
	f->ccap = ncap;
	return true;
}

#define KEEP_MAX (1u << 14)        /* fold rows on screen are far fewer */

static bool finished_call(const struct mnode *x)
{
	return mnode_kind(x) == MN_CALL && ((const struct mcall *)x)->state != CALL_RUNNING;
}

static struct chain *keep_slot(struct folds *f, node_id id, bool add)
{
	if (!f->kcap) {
		if (!add || !(f->keep = calloc(KEEP_MAX, sizeof(*f->keep))))
			return NULL;
		f->kcap = KEEP_MAX;
	}
	size_t s = slot_of(id, f->kcap);

	while (f->keep[s].id && f->keep[s].id != id)
		s = (s + 1) & (f->kcap - 1);
	if (f->keep[s].id == id)
		return &f->keep[s];
	if (!add)
		return NULL;
	if (f->klive * 2 >= f->kcap) {
		memset(f->keep, 0, f->kcap * sizeof(*f->keep));
		f->klive = 0;
		s = slot_of(id, f->kcap);
	}
	f->klive++;
	return &f->keep[s];
}

/* A finished call's chain as found before, if everything in it is still
 * kept (a retired part retires its last level too). */
static bool kept(const struct tree_view *tv, struct folds *f, const struct mnode *x, struct chain *c)
{
	struct chain *k;

	if (!finished_call(x) || !(k = keep_slot(f, x->id, false)))
		return false;
	if (k->walked && !model_find(tv->m, k->tail))
		return false;
	*c = *k;
	c->stamp = f->stamp;
	return true;
}

static void keep(struct folds *f, const struct mnode *x, const struct chain *c)
{
	struct chain *k;

	if (finished_call(x) && (k = keep_slot(f, x->id, true)))
		*k = *c;
}

/* chain(x), memoised; `scratch` holds it when the table cannot. */
static const struct chain *chain_of(const struct tree_view *tv, struct folds *f, const struct mnode *x,
				    struct chain *scratch)
{
	struct chain *c;

	TABLE_FIND(f->chains, f->ccap, f->stamp, x->id, c);
	if (c)
		return c;
	if (f->clive < MEMO_MAX && ((f->clive + 1) * 2 <= f->ccap || grow_chains(f))) {
		size_t s = slot_of(x->id, f->ccap);

		while (f->chains[s].stamp == f->stamp)
			s = (s + 1) & (f->ccap - 1);
		c = &f->chains[s];
		f->clive++;
	} else {
		c = scratch;
	}
	if (kept(tv, f, x, c))
		return c;
	memset(c, 0, sizeof(*c));
	c->id = x->id;
	c->stamp = f->stamp;
	detect(tv, x, c);
	keep(f, x, c);
	return c;
}

/* Follows a chain to its last level, counting the levels that called
 * something else too. */
static void walk_chain(const struct tree_view *tv, const struct mnode *x, struct chain *c)
{
	const struct mnode *a = x, *next;
	uint32_t j = 0;

	c->levels = 1;
	c->side_levels = 0;
	while ((next = child_with(tv, a, c->fn[(j + 1) % c->k]))) {
		const struct mnode *first = model_first_child(tv->m, tv->view, a);

		if (first != next || model_next_sibling(tv->m, tv->view, first))
			c->side_levels++;
		a = next;
		j++;
		c->levels++;
	}
	c->tail = a->id;
	c->walked = true;
}

static bool is_folded(const struct folds *f, node_id head)
{
	return !idset_has(&f->unfolded, head);
}

/* Where z stands given its parent p's place sp (p NULL: the root). */
static void place_child(const struct tree_view *tv, struct folds *f, const struct mnode *p,
			const struct vis *sp, const struct mnode *z, struct vis *v)
{
	struct chain scratch;

	memset(v, 0, sizeof(*v));
	v->id = z->id;
	v->rdepth = sp->rdepth + 1;
	v->j = -1;
	if (p && sp->head) {
		/* p is a level of a chain: is z its next level? */
		const struct chain *c = chain_of(tv, f, model_find(tv->m, sp->head), &scratch);
		const struct mnode *next = c->k ? child_with(tv, p, c->fn[(sp->j + 1) % c->k]) : NULL;
		bool folded = is_folded(f, sp->head);

		if (z == next) {
			v->head = sp->head;
			v->j = sp->j + 1;
			if (folded) {
				v->shown_as = sp->head;
				v->vdepth = sp->vdepth;
			} else {
				v->vparent = p->id;
				v->vdepth = sp->vdepth + 1;
			}
			return;
		}
		if (folded && next) {
			v->shown_as = sp->head;   /* another call, inside the fold */
			v->vdepth = sp->vdepth;
			return;
		}
		if (folded) {
			/* below the chain's last level: a child of the fold row */
			v->vparent = sp->head;
			v->vdepth = sp->vdepth + 1;
			goto maybe_head;
		}
	}
	if (sp->shown_as) {
		v->shown_as = sp->shown_as;
		v->vdepth = sp->vdepth;
		return;
	}
	v->vparent = p ? p->id : 0;
	v->vdepth = sp->vdepth + 1;
maybe_head:
	if (chain_of(tv, f, z, &scratch)->k) {
		struct chain ps;
		const struct chain *pc = p && mnode_kind(p) >= MN_PATH ? chain_of(tv, f, p, &ps) : NULL;

		if (!pc || !pc->k || pc->a1 != z->id) {
			v->head = z->id;
			v->j = 0;
		}
	}
}

/* Folds are off while the scope hides functions: their rows are
 * replaced by their children, which makes chains the folds do not see. */
static bool off(const struct tree_view *tv)
{
	return tv->scope.nhidden > 0;
}

/* n's place without folds (off, or no memory for them); its level is
 * the row's (a hidden function's callees take its level). */
static struct vis plain(const struct tree_view *tv, const struct mnode *n)
{
	struct vis v = { .id = n->id, .j = -1 };
	const struct mnode *p = tree_parent(tv, n);

	v.vparent = p ? p->id : 0;
	for (; p; p = tree_parent(tv, p))
		v.vdepth++;
	v.rdepth = v.vdepth;
	return v;
}

/* n's place, from the nearest ancestor already placed down to n. */
static struct vis resolve(const struct tree_view *tv, const struct mnode *n)
{
	struct folds *f = folds(tv);
	struct vis st = { .vdepth = -1, .rdepth = -1, .j = -1 }, v;
	const struct mnode *x = n, *p;
	struct vis *e = NULL;
	size_t depth = 0;

	if (!f || off(tv))
		return plain(tv, n);
	while (x) {
		TABLE_FIND(f->memo, f->cap, f->stamp, x->id, e);
		if (e)
			break;
		if (depth == f->scap) {
			size_t ncap = f->scap ? f->scap * 2 : 256;
			const struct mnode **s = realloc(f->stack, ncap * sizeof(*s));

			if (!s)
				return plain(tv, n);
			f->stack = s;
			f->scap = ncap;
		}
		f->stack[depth++] = x;
		x = model_parent(tv->m, tv->view, x);
	}
	if (e)
		st = *e;
	p = x;
	while (depth) {
		const struct mnode *z = f->stack[--depth];

		place_child(tv, f, p, &st, z, &v);
		memo_put(f, &v);
		st = v;
		p = z;
	}
	return st;
}

const struct mnode *tree_vis_parent(const struct tree_view *tv, const struct mnode *n)
{
	struct vis v = resolve(tv, n);

	if (v.shown_as)
		return tree_vis_parent(tv, model_find(tv->m, v.shown_as));
	return v.vparent ? model_find(tv->m, v.vparent) : NULL;
}

const struct mnode *tree_fold_shown_as(const struct tree_view *tv, const struct mnode *n)
{
	struct vis v = resolve(tv, n);
	const struct mnode *h = v.shown_as ? model_find(tv->m, v.shown_as) : NULL;

	return h ? h : n;
}

int tree_vis_depth(const struct tree_view *tv, const struct mnode *n)
{
	return resolve(tv, n).vdepth;
}

int tree_real_depth(const struct tree_view *tv, const struct mnode *n)
{
	return resolve(tv, n).rdepth;
}

/* The chain starting at n with its last level known, or NULL. */
static const struct chain *walked(const struct tree_view *tv, const struct mnode *n, struct chain *scratch)
{
	struct folds *f = folds(tv);
	struct vis v;
	struct chain *c;

	if (!f || mnode_kind(n) < MN_PATH || off(tv))
		return NULL;
	v = resolve(tv, n);
	if (v.head != n->id || v.j != 0)
		return NULL;
	c = (struct chain *)chain_of(tv, f, n, scratch);
	if (!c->k)
		return NULL;
	if (!c->walked) {
		walk_chain(tv, n, c);
		keep(f, n, c);
	}
	/* the rows below the last level find their place from here, not by
	 * a walk up the whole chain */
	const struct mnode *t = model_find(tv->m, c->tail);
	struct vis *e;

	TABLE_FIND(f->memo, f->cap, f->stamp, c->tail, e);
	if (t && !e && t != n) {
		struct vis tv_ = { .id = c->tail, .head = n->id, .j = (int32_t)c->levels - 1,
				   .rdepth = v.rdepth + (int32_t)c->levels - 1 };
		const struct mnode *tp = model_parent(tv->m, tv->view, t);

		if (is_folded(f, n->id)) {
			tv_.shown_as = n->id;
			tv_.vdepth = v.vdepth;
		} else {
			tv_.vparent = tp ? tp->id : 0;
			tv_.vdepth = v.vdepth + (int32_t)c->levels - 1;
		}
		memo_put(f, &tv_);
	}
	return c;
}

const struct mnode *tree_list_of(const struct tree_view *tv, const struct mnode *n)
{
	struct chain scratch;
	const struct chain *c;
	const struct mnode *t;

	if (!n || mnode_kind(n) < MN_PATH || !folds(tv) || !is_folded(tv->folds, n->id))
		return n;
	c = walked(tv, n, &scratch);
	return c && (t = model_find(tv->m, c->tail)) ? t : n;
}

bool tree_fold_row(const struct tree_view *tv, const struct mnode *n, struct fold_row *out)
{
	struct chain scratch;
	const struct chain *c = walked(tv, n, &scratch);

	if (!c)
		return false;
	memset(out, 0, sizeof(*out));
	out->period = c->k;
	for (int i = 0; i < c->k; i++)
		out->fn[i] = c->fn[i]->name;
	out->levels = c->levels;
	out->side_levels = c->side_levels;
	out->folded = is_folded(tv->folds, n->id);
	return true;
}

void tree_fold_reveal(struct tree_view *tv, const struct mnode *n)
{
	for (int i = 0; i < 64; i++) {
		struct vis v = resolve(tv, n);

		if (!v.shown_as || !tv->folds)
			return;
		idset_put(&tv->folds->unfolded, v.shown_as);
		tv->folds->epoch++;
	}
}

void tree_fold_reset(struct tree_view *tv)
{
	if (tv->folds) {
		idset_clear(&tv->folds->unfolded);
		tv->folds->epoch++;
	}
}

unsigned tree_view_fold_key(struct tree_view *tv, const struct mnode *cur)
{
	struct vis v;

	if (!cur || mnode_kind(cur) < MN_PATH || !folds(tv))
		return 0;
	if (off(tv)) {
		snprintf(tv->message, sizeof(tv->message), "no folds while functions are hidden (scope filter)");
		return DIRTY_HINT;
	}
	v = resolve(tv, cur);
	if (!v.head) {
		snprintf(tv->message, sizeof(tv->message), "no recursion folded here");
		return DIRTY_HINT;
	}
	tv->message[0] = 0;
	if (v.j == 0 && is_folded(tv->folds, cur->id))
		idset_put(&tv->folds->unfolded, cur->id);
	else
		idset_del(&tv->folds->unfolded, v.head);
	tv->folds->epoch++;
	tv->cursor[tv->view] = v.head;
	return DIRTY_TREE | DIRTY_HIST | DIRTY_HINT;
}
