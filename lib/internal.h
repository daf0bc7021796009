/* internal.h - what the modules of libpipetrace share (not installed).
 *
 * Data flow: a traced thread appends fixed-size records (struct ptp_rec) to
 * its own single-producer/single-consumer ring (capture.c); whoever holds
 * ptp_g.lock - the background flusher in async mode, the traced thread itself
 * in sync mode - turns them into JSON lines (encode.c) and writes them to the
 * FIFO in batches of at most PTP_LINE_MAX bytes (flush.c, fifo.c).
 */
#ifndef PTP_INTERNAL_H
#define PTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pipetrace.h"

/* Longest line, newline included, and largest single write(2): PIPE_BUF. */
#define PTP_LINE_MAX 4096
/* Records per thread ring (a power of two): 8192 x 32 B = 256 KiB. */
#define PTP_RING_SIZE 8192u
/* Open calls a thread's shadow stack holds at first; it doubles as needed. */
#define PTP_STACK_MIN 512u
/* Longest name or file kept in a cached site fragment. */
#define PTP_NAME_MAX 512u
/* Longest thread name. */
#define PTP_TNAME_MAX 64u

enum ptp_kind {
	PTP_ENTER_SITE,         /* ptr: const pt_site_t * */
	PTP_EXIT_SITE,
	PTP_ENTER_ADDR,         /* ptr: function address (-finstrument-functions) */
	PTP_EXIT_ADDR,
	PTP_EXCEPTION,          /* ptr: struct ptp_exc * (owned by the record) */
	PTP_NAME,               /* ptr: malloc'd thread name (owned by the record) */
};

/* One event as the traced thread stores it: 32 bytes, no formatting. */
struct ptp_rec {
	uint64_t ts;            /* raw clock (see clock.c) */
	uintptr_t ptr;          /* meaning depends on the kind */
	uint64_t dur;           /* exit: the call's duration in ns, stalls
				   left out, converted by the traced thread
				   (the statistics add the same figure); not
				   written for other kinds */
	uint32_t seq;           /* low 32 bits of the thread's event counter */
	uint32_t depth_kind;    /* depth << 4 | enum ptp_kind */
};

/* An exception as pt_exception() stores it; the consumer frees it. */
struct ptp_exc {
	uintptr_t fn;           /* innermost open call (site or address), 0: none */
	int fn_is_addr;
	size_t type_len;
	size_t msg_len;
	char text[];            /* type, then msg, not terminated */
};

struct ptp_node;
struct ptp_stats;

/* An open call on the thread's shadow stack.  ts_kind = start << 1 | is_addr,
 * where start is the enter's raw ts minus the thread's stall clock then
 * (t->stall): at the exit, start + t->stall is the enter's time moved later
 * by the stalls in between, so that exit ts minus it excludes them.
 * With statistics on (stats.h), node is the call's path and callee the ns
 * its finished traced callees took; stack[-1] is a sentinel whose node is
 * the thread's root. */
struct ptp_open {
	uintptr_t ref;          /* pt_site_t * or function address (borrowed) */
	uint64_t ts_kind;
	struct ptp_node *node;
	uint64_t callee;
};

/* Thread flags: any nonzero value sends events through the slow path. */
#define PTP_F_OFF   1u      /* never record (tracing off, flusher, exited) */
#define PTP_F_SYNC  2u      /* sync mode: write each event at once */
#define PTP_F_CLOCK 4u      /* no usable TSC: read clock_gettime */
#define PTP_F_GROW  8u      /* growing the shadow stack, or naming a function
			       for PIPETRACE_FILTER: calls made meanwhile (an
			       instrumented malloc) are not traced */

struct ptp_thread {
	/* Written by the owning thread only. */
	unsigned flags;
	uint32_t depth;
	uint32_t seq;
	uint64_t head_local;
	uint64_t tail_cache;
	uint64_t dropped_local;
	unsigned skip;                  /* events still to drop unchecked */
	struct ptp_stats *st;           /* owned: the call-path trie, NULL
					   when statistics are off */
	unsigned char st_pend;          /* stats work for ptp_stats_settle():
					   the enter's node to find (the top
					   frame's), or the exit's bucket */
	unsigned char st_pend_b;
	struct ptp_node *st_pend_node;
	struct ptp_node *st_pend_parent;
	/* Raw clock units this thread spent blocked by tracing itself
	 * (lossless waits for room, sync-mode writes, pt_flush, growing the
	 * shadow stack): not part of its open calls' durations. */
	uint64_t stall;
	struct ptp_rec *ring;           /* owned, PTP_RING_SIZE records */
	/* Owned: the shadow stack, stack_cap entries, every open call below
	 * min(depth, stack_cap) remembered.  The crash handler reads both
	 * asynchronously: growing publishes a full copy before the new size
	 * and frees the old array only after. */
	struct ptp_open *stack;
	uint32_t stack_cap;
	/* min(stack_cap, ptp_g.depth_max): the one bound the hot path checks;
	 * a call at or above it takes the cold path, which grows the stack or
	 * filters the call (PIPETRACE_DEPTH). */
	uint32_t limit;
	/* Under a filter (ptp_g.filtering; see capture.c): */
	uint32_t wdepth;                /* traced calls open: the next one's depth
					   on the wire */
	uint32_t excl_at;               /* 1 + shadow depth of the open call whose
					   subtree is filtered out, 0: none */
	uint32_t incl_at;               /* 1 + shadow depth of the outermost open
					   included call, 0: none */
	uint32_t wsent;                 /* PIPETRACE_MIN_DURATION: the traced open
					   calls whose enters are sent (the
					   outermost ones; the rest are held) */
	pid_t tid;
	void *altstack;                 /* owned: sigaltstack memory, or NULL */

	/* Published by the owning thread for the consumer, on a line of their
	 * own: the consumer's reads must not evict what each event reads. */
	_Atomic uint64_t head __attribute__((aligned(64)));  /* = head_local */
	_Atomic uint64_t dropped;       /* events lost to a full ring */
	/* Lossless wait: the tail the thread waits for (0: none), and the
	 * futex word the consumer bumps and wakes once the tail reaches it. */
	_Atomic uint64_t wait_tail;
	_Atomic uint32_t wake;

	/* Written by the consumer (holder of ptp_g.lock). */
	_Atomic uint64_t tail __attribute__((aligned(64)));
	uint64_t seq64;                 /* last seq written, 64 bits */
	uint64_t last_ns;               /* keeps ts monotonic per thread */
	uint64_t drops_seen;            /* part of `dropped` already accounted */
	uint64_t lost;                  /* events lost, not yet reported */
	/* The tally: seq = consumed + drops_seen, dropped = lost_total.  Both
	 * are counted here, off the traced thread's hot path. */
	uint64_t consumed;              /* seq events taken from the ring */
	uint64_t lost_total;            /* events lost since the thread began */
	uint64_t stop_at;               /* exit: ring position of the snapshot */
	unsigned announced;             /* connection generation of the last
					   "thread" event written; 0 = never */
	unsigned char counted;          /* counted in bye's "threads" */
	unsigned char retired;          /* dead and drained: ring freed */
	unsigned char tallied;          /* its tally was written: may be freed */
	char name[PTP_TNAME_MAX + 1];
	char id[48];                    /* `,"pid":P,"tid":T` */
	size_t id_len;
	pid_t id_pid, id_tid;           /* what id was made for */

	/* Shared. */
	_Atomic int dead;               /* the thread has exited */
	char *_Atomic name_late;        /* pt_thread_name() with a full ring:
					   the consumer takes and frees it */
	struct ptp_thread *next;        /* registry link (borrowed) */
};

/* Process-wide state; defined in capture.c. */
struct ptp_global {
	_Atomic int state;              /* enum ptp_state */
	int sync;                       /* PIPETRACE_MODE=sync */
	int lossless;                   /* PIPETRACE_LOSSLESS=1 */
	int no_demangle;                /* PIPETRACE_DEMANGLE=0 */
	int binary;                     /* PIPETRACE_WIRE=binary: enters and
					   exits go in binary frames */
	uint32_t depth_max;             /* PIPETRACE_DEPTH, UINT32_MAX if unset:
					   calls at this depth or deeper are
					   not events */
	uint32_t stats_ms;              /* PIPETRACE_STATS_MS, 0: no stats */
	uint32_t stats_paths;           /* PIPETRACE_STATS_PATHS */
	const char *filter;             /* PIPETRACE_FILTER when valid, else NULL */
	int filter_incl;                /* it has include patterns */
	int filter_excl;                /* it has exclude patterns */
	int filtering;                  /* a filter is on: each call is decided
					   in capture.c's cold path (limit 0) */
	uint64_t min_duration;          /* PIPETRACE_MIN_DURATION, ns; 0: none */
	_Atomic uint64_t min_ticks;     /* the same in raw clock ticks (clock.c
					   refines it with the rate) */
	pid_t pid;
	pid_t ppid;

	pthread_mutex_t reg_lock;       /* guards registry insertion/removal */
	struct ptp_thread *_Atomic threads; /* registry head (owned list) */

	pthread_mutex_t lock;           /* the consumer: rings' tails, fd, out */
	/* The flusher's idle sleep: a futex word bumped by whoever has work
	 * for it (ptp_flusher_kick()), and whether it sleeps on it now. */
	_Atomic uint32_t fl_kick;
	_Atomic int fl_asleep;
	/* For tests (tests/lib_wake.c, linked statically): lossless waits for
	 * room, and flusher sleeps that ran to their timeout while a thread
	 * waited for room unkicked - a lost wake-up, 0 unless that is broken. */
	_Atomic uint32_t ring_waits;
	_Atomic uint32_t fl_missed;
	pthread_cond_t done;            /* pt_flush: a requested pass ended */
	uint64_t flush_req;             /* pt_flush requests (under lock) */
	uint64_t flush_done;
	_Atomic int stop;               /* exiting: flusher asked to finish,
					   endless waits end */
	int flusher_running;
	pthread_t flusher;
};

enum ptp_state {
	PTP_UNINIT,
	PTP_INITIALIZING,
	PTP_ON,
	PTP_OFF,                        /* PIPETRACE=0, failure, or after bye */
};

extern struct ptp_global ptp_g;

/* capture.c */
struct ptp_thread *ptp_thread_self(void);
void ptp_thread_set_off(void);
/* Frees a thread record and what it owns (not the altstack: see signals.c). */
void ptp_thread_free(struct ptp_thread *t);
void ptp_publish_own_drops(void);
void ptp_ensure_init(void);
/* The shadow stack: cap entries from index 0, and the sentinel at -1. */
struct ptp_open *ptp_stack_alloc(uint32_t cap);
void ptp_stack_free(struct ptp_open *stack);
/* The innermost open call that is an event (PIPETRACE_DEPTH and _FILTER
 * leave calls out): its index on the shadow stack, or UINT32_MAX when none
 * is remembered; *wire: the depth it was sent at.  Async-signal-safe. */
uint32_t ptp_innermost_traced(const struct ptp_thread *t, uint32_t *wire);
/* Brackets a wait of the calling thread on tracing itself (stall clock). */
uint64_t ptp_stall_begin(void);
void ptp_stall_end(uint64_t begin);

/* clock.c: raw timestamps are TSC ticks when the TSC is usable, else ns. */
int ptp_clock_init(int allow_tsc);      /* 1 when the TSC is used */
uint64_t ptp_clock_raw_slow(void);
void ptp_clock_update(void);            /* consumer: new anchor, refine rate */
uint64_t ptp_clock_ns(uint64_t raw);
uint64_t ptp_mono_ns(void);
uint64_t ptp_wall_ns(void);
/* Spins until the TSC rate is known to about 0.1%: the traced threads
 * convert each call's duration to ns (ptp_stats_mult). */
void ptp_clock_prime(void);
/* The clock's step in ns (rounded up), measured at start-up; 0 = unknown. */
uint32_t ptp_clock_step_ns(void);

/* encode.c: JSON pieces.  All async-signal-safe. */
size_t ptp_json_str(char *dst, size_t cap, const char *src, size_t len);
char *ptp_fmt_i64(char *p, int64_t v);
char *ptp_hex_addr(char *p, uintptr_t a);
extern const char ptp_pairs[201];

/* Inline: the flusher puts several pieces and integers on every line. */
static inline char *ptp_put(char *p, const char *s, size_t n)
{
	__builtin_memcpy(p, s, n);
	return p + n;
}
#define PTP_PUTS(p, lit) ptp_put((p), (lit), sizeof(lit) - 1)
/* A literal key, then an unsigned number: `,"count":1200`. */
#define PTP_PUT_U64(p, lit, v) ptp_fmt_u64(PTP_PUTS(p, lit), (v))

/* Decimal, written straight into place: digit count from the bit length,
 * then four digits per 64-bit division and two per table lookup (a
 * digit-by-digit loop was the flusher's hottest spot). */
static inline char *ptp_fmt_u64(char *p, uint64_t v)
{
	static const uint64_t p10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
		10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
		100000000000ull, 1000000000000ull, 10000000000000ull,
		100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull,
		10000000000000000000ull,
	};
	unsigned n;
	uint32_t w;
	char *end, *q;

	if (v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	n = ((64u - (unsigned)__builtin_clzll(v)) * 1233u) >> 12;
	n += v >= p10[n];
	end = q = p + n;
	while (v >= 10000) {
		uint32_t r = (uint32_t)(v % 10000);

		v /= 10000;
		q -= 4;
		__builtin_memcpy(q, ptp_pairs + 2 * (r / 100), 2);
		__builtin_memcpy(q + 2, ptp_pairs + 2 * (r % 100), 2);
	}
	w = (uint32_t)v;
	while (w >= 100) {
		q -= 2;
		__builtin_memcpy(q, ptp_pairs + 2 * (w % 100), 2);
		w /= 100;
	}
	if (w >= 10) {
		q -= 2;
		__builtin_memcpy(q, ptp_pairs + 2 * w, 2);
	} else {
		*--q = (char)('0' + w);
	}
	return end;
}

/* symbols.c: a function's cached fragment, and its id in binary frames. */
struct ptp_frag {
	size_t len;             /* whole fragment */
	size_t fn_len;          /* `"fn":"…"` part */
	const char *name;       /* the name itself, unescaped (PIPETRACE_FILTER
				   matches it), in the same allocation */
	uint32_t id;            /* > 0, unique in the process */
	unsigned sent;          /* connection generation that got its
				   definition (binary frames); 0: none */
	char text[];
};
/* The fragment itself, NULL when out of memory.  Consumer only. */
struct ptp_frag *ptp_site_fragp(const pt_site_t *site);
struct ptp_frag *ptp_addr_fragp(uintptr_t addr);

/* addrmap.c: address -> nonzero word, lock-free readers (async-signal-safe),
 * one writer at a time (the caller's lock).  Keys and values are not 0. */
struct ptp_amap_slot {
	_Atomic uintptr_t key;
	_Atomic uintptr_t val;
};
struct ptp_amap_tab {
	size_t mask;
	size_t used;
	struct ptp_amap_tab *older;     /* owned: kept for lock-free readers */
	struct ptp_amap_slot slots[];
};
struct ptp_amap {
	struct ptp_amap_tab *_Atomic tab;
};
/* The slot of key, or the empty one where it would go. */
static inline struct ptp_amap_slot *ptp_amap_slot(struct ptp_amap_tab *t, uintptr_t key)
{
	size_t i = (size_t)(((uint64_t)key * 0x9e3779b97f4a7c15ull) >> 17) & t->mask;

	for (;; i = (i + 1) & t->mask) {
		uintptr_t k = atomic_load_explicit(&t->slots[i].key, memory_order_acquire);

		if (k == key || k == 0)
			return &t->slots[i];
	}
}
/* The value of key, 0 if none. */
static inline uintptr_t ptp_amap_get(struct ptp_amap *m, uintptr_t key)
{
	struct ptp_amap_tab *t = atomic_load_explicit(&m->tab, memory_order_acquire);
	struct ptp_amap_slot *s;

	if (!t)
		return 0;
	s = ptp_amap_slot(t, key);
	if (atomic_load_explicit(&s->key, memory_order_acquire) != key)
		return 0;
	return atomic_load_explicit(&s->val, memory_order_acquire);
}
/* Sets (or replaces) key's value; -1 when out of memory. */
int ptp_amap_put(struct ptp_amap *m, uintptr_t key, uintptr_t val);

/* symbols.c: the cached `"fn":"…","file":"…","line":N` fragment of a site
 * or function address; *fn_len is the length of the `"fn":"…"` prefix.
 * Consumer only (holder of ptp_g.lock). */
const char *ptp_site_frag(const pt_site_t *site, size_t *len, size_t *fn_len);
const char *ptp_addr_frag(uintptr_t addr, size_t *len, size_t *fn_len);
/* The unescaped name of an address, as its fragment shows it ("?" when it
 * cannot be had); valid for the life of the process.  Holder of ptp_g.lock. */
const char *ptp_addr_name(uintptr_t addr);
/* Async-signal-safe: the escaped `"name"` of an already resolved address. */
const char *ptp_sym_cached_name(uintptr_t addr, size_t *len);

/* filter.c: PIPETRACE_FILTER.  A decision per site or function address,
 * cached in ptp_filter_cache (0: not decided yet). */
enum ptp_fd { PTP_FD_NONE = 1, PTP_FD_INCL, PTP_FD_EXCL };
extern struct ptp_amap ptp_filter_cache;
/* Reads PIPETRACE_FILTER (a warning on stderr when invalid); 1 when on. */
int ptp_filter_init(void);
/* Names ref, matches it, caches the decision.  Takes ptp_g.lock. */
unsigned ptp_filter_decide(uintptr_t ref, unsigned is_addr);

/* fifo.c */
void ptp_fifo_init(void);
int ptp_fifo_connect(int force);        /* >= 0: fd now connected */
int ptp_fifo_fd(void);
unsigned ptp_fifo_gen(void);            /* connection generation, > 0 */
enum ptp_wr { PTP_WR_OK, PTP_WR_AGAIN, PTP_WR_GONE };
enum ptp_wr ptp_fifo_write(const char *buf, size_t len);
void ptp_fifo_close(void);
void ptp_fifo_new_process(void);         /* after fork: hello again */
void ptp_fifo_mark_flusher(void);        /* this thread blocks SIGPIPE */
int ptp_fifo_open_raw(void);            /* async-signal-safe open + checks */
int ptp_fifo_wait_writable(int timeout_ms);
long ptp_fifo_unread(void);
int ptp_fifo_reader_gone(void);
int ptp_fifo_still_ours(int fd);        /* async-signal-safe */

/* capture.c: the consumer moved t's tail: wakes a lossless wait for it. */
void ptp_wake_waiter(struct ptp_thread *t, uint64_t tail);

/* flush.c */
int ptp_flusher_start(void);
/* Gets the flusher to make a pass soon: wakes it if it sleeps, else makes
 * its coming sleep return at once.  Any thread; async-signal-safe. */
void ptp_flusher_kick(void);
/* status: the exit status the parent will see, or -1 when unknown. */
void ptp_flusher_stop_and_bye(int status);
void ptp_sync_emit(struct ptp_thread *t);
void ptp_sync_thread_gone(struct ptp_thread *t);
void ptp_flush_after_fork(void);
void ptp_consume_discard(struct ptp_thread *t);
size_t ptp_format_hello(char *buf);     /* async-signal-safe */
/* For stats.c: the batch of whole lines being built (see flush.c). */
char *ptp_room(struct ptp_thread *owner, size_t need, uint64_t deadline,
	       uint64_t raw);
void ptp_commit(char *end);
char *ptp_head(char *p, const char *ev, size_t evlen, uint64_t ns,
	       struct ptp_thread *t);
uint64_t ptp_meta_ns(struct ptp_thread *t, uint64_t raw);
const char *ptp_fn_frag(uintptr_t ref, int is_addr, size_t *len, size_t *fn_len);
int ptp_is_connected(void);
/* Its tally is written, or in the batch being built: nothing of the
 * thread's may follow. */
int ptp_tally_done(const struct ptp_thread *t);

/* stats.c */
void ptp_stats_env(void);               /* PIPETRACE_STATS_MS, _PATHS */
/* A new thread's trie, its root the sentinel frame's node; NULL when
 * statistics are off or memory is short (the thread then has none). */
struct ptp_stats *ptp_stats_new(void);
void ptp_stats_free(struct ptp_stats *s);
/* The rare part of an enter or exit, done at its end (st_pend). */
void ptp_stats_settle(struct ptp_thread *t);
void ptp_stats_exception(struct ptp_thread *t);
/* Frames k+1..top were left without their exit: the traced ones counted
 * abandoned, their finished callees' time given to the innermost traced
 * call at k or below. */
void ptp_stats_unwind(struct ptp_thread *t, uint32_t k, uint32_t top);
void ptp_stats_fork_child(struct ptp_thread *t);
/* Consumer: the stats lines due in this pass (all threads, or `only`),
 * before any event; -1 when the pipe is full (the rest stays due). */
int ptp_stats_pass(uint64_t deadline, struct ptp_thread *only);
/* Consumer: every node of a dead thread written (before its tally), or
 * of every thread (at exit, `t` NULL); -1 when the pipe is full. */
int ptp_stats_final(struct ptp_thread *t, uint64_t deadline);
/* Consumer: the batch that holds stats lines of `owner` was written on
 * connection gen / given up. */
void ptp_stats_batch_written(unsigned gen);
/* Consumer: t's nodes whose latest figures the current reader will not
 * have got once the batch being built is written (0 when stats are off);
 * t's tally, in that batch, says so when not 0. */
uint64_t ptp_stats_unsent(const struct ptp_thread *t);
/* Consumer: stats lines still to be written (in the batch being built,
 * or rounds not done) for threads not yet tallied. */
int ptp_stats_owed(void);
void ptp_stats_batch_lost(struct ptp_thread *owner);
void ptp_stats_after_fork(void);

/* signals.c */
void ptp_signals_thread_init(struct ptp_thread *t);
void ptp_signals_thread_exit(struct ptp_thread *t);

#endif /* PTP_INTERNAL_H */
