/* model_nest.c - which calls are their function's outermost on a thread.
 *
 * A function's inclusive time counts only the calls that are not inside
 * another call of the same function on the same thread (as perf, uftrace
 * and Tracy count it): otherwise a recursion of depth n counts its time n
 * times over.  Each thread keeps a small table of the functions with an
 * open outermost call; the frame that put its function there takes it out
 * when it ends, however it ends.
 *
 * Calls seen only by their exit (their enter was lost, or came before the
 * monitor attached) are checked against the open calls as well, and
 * against the earlier calls of the same function that they enclose in
 * time: a late attach in the middle of a recursion gets a run of exits of
 * one function, each enclosing the previous.  Those earlier calls are
 * kept as spans while the thread's callers are not all seen (no call at
 * depth 0 open), the newest NEST_SPANS_MAX of them; an exit without its
 * enter that may have enclosed an older one is counted in
 * model_stats.nest_unsure. */
#include <config.h>

#include "model_priv.h"

/* The thread's table holds the functions whose outermost call is open
 * now, and nothing else: it stays as small as the stack is deep, however
 * many functions the thread has called (open addressing, at most half
 * full).  Entries leave in the reverse order they came, as frames do, so
 * taking one out is clearing its slot: no entry still in the table went
 * past that slot when it was put in (it was taken, or they came before
 * it).  A rehash puts them back in stack order to keep it so, and tells
 * each frame its new slot. */
static uint32_t nest_find(const struct thread_ent *t, const struct func_ent *f)
{
	uint32_t mask = t->nest_cap - 1;
	for (uint32_t i = f->hash & mask;; i = (i + 1) & mask) {
		if (!t->nest[i] || t->nest[i] == f)
			return i;
	}
}

static void nest_grow(struct model *m, struct thread_ent *t)
{
	model_release(m, t->nest);
	t->nest_cap = t->nest_cap ? t->nest_cap * 2 : 16;
	t->nest = model_calloc(m, t->nest_cap * sizeof(*t->nest));
	for (uint32_t i = 0; i < t->nstack; i++) {
		struct frame *fr = &t->stack[i];
		if (!fr->nest_slot)
			continue;
		struct func_ent *f = MODEL_CONTAINER(fr->path->fn, struct func_ent, pub);
		uint32_t k = nest_find(t, f);
		t->nest[k] = f;
		fr->nest_slot = k + 1;
	}
}

uint32_t model_nest_push(struct model *m, struct thread_ent *t, const struct mfunc *fn)
{
	struct func_ent *f = MODEL_CONTAINER(fn, struct func_ent, pub);
	if ((t->nest_n + 1) * 2 > t->nest_cap)
		nest_grow(m, t);
	uint32_t i = nest_find(t, f);
	if (t->nest[i])
		return 0;
	t->nest[i] = f;
	t->nest_n++;
	return i + 1;
}

/* Spans are a ring of the newest NEST_SPANS_MAX: the oldest is the least
 * likely to be enclosed by a call still to come. */
static void span_push(struct model *m, struct thread_ent *t, struct func_ent *f, int64_t start,
		      int64_t end)
{
	if (!t->spans)
		t->spans = model_alloc(m, NEST_SPANS_MAX * sizeof(*t->spans));
	uint32_t at = (t->span_head + t->nspans) % NEST_SPANS_MAX;
	if (t->nspans == NEST_SPANS_MAX) {
		struct nest_span *old = &t->spans[t->span_head];
		if (old->end > t->span_lost_end)
			t->span_lost_end = old->end;
		t->span_head = (t->span_head + 1) % NEST_SPANS_MAX;
	} else
		t->nspans++;
	t->spans[at] = (struct nest_span){ .f = f, .start = start, .end = end };
}

uint64_t model_nest_span(struct model *m, struct thread_ent *t, const struct mfunc *fn,
			 int64_t end, uint64_t dur, bool seen)
{
	struct func_ent *f = MODEL_CONTAINER(fn, struct func_ent, pub);
	int64_t start;
	if (__builtin_sub_overflow(end, (int64_t)(dur > INT64_MAX ? INT64_MAX : dur), &start))
		start = INT64_MIN;
	if (seen) {
		/* An outermost call seen whole encloses no earlier span of
		 * its function: those would have been inside it. */
		span_push(m, t, f, start, end);
		return dur;
	}
	if (t->nest_n && t->nest[nest_find(t, f)])
		return 0;                /* inside an open call of its own function */
	/* A span it might have enclosed was let go: say this total may count
	 * a nested call twice. */
	if (t->span_lost_end != INT64_MIN && t->span_lost_end >= start)
		m->st.nest_unsure++;
	/* Earlier spans of f inside this one were counted already: count
	 * only the rest, and let this span stand for them from now on. */
	uint64_t inside = 0;
	uint32_t n = t->nspans, w = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct nest_span sp = t->spans[(t->span_head + i) % NEST_SPANS_MAX];
		if (sp.f == f && sp.start >= start && sp.end <= end) {
			if (__builtin_add_overflow(inside, (uint64_t)sp.end - (uint64_t)sp.start, &inside))
				inside = UINT64_MAX;
			continue;
		}
		t->spans[(t->span_head + w++) % NEST_SPANS_MAX] = sp;
	}
	t->nspans = w;
	span_push(m, t, f, start, end);
	return dur > inside ? dur - inside : 0;
}

void model_nest_free(struct model *m, struct thread_ent *t)
{
	model_release(m, t->nest);
	model_release(m, t->spans);
}
