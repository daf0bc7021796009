/* model.h - the trace model: processes -> threads -> calls, built from events.
 *
 * Plain C, no curses.  The interface reads these structs directly (they are
 * read-only outside model.c) and walks them through the tree functions below.
 *
 * Two views of each thread's calls:
 *   VIEW_PATHS  calls merged by call path (count, total, self, max, exceptions,
 *               histogram); memory grows with distinct paths, not with calls,
 *               and stops at max_paths (then new paths go to the top level);
 *   VIEW_CALLS  every individual call kept, in order; the oldest are retired
 *               once `max_calls` is reached (they stay counted in the paths).
 *
 * Every node has a stable id: never reused, kept across updates, so the
 * interface can hold expand state and its cursor by id.  Strings in the model
 * are owned by the model (interned) and live as long as it does.
 *
 * Changes since the first contract (additions only, plus one clarification):
 * mexception.wall_ns is the exception's own wall-clock time (derived from the
 * hello); mprocess gained hello_ts/wall_ns, mthread depth_mismatches,
 * model_stats a few counters; model_dump*() and model_node_label() added.
 * mpath.hist became a struct hist_compact (a full struct hist per path cost
 * 240 bytes), then left the path: read a path's histogram with
 * model_path_hist(m, p, out).  mpath's pointers to its thread and its
 * relatives became serials (model_path_thread(), the tree walk), and
 * mnode lost its kind byte: mnode_kind(n), from the id's low 2 bits.
 * Accounting of lost events (tally, bye's threads): mthread gained
 * received, unaccounted, tally and incomplete, mprocess bye_threads,
 * tallies, unaccounted and incomplete, model_stats the matching totals;
 * mthread.drops became the writer's count, superseded by its tally.
 * Calls whose exit carried no duration: mfunc.calls_nodur,
 * model_stats.calls_nodur, an mcall CALL_DONE with dur_ns -1.
 * Exact figures from "stats" lines (model_stats.c): mprocess.stats_ms,
 * mthread.stats/stats_lines/stats_lost, mpath.stats (1 bit taken from
 * unfinished), mfunc.other, model_stats.stats_*, model_scope_figures().
 * mpath.backed (another bit of unfinished): the VIEW_PATHS walk leaves out
 * a stats thread's paths no stats node backs (model_first_child()). */
#ifndef PT_MODEL_H
#define PT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "hist.h"

typedef uint64_t node_id;        /* 0 means "no node" */

enum mnode_kind { MN_PROCESS, MN_THREAD, MN_PATH, MN_CALL };
enum model_view { VIEW_PATHS, VIEW_CALLS };

/* First member of every tree node.  Its kind is in the id's low 2 bits
 * (mnode_kind()): a separate byte would have cost every node 8 bytes of
 * padding. */
struct mnode {
	node_id id;
};

static inline enum mnode_kind mnode_kind(const struct mnode *n)
{
	return (enum mnode_kind)(n->id & 3);
}

struct mfunc {                   /* one per distinct function name */
	const char *name;        /* owned by the model */
	uint64_t calls;          /* finished calls of known duration (the figures) */
	uint64_t calls_nodur;    /* finished calls whose duration the writer did not know */
	uint64_t exceptions;
	/* Inclusive time of its outermost calls on each thread: a call
	 * inside another call of the same function (recursion) adds nothing,
	 * its time is in the outer one's already.  The average call is
	 * hist.sum_ns / hist.n, not total_ns / calls. */
	uint64_t total_ns;
	uint64_t self_ns;        /* exclusive: less the time of its finished callees */
	struct hist hist;        /* every finished call's duration, at every level */
	uint64_t abandoned;      /* calls left by a longjmp: no duration, not in the figures */
	/* The "(callers not seen)" node's pseudo-function, not one of the
	 * trace's (which may have any name): never listed among them. */
	bool marker;
	/* The "(other paths)" pseudo-function, never listed either: the
	 * calls a writer counted past its cap on distinct paths (stats),
	 * of any function.  Its figures are real calls, unlike the marker's. */
	bool other;
};

enum mprocess_state { PROC_LIVE, PROC_EXITED, PROC_VANISHED };

struct mthread;

struct mprocess {
	struct mnode node;
	int32_t pid;
	int32_t ppid;
	const char *prog;        /* owned; "" when no hello was seen */
	enum mprocess_state state;
	bool has_status;
	int32_t status;          /* from bye */
	int64_t first_ts, last_ts;
	int64_t hello_ts;        /* ts of the hello, 0 without one */
	int64_t wall_ns;         /* hello's CLOCK_REALTIME at hello_ts, 0 without one */
	uint64_t depth_max;      /* hello's: traced to depth < depth_max only
				    (deeper calls are no events); 0 = no limit */
	uint32_t stats_ms;       /* hello's: the writer sends stats (exact figures) this often; 0 = never */
	const char *filter;      /* owned; hello's PIPETRACE_FILTER, NULL: none */
	uint64_t min_duration;   /* hello's: shorter calls not sent, ns; 0 = none */
	uint32_t clock_step;     /* hello's: its clock's step, ns; 0 = not said */
	bool has_bye_threads;
	uint32_t bye_threads;    /* from bye: its threads that recorded events */
	uint32_t tallies;        /* tally events received */
	uint64_t unaccounted;    /* sum of its threads' */
	/* Its trace is known to miss events: it ended without bye, or with
	 * fewer tallies than bye's threads, or a thread is incomplete. */
	bool incomplete;
	uint32_t nthreads;
	struct mthread *threads; /* by tid (borrowed list heads, owned by the model) */
	struct mprocess *next;   /* borrowed: next process, by pid (then appearance) */
};

struct mpath;
struct mcall;

struct mthread {
	struct mnode node;
	int32_t tid;
	const char *name;        /* owned; NULL when the thread was never named */
	struct mprocess *proc;   /* borrowed */
	struct mthread *next;    /* borrowed: next thread of the process */
	uint64_t events;
	uint64_t last_seq;
	uint64_t seq_gaps;       /* events missing according to seq */
	/* Lost events, one definition everywhere: `drops` is what the writer
	 * reported (the sum of drop counts, superseded by the tally's
	 * dropped); `unaccounted` the events neither received nor reported
	 * dropped: the last seq (the tally's, else the highest seen) minus
	 * received minus drops, when positive.  Gaps are not drops. */
	uint64_t drops;
	uint64_t received;       /* enter, exit and exception events */
	uint64_t unaccounted;
	bool has_tally;          /* the writer's tally for the thread arrived */
	uint64_t tally_seq;      /* its last seq */
	/* Known to miss events: unaccounted, or its process ended with
	 * tallies missing (or without bye) and none came for it; or its
	 * accounts are not to be trusted (more received and dropped than
	 * its tally's seq). */
	bool incomplete;
	uint64_t depth_mismatches; /* enters/exits whose depth did not fit the open calls */
	/* Its figures (paths, functions, histograms) come from the writer's
	 * stats lines, exact whatever events were lost, not from its events:
	 * its process announced stats_ms.  They lag the events by up to a
	 * stats period until the final ones (before the tally). */
	bool stats;
	uint64_t stats_lines;    /* stats lines applied */
	/* Stats entries that could not be applied (refused, unknown, a path
	 * past max_paths): its figures miss them, and it is incomplete. */
	uint64_t stats_lost;
	int64_t last_ts;
	struct mpath *paths;     /* borrowed: first root path (VIEW_PATHS children) */
	struct mcall *calls;     /* borrowed: oldest kept root call (VIEW_CALLS children) */
	/* the model keeps more private state (open-call stack...) elsewhere */
};

/* Calls merged by call path.  A long run has very many of these, so a
 * path is 80 bytes: the model links paths by 32-bit serial rather than by
 * pointer, and keeps a path's histogram apart (only once it has 3 finished
 * calls: up to 2, count, total_ns and max_ns determine it).  Walk paths
 * with model_first_child() and the like; model_path_thread() and
 * model_path_hist() give the rest. */
struct mpath {
	struct mnode node;
	struct mfunc *fn;        /* borrowed from the model */
	uint64_t count;          /* finished calls */
	uint64_t total_ns, self_ns, max_ns;
	/* A call open on this path now.  One bit: a path is one chain of
	 * callers on one thread, so at most one of its calls is open (but
	 * for root paths past max_paths, which the model keeps exact). */
	uint32_t running : 1;
	/* Its figures are a stats node's (of its thread's current run), plus
	 * what earlier runs of the thread had there. */
	uint32_t stats : 1;
	/* A stats node of its thread has had it, in this run or an earlier
	 * one.  A stats thread's path without it, once the thread's first
	 * stats line is in, is no path the program took: lost events nested
	 * calls under the wrong caller.  The tree walk leaves those out. */
	uint32_t backed : 1;
	uint32_t unfinished : 29; /* calls that never returned (process ended, exit lost); saturates */
#define MPATH_UNFINISHED_MAX 0x1fffffffu
	uint32_t abandoned;      /* calls left by a longjmp (an outer call returned first); saturates */
	uint32_t exceptions;     /* saturates (per function: mfunc.exceptions) */
	struct {                 /* the model's own: serials, 0 for none */
		uint32_t thread, parent, last_child, next, hist;
	} link;
};

enum mcall_state {
	CALL_RUNNING,            /* entered, not yet returned */
	CALL_DONE,               /* returned: dur_ns is exact */
	CALL_PARTIAL,            /* an exit without its enter: dur_ns known, start derived */
	CALL_UNFINISHED,         /* its process said bye or vanished first, or its exit was lost */
	CALL_ABANDONED,          /* left by a longjmp: an outer call returned while it was open,
				  * with no event lost; its duration is unknown */
	CALL_UNSEEN,             /* the "(callers not seen)" node, once closed (running while open) */
};

struct mcall {                   /* one individual call (VIEW_CALLS) */
	struct mnode node;
	struct mpath *path;      /* borrowed: function, thread, merged stats */
	/* borrowed; parent NULL at the root.  Calls can be retired by any
	 * model_apply(): hold node ids across calls, not these pointers. */
	struct mcall *parent, *children, *next;
	int64_t start_ts;
	int64_t dur_ns;          /* -1 while running or unfinished, or when unknown */
	uint8_t state;           /* enum mcall_state */
	uint8_t has_exception;
	uint8_t sub_exception;   /* a call below it raised one (model_subtree_exceptions) */
	int32_t depth;           /* as the events gave it (0 = outermost traced frame) */
};

struct mexception {
	node_id id;              /* exception ids count up from 1 */
	int64_t ts;
	int64_t wall_ns;         /* wall-clock time of the exception (from the process's hello), else 0 */
	int32_t pid, tid;
	const char *fn, *type, *msg; /* owned */
	const char *signal;      /* owned; NULL unless from a fatal signal */
	const char **stack;      /* owned; outermost first */
	size_t nstack;
	node_id call;            /* the call that raised it; model_find() is NULL once retired */
	node_id path;
	node_id thread;
	/* An unwind rather than an exception: a longjmp abandoned this many
	 * calls (fn the innermost, `stack` the innermost EVENT_STACK_MAX of
	 * them, call and path its), and the call of `to` returned; type is
	 * "longjmp", msg says it in words, ts is that return's.  0 for an
	 * exception. */
	uint64_t abandoned;
	const char *to;          /* owned; NULL for an exception */
};

struct model_stats {
	uint64_t events;         /* events applied */
	uint64_t calls;          /* calls seen (enters, plus exits without enter) */
	uint64_t calls_kept;     /* individual calls in memory now */
	uint64_t calls_retired;
	uint64_t paths;
	uint64_t exceptions;
	uint64_t drops;          /* sum over threads (mthread.drops) */
	uint64_t seq_gaps;
	uint64_t unaccounted;    /* sum over threads */
	uint32_t incomplete_processes, incomplete_threads;
	uint32_t processes_end_lost; /* ended without bye, or with tallies missing */
	uint64_t calls_nodur;    /* calls whose exit had no duration (not in the figures) */
	uint64_t calls_flattened; /* calls put at their thread's top level: max_paths reached */
	uint64_t calls_partial;  /* exits without their enter */
	uint64_t calls_unfinished; /* open calls whose process ended or whose exit was lost */
	uint64_t depth_mismatches;
	uint64_t too_deep;       /* enters and exits ignored past max_depth open calls */
	uint64_t calls_abandoned; /* calls left by a longjmp (not in calls_unfinished) */
	uint64_t unwinds;        /* longjmps seen (each listed with the exceptions) */
	uint64_t callers_unseen; /* "(callers not seen)" nodes made (kept or retired, not calls) */
	/* exits without their enter whose function's inclusive time may
	 * count a nested call of it twice (too many calls with callers not
	 * seen to keep track of) */
	uint64_t nest_unsure;
	uint32_t processes, threads;
	uint32_t processes_cleared; /* ended ones cleared from the model (model_forget_ended) */
	/* processes traced to a limited depth; depth_max is the limit when
	 * they all have the same, else 0 */
	uint32_t depth_limited;
	uint64_t depth_max;
	/* stats lines (exact figures): lines applied, entries applied,
	 * entries refused (malformed entry, parent cycle or unknown parent,
	 * a known id given another function or parent), entries ignored
	 * (an unknown id without "fn"; a thread whose process announced no
	 * stats_ms; a path past max_paths); threads with stats */
	uint64_t stats_lines, stats_nodes, stats_bad, stats_ignored;
	/* stats entries the writers' tallies say they could not write */
	uint64_t stats_unsent;
	/* entries applied whose figures disagreed with each other (self or
	 * max above total, a histogram not of count calls): made to agree */
	uint64_t stats_clamped;
	/* stats paths more than 1024 below the top whose function was not
	 * found among the first 1024 above: taken as outermost (their total
	 * counts in the function's), which a longer recursion would not be */
	uint64_t stats_unsure;
	uint32_t stats_threads;
	/* processes traced with PIPETRACE_FILTER or _MIN_DURATION (calls left
	 * out by choice, not lost); filter and min_duration are theirs when
	 * they all have the same, else filters_differ is set */
	uint32_t filtered;
	bool filters_differ;
	char filter[128];        /* "": none, or differing; cut with "…" */
	uint64_t min_duration;
	size_t bytes;            /* memory held by the model, approximately */
};

struct model_config {
	uint64_t max_calls;      /* individual calls kept; 0 = default */
	uint32_t max_paths;      /* merged paths below the threads' top level; 0 = default */
	size_t max_exceptions;   /* exceptions kept (older ones only counted); 0 = default */
	uint32_t max_depth;      /* open calls kept per thread; 0 = MODEL_MAX_DEPTH */
};

#define MODEL_DEFAULT_MAX_CALLS 2000000u
#define MODEL_DEFAULT_MAX_EXCEPTIONS 10000u
/* About 96 MB of paths.  Past it a new path is made at its thread's top
 * level (one per function and thread at most) instead of under its
 * caller: lost events keep making paths that never happened (a callee
 * under the wrong caller), and this keeps them from growing for ever. */
#define MODEL_DEFAULT_MAX_PATHS 1000000u
/* Open calls kept per thread by default; deeper enters and their exits
 * are counted in too_deep.  Beyond real stacks (an 8 MB stack holds at
 * most some 500,000 frames; a correct trace of an interpreter's test
 * suite reached 220,000): the bound is against hostile input, not a
 * window on real programs. */
#define MODEL_MAX_DEPTH (1u << 20)

struct model;

struct model *model_create(const struct model_config *cfg); /* cfg may be NULL */
void model_free(struct model *m);

/* Applies one event.  Never fails on odd sequences: exits without enters,
 * depth jumps, seq gaps, pid reuse are all absorbed and counted.
 * A hello for a pid whose entry ended (bye, vanished), or naming another
 * program or parent, starts a new process entry (the old one, if still
 * live, becomes PROC_VANISHED); the same program and parent again is the
 * library reconnecting and keeps the entry.  An exit without its enter
 * becomes a CALL_PARTIAL under the innermost open call shallower than
 * it, and takes as its children (calls view) the calls deeper than it
 * that were added just before it; open calls whose exits were lost (seen
 * through depth) end CALL_UNFINISHED and count in depth_mismatches. */
void model_apply(struct model *m, const struct event *ev);

/* Marks a process gone without bye (its open calls become unfinished). */
void model_process_vanished(struct model *m, int32_t pid);
/* Input ended: every open call of every process becomes unfinished. */
void model_end_of_input(struct model *m);

/* Clears processes that ended (bye, or vanished) from the model, all but
 * the `keep` that ended last: their rows, threads, paths, kept calls and
 * exceptions go and their memory is freed (model_forget.c); their ids are
 * never used again (model_find() gives NULL).  The other processes'
 * figures do not change, nor do the per-function figures and the whole
 * run's histogram, which keep the calls of the processes cleared: they
 * are the run's.  Returns how many were cleared (model_stats counts them
 * all in processes_cleared).  Pointers to nodes taken before it may be
 * gone: hold ids. */
uint32_t model_forget_ended(struct model *m, uint32_t keep);

/* Bumped by every change; the interface redraws when it moves. */
uint64_t model_generation(const struct model *m);
void model_get_stats(const struct model *m, struct model_stats *out);

/* Tree walk.  `parent` NULL means the root, whose children are processes. */
const struct mnode *model_first_child(const struct model *m, enum model_view view,
				      const struct mnode *parent);
const struct mnode *model_next_sibling(const struct model *m, enum model_view view,
				       const struct mnode *node);
const struct mnode *model_parent(const struct model *m, enum model_view view,
				 const struct mnode *node);
/* False for a node the walk above leaves out, though model_find() and the
 * calls (mcall.path) still give it: a stats thread's path no stats node
 * backs (mpath.backed).  Its subtree is left out with it; model_parent()
 * leads to the rows that are shown. */
bool model_node_shown(const struct model *m, enum model_view view, const struct mnode *n);
/* How many paths the walk leaves out so (of model_stats.paths): a walk
 * of every path, for checks and tests, not for every frame. */
uint64_t model_paths_hidden(const struct model *m);
/* The node after `node` in pre-order (NULL: the first node), or NULL at the
 * end.  Without recursion: call paths can be very deep.  `level` (may be
 * NULL) follows the depth: one more into a child, less back up. */
const struct mnode *model_next_preorder(const struct model *m, enum model_view view,
					const struct mnode *node, int *level);
/* The thread `tid` of the current process `pid`, or NULL. */
const struct mthread *model_thread_find(const struct model *m, int32_t pid, int32_t tid);
/* The node with this id, or NULL when it never existed or was retired. O(1). */
const struct mnode *model_find(const struct model *m, node_id id);

/* Functions, in order of first appearance. */
size_t model_func_count(const struct model *m);
const struct mfunc *model_func_at(const struct model *m, size_t i);
const struct mfunc *model_func_find(const struct model *m, const char *name);
/* The "(other paths)" pseudo-function (mfunc.other): never listed. */
const struct mfunc *model_other_func(const struct model *m);
/* Every finished call of the whole run. */
const struct hist *model_all_hist(const struct model *m);
/* The histogram of a path's finished calls, expanded into `out`. */
void model_path_hist(const struct model *m, const struct mpath *p, struct hist *out);
/* The thread whose calls the path merges. */
const struct mthread *model_path_thread(const struct model *m, const struct mpath *p);

/* The exceptions of n's whole subtree, n's own included: all of a process's
 * or thread's, a path's and its descendants'.  For a call, only whether
 * any: 1 when it or a call below it raised one.  Kept as events arrive:
 * no walk of the subtree (a running path looks at its thread's open
 * calls). */
uint64_t model_subtree_exceptions(const struct model *m, const struct mnode *n);
/* The innermost call open on a thread now, or NULL. */
const struct mcall *model_thread_open_call(const struct model *m, const struct mthread *t);
/* The histogram of a thread's finished calls. */
const struct hist *model_thread_hist(const struct model *m, const struct mthread *t);
/* A process's: its threads' merged into `out`. */
void model_process_hist(const struct model *m, const struct mprocess *p, struct hist *out);

/* The step of the clock that timed n's scope (a process's threads, a
 * thread, the thread of a path or call; everything when n is NULL), ns:
 * the largest its processes' hellos said, 0 when none said one.  Shorter
 * durations are below what that clock can tell. */
uint32_t model_clock_step(const struct model *m, const struct mnode *n);

/* The events of n's scope that reached the model, and those known lost
 * (dropped by the writer, or unaccounted): a process's threads, a thread,
 * the thread of a path or call; everything when n is NULL.  While *lost is
 * not 0 the scope's counts, times and histograms are from a sample. */
void model_scope_events(const struct model *m, const struct mnode *n,
			uint64_t *received, uint64_t *lost);
/* The same for the scope's figures (paths, functions, histograms): only
 * its threads without stats count, since those with stats have exact
 * figures whatever events were lost.  *exact (may be NULL): how many of
 * the scope's threads have stats whose final figures are not known to be
 * missing (model_thread_stats_final_lost()). */
/* The process ended with tallies missing: without bye (vanished), or with
 * fewer tallies than its bye announced. */
bool model_proc_end_lost(const struct mprocess *p);
/* A stats thread whose figures will not be final: stats entries not
 * applied, or its process ended without its tally (the last stats lines
 * go before it).  Neither exact nor a sample: incomplete. */
bool model_thread_stats_final_lost(const struct mthread *t);
void model_scope_figures(const struct model *m, const struct mnode *n, uint64_t *received,
			 uint64_t *lost, uint32_t *exact);
/* The share of a scope's events received, in percent, as text for a
 * "sample" mark: "2.1", "0.43", "<0.01". */
void model_share_text(uint64_t received, uint64_t lost, char *buf, size_t size);

/* Exceptions, newest first (i = 0 is the newest kept). */
size_t model_exception_count(const struct model *m);
const struct mexception *model_exception_at(const struct model *m, size_t i);

/* Debugging and tests (model_dump.c): the tree of `view` in a stable text
 * form, one line per node, indented by level, with its key figures. */
void model_dump(const struct model *m, enum model_view view, FILE *out);
/* Functions, exceptions (newest first) and the stats, in the same style. */
void model_dump_summary(const struct model *m, FILE *out);
/* "pid/tid/fn/fn..." naming a node for people; control characters escaped. */
char *model_node_label(const struct model *m, const struct mnode *node, char *buf, size_t size);

/* What a process's source filters leave out, as text for a screen or a
 * report: "filter: PATTERNS", "calls >= DURATION" (PIPETRACE_FILTER,
 * PIPETRACE_MIN_DURATION), joined by sep; "" when neither.  The patterns
 * come from the trace: draw or escape the text as any other. */
char *model_filter_text(char *buf, size_t size, const char *filter,
			uint64_t min_duration, const char *sep);

#endif
