/* model_priv.h - what the model's own files (model*.c) share: the private wrappers around the public node structs
 * and the model itself.  Nothing outside tui/model*.c includes this. */
#ifndef PT_MODEL_PRIV_H
#define PT_MODEL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model.h"

#define MODEL_CONTAINER(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Node ids: a serial per kind, shifted left by two, kind in the low bits. */
#define MODEL_ID(serial, kind) (((node_id)(serial) << 2) | (node_id)(kind))
#define MODEL_ID_KIND(id) ((int)((id) & 3))
#define MODEL_ID_SERIAL(id) ((id) >> 2)

/* Individual calls live in chunks of 2^CALL_CHUNK_SHIFT, indexed by serial,
 * so that model_find() is an array lookup and a chunk is freed as soon as
 * all of its calls are retired.  Chunks are small (16 KB) because a call
 * that stays open (a thread's main loop) keeps its whole chunk alive. */
#define CALL_CHUNK_SHIFT 8
#define CALL_CHUNK_SIZE (1u << CALL_CHUNK_SHIFT)

struct call_chunk {
	uint32_t live;           /* calls allocated here and not yet retired */
	struct mcall calls[CALL_CHUNK_SIZE];
};

#define ORPHAN_DEPTHS 64

struct func_ent {
	struct mfunc pub;
	uint32_t len;            /* strlen(pub.name) */
	uint32_t hash;
};

/* Paths live in chunks of 2^PATH_CHUNK_SHIFT, indexed by serial (from 1;
 * slot 0 of chunk 0 stays unused): they never move, so the interface may
 * hold pointers to them, and model_find() is an array lookup.  Their
 * compact histograms, for the paths with 3 calls or more, are kept the
 * same way apart from them. */
#define PATH_CHUNK_SHIFT 8
#define PATH_CHUNK_SIZE (1u << PATH_CHUNK_SHIFT)

struct chunkvec {
	void **chunk;            /* owned array of owned chunks */
	size_t nchunk, capchunk;
	uint32_t n;              /* elements in use, serials 1..n */
};

_Static_assert(sizeof(void *) != 8 || sizeof(struct mpath) == 80,
	       "a merged path is meant to stay 80 bytes (see model.h)");

/* Where the calls of one level (an open call's children, or a thread's
 * root calls) are appended. */
struct kids {
	struct mcall *tail;      /* borrowed: last kept child, NULL if none */
	/* The trailing children deeper than this level (their parents'
	 * enters were lost): an exit without its enter adopts those deeper
	 * than itself. */
	struct mcall *run;       /* borrowed: first of them, NULL if none */
	struct mcall *run_prev;  /* borrowed: the child before `run`, NULL if none */
	uint32_t run_len;        /* at most KIDS_RUN_MAX: only the newest can be adopted */
};

/* Bounds the walk an exit without its enter makes over its orphans. */
#define KIDS_RUN_MAX 64

/* One open call of a thread. */
struct frame {
	struct mcall *call;      /* borrowed: running calls are never retired */
	struct mpath *path;      /* borrowed */
	struct kids kids;
	struct mpath *last_path; /* borrowed: child path used last (cache for loops) */
	uint64_t child_ns;       /* time spent in finished children, for self time */
	int32_t depth;           /* the depth the events gave */
	/* 1 + its function's slot in the thread's nest table when it is the
	 * function's outermost open call on the thread (its time counts in
	 * the function's inclusive total), else 0 (model_nest.c) */
	uint32_t nest_slot;
	/* the thread's seq gaps + drops when it began (truncated): the
	 * same at an outer call's exit means no event of it was lost */
	uint32_t lost_at;
	bool path_shared;        /* its path was running already when it began */
	/* exceptions raised in this call and in its finished callees during
	 * it; handed to the caller's frame and the path when it ends
	 * (model_excsum.c), so that a raise costs O(1), not a walk up */
	uint32_t exc_sub;
};

/* A call seen only by its exit, counted as its function's outermost. */
struct nest_span {
	struct func_ent *f;      /* borrowed */
	int64_t start, end;
};

#define NEST_SPANS_MAX 64

struct thread_ent {
	struct mthread pub;
	struct frame *stack;     /* owned: open calls, outermost first */
	uint32_t nstack, capstack;
	struct kids root;        /* the root calls */
	uint32_t paths_last;     /* serial of the last root path, 0 if none */
	struct mpath *last_root_path; /* borrowed: cache for loops at depth 0 */
	/* Time of finished calls whose parent is not among the open calls
	 * (its enter was lost), by depth: the parent's exit, when it comes,
	 * takes it as child time so that its self time stays right. */
	int32_t orph_hi;         /* highest depth with orphan time, -1 if none */
	uint64_t orph_ns[ORPHAN_DEPTHS];
	struct func_ent **nest;  /* owned: functions with an outermost call open (borrowed) */
	uint32_t nest_cap, nest_n;
	struct nest_span *spans; /* owned: a ring of NEST_SPANS_MAX, allocated on first use */
	uint32_t span_head, nspans;
	int64_t span_lost_end;   /* latest end of a span let go, INT64_MIN if none */
	/* Accounting of the thread's current run of seqs (a tally ends it:
	 * a later event is a new thread that got the same tid). */
	uint64_t max_seq;        /* highest seq of this run */
	uint64_t recv_base, drops_base; /* received and drops when the run began */
	uint64_t unacc_done;     /* unaccounted events of the runs before */
	bool overcount;          /* received + drops > the tally's seq */
	uint64_t exceptions;     /* every exception event of the thread */
	struct hist hist;        /* its finished calls (the histogram of a thread row) */
	/* stats (model_stats.c): the current run's node ids -> paths */
	struct stats_ent *smap;  /* owned: open addressing, id 0 = empty */
	uint32_t smap_cap, smap_n;
	uint64_t stats_exc;      /* exceptions in its stats (a stats thread's own count) */
	/* The chain of paths from the top to the node placed last, and how
	 * many times each function is on it: whether a new node's function
	 * is above it, in O(1) when nodes come parent first (model_stats.c) */
	uint32_t *chain;         /* owned: path serials */
	uint32_t chain_n, chain_cap;
	struct chain_fn *cset;   /* owned: open addressing by function */
	uint32_t cset_cap, cset_used;
	bool sx_dirty;           /* its paths' subtree exceptions need adding up again */
};

/* One stats node of a thread's current run. */
struct stats_ent {
	uint64_t id;             /* 0: an empty slot */
	uint32_t path;           /* serial of its path */
	/* no path above it has its function: its calls are the function's
	 * outermost (its total counts) */
	uint32_t outer : 1;
	uint32_t depth : 31;     /* of its path: 0 at the top (saturates) */
};

struct chain_fn {
	const struct func_ent *f; /* borrowed; NULL: an empty slot */
	uint32_t n;              /* times on the chain (0: was, and left) */
};

/* What a path had when a later run of its thread (the same tid again)
 * began sending figures for it: the path shows this plus the run's. */
struct stats_base {
	uint32_t path;           /* serial */
	uint64_t count, total, self, max, exc, abandoned;
	uint32_t bucket[HIST_BUCKETS];
};

struct proc_ent {
	struct mprocess pub;
	struct mthread *threads_tail; /* borrowed */
	uint32_t serial;
	bool had_hello;
	bool end_lost;           /* counted in processes_end_lost */
	uint32_t threads_incomplete;
};

struct ptrvec {
	void **v;                /* owned array of borrowed pointers */
	size_t n, cap;
};

struct model {
	struct model_config cfg;
	uint64_t gen;
	struct model_stats st;   /* calls_kept/bytes/etc. kept up to date here */
	char *st_filter_full;    /* malloc'd: st.filter uncut, to compare */

	/* functions: order of appearance, and a hash table by name */
	struct ptrvec funcs;
	struct func_ent **ftab;  /* owned array; entries owned through funcs */
	size_t fcap;

	/* paths: by serial; a hash of serials by (parent or thread, function),
	 * at most 3/4 full (4 bytes a slot: 5 to 11 bytes a path) */
	struct chunkvec paths;   /* of struct mpath */
	uint32_t *ptab;          /* owned; 0 is an empty slot */
	size_t pcap;
	struct chunkvec hists;   /* of struct hist_compact, for mpath.link.hist */
	bool paths_full;         /* max_paths reached: calls may be put flat */

	/* processes: current entry per pid; all of them by serial */
	struct mprocess *proc_head, *proc_tail; /* borrowed */
	struct proc_ent **pidtab; /* owned array of borrowed pointers */
	size_t pidcap, npid;
	struct ptrvec procs;     /* entries owned */

	/* threads: hash by (process, tid); by serial */
	struct thread_ent **ttab; /* owned array of borrowed pointers */
	size_t tcap;
	struct ptrvec threads;   /* entries owned */
	int32_t c_pid, c_tid;    /* one-entry cache of the last thread looked up */
	struct thread_ent *c_thr; /* borrowed; NULL when the cache is empty */

	/* individual calls */
	struct call_chunk **chunks; /* owned; chunks[i] holds chunk chunk_base+i, NULL once freed */
	size_t nchunks, capchunks;
	uint64_t chunk_base;
	uint64_t next_call;      /* serial of the next call, from 1 */
	uint64_t scan;           /* retirement has looked at every serial below this */
	/* After a pass that could not get under max_calls (the calls kept
	 * are nearly all open: a very deep stack), none before calls_kept
	 * reaches this: a pass per call would walk `late` every time. */
	uint64_t retire_floor;
	struct ptrvec late;      /* calls the scan passed while running (borrowed) */
	struct ptrvec work;      /* scratch stack for retiring subtrees */

	/* exceptions: a ring, newest at (head - 1) */
	struct mexception *exc;  /* owned, with its strings */
	size_t exc_cap, exc_n, exc_head;

	/* exceptions of paths' finished calls and their callees, by path
	 * serial; only paths with some (model_excsum.c) */
	uint32_t *sx_key, *sx_val; /* owned; key 0 is an empty slot */
	size_t sx_cap, sx_n;

	struct hist all;
	struct func_ent *marker; /* owned: the "(callers not seen)" pseudo-function */
	struct func_ent *other;  /* owned: the "(other paths)" pseudo-function */
	/* stats (model_stats.c): bases by path serial, and a line's scratch */
	struct stats_base *base; /* owned, nbase of them */
	uint32_t nbase, capbase;
	uint32_t *btab;          /* owned: open addressing, index + 1 */
	size_t bcap;
	uint64_t *sl_key;        /* owned: a line's defining entries, id -> index */
	uint32_t *sl_val, *sl_path; /* owned; sl_path: per entry, its path or a failure */
	uint8_t *sl_state;       /* owned: per entry */
	uint32_t *sl_stack;      /* owned: entries whose parent is being placed */
	size_t sl_cap, sl_n;
	struct hist_alloc halloc; /* the paths' histogram blocks: model_alloc/model_release on this model */
};

/* Allocation with the model's byte accounting; abort on exhaustion (the
 * model has no way to go on without memory). */
void *model_alloc(struct model *m, size_t size);
void *model_calloc(struct model *m, size_t size);
void model_release(struct model *m, void *p);
char *model_strdup(struct model *m, const char *s, size_t len);
/* arr (n elements in use) moved to an array of twice *cap (16 at first),
 * which *cap becomes. */
void *model_grow(struct model *m, void *arr, size_t n, size_t *cap, size_t elem_size);
void model_ptrvec_push(struct model *m, struct ptrvec *v, void *p);

/* malloc's own bookkeeping is about a word per block. */
#define MALLOC_OVERHEAD 8

static inline struct mpath *model_path_at(const struct model *m, uint32_t serial)
{
	return &((struct mpath *)m->paths.chunk[serial >> PATH_CHUNK_SHIFT])
		[serial & (PATH_CHUNK_SIZE - 1)];
}

static inline uint32_t model_path_serial(const struct mpath *p)
{
	return (uint32_t)MODEL_ID_SERIAL(p->node.id);
}

static inline struct thread_ent *model_thread_at(const struct model *m, uint32_t serial)
{
	return m->threads.v[serial - 1];
}

static inline struct hist_compact *model_hist_at(const struct model *m, uint32_t serial)
{
	return &((struct hist_compact *)m->hists.chunk[serial >> PATH_CHUNK_SHIFT])
		[serial & (PATH_CHUNK_SIZE - 1)];
}

/* A path's second call while it has exactly two: what the total leaves
 * beside the longest (bounded by it, should the total have saturated). */
static inline uint64_t model_path_second(const struct mpath *p)
{
	uint64_t rest = p->total_ns - p->max_ns;
	return rest < p->max_ns ? rest : p->max_ns;
}

/* model_index.c */
/* A new zeroed element at the end of v: its serial. */
uint32_t model_chunkvec_add(struct model *m, struct chunkvec *v, size_t elem_size);
void model_chunkvec_free(struct model *m, struct chunkvec *v);
struct func_ent *model_func_intern(struct model *m, const char *s, size_t len);
struct func_ent *model_func_lookup(const struct model *m, const char *s, size_t len);
struct mpath *model_path_get(struct model *m, struct thread_ent *t, struct mpath *parent,
			     struct func_ent *f);
/* The path if it exists, without making it. */
struct mpath *model_path_find(const struct model *m, const struct thread_ent *t,
			      const struct mpath *parent, const struct func_ent *f);
struct proc_ent *model_proc_lookup(const struct model *m, int32_t pid);
/* A new entry for `pid`, which becomes the pid's current one. */
struct proc_ent *model_proc_new(struct model *m, int32_t pid, int64_t ts);
struct proc_ent *model_proc_get(struct model *m, int32_t pid, int64_t ts);
/* Fills the one-entry cache (c_pid, c_tid, c_thr) as well. */
struct thread_ent *model_thread_get(struct model *m, int32_t pid, int32_t tid, int64_t ts);

static inline bool model_func_is(const struct mfunc *fn, const char *s, size_t len)
{
	const struct func_ent *f = MODEL_CONTAINER(fn, struct func_ent, pub);
	return f->len == len && memcmp(fn->name, s, len) == 0;
}

/* model_nest.c */
/* A new frame of fn opens: its nest_slot.  Frames end in the reverse
 * order they opened, each with model_nest_pop(). */
uint32_t model_nest_push(struct model *m, struct thread_ent *t, const struct mfunc *fn);
/* The frame ends (returned, abandoned, unfinished).  Inline: it runs at
 * every frame's end. */
static inline void model_nest_pop(struct thread_ent *t, const struct frame *fr)
{
	if (fr->nest_slot) {
		t->nest[fr->nest_slot - 1] = NULL;
		t->nest_n--;
	}
}
/* A call of fn that ended at `end` and whose callers were not all seen
 * (an exit without its enter; or, `seen`, an outermost call seen whole
 * while the thread's outermost open call is not at depth 0): what its
 * duration adds to fn's inclusive total (0 inside an open call of fn;
 * less the earlier such calls of fn it encloses), remembered in case a
 * later one encloses it. */
uint64_t model_nest_span(struct model *m, struct thread_ent *t, const struct mfunc *fn,
			 int64_t end, uint64_t dur, bool seen);
/* A call at depth 0 began: no later call can enclose the spans. */
static inline void model_nest_forget_spans(struct thread_ent *t)
{
	t->nspans = 0;
	t->span_lost_end = INT64_MIN;
}
void model_nest_free(struct model *m, struct thread_ent *t);
/* model_excsum.c: exceptions of whole subtrees, kept as they happen */
/* An exception raised in open frame f (NULL: no open call) of t. */
void model_excsum_raise(struct model *m, struct thread_ent *t, struct frame *f);
/* Frame f, t's innermost, is about to end: its exceptions go to its path
 * and to its caller's frame.  Inline: nearly every frame has none. */
void model_excsum_commit(struct model *m, struct thread_ent *t, struct frame *f);
static inline void model_excsum_pop(struct model *m, struct thread_ent *t, struct frame *f)
{
	if (f->exc_sub)
		model_excsum_commit(m, t, f);
}
/* Call c (an exit without its enter) adopted calls that raised: mark it
 * and the open calls above it. */
void model_excsum_adopted(struct thread_ent *t, struct mcall *c);
void model_excsum_free(struct model *m);
/* A stats thread's path: its subtree's exceptions are `n` (model_stats.c). */
void model_excsum_set(struct model *m, uint32_t serial, uint64_t n);

/* model_stats.c */
void model_stats_apply(struct model *m, struct thread_ent *t, const struct event *ev);
/* A new run of the thread (its tid again after its tally): its node ids
 * start again. */
void model_stats_new_run(struct model *m, struct thread_ent *t);
/* Its paths' subtree exceptions (model_excsum.c's table), added up again
 * from their stats when they changed. */
void model_stats_sx_refresh(const struct model *m, const struct thread_ent *t);
void model_stats_free(struct model *m);
void model_stats_thread_free(struct model *m, struct thread_ent *t);

/* model.c: what model_free() does for one thread or process (and
 * model_forget_ended() for those it clears) */
void model_thread_release(struct model *m, struct thread_ent *t);
void model_proc_release(struct model *m, struct proc_ent *p);
/* Exceptions (and unwinds) for which gone() is true leave the list. */
void model_exc_drop_if(struct model *m, bool (*gone)(const struct mexception *, void *), void *ctx);
/* model_index.c: after model_forget_ended() set the slots of the
 * processes and threads it clears to NULL (still allocated) and marked
 * their paths dead (node id 0): the lookup tables without them. */
void model_index_rebuild(struct model *m);
/* model_calls.c: every kept call of t retired (not counted as retired) */
void model_calls_forget_thread(struct model *m, struct thread_ent *t);

/* model_calls.c */
struct mcall *model_calls_new(struct model *m);
void model_calls_retire_excess(struct model *m);
void model_calls_free_all(struct model *m);
const struct mnode *model_calls_find(const struct model *m, uint64_t serial);

#endif
