/* lib_harness.h - what the libpipetrace tests share: a private FIFO that
 * the test reads itself, a traced helper program run as a child (with its
 * stdin/stdout as a control channel), and the lines it wrote, parsed with
 * jansson.
 */
#ifndef LIB_HARNESS_H
#define LIB_HARNESS_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

struct cap {
	char dir[64];           /* private mkdtemp directory */
	char fifo[128];         /* dir/trace.fifo */
	char errfile[128];      /* dir/stderr: the child's stderr */
	int rfd;                /* FIFO read end, or -1 */
	int wfd;                /* our own idle write end: no EOF while the
				   child reconnects */
	pid_t pid;              /* the child, 0 once reaped */
	pid_t spawned;          /* the child's pid, kept */
	int status;             /* its wait status */
	int to_child;           /* its stdin */
	int from_child;         /* its stdout */
	char *buf;              /* owned: everything read from the FIFO */
	size_t len, size;
	json_t *lines;          /* owned: array of parsed lines */
	size_t bad;             /* lines that did not parse or were too long */
};

/* Creates the directory, and the FIFO (mode 0600) unless make_fifo is 0. */
void cap_init(struct cap *c, int make_fifo);
/* Opens the read end (and an idle write end) of the FIFO. */
void cap_open(struct cap *c);
/* Closes both ends: the writer sees its reader go away. */
void cap_close(struct cap *c);
/* Runs a helper from tests/ ("lib_traced", ...) with args, PIPETRACE_FIFO set
 * to our FIFO and the extra "NAME=value" settings in env (NULL-terminated,
 * may be NULL). */
void cap_spawn(struct cap *c, const char *helper, const char *const *args,
	       const char *const *env);
/* Reads whatever the FIFO holds now, waiting up to timeout_ms for some. */
void cap_read(struct cap *c, int timeout_ms);
/* Reads a line of the child's stdout into buf; fails the test after 30 s. */
void cap_expect(struct cap *c, const char *line);
/* Reads the FIFO until `needle` occurs n times in all that was read;
 * fails the test after 30 s. */
void cap_wait_for(struct cap *c, const char *needle, int n);
/* Tells the child to go on. */
void cap_say(struct cap *c, const char *line);
/* Reads the FIFO until the child has exited and everything is read; kills
 * the child and fails the test after 60 s. */
void cap_finish(struct cap *c);
/* Splits what was read into lines and parses them (into c->lines). */
void cap_parse(struct cap *c);
/* The usual run: cap_init() with a FIFO, cap_open(), cap_spawn(). */
void cap_start(struct cap *c, const char *helper, const char *const *args,
	       const char *const *env);
/* The usual end: cap_finish(), assert_exit_0(), cap_parse(). */
void cap_done(struct cap *c);
/* The child's stderr, as a string (owned by the caller). */
char *cap_stderr(struct cap *c);
void cap_free(struct cap *c);

/* Helpers over the parsed lines. */
const char *ev_kind(json_t *o);
json_int_t ev_int(json_t *o, const char *key);
const char *ev_str(json_t *o, const char *key);
/* Checks the keys and types the protocol requires of this event. */
void ev_check_schema(json_t *o);

/* Per-thread replay of a trace: seq order, depths, matching enter/exit.
 * The thread states live in one static pool (16 KB each: too big for a
 * test's stack), so one replay at a time is valid. */
#define REPLAY_MAXT 512
struct tstate {
	json_int_t pid, tid;
	json_int_t last_seq;
	json_int_t events;      /* enter/exit/exception lines */
	json_int_t dropped;     /* sum of drop counts */
	int named;              /* thread lines */
	int tallies;
	json_int_t tally_seq, tally_dropped;    /* of the last tally */
	int depth;
	char stack[256][64];
};

#define REPLAY_MAXP 64
struct pstate {
	json_int_t pid;
	int byes;
	json_int_t threads;     /* bye's "threads" */
};

struct replay {
	struct tstate *t;       /* REPLAY_MAXT of them, in the pool */
	int n;
	struct pstate p[REPLAY_MAXP];
	int np;
	int hellos, byes;
};

/* How replay() judges gaps in a thread's seq. */
enum replay_gaps {
	REPLAY_GAPS_COUNTED = 0,  /* events + reported drops cover the last seq */
	REPLAY_CONTIGUOUS = 1,    /* no gap at all; depths match the open calls */
	/* The reader closed the FIFO once: the lines still in the pipe died
	 * with it, written and so never counted as drops by the writer. */
	REPLAY_READER_RESTARTED = 2,
};

/* Checks every line against the schema and every thread's sequence, its
 * gaps as `gaps` says.  A tally's dropped supersedes the drop lines (drops
 * at the very end may leave no later seq, or no drop line at all). */
void replay(struct cap *c, struct replay *r, int gaps);
/* The accounting the protocol promises, on a replayed trace.  For every
 * process that said bye: one tally per thread, as many as bye's "threads",
 * every thread named, and for each, events received + tally dropped ==
 * tally seq, with the drop lines adding up to the same dropped count.  A
 * tally that came without a bye must be right as well.  Returns the number
 * of processes that said bye. */
int replay_check_accounting(struct replay *r);
/* Like cap_finish(), but reads at most `chunk` bytes every `interval_ms`:
 * a slow reader. */
void cap_finish_slow(struct cap *c, size_t chunk, int interval_ms);
/* lib_traced with args behind a slow reader (cap_finish_slow), replayed
 * with counted gaps and its accounting checked.  A reader can come too late
 * for the bye on a loaded machine: up to three runs are made; returns 1
 * with *c and *r of the first that said bye (the caller frees *c), fails
 * the test after three without. */
int run_slow_until_bye(struct cap *c, struct replay *r, const char *const *args,
		       size_t chunk, int interval_ms);
/* The first event of kind ev (and function fn, if not NULL), or NULL. */
json_t *find_ev(struct cap *c, const char *ev, const char *fn);
/* The same, failing the test when there is none. */
json_t *need_ev(struct cap *c, const char *ev, const char *fn);
/* After cap_start() of a helper that crashes: waits for it, checks it died
 * of SIGSEGV, parses the lines (none bad) and returns the exception event
 * the crash handler wrote, schema-checked, with type "SIGSEGV". */
json_t *need_segv_exception(struct cap *c);
/* lib_traced crash (main -> outer -> inner) with `setting` keeping inner
 * untraced: the SIGSEGV is reported in outer, at depth 1, its stack
 * naming all three calls; the trace is well formed. */
void check_crash_in_outer(const char *setting);
/* Fails unless the helper exited with status 0. */
void assert_exit_0(struct cap *c);

/* The `stats` lines of one thread, each node's latest figures. */
struct snode {
	json_int_t id, parent;
	char fn[128];
	int other;
	int named;              /* named on the current connection */
	json_int_t count, total, self, max, exc, abandoned, hist_sum;
	int entries;            /* how many times it was sent */
};

struct sthread {
	json_int_t pid, tid;
	struct snode *nodes;
	size_t n, cap;
	int lines;              /* stats lines */
	int hellos;             /* of its process */
	json_int_t stats_ms;    /* hello's, 0 if absent */
	int tallied;
	json_int_t unsent;      /* the tally's stats_unsent, 0 if absent */
};

/* Collects the stats of (pid, tid) from the parsed lines, checking the
 * protocol's rules on the way: a node named on each connection before it
 * goes without fn, cumulative figures, ts never decreasing, nothing after
 * the tally, parents before children. */
void stats_of(struct cap *c, json_int_t pid, json_int_t tid, struct sthread *s);
/* The node of a path of function names, "main/mid/leaf", or NULL. */
const struct snode *stats_path(const struct sthread *s, const char *path);
/* Each node: self <= total, max <= total, histogram sums to count; its
 * children's totals within its own and self = total - children's totals,
 * up to the rounding of each call to whole ns (not checked when some
 * calls went to "(other paths)", whose callers are not known). */
void stats_check_sums(const struct sthread *s);
void stats_free(struct sthread *s);

#endif
