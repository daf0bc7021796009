/* model_excsum.c - exceptions of whole subtrees, so that a collapsed row can
 * show those of the calls hidden below it without walking them.
 *
 * A raise adds one to its open frame only.  When a frame ends, what it
 * gathered goes to its path (a table by path serial, holding only paths
 * that have some) and to its caller's frame.  A path that is not running
 * has its whole count in the table; a running one adds its thread's open
 * frames from its own up.  Calls (the calls view) get a flag: an open
 * call's callers are exactly the frames below it, and once one is flagged
 * all below it are, so flagging stops there: O(1) amortized. */
#include <config.h>

#include "model_priv.h"

static uint32_t sx_hash(uint32_t k)
{
	return k * 2654435761u;
}

static uint32_t *sx_slot(const struct model *m, uint32_t key)
{
	size_t mask = m->sx_cap - 1;
	for (size_t i = sx_hash(key) & mask;; i = (i + 1) & mask)
		if (m->sx_key[i] == key || !m->sx_key[i])
			return &m->sx_key[i];
}

static uint32_t sx_get(const struct model *m, uint32_t key)
{
	if (!m->sx_cap)
		return 0;
	uint32_t *k = sx_slot(m, key);
	return *k ? m->sx_val[k - m->sx_key] : 0;
}

static void sx_add(struct model *m, uint32_t key, uint32_t n)
{
	if ((m->sx_n + 1) * 4 > m->sx_cap * 3) {
		uint32_t *ok = m->sx_key, *ov = m->sx_val;
		size_t ocap = m->sx_cap;
		m->sx_cap = ocap ? ocap * 2 : 64;
		m->sx_key = model_calloc(m, m->sx_cap * sizeof(*m->sx_key));
		m->sx_val = model_calloc(m, m->sx_cap * sizeof(*m->sx_val));
		for (size_t i = 0; i < ocap; i++) {
			if (ok[i]) {
				uint32_t *k = sx_slot(m, ok[i]);
				*k = ok[i];
				m->sx_val[k - m->sx_key] = ov[i];
			}
		}
		model_release(m, ok);
		model_release(m, ov);
	}
	uint32_t *k = sx_slot(m, key);
	if (!*k) {
		*k = key;
		m->sx_n++;
	}
	uint32_t *v = &m->sx_val[k - m->sx_key];
	*v = UINT32_MAX - *v < n ? UINT32_MAX : *v + n;   /* saturates, as path counts do */
}

/* Flags the calls of frames [0, i) as having an exception below. */
static void flag_callers(struct thread_ent *t, uint32_t i)
{
	while (i-- > 0) {
		struct mcall *c = t->stack[i].call;
		if (c->sub_exception)
			break;
		c->sub_exception = 1;
	}
}

void model_excsum_raise(struct model *m, struct thread_ent *t, struct frame *f)
{
	(void)m;
	t->exceptions++;
	if (!f)
		return;
	if (f->exc_sub != UINT32_MAX)
		f->exc_sub++;
	flag_callers(t, (uint32_t)(f - t->stack));
}

void model_excsum_commit(struct model *m, struct thread_ent *t, struct frame *f)
{
	/* a stats thread's paths take theirs from the stats (exact) */
	if (!t->pub.stats)
		sx_add(m, model_path_serial(f->path), f->exc_sub);
	if (f > t->stack) {
		struct frame *up = f - 1;
		up->exc_sub = UINT32_MAX - up->exc_sub < f->exc_sub ? UINT32_MAX
								     : up->exc_sub + f->exc_sub;
	}
	f->exc_sub = 0;
}

void model_excsum_set(struct model *m, uint32_t serial, uint64_t n)
{
	uint32_t now = sx_get(m, serial), want = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	if (now == want)
		return;
	if (!now) {
		sx_add(m, serial, want);
		return;
	}
	m->sx_val[sx_slot(m, serial) - m->sx_key] = want;
}

void model_excsum_adopted(struct thread_ent *t, struct mcall *c)
{
	c->sub_exception = 1;
	flag_callers(t, t->nstack);
}

void model_excsum_free(struct model *m)
{
	model_release(m, m->sx_key);
	model_release(m, m->sx_val);
	m->sx_key = m->sx_val = NULL;
	m->sx_cap = m->sx_n = 0;
}

uint64_t model_subtree_exceptions(const struct model *m, const struct mnode *n)
{
	switch (mnode_kind(n)) {
	case MN_PROCESS: {
		uint64_t sum = 0;
		for (const struct mthread *t = ((const struct mprocess *)n)->threads; t; t = t->next)
			sum += model_subtree_exceptions(m, &t->node);
		return sum;
	}
	case MN_THREAD: {
		const struct thread_ent *t = MODEL_CONTAINER(n, const struct thread_ent, pub);
		return t->pub.stats ? t->stats_exc : t->exceptions;
	}
	case MN_PATH: {
		const struct mpath *p = (const struct mpath *)n;
		const struct thread_ent *t = model_thread_at(m, p->link.thread);
		if (t->pub.stats)
			model_stats_sx_refresh(m, t);
		uint64_t sum = sx_get(m, model_path_serial(p));
		if (!p->running || t->pub.stats)
			return sum;
		/* its open call and the open ones above it hold the rest */
		uint64_t open = 0;
		for (uint32_t i = t->nstack; i-- > 0;) {
			open += t->stack[i].exc_sub;
			if (t->stack[i].path == p)
				return sum + open;
		}
		return sum;
	}
	case MN_CALL: {
		const struct mcall *c = (const struct mcall *)n;
		return c->has_exception || c->sub_exception;
	}
	}
	return 0;
}

const struct hist *model_thread_hist(const struct model *m, const struct mthread *t)
{
	(void)m;
	return &MODEL_CONTAINER(t, const struct thread_ent, pub)->hist;
}

void model_process_hist(const struct model *m, const struct mprocess *p, struct hist *out)
{
	hist_init(out);
	for (const struct mthread *t = p->threads; t; t = t->next)
		hist_merge(out, model_thread_hist(m, t));
}
