/* model_calls.c - storage of individual calls (VIEW_CALLS) and their
 * retirement once there are more than max_calls.
 *
 * Calls are allocated from chunks in serial order and found by serial, so
 * model_find() is O(1).  Retirement goes through serials oldest first and
 * retires each finished call with its subtree (their figures already sit in
 * the merged paths and histograms, so nothing is lost from those).  Running
 * calls cannot be retired; the scan remembers the ones it passed ("late")
 * and retires them first once they have finished.  A chunk is freed when
 * its last call is retired. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "model_priv.h"

static uint64_t current_chunk(const struct model *m)
{
	return (m->next_call - 1) >> CALL_CHUNK_SHIFT;
}

static struct call_chunk *chunk_at(const struct model *m, uint64_t ci)
{
	if (ci < m->chunk_base || ci - m->chunk_base >= m->nchunks)
		return NULL;
	return m->chunks[ci - m->chunk_base];
}

/* Drops freed chunks from the front of the table so that it stays as long
 * as the span of chunks still in use. */
static void chunks_compact(struct model *m)
{
	size_t k = 0;
	while (k < m->nchunks && !m->chunks[k])
		k++;
	/* Now and then, not at every freed chunk: the move is the size of
	 * the table. */
	if (k < 64 && k * 4 < m->nchunks)
		return;
	memmove(m->chunks, m->chunks + k, (m->nchunks - k) * sizeof(*m->chunks));
	m->nchunks -= k;
	m->chunk_base += k;
}

static void chunk_free(struct model *m, uint64_t ci)
{
	struct call_chunk **slot = &m->chunks[ci - m->chunk_base];
	model_release(m, *slot);
	*slot = NULL;
	chunks_compact(m);
}

struct mcall *model_calls_new(struct model *m)
{
	uint64_t s = m->next_call++;
	uint64_t ci = s >> CALL_CHUNK_SHIFT;
	if (m->nchunks == 0 || ci - m->chunk_base >= m->nchunks) {
		if (m->nchunks == 0)
			m->chunk_base = ci;
		if (m->nchunks == m->capchunks)
			m->chunks = model_grow(m, m->chunks, m->nchunks, &m->capchunks,
					       sizeof(*m->chunks));
		m->chunks[m->nchunks++] = model_calloc(m, sizeof(struct call_chunk));
		/* The chunk we just left may already be empty: nothing else
		 * would free it. */
		if (ci > m->chunk_base) {
			struct call_chunk *prev = chunk_at(m, ci - 1);
			if (prev && prev->live == 0)
				chunk_free(m, ci - 1);
		}
	}
	struct call_chunk *ch = chunk_at(m, ci);
	ch->live++;
	struct mcall *c = &ch->calls[s & (CALL_CHUNK_SIZE - 1)];
	c->node.id = MODEL_ID(s, MN_CALL);
	m->st.calls_kept++;
	return c;
}

const struct mnode *model_calls_find(const struct model *m, uint64_t serial)
{
	if (serial == 0 || serial >= m->next_call)
		return NULL;
	const struct call_chunk *ch = chunk_at(m, serial >> CALL_CHUNK_SHIFT);
	if (!ch)
		return NULL;
	const struct mcall *c = &ch->calls[serial & (CALL_CHUNK_SIZE - 1)];
	return c->node.id ? &c->node : NULL;
}

/* Takes `c` out of its parent's (or its thread's) list of children. */
static void call_unlink(struct model *m, struct mcall *c)
{
	struct thread_ent *t = model_thread_at(m, c->path->link.thread);
	struct mcall **head;
	struct kids *k = NULL;
	if (c->parent) {
		head = &c->parent->children;
		if (c->parent->state == CALL_RUNNING) {
			for (uint32_t i = t->nstack; i-- > 0;) {
				if (t->stack[i].call == c->parent) {
					k = &t->stack[i].kids;
					break;
				}
			}
		}
	} else {
		head = &t->pub.calls;
		k = &t->root;
	}
	/* Retirement goes oldest first, so `c` is nearly always the head. */
	struct mcall *prev = NULL, *p = *head;
	while (p && p != c) {
		prev = p;
		p = p->next;
	}
	if (!p)
		return;
	if (prev)
		prev->next = c->next;
	else
		*head = c->next;
	if (k) {
		if (k->tail == c)
			k->tail = prev;
		if (k->run == c) {
			k->run = c->next;
			k->run_len = k->run ? k->run_len - 1 : 0;
		}
		if (k->run_prev == c)
			k->run_prev = prev;
	}
}

static void call_free_slot(struct model *m, struct mcall *c)
{
	uint64_t s = MODEL_ID_SERIAL(c->node.id);
	uint64_t ci = s >> CALL_CHUNK_SHIFT;
	c->node.id = 0;
	m->st.calls_kept--;
	m->st.calls_retired++;
	struct call_chunk *ch = chunk_at(m, ci);
	if (--ch->live == 0 && ci != current_chunk(m))
		chunk_free(m, ci);
}

static void call_retire_tree(struct model *m, struct mcall *root)
{
	call_unlink(m, root);
	m->work.n = 0;
	model_ptrvec_push(m, &m->work, root);
	while (m->work.n) {
		struct mcall *c = m->work.v[--m->work.n];
		/* Read the children before the slot (maybe its chunk) goes. */
		for (struct mcall *ch = c->children; ch; ch = ch->next)
			model_ptrvec_push(m, &m->work, ch);
		call_free_slot(m, c);
	}
}

void model_calls_forget_thread(struct model *m, struct thread_ent *t)
{
	uint64_t retired = m->st.calls_retired;
	while (t->pub.calls)
		call_retire_tree(m, t->pub.calls);
	m->st.calls_retired = retired;
}

void model_calls_retire_excess(struct model *m)
{
	uint64_t max = m->cfg.max_calls;
	if (m->st.calls_kept <= max || m->st.calls_kept < m->retire_floor)
		return;
	/* Retire a little more than needed so the scan runs once per batch
	 * rather than once per call. */
	uint64_t target = max - max / 32;

	size_t w = 0;
	for (size_t i = 0; i < m->late.n; i++) {
		node_id id = (node_id)(uintptr_t)m->late.v[i];
		const struct mnode *n = model_calls_find(m, MODEL_ID_SERIAL(id));
		if (!n || n->id != id)
			continue;
		struct mcall *c = (struct mcall *)(uintptr_t)n;
		if (m->st.calls_kept > target && c->state != CALL_RUNNING) {
			call_retire_tree(m, c);
			continue;
		}
		m->late.v[w++] = m->late.v[i];
	}
	m->late.n = w;

	if (m->scan == 0)
		m->scan = 1;
	while (m->st.calls_kept > target && m->scan < m->next_call) {
		uint64_t s = m->scan;
		uint64_t ci = s >> CALL_CHUNK_SHIFT;
		struct call_chunk *ch = chunk_at(m, ci);
		if (!ch) {
			m->scan = (ci + 1) << CALL_CHUNK_SHIFT;
			continue;
		}
		m->scan++;
		struct mcall *c = &ch->calls[s & (CALL_CHUNK_SIZE - 1)];
		if (c->node.id == 0)
			continue;
		if (c->state == CALL_RUNNING) {
			model_ptrvec_push(m, &m->late, (void *)(uintptr_t)c->node.id);
			continue;
		}
		call_retire_tree(m, c);
	}
	m->retire_floor = m->st.calls_kept > target ? m->st.calls_kept + m->st.calls_kept / 16 : 0;
}

void model_calls_free_all(struct model *m)
{
	for (size_t i = 0; i < m->nchunks; i++)
		model_release(m, m->chunks[i]);
	model_release(m, m->chunks);
	m->chunks = NULL;
	m->nchunks = m->capchunks = 0;
}
