/* model_testutil.h - helpers shared by the model and search tests: events
 * built in C and a check of the model's structural invariants.  Header-only (static functions) so that each test
 * program stays one translation unit. */
#ifndef PT_MODEL_TESTUTIL_H
#define PT_MODEL_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"

static inline struct event_str tu_str(const char *s)
{
	return (struct event_str){ .s = s, .len = s ? strlen(s) : 0 };
}

static inline struct event tu_ev(enum event_kind kind, int64_t ts, int32_t pid, int32_t tid)
{
	struct event e;
	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.ts = ts;
	e.pid = pid;
	e.tid = tid;
	e.depth = -1;
	return e;
}

static inline void tu_hello(struct model *m, int64_t ts, int32_t pid, const char *prog)
{
	struct event e = tu_ev(EV_HELLO, ts, pid, 0);
	e.version = 1;
	e.ppid = 1;
	e.prog = tu_str(prog);
	e.wall = 1000000000000;
	model_apply(m, &e);
}

static inline void tu_enter(struct model *m, int64_t ts, int32_t pid, int32_t tid, uint64_t seq,
			    int32_t depth, const char *fn)
{
	struct event e = tu_ev(EV_ENTER, ts, pid, tid);
	e.seq = seq;
	e.depth = depth;
	e.fn = tu_str(fn);
	model_apply(m, &e);
}

static inline void tu_exit(struct model *m, int64_t ts, int32_t pid, int32_t tid, uint64_t seq,
			   int32_t depth, const char *fn, int64_t dur)
{
	struct event e = tu_ev(EV_EXIT, ts, pid, tid);
	e.seq = seq;
	e.depth = depth;
	e.fn = tu_str(fn);
	e.dur = dur;
	model_apply(m, &e);
}

static inline void tu_exception(struct model *m, int64_t ts, int32_t pid, int32_t tid,
				uint64_t seq, int32_t depth, const char *fn, const char *type,
				const char *msg)
{
	struct event e = tu_ev(EV_EXCEPTION, ts, pid, tid);
	e.seq = seq;
	e.depth = depth;
	e.fn = tu_str(fn);
	e.type = tu_str(type);
	e.msg = tu_str(msg);
	model_apply(m, &e);
}

static inline void tu_thread(struct model *m, int64_t ts, int32_t pid, int32_t tid, const char *name)
{
	struct event e = tu_ev(EV_THREAD, ts, pid, tid);
	e.name = tu_str(name);
	model_apply(m, &e);
}

static inline void tu_bye(struct model *m, int64_t ts, int32_t pid)
{
	struct event e = tu_ev(EV_BYE, ts, pid, 0);
	e.has_status = true;
	model_apply(m, &e);
}

/* ---- invariants ------------------------------------------------------ */

/* Walks both views and checks what must hold whatever the input was:
 * parents and children agree, every node is found by its id, counts add
 * up.  Returns the number of nodes seen in the calls view. */
static inline size_t tu_check_invariants(const struct model *m)
{
	struct model_stats st;
	model_get_stats(m, &st);
	size_t ncalls = 0, npaths = 0;
	uint64_t path_count = 0, other_count = 0;
	for (int v = VIEW_PATHS; v <= VIEW_CALLS; v++) {
		const struct mnode *n = model_first_child(m, (enum model_view)v, NULL);
		while (n) {
			assert_ptr_equal(model_find(m, n->id), n);
			/* Each view holds its own kind of call node. */
			assert_int_not_equal(mnode_kind(n), v == VIEW_PATHS ? MN_CALL : MN_PATH);
			if (mnode_kind(n) == MN_CALL) {
				const struct mcall *c = (const struct mcall *)n;
				ncalls++;
				if (c->state == CALL_RUNNING || c->state == CALL_UNFINISHED ||
				    c->state == CALL_ABANDONED || c->state == CALL_UNSEEN)
					assert_true(c->dur_ns == -1);
				else    /* -1: the writer did not know it */
					assert_true(c->dur_ns >= -1);
				/* only the "(callers not seen)" node has depth -1,
				 * at a thread's root or under an outermost call */
				assert_true((c->state == CALL_UNSEEN) <= (c->depth == -1));
				assert_int_equal(c->depth == -1, c->path->fn->marker);
				if (c->depth == -1 && c->parent)
					assert_int_equal(c->parent->depth, 0);
				if (c->parent) {
					assert_ptr_equal(model_parent(m, VIEW_CALLS, n), &c->parent->node);
					/* A finished call holds no running call. */
					if (c->state == CALL_RUNNING)
						assert_int_equal(c->parent->state, CALL_RUNNING);
				}
			}
			if (mnode_kind(n) == MN_PATH) {
				const struct mpath *p = (const struct mpath *)n;
				npaths++;
				assert_true(model_node_shown(m, VIEW_PATHS, n));
				/* Up the parents, the path's own thread. */
				const struct mnode *up = n;
				while (mnode_kind(up) == MN_PATH)
					up = model_parent(m, VIEW_PATHS, up);
				assert_ptr_equal(up, &model_path_thread(m, p)->node);
				/* "(other paths)" counts calls of no listed function */
				if (!p->fn->other)
					path_count += p->count;
				else
					other_count += p->count;
				assert_true(p->self_ns <= p->total_ns);
				assert_true(p->max_ns <= p->total_ns);
				/* The compact histogram holds the same calls
				 * as the figures beside it. */
				struct hist h;
				model_path_hist(m, p, &h);
				assert_int_equal(h.n, p->count);
				assert_int_equal(h.sum_ns, p->total_ns);
				assert_int_equal(h.max_ns, p->max_ns);
				uint64_t in_buckets = 0;
				int first = -1, last = -1;
				for (int b = 0; b < HIST_BUCKETS; b++) {
					in_buckets += h.bucket[b];
					if (h.bucket[b]) {
						if (first < 0)
							first = b;
						last = b;
					}
				}
				assert_int_equal(in_buckets, p->count);
				if (p->count) {
					assert_int_equal(first, hist_bucket_of(h.min_ns));
					assert_int_equal(last, hist_bucket_of(h.max_ns));
					assert_true(h.min_ns <= h.max_ns);
				}
			}
			const struct mnode *c = model_first_child(m, (enum model_view)v, n);
			if (c) {
				assert_ptr_equal(model_parent(m, (enum model_view)v, c), n);
				n = c;
				continue;
			}
			while (n) {
				const struct mnode *s = model_next_sibling(m, (enum model_view)v, n);
				if (s) {
					assert_ptr_equal(model_parent(m, (enum model_view)v, s),
							 model_parent(m, (enum model_view)v, n));
					n = s;
					break;
				}
				n = model_parent(m, (enum model_view)v, n);
			}
		}
	}
	assert_int_equal(ncalls, st.calls_kept);
	/* the paths walk leaves out a stats thread's paths no stats node backs */
	assert_int_equal(npaths + model_paths_hidden(m), st.paths);
	/* the "(callers not seen)" nodes are kept like calls but are none */
	assert_int_equal(st.calls_kept + st.calls_retired, st.calls + st.callers_unseen);
	uint64_t fcalls = 0, fnodur = 0;
	for (size_t i = 0; i < model_func_count(m); i++) {
		fcalls += model_func_at(m, i)->calls;
		fnodur += model_func_at(m, i)->calls_nodur;
	}
	assert_int_equal(fcalls, path_count);
	assert_int_equal(fnodur, st.calls_nodur);
	/* The lost-event totals kept as events come equal the sums. */
	uint64_t unacc = 0, drops = 0;
	uint32_t inc_p = 0, inc_t = 0;
	for (const struct mnode *pn = model_first_child(m, VIEW_PATHS, NULL); pn;
	     pn = model_next_sibling(m, VIEW_PATHS, pn)) {
		const struct mprocess *p = (const struct mprocess *)pn;
		uint64_t punacc = 0;
		for (const struct mthread *t = p->threads; t; t = t->next) {
			punacc += t->unaccounted;
			drops += t->drops;
			inc_t += t->incomplete;
			if (t->unaccounted)
				assert_true(t->incomplete);
		}
		assert_int_equal(punacc, p->unaccounted);
		unacc += punacc;
		inc_p += p->incomplete;
		if (p->state == PROC_VANISHED || p->unaccounted)
			assert_true(p->incomplete);
	}
	assert_int_equal(unacc, st.unaccounted);
	assert_int_equal(drops, st.drops);
	assert_int_equal(inc_p, st.incomplete_processes);
	assert_int_equal(inc_t, st.incomplete_threads);
	assert_int_equal(model_all_hist(m)->n, path_count + other_count);
	return ncalls;
}

#endif
