/* model_forget.c - clearing ended processes from the model, so that a
 * monitor that has watched many short runs stays readable and its memory
 * goes back (model_forget_ended(), model.h).
 *
 * A process cleared loses its row, its threads, their kept calls (their
 * call chunks are freed as for retirement), their merged paths (marked
 * dead: their ids are never reused, model_find() says NULL; a chunk of
 * paths is freed once all of its paths are dead, and the paths'
 * histograms at once) and its exceptions.  The other processes' figures
 * are not touched; the run's per-function figures and histogram keep the
 * calls of the processes cleared. */
#include <config.h>

#include <stdlib.h>

#include "model_priv.h"

/* The paths of t, marked dead; their histograms freed. */
static void forget_paths(struct model *m, struct thread_ent *t)
{
	/* collected first, by their links (the tree walk leaves some out):
	 * the roots, then the children of each path collected */
	m->work.n = 0;
	for (uint32_t s = t->paths_last ? model_path_at(m, t->paths_last)->link.next : 0; s;) {
		model_ptrvec_push(m, &m->work, (void *)(uintptr_t)s);
		s = s == t->paths_last ? 0 : model_path_at(m, s)->link.next;
	}
	for (size_t i = 0; i < m->work.n; i++) {
		uint32_t last = model_path_at(m, (uint32_t)(uintptr_t)m->work.v[i])->link.last_child;
		for (uint32_t s = last ? model_path_at(m, last)->link.next : 0; s;) {
			model_ptrvec_push(m, &m->work, (void *)(uintptr_t)s);
			s = s == last ? 0 : model_path_at(m, s)->link.next;
		}
	}
	for (size_t i = 0; i < m->work.n; i++) {
		struct mpath *p = model_path_at(m, (uint32_t)(uintptr_t)m->work.v[i]);
		if (p->link.hist)
			hist_compact_free(model_hist_at(m, p->link.hist), &m->halloc);
		p->node.id = 0;
		m->st.paths--;
	}
	t->pub.paths = NULL;
	t->paths_last = 0;
}

/* Path chunks whose paths are all dead, but the one paths are added to. */
static void free_dead_chunks(struct model *m)
{
	for (size_t ci = 0; ci + 1 < m->paths.nchunk; ci++) {
		struct mpath *ch = m->paths.chunk[ci];
		if (!ch)
			continue;
		size_t i = 0;
		while (i < PATH_CHUNK_SIZE && !ch[i].node.id)
			i++;
		if (i == PATH_CHUNK_SIZE) {
			model_release(m, ch);
			m->paths.chunk[ci] = NULL;
		}
	}
}

static void forget_thread_figures(struct model *m, struct thread_ent *t)
{
	m->st.threads--;
	m->st.drops -= t->pub.drops;
	m->st.seq_gaps -= t->pub.seq_gaps;
	m->st.unaccounted -= t->pub.unaccounted;
	m->st.depth_mismatches -= t->pub.depth_mismatches;
	if (t->pub.incomplete)
		m->st.incomplete_threads--;
	if (t->pub.stats)
		m->st.stats_threads--;
}

static void forget_proc_figures(struct model *m, struct proc_ent *p)
{
	m->st.processes--;
	m->st.processes_cleared++;
	if (p->pub.incomplete)
		m->st.incomplete_processes--;
	if (p->end_lost)
		m->st.processes_end_lost--;
	if (p->pub.depth_max)
		m->st.depth_limited--;
}

static bool exc_of_gone_thread(const struct mexception *e, void *ctx)
{
	const struct model *m = ctx;
	uint64_t s = MODEL_ID_SERIAL(e->thread);
	return s && s <= m->threads.n && !m->threads.v[s - 1];
}

static int by_last_ts_desc(const void *a, const void *b)
{
	const struct proc_ent *x = *(struct proc_ent *const *)a, *y = *(struct proc_ent *const *)b;
	return x->pub.last_ts > y->pub.last_ts ? -1 : x->pub.last_ts < y->pub.last_ts;
}

uint32_t model_forget_ended(struct model *m, uint32_t keep)
{
	struct proc_ent **ended = NULL;
	size_t n = 0, cap = 0;

	for (struct mprocess *p = m->proc_head; p; p = p->next) {
		if (p->state == PROC_LIVE)
			continue;
		if (n == cap)
			ended = model_grow(m, ended, n, &cap, sizeof(*ended));
		ended[n++] = MODEL_CONTAINER(p, struct proc_ent, pub);
	}
	if (n <= keep) {
		model_release(m, ended);
		return 0;
	}
	/* the ones that ended last stay */
	qsort(ended, n, sizeof(*ended), by_last_ts_desc);
	for (size_t i = keep; i < n; i++) {
		struct proc_ent *pe = ended[i];
		for (struct mthread *t = pe->pub.threads; t; t = t->next) {
			struct thread_ent *te = MODEL_CONTAINER(t, struct thread_ent, pub);
			model_calls_forget_thread(m, te);
			forget_paths(m, te);
			forget_thread_figures(m, te);
			m->threads.v[MODEL_ID_SERIAL(t->node.id) - 1] = NULL;
			if (m->c_thr == te)
				m->c_thr = NULL;
		}
		/* out of the list of processes */
		struct mprocess **at = &m->proc_head, *prev = NULL;
		while (*at != &pe->pub) {
			prev = *at;
			at = &(*at)->next;
		}
		*at = pe->pub.next;
		if (m->proc_tail == &pe->pub)
			m->proc_tail = prev;
		forget_proc_figures(m, pe);
		m->procs.v[pe->serial - 1] = NULL;
	}
	model_index_rebuild(m);
	model_exc_drop_if(m, exc_of_gone_thread, m);
	free_dead_chunks(m);
	/* now nothing refers to them */
	for (size_t i = keep; i < n; i++) {
		struct mthread *t = ended[i]->pub.threads;
		while (t) {
			struct mthread *next = t->next;
			model_thread_release(m, MODEL_CONTAINER(t, struct thread_ent, pub));
			t = next;
		}
		model_proc_release(m, ended[i]);
	}
	model_release(m, ended);
	m->gen++;
	return (uint32_t)(n - keep);
}
