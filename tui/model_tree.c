/* model_tree.c - read-only queries of the model for the interface: the
 * tree walk of both views, find by id, functions, exceptions, stats. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "model_priv.h"

uint64_t model_generation(const struct model *m)
{
	return m->gen;
}

void model_get_stats(const struct model *m, struct model_stats *out)
{
	*out = m->st;
}

/* Once a stats thread's first stats line is in, every path it really
 * took has a stats node within a stats period; a path none backs was made
 * by its events nesting calls under the wrong caller after events were
 * lost (the "(callers not seen)" one too), with no figures: not shown.
 * The calls view still has the calls on it. */
static bool path_shown(const struct model *m, const struct mpath *p)
{
	if (p->backed)
		return true;
	const struct mthread *t = model_path_thread(m, p);
	return !(t->stats && t->stats_lines);
}

/* The first shown path from p on, among the siblings ending with the
 * serial last. */
static const struct mnode *shown_from(const struct model *m, const struct mpath *p, uint32_t last)
{
	while (!path_shown(m, p)) {
		if (model_path_serial(p) == last)
			return NULL;
		p = model_path_at(m, p->link.next);
	}
	return &p->node;
}

bool model_node_shown(const struct model *m, enum model_view view, const struct mnode *n)
{
	return view != VIEW_PATHS || mnode_kind(n) != MN_PATH ||
	       path_shown(m, (const struct mpath *)n);
}

uint64_t model_paths_hidden(const struct model *m)
{
	uint64_t n = 0;
	for (size_t s = 1; s <= m->paths.n; s++) {
		if (!m->paths.chunk[s >> PATH_CHUNK_SHIFT])
			continue;
		const struct mpath *p = model_path_at(m, (uint32_t)s);
		n += p->node.id && !path_shown(m, p);
	}
	return n;
}

const struct mnode *model_first_child(const struct model *m, enum model_view view,
				      const struct mnode *parent)
{
	if (!parent)
		return (const struct mnode *)m->proc_head;
	switch (mnode_kind(parent)) {
	case MN_PROCESS:
		return (const struct mnode *)((const struct mprocess *)parent)->threads;
	case MN_THREAD: {
		const struct mthread *t = (const struct mthread *)parent;
		if (view != VIEW_PATHS)
			return (const struct mnode *)t->calls;
		return t->paths ? shown_from(m, t->paths,
					     MODEL_CONTAINER(t, const struct thread_ent, pub)->paths_last)
				: NULL;
	}
	case MN_PATH: {
		uint32_t last = ((const struct mpath *)parent)->link.last_child;
		return last ? shown_from(m, model_path_at(m, model_path_at(m, last)->link.next), last)
			    : NULL;
	}
	case MN_CALL:
		return (const struct mnode *)((const struct mcall *)parent)->children;
	}
	return NULL;
}

const struct mnode *model_next_sibling(const struct model *m, enum model_view view,
				       const struct mnode *node)
{
	if (!node)
		return NULL;
	switch (mnode_kind(node)) {
	case MN_PROCESS:
		return (const struct mnode *)((const struct mprocess *)node)->next;
	case MN_THREAD:
		return (const struct mnode *)((const struct mthread *)node)->next;
	case MN_PATH: {
		const struct mpath *p = (const struct mpath *)node;
		uint32_t last = p->link.parent ? model_path_at(m, p->link.parent)->link.last_child
					       : model_thread_at(m, p->link.thread)->paths_last;
		return model_path_serial(p) == last ? NULL
						    : shown_from(m, model_path_at(m, p->link.next), last);
	}
	case MN_CALL:
		return (const struct mnode *)((const struct mcall *)node)->next;
	}
	return NULL;
}

const struct mnode *model_parent(const struct model *m, enum model_view view,
				 const struct mnode *node)
{
	if (!node)
		return NULL;
	switch (mnode_kind(node)) {
	case MN_PROCESS:
		return NULL;
	case MN_THREAD:
		return (const struct mnode *)((const struct mthread *)node)->proc;
	case MN_PATH: {
		const struct mpath *p = (const struct mpath *)node;
		return p->link.parent ? &model_path_at(m, p->link.parent)->node
				      : &model_path_thread(m, p)->node;
	}
	case MN_CALL: {
		const struct mcall *c = (const struct mcall *)node;
		return c->parent ? &c->parent->node : &model_path_thread(m, c->path)->node;
	}
	}
	return NULL;
}

const struct mnode *model_next_preorder(const struct model *m, enum model_view view,
					const struct mnode *node, int *level)
{
	const struct mnode *c = model_first_child(m, view, node);
	int up = 0;

	if (c || !node) {
		if (c && node && level)
			++*level;
		return c;
	}
	for (; node; node = model_parent(m, view, node), up++) {
		if ((c = model_next_sibling(m, view, node))) {
			if (level)
				*level -= up;
			return c;
		}
	}
	return NULL;
}

const struct mnode *model_find(const struct model *m, node_id id)
{
	uint64_t s = MODEL_ID_SERIAL(id);
	if (s == 0)
		return NULL;
	switch (MODEL_ID_KIND(id)) {
	case MN_PROCESS:
		/* NULL slots: cleared by model_forget_ended() */
		return s <= m->procs.n && m->procs.v[s - 1] ?
			&((struct proc_ent *)m->procs.v[s - 1])->pub.node : NULL;
	case MN_THREAD:
		return s <= m->threads.n && m->threads.v[s - 1] ?
			&((struct thread_ent *)m->threads.v[s - 1])->pub.node : NULL;
	case MN_PATH:
		/* dead paths have id 0, whole chunks of them are freed */
		return s <= m->paths.n && m->paths.chunk[s >> PATH_CHUNK_SHIFT] &&
		       model_path_at(m, (uint32_t)s)->node.id ? &model_path_at(m, (uint32_t)s)->node : NULL;
	default:
		return model_calls_find(m, s);
	}
}

size_t model_func_count(const struct model *m)
{
	return m->funcs.n;
}

const struct mfunc *model_func_at(const struct model *m, size_t i)
{
	return i < m->funcs.n ? &((struct func_ent *)m->funcs.v[i])->pub : NULL;
}

const struct mfunc *model_other_func(const struct model *m)
{
	return &m->other->pub;
}

const struct mfunc *model_func_find(const struct model *m, const char *name)
{
	struct func_ent *f = model_func_lookup(m, name, strlen(name));
	return f ? &f->pub : NULL;
}

void model_path_hist(const struct model *m, const struct mpath *p, struct hist *out)
{
	if (p->link.hist) {
		hist_compact_expand(model_hist_at(m, p->link.hist), p->count, p->total_ns, p->max_ns,
				    out);
		return;
	}
	/* Up to two calls: the longest is max_ns, the other the rest of the
	 * total (see model.c's path_hist_add). */
	hist_init(out);
	if (p->count >= 1)
		hist_add(out, p->max_ns);
	if (p->count >= 2)
		hist_add(out, model_path_second(p));
}

const struct mthread *model_path_thread(const struct model *m, const struct mpath *p)
{
	return &model_thread_at(m, p->link.thread)->pub;
}

const struct mcall *model_thread_open_call(const struct model *m, const struct mthread *t)
{
	const struct thread_ent *te = MODEL_CONTAINER(t, const struct thread_ent, pub);
	(void)m;
	return te->nstack ? te->stack[te->nstack - 1].call : NULL;
}

const struct hist *model_all_hist(const struct model *m)
{
	return &m->all;
}

size_t model_exception_count(const struct model *m)
{
	return m->exc_n;
}

const struct mexception *model_exception_at(const struct model *m, size_t i)
{
	if (i >= m->exc_n)
		return NULL;
	return &m->exc[(m->exc_head + m->exc_cap - 1 - i) % m->exc_cap];
}

/* figures: a thread with stats has exact figures, whatever it lost */
static void add_thread_events(const struct mthread *t, bool figures, uint64_t *received,
			      uint64_t *lost, uint32_t *exact)
{
	if (figures && t->stats) {
		/* A thread whose last stats never came is no more exact (its
		 * figures stop where its last line did) than a sample: the
		 * incomplete marks say what it misses. */
		if (!model_thread_stats_final_lost(t))
			++*exact;
		return;
	}
	*received += t->received;
	*lost += t->drops + t->unaccounted;
}

static void scope_events(const struct model *m, const struct mnode *n, bool figures,
			 uint64_t *received, uint64_t *lost, uint32_t *exact)
{
	*received = *lost = *exact = 0;
	if (n && mnode_kind(n) == MN_CALL)
		n = &((const struct mcall *)n)->path->node;
	if (n && mnode_kind(n) == MN_PATH)
		n = &model_path_thread(m, (const struct mpath *)n)->node;
	if (n && mnode_kind(n) == MN_THREAD) {
		add_thread_events((const struct mthread *)n, figures, received, lost, exact);
		return;
	}
	for (const struct mnode *pn = model_first_child(m, VIEW_PATHS, NULL); pn;
	     pn = model_next_sibling(m, VIEW_PATHS, pn)) {
		const struct mprocess *p = (const struct mprocess *)pn;


		if (n && pn != n)
			continue;
		for (const struct mthread *t = p->threads; t; t = t->next)
			add_thread_events(t, figures, received, lost, exact);
	}
}

uint32_t model_clock_step(const struct model *m, const struct mnode *n)
{
	uint32_t step = 0;

	if (n && mnode_kind(n) == MN_CALL)
		n = &((const struct mcall *)n)->path->node;
	if (n && mnode_kind(n) == MN_PATH) {
		const struct mthread *t = model_path_thread(m, (const struct mpath *)n);

		n = t ? &t->node : NULL;
	}
	if (n && mnode_kind(n) == MN_THREAD)
		n = &((const struct mthread *)n)->proc->node;
	if (n && mnode_kind(n) == MN_PROCESS)
		return ((const struct mprocess *)n)->clock_step;
	for (const struct mnode *pn = model_first_child(m, VIEW_PATHS, NULL); pn;
	     pn = model_next_sibling(m, VIEW_PATHS, pn)) {
		const struct mprocess *p = (const struct mprocess *)pn;

		if (p->clock_step > step)
			step = p->clock_step;
	}
	return step;
}

void model_scope_events(const struct model *m, const struct mnode *n,
			uint64_t *received, uint64_t *lost)
{
	uint32_t exact;
	scope_events(m, n, false, received, lost, &exact);
}

void model_scope_figures(const struct model *m, const struct mnode *n, uint64_t *received,
			 uint64_t *lost, uint32_t *exact)
{
	uint32_t x;
	scope_events(m, n, true, received, lost, exact ? exact : &x);
}

void model_share_text(uint64_t received, uint64_t lost, char *buf, size_t size)
{
	double all = (double)received + (double)lost;
	double pct = all > 0 ? 100.0 * (double)received / all : 100.0;

	if (received && pct < 0.01)
		snprintf(buf, size, "<0.01");
	else if (pct < 1)
		snprintf(buf, size, "%.2f", pct);
	else if (pct < 99.95)
		snprintf(buf, size, "%.1f", pct);
	else
		snprintf(buf, size, ">99.9");
}
