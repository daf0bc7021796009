/* capture.c - the traced thread's side: PT_TRACE(), the
 * -finstrument-functions hooks, pt_exception() and pt_thread_name().
 *
 * The hot path (tracing on, async mode, TSC usable) reads the TSC, pushes
 * the call on a per-thread shadow stack and stores one 32-byte record in the
 * thread's ring; no lock, no syscall, no formatting.  Anything unusual (first
 * event of a thread, sync mode, tracing off) takes the slow path, kept out
 * of line.  This file is never built with -finstrument-functions, and the
 * hooks are marked no_instrument_function anyway.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "stats.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define PTP_FAST_CLOCK() __rdtsc()
#else
#define PTP_FAST_CLOCK() ptp_clock_raw_slow()
#endif

#define PTP_HOT __attribute__((no_instrument_function, hot))
/* The pieces of the hot path: always inlined into the entry points, which
 * then need no stack frame on their usual path. */
#define PTP_INLINE static inline __attribute__((no_instrument_function, hot, always_inline))
#define PTP_COLD __attribute__((no_instrument_function, noinline, cold))
/* Under a filter every call takes this path: out of the hot path's way, but
 * optimized for speed, not size. */
#define PTP_FILT __attribute__((no_instrument_function, noinline))
#define PTP_LIKELY(x) __builtin_expect(!!(x), 1)
#define PTP_UNLIKELY(x) __builtin_expect(!!(x), 0)

struct ptp_global ptp_g = {
	.reg_lock = PTHREAD_MUTEX_INITIALIZER,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

/* The calling thread's state: NULL until its first event, then its record,
 * or ptp_off_thread for threads that must never record (the flusher, threads
 * being torn down, everything when tracing is off). */
static __thread struct ptp_thread *ptp_self
	__attribute__((tls_model("initial-exec")));
/* Set while this thread is inside the library's slow path, so that
 * instrumented code it calls (malloc replacements...) is not traced. */
static __thread int ptp_busy __attribute__((tls_model("initial-exec")));

static struct ptp_thread ptp_off_thread = { .flags = PTP_F_OFF };
static pthread_key_t ptp_key;
static unsigned ptp_thread_flags;       /* flags of each new thread */

struct ptp_thread *ptp_thread_self(void)
{
	return ptp_self;
}

void ptp_thread_set_off(void)
{
	ptp_self = &ptp_off_thread;
}

void ptp_thread_free(struct ptp_thread *t)
{
	free(atomic_load(&t->name_late));
	free(t->ring);
	ptp_stack_free(t->stack);
	ptp_stats_free(t->st);
	free(t);
}

struct ptp_open *ptp_stack_alloc(uint32_t cap)
{
	struct ptp_open *s = malloc(((size_t)cap + 1) * sizeof *s);

	return s ? s + 1 : NULL;
}

void ptp_stack_free(struct ptp_open *stack)
{
	if (stack)
		free(stack - 1);
}

/* ---- the ring ---------------------------------------------------------- */

/* Lossless mode, ring full: wait for the consumer rather than drop, until
 * half the ring is free - asleep on a futex the consumer wakes, so that a
 * program held up by its reader neither spins nor wakes per event (a
 * 50 us sleep-and-look loop took a sizeable part of lossless mode's CPU,
 * and starved the flushers of busy processes).  The flusher may be asleep
 * itself, having found every ring empty a moment ago: it is kicked, else
 * both would sleep until its timer, 10 ms for a ring that fills in a
 * fraction of that.  Gives up when no consumer will come (flusher
 * stopped); the timeout covers a missed wake-up. */
PTP_COLD static int ptp_ring_wait(struct ptp_thread *t, uint64_t h)
{
	struct timespec d = { 0, 10000000 };
	uint64_t t0 = ptp_clock_raw_slow(), want = h - PTP_RING_SIZE / 2 + 1;
	int room = 0;

	/* The ring is full (head published): any pass after the kick drains
	 * it.  The kick goes first so that a flusher that sees our wait sees
	 * the kick too (its count of lost wake-ups, for the tests). */
	ptp_flusher_kick();
	atomic_store(&t->wait_tail, want);
	atomic_fetch_add_explicit(&ptp_g.ring_waits, 1, memory_order_relaxed);
	while (atomic_load_explicit(&ptp_g.state, memory_order_relaxed) == PTP_ON &&
	       ptp_g.flusher_running) {
		uint32_t w = atomic_load(&t->wake);

		t->tail_cache = atomic_load(&t->tail);
		if (t->tail_cache >= want) {
			room = 1;
			break;
		}
		syscall(SYS_futex, &t->wake, FUTEX_WAIT_PRIVATE, w, &d, NULL, 0);
	}
	atomic_store(&t->wait_tail, 0);
	t->stall += ptp_clock_raw_slow() - t0;
	return room;
}

void ptp_wake_waiter(struct ptp_thread *t, uint64_t tail)
{
	uint64_t want;

	/* Against the waiter's store of wait_tail and load of tail. */
	atomic_thread_fence(memory_order_seq_cst);
	want = atomic_load_explicit(&t->wait_tail, memory_order_relaxed);
	if (want && tail >= want) {
		atomic_fetch_add(&t->wake, 1);
		syscall(SYS_futex, &t->wake, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
}

/* The ring looked full and no drop burst is under way: look at the
 * consumer's tail.  While the consumer is behind, events are then dropped
 * in bursts of PTP_DROP_BURST without looking at its tail each time
 * (ptp_push_full()): that cache line is the consumer's, and fetching it
 * per event would double the cost of an event exactly when the program is
 * busiest. */
#define PTP_DROP_BURST 64
PTP_COLD static int ptp_ring_full(struct ptp_thread *t, uint64_t h)
{
	/* The count is published once a burst, not per event: that line is
	 * read by the consumer. */
	atomic_store_explicit(&t->dropped, t->dropped_local, memory_order_relaxed);
	t->tail_cache = atomic_load_explicit(&t->tail, memory_order_acquire);
	if (h - t->tail_cache < PTP_RING_SIZE)
		return 1;
	if (ptp_g.lossless && !(t->flags & PTP_F_SYNC) && ptp_ring_wait(t, h))
		return 1;
	/* Dropping does not wake a sleeping flusher (ptp_flusher_kick()):
	 * measured, that delivered a few more percent of the events (a sample
	 * still; the statistics are exact anyway) and cost the traced thread
	 * up to 1 ns per call (a busier flusher reads the lines it writes). */
	t->skip = PTP_DROP_BURST - 1;
	t->dropped_local++;
	return 0;
}

/* Makes the thread's drop count exact for the consumer (exit, thread end,
 * pt_flush). */
static void ptp_publish_drops(struct ptp_thread *t)
{
	atomic_store_explicit(&t->dropped, t->dropped_local, memory_order_relaxed);
}

void ptp_publish_own_drops(void)
{
	if (ptp_self && ptp_self != &ptp_off_thread)
		ptp_publish_drops(ptp_self);
}

/* Stores a record at the head of the ring, which has room. */
PTP_INLINE void ptp_store(struct ptp_thread *t, uint64_t ts,
				     uintptr_t ptr, uint64_t dur, uint32_t depth_kind)
{
	uint64_t h = t->head_local;
	struct ptp_rec *r = &t->ring[h & (PTP_RING_SIZE - 1)];

	r->ts = ts;
	r->ptr = ptr;
	/* Only exits have one: an enter (half of all events) saves a store. */
	if ((depth_kind & 15) == PTP_EXIT_SITE || (depth_kind & 15) == PTP_EXIT_ADDR)
		r->dur = dur;
	r->seq = t->seq;
	r->depth_kind = depth_kind;
	t->head_local = h + 1;
	atomic_store_explicit(&t->head, h + 1, memory_order_release);
}

/* The ring looked full, at the end of a burst: store after all if the
 * consumer made room, else count a drop and start a burst. */
PTP_COLD static int ptp_push_full_slow(struct ptp_thread *t, uint64_t ts,
				       uintptr_t ptr, uint64_t aux, uint32_t depth_kind)
{
	int stored = ptp_ring_full(t, t->head_local);

	if (stored)
		ptp_store(t, ts, ptr, aux, depth_kind);
	if (t->st_pend)
		ptp_stats_settle(t);
	return stored;
}

/* The ring looked full: within a burst, a drop is two counts.  Under
 * overload most events end here (94 % in bench_lib), so this part is kept
 * apart from the rest, free of register saves.  Out of line, and called
 * last, so that the hot path needs no stack frame either. */
PTP_FILT static int ptp_push_full(struct ptp_thread *t, uint64_t ts,
				  uintptr_t ptr, uint64_t aux, uint32_t depth_kind)
{
	if (PTP_LIKELY(t->skip && !t->st_pend)) {
		t->skip--;
		t->dropped_local++;
		return 0;
	}
	if (t->skip) {
		t->skip--;
		t->dropped_local++;
		ptp_stats_settle(t);
		return 0;
	}
	return ptp_push_full_slow(t, ts, ptr, aux, depth_kind);
}

/* Appends one record; returns 0 when it was dropped (ring full). */
PTP_INLINE int ptp_push(struct ptp_thread *t, uint64_t ts,
				   uintptr_t ptr, uint64_t aux, unsigned kind,
				   uint32_t depth)
{
	if (kind != PTP_NAME)   /* not an event of the protocol's seq series */
		++t->seq;
	if (PTP_UNLIKELY(t->head_local - t->tail_cache >= PTP_RING_SIZE))
		return ptp_push_full(t, ts, ptr, aux, depth << 4 | kind);
	ptp_store(t, ts, ptr, aux, depth << 4 | kind);
	return 1;
}

/* The same for an enter or exit, with the statistics' rare work
 * (ptp_stats_settle()) after it: both out-of-line calls come last, so
 * that the hot path needs no stack frame. */
PTP_INLINE void ptp_push_call(struct ptp_thread *t, uint64_t ts, uintptr_t ptr,
			      uint64_t aux, unsigned kind, uint32_t depth)
{
	++t->seq;
	if (PTP_UNLIKELY(t->head_local - t->tail_cache >= PTP_RING_SIZE)) {
		ptp_push_full(t, ts, ptr, aux, depth << 4 | kind);
		return;
	}
	ptp_store(t, ts, ptr, aux, depth << 4 | kind);
	if (PTP_UNLIKELY(t->st_pend))
		ptp_stats_settle(t);
}

/* ---- open calls -------------------------------------------------------- */

/* The shadow stack is full: doubles it.  Calls that the allocator makes
 * meanwhile are not traced (PTP_F_GROW sends them to the slow path, which
 * ignores them).  The crash handler may interrupt us anywhere here and read
 * the stack: it sees the old array and size, the new array (a full copy)
 * with the old size, or both new - never a freed array, never a size
 * larger than its array. */
static uint32_t ptp_limit(uint32_t cap)
{
	if (ptp_g.filtering)
		return 0;       /* every call decided in ptp_enter_filter() */
	return cap < ptp_g.depth_max ? cap : ptp_g.depth_max;
}

PTP_COLD static int ptp_stack_grow(struct ptp_thread *t)
{
	struct ptp_open *old = t->stack, *stack = NULL;
	uint32_t cap = t->stack_cap;
	unsigned flags = t->flags;

	if (cap <= UINT32_MAX / 2 / sizeof *stack - 1) {
		t->flags = flags | PTP_F_GROW;
		atomic_signal_fence(memory_order_seq_cst);
		stack = ptp_stack_alloc(2 * cap);
		atomic_signal_fence(memory_order_seq_cst);
		t->flags = flags;
	}
	if (!stack)
		return 0;
	memcpy(stack - 1, old - 1, ((size_t)cap + 1) * sizeof *stack);
	atomic_signal_fence(memory_order_seq_cst);
	t->stack = stack;
	atomic_signal_fence(memory_order_seq_cst);
	t->stack_cap = 2 * cap;
	t->limit = ptp_limit(2 * cap);
	atomic_signal_fence(memory_order_seq_cst);
	t->flags = flags | PTP_F_GROW;
	ptp_stack_free(old);
	t->flags = flags;
	return 1;
}

/* An event the thread produced but cannot record: it takes its seq and
 * counts as dropped, like one lost to a full ring, so that the reader sees
 * the loss. */
PTP_COLD static void ptp_lost_event(struct ptp_thread *t)
{
	++t->seq;
	t->dropped_local++;
	atomic_store_explicit(&t->dropped, t->dropped_local, memory_order_relaxed);
}

/* The call's path: the child for ref of its caller's node p, the last
 * one entered from there in the usual case, or the one entered after it
 * last time (a caller that calls the same callees in turn - a tokenizer's
 * is_space, is_digit, is_alpha - misses the first guess at every call: the
 * hash then took a quarter of the hooks' instructions on
 * tests/bench_interp); else ptp_stats_settle() finds it at the end of the
 * enter.  A node a fork's child inherited and has not entered yet goes
 * through the hash too, which makes it the child's. */
PTP_INLINE void ptp_stats_enter(struct ptp_thread *t, struct ptp_open *f,
				struct ptp_node *p, uintptr_t ref)
{
	struct ptp_node *n = p->last;

	f->callee = 0;
	if (PTP_UNLIKELY(n->ref != ref)) {
		struct ptp_node *next = n->then;

		if (next && next->ref == ref &&
		    !atomic_load_explicit(&next->inherited, PTP_RELAXED)) {
			p->last = next;
			n = next;
		} else {
			t->st_pend = 1;
			t->st_pend_parent = p;
		}
	}
	f->node = n;
}

/* A call's duration in ns, from its exit's and its (stall-moved) enter's
 * raw clocks.  Converted here, once: the exit event's dur and the
 * statistics are the same figure, and the histogram bucket is the
 * call's own. */
PTP_INLINE uint64_t ptp_call_ns(uint64_t now, uint64_t start)
{
	uint64_t dur = now - start;

	if (PTP_UNLIKELY((int64_t)dur < 0))
		dur = 0;
	return ptp_stats_ns(dur, atomic_load_explicit(&ptp_stats_mult, PTP_RELAXED));
}

/* A call of ns ns ends normally: into its node, and its time into its
 * caller's callees (up); self is the call's ns less its callees'.  The
 * histogram's increment, which counts the call, goes last (see stats.h).
 * Returns the call's ns for its exit event: its callees, converted with a
 * slightly different rate, may add up to a hair more than it (or, with a
 * coarse TSC, as much); then the call lasted as long as they did, its self
 * is 0, in the statistics and in the events. */
PTP_INLINE uint64_t ptp_stats_exit(struct ptp_thread *t, struct ptp_open *f,
				   struct ptp_open *up, uint64_t ns)
{
	struct ptp_node *n = f->node;
	uint64_t sns;
	unsigned b, i;

	if (PTP_UNLIKELY(f->callee > ns))
		ns = f->callee;
	sns = ns - f->callee;
	up->callee += ns;
	b = 63u ^ (unsigned)__builtin_clzll(ns | 1);
	i = b - n->hoff;
	PTP_ADD(n->total, ns);
	PTP_ADD(n->self, sns);
	if (ns > atomic_load_explicit(&n->max, PTP_RELAXED))
		atomic_store_explicit(&n->max, ns, PTP_RELAXED);
	if (PTP_LIKELY(i < n->hlen)) {
		_Atomic uint64_t *h = atomic_load_explicit(&n->hist, PTP_RELAXED);

		/* A branch per bucket, not h[i]: an address computed from the
		 * duration is known only once the clock read is done, and the
		 * next call's increment of the same bucket, run ahead of it,
		 * then had to be undone - 8 ns a call in bench_lib, where the
		 * predicted branches cost about 1. */
		switch (i) {
		case 0: PTP_ADD_PUBLISH(h[0], 1); break;
		case 1: PTP_ADD_PUBLISH(h[1], 1); break;
		case 2: PTP_ADD_PUBLISH(h[2], 1); break;
		case 3: PTP_ADD_PUBLISH(h[3], 1); break;
		case 4: PTP_ADD_PUBLISH(h[4], 1); break;
		case 5: PTP_ADD_PUBLISH(h[5], 1); break;
		case 6: PTP_ADD_PUBLISH(h[6], 1); break;
		default: PTP_ADD_PUBLISH(h[i], 1); break;
		}
	} else {
		/* The bucket, at the end of the exit. */
		t->st_pend = 1;
		t->st_pend_node = n;
		t->st_pend_b = b;
	}
	return ns;
}

PTP_INLINE void ptp_push_enter(struct ptp_thread *t, uintptr_t ref,
					  unsigned is_addr, uint64_t now, uint32_t d)
{
	t->stack[d].ref = ref;
	t->stack[d].ts_kind = (now - t->stall) << 1 | is_addr;
	if (t->st)
		ptp_stats_enter(t, &t->stack[d], (&t->stack[d])[-1].node, ref);
	t->depth = d + 1;
	ptp_push_call(t, now, ref, 0, PTP_ENTER_SITE + 2 * is_addr, d);
}

/* A call below PIPETRACE_DEPTH's limit is no event: neither seq nor drop.
 * Its depth is counted, and it is remembered while the shadow stack has
 * room, so that an exit that longjmp left unmatched still finds the traced
 * call it belongs to (ptp_exit_deep()). */
PTP_COLD static void ptp_enter_filtered(struct ptp_thread *t, uintptr_t ref,
					unsigned is_addr, uint32_t d)
{
	if (d < t->stack_cap || (d == t->stack_cap && ptp_stack_grow(t))) {
		t->stack[d].ref = ref;
		t->stack[d].ts_kind = is_addr;
	}
	t->depth = d + 1;
}

/* A call at the shadow stack's full size: grow it.  When it cannot grow
 * (out of memory), the calls above are not remembered: their enters and
 * exits are counted as dropped rather than written with a wrong depth or
 * an unknown duration, until the depth is back below the size. */
PTP_COLD static void ptp_enter_deep(struct ptp_thread *t, uintptr_t ref,
				    unsigned is_addr, uint64_t now)
{
	uint32_t d = t->depth;

	if (d >= ptp_g.depth_max) {
		ptp_enter_filtered(t, ref, is_addr, d);
		return;
	}
	if (d == t->stack_cap && ptp_stack_grow(t)) {
		ptp_push_enter(t, ref, is_addr, now, d);
		return;
	}
	t->depth = d + 1;
	ptp_lost_event(t);
}

/* A call at t->limit or deeper.  The usual case, a filtered call with room
 * on the shadow stack, is kept apart from ptp_enter_deep(), whose register
 * saves would cost it more than a traced call costs. */
PTP_FILT static void ptp_enter_filter(struct ptp_thread *t, uintptr_t ref,
				      unsigned is_addr, uint64_t now, uint32_t d);

PTP_COLD static void ptp_enter_over(struct ptp_thread *t, uintptr_t ref,
				    unsigned is_addr, uint64_t now)
{
	uint32_t d = t->depth;

	if (d >= ptp_g.depth_max && d < t->stack_cap) {
		t->stack[d].ref = ref;
		t->stack[d].ts_kind = is_addr;
		t->depth = d + 1;
		return;
	}
	ptp_enter_deep(t, ref, is_addr, now);
}

PTP_INLINE void ptp_do_enter(struct ptp_thread *t, uintptr_t ref,
					unsigned is_addr, uint64_t now)
{
	uint32_t d = t->depth;

	if (PTP_UNLIKELY(d >= t->limit)) {
		if (ptp_g.filtering)
			ptp_enter_filter(t, ref, is_addr, now, d);
		else
			ptp_enter_over(t, ref, is_addr, now);
		return;
	}
	ptp_push_enter(t, ref, is_addr, now, d);
}

/* The exit does not match the innermost open call: calls were left without
 * an exit (longjmp, or their enter was not recorded).  Finds the matching
 * open call; returns its depth or UINT32_MAX. */
PTP_COLD static uint32_t ptp_find_open(struct ptp_thread *t, uintptr_t ref,
				       uint32_t d)
{
	while (d-- > 0)
		if (t->stack[d].ref == ref)
			return d;
	return UINT32_MAX;
}

/* The exit of the open call at depth d: closes it and those inside it.
 * start: from its shadow stack entry, on the stall-free clock; the record
 * (and the statistics) get the enter's time moved by the stalls since, so
 * that its duration leaves them out.  (Statistics before the record:
 * fewer values live at once, fewer register saves, 10 instructions less
 * than after it.) */
PTP_INLINE void ptp_close(struct ptp_thread *t, uintptr_t ref,
			  unsigned is_addr, uint64_t now, uint32_t d,
			  uint64_t start)
{
	uint64_t ns = ptp_call_ns(now, start + t->stall);

	t->depth = d;
	if (t->st)
		ns = ptp_stats_exit(t, &t->stack[d], &t->stack[d] - 1, ns);
	++t->seq;
	if (PTP_UNLIKELY(t->head_local - t->tail_cache >= PTP_RING_SIZE)) {
		ptp_push_full(t, now, ref, ns, d << 4 | (PTP_EXIT_SITE + 2 * is_addr));
		return;
	}
	ptp_store(t, now, ref, ns, d << 4 | (PTP_EXIT_SITE + 2 * is_addr));
	if (PTP_UNLIKELY(t->st_pend))
		ptp_stats_settle(t);
}

/* Out of line and called last, like ptp_push_full(): the hot exit needs no
 * stack frame for the rare search. */
PTP_COLD static void ptp_exit_unwound(struct ptp_thread *t, uintptr_t ref,
				      unsigned is_addr, uint64_t now, uint32_t d)
{
	uint32_t k = ptp_find_open(t, ref, d + 1);

	if (k == UINT32_MAX)
		return;
	if (t->st)
		ptp_stats_unwind(t, k, d);
	ptp_close(t, ref, is_addr, now, k, t->stack[k].ts_kind >> 1);
}

/* The exit of a call at depth d >= PIPETRACE_DEPTH's limit: no event,
 * unless longjmp skipped exits and this one closes a traced call below. */
PTP_COLD static void ptp_exit_filtered(struct ptp_thread *t, uintptr_t ref,
				       unsigned is_addr, uint64_t now, uint32_t d)
{
	if (d < t->stack_cap && t->stack[d].ref != ref) {
		uint32_t k = ptp_find_open(t, ref, d);

		if (k == UINT32_MAX)
			return;         /* as ptp_exit_unwound(): not ours */
		if (k < ptp_g.depth_max) {
			if (t->st)
				ptp_stats_unwind(t, k, ptp_g.depth_max - 1);
			ptp_close(t, ref, is_addr, now, k, t->stack[k].ts_kind >> 1);
			return;
		}
		d = k;
	}
	/* Beyond the stack's size (it could not grow) the depth is all we
	 * know of the call. */
	t->depth = d;
}

PTP_FILT static void ptp_exit_filter(struct ptp_thread *t, uintptr_t ref,
				     unsigned is_addr, uint64_t now, uint32_t d);

/* The exit of a call the shadow stack could not remember (see
 * ptp_enter_deep()), or of a filtered one. */
PTP_COLD static void ptp_exit_deep(struct ptp_thread *t, uintptr_t ref,
				   unsigned is_addr, uint64_t now, uint32_t d)
{
	if (d >= ptp_g.depth_max) {
		/* the usual case first, as in ptp_enter_over() */
		if (PTP_LIKELY(d < t->stack_cap && t->stack[d].ref == ref)) {
			t->depth = d;
			return;
		}
		ptp_exit_filtered(t, ref, is_addr, now, d);
		return;
	}
	t->depth = d;
	ptp_lost_event(t);
}

PTP_INLINE void ptp_do_exit(struct ptp_thread *t, uintptr_t ref,
				       unsigned is_addr, uint64_t now)
{
	uint32_t d = t->depth;

	if (PTP_UNLIKELY(d == 0))
		return;         /* its enter was never recorded */
	d--;
	if (PTP_UNLIKELY(d >= t->limit)) {
		if (ptp_g.filtering)
			ptp_exit_filter(t, ref, is_addr, now, d);
		else
			ptp_exit_deep(t, ref, is_addr, now, d);
		return;
	}
	if (PTP_UNLIKELY(t->stack[d].ref != ref)) {
		ptp_exit_unwound(t, ref, is_addr, now, d);
		return;
	}
	ptp_close(t, ref, is_addr, now, d, t->stack[d].ts_kind >> 1);
}


/* ---- PIPETRACE_FILTER --------------------------------------------------- */

/* The innermost traced call below shadow depth d, whose callee the call
 * at d is in the statistics, or the sentinel (top level).  (Under a
 * filter, traced calls are the open calls from the outermost included
 * one up, so this is d - 1 or none.) */
static inline struct ptp_open *ptp_traced_up(struct ptp_thread *t, uint32_t d)
{
	if (!t->wdepth)
		return &t->stack[-1];
	while (d-- > 0)
		if (t->stack[d].ts_kind >> 1)
			return &t->stack[d];
	return &t->stack[-1];
}

/* Under a filter every call comes here (t->limit is 0).  The shadow stack
 * remembers every open call, traced or not; a traced one has its start
 * time in ts_kind (stall-free, see internal.h), a filtered one only
 * is_addr (neither clock is ever 0).
 * The depth on the wire counts traced calls only (t->wdepth).  Two marks
 * say where the thread is: excl_at, the filtered call whose subtree is
 * filtered too (an exclude pattern, or PIPETRACE_DEPTH reached), and
 * incl_at, the outermost included call.  A mark at or above the current
 * depth belongs to a call that returned (or was left by longjmp): it is
 * cleared by the next call at that depth, so longjmp needs no bookkeeping.
 * Inside an excluded subtree a call costs a compare and three stores. */

/* First sight of a site or function since start-up: named and matched
 * under the consumer's lock.  Instrumented code called meanwhile (by the
 * symbol resolvers, the demangler, malloc) is not traced. */
PTP_COLD static unsigned ptp_filter_miss(struct ptp_thread *t, uintptr_t ref,
					 unsigned is_addr)
{
	unsigned flags = t->flags, v;

	t->flags = flags | PTP_F_GROW;
	ptp_busy++;
	v = ptp_filter_decide(ref, is_addr);
	ptp_busy--;
	t->flags = flags;
	return v;
}

/* The decision for ref: cached per site or address. */
static inline unsigned ptp_filter_of(uintptr_t ref)
{
	struct ptp_amap_tab *tab = atomic_load_explicit(&ptp_filter_cache.tab,
							memory_order_acquire);

	if (PTP_LIKELY(tab)) {
		size_t i = (size_t)(((uint64_t)ref * 0x9e3779b97f4a7c15ull) >> 17);

		for (;; i++) {
			struct ptp_amap_slot *sl = &tab->slots[i & tab->mask];
			uintptr_t k = atomic_load_explicit(&sl->key, memory_order_acquire);

			if (k == ref)
				return (unsigned)atomic_load_explicit(&sl->val,
								      memory_order_relaxed);
			if (!k)
				break;
		}
	}
	return 0;
}

/* A traced call under a filter, on the shadow stack already.  Apart, so
 * that ptp_enter_filter() makes tail calls only (no register saves). */
PTP_FILT static void ptp_enter_traced(struct ptp_thread *t, uintptr_t ref,
				      unsigned is_addr, uint64_t now, uint32_t d)
{
	t->stack[d].ts_kind = (now - t->stall) << 1 | is_addr;
	if (t->st)
		ptp_stats_enter(t, &t->stack[d], ptp_traced_up(t, d)->node, ref);
	if (ptp_g.min_duration) {
		t->wdepth++;    /* held: sent if it proves long, or a callee does */
		if (PTP_UNLIKELY(t->st_pend))
			ptp_stats_settle(t);
		return;
	}
	ptp_push_call(t, now, ref, 0, PTP_ENTER_SITE + 2 * is_addr, t->wdepth++);
}

/* A call outside any excluded subtree, on the shadow stack already as
 * filtered, and its decision v. */
static inline void ptp_enter_apply(struct ptp_thread *t, uintptr_t ref,
				   unsigned is_addr, uint64_t now, uint32_t d,
				   unsigned v)
{
	if (v == PTP_FD_EXCL) {
		t->excl_at = d + 1;
		return;
	}
	if (ptp_g.filter_incl && !t->incl_at) {
		if (v != PTP_FD_INCL)
			return;         /* its callees are looked at */
		t->incl_at = d + 1;
	}
	ptp_enter_traced(t, ref, is_addr, now, d);
}

/* Not decided yet: decide (ptp_filter_miss), out of line so that the usual
 * path makes no call and saves no register. */
PTP_COLD static void ptp_enter_miss(struct ptp_thread *t, uintptr_t ref,
				    unsigned is_addr, uint64_t now, uint32_t d)
{
	ptp_enter_apply(t, ref, is_addr, now, d, ptp_filter_miss(t, ref, is_addr));
}

PTP_COLD static void ptp_enter_filter_deep(struct ptp_thread *t, uintptr_t ref,
					   unsigned is_addr, uint64_t now, uint32_t d);

PTP_FILT static void ptp_enter_filter(struct ptp_thread *t, uintptr_t ref,
				      unsigned is_addr, uint64_t now, uint32_t d)
{
	unsigned v;

	if (PTP_UNLIKELY(d >= t->stack_cap)) {
		ptp_enter_filter_deep(t, ref, is_addr, now, d);
		return;
	}
	t->stack[d].ref = ref;
	t->stack[d].ts_kind = is_addr;  /* filtered unless decided otherwise */
	t->depth = d + 1;
	if (t->excl_at - 1u < d)
		return;                 /* inside an excluded call */
	t->excl_at = 0;
	if (t->incl_at - 1u >= d)
		t->incl_at = 0;
	if (PTP_UNLIKELY(t->wdepth >= ptp_g.depth_max)) {
		t->excl_at = d + 1;     /* PIPETRACE_DEPTH: deeper ones too */
		return;
	}
	/* Inside an included call with nothing to exclude: no need to ask. */
	v = !ptp_g.filter || (t->incl_at && !ptp_g.filter_excl) ? PTP_FD_NONE
								 : ptp_filter_of(ref);
	if (PTP_UNLIKELY(!v)) {
		ptp_enter_miss(t, ref, is_addr, now, d);
		return;
	}
	ptp_enter_apply(t, ref, is_addr, now, d, v);
}

/* The shadow stack is full: grown, or the call is not remembered (out of
 * memory) and, as in ptp_enter_deep(), counted as lost if it may have
 * been traced. */
PTP_COLD static void ptp_enter_filter_deep(struct ptp_thread *t, uintptr_t ref,
					   unsigned is_addr, uint64_t now, uint32_t d)
{
	if (d == t->stack_cap && ptp_stack_grow(t)) {
		ptp_enter_filter(t, ref, is_addr, now, d);
		return;
	}
	if (t->excl_at - 1u >= d)
		ptp_lost_event(t);
	t->depth = d + 1;
}

/* Traced calls among the open calls below shadow depth k. */
static uint32_t ptp_traced_below(const struct ptp_thread *t, uint32_t k)
{
	uint32_t n = 0;

	while (k-- > 0)
		n += (t->stack[k].ts_kind >> 1) != 0;
	return n;
}

/* PIPETRACE_MIN_DURATION: sends the held enters of the traced call at
 * shadow depth d (wire depth w) and of its held ancestors, outermost first,
 * each with its own start time. */
PTP_COLD static void ptp_send_held(struct ptp_thread *t, uint32_t d, uint32_t w)
{
	uint32_t need = w - t->wsent, k = d, wire = t->wsent;

	while (need) {
		k--;
		need -= (t->stack[k].ts_kind >> 1) != 0;
	}
	for (; k <= d; k++) {
		uint64_t tk = t->stack[k].ts_kind;

		if (tk >> 1)
			ptp_push(t, (tk >> 1) + t->stall, t->stack[k].ref, 0,
				 PTP_ENTER_SITE + 2 * (unsigned)(tk & 1), wire++);
	}
	t->wsent = w + 1;
}

/* The exit of the traced call at shadow depth d, which started at start
 * (stall-free), now innermost. */
PTP_FILT static void ptp_exit_traced(struct ptp_thread *t, uintptr_t ref,
				     unsigned is_addr, uint64_t now, uint64_t start,
				     uint32_t d)
{
	uint32_t w = --t->wdepth;
	uint64_t from = start + t->stall, ns = ptp_call_ns(now, from);

	/* (in the statistics whether it is sent or not) */
	if (t->st)
		ns = ptp_stats_exit(t, &t->stack[d], ptp_traced_up(t, d), ns);
	if (ptp_g.min_duration) {
		if (w >= t->wsent) {
			/* held: sent only if it was long */
			if (now - from < atomic_load_explicit(&ptp_g.min_ticks,
							      memory_order_relaxed)) {
				if (PTP_UNLIKELY(t->st_pend))
					ptp_stats_settle(t);
				return;
			}
			ptp_send_held(t, d, w);
		}
		t->wsent = w;
	}
	ptp_push_call(t, now, ref, ns, PTP_EXIT_SITE + 2 * is_addr, w);
}

/* An exit that is not the innermost open call's (longjmp left calls
 * without their exits), or past the shadow stack's size. */
PTP_COLD static void ptp_exit_filter_odd(struct ptp_thread *t, uintptr_t ref,
					 unsigned is_addr, uint64_t now, uint32_t d)
{
	uint64_t start;
	uint32_t top = d;

	if (d >= t->stack_cap) {
		if (t->excl_at - 1u >= d)
			ptp_lost_event(t);      /* as its enter */
		t->depth = d;
		return;
	}
	d = ptp_find_open(t, ref, d);
	if (d == UINT32_MAX)
		return;
	if (t->st)
		ptp_stats_unwind(t, d, top);
	start = t->stack[d].ts_kind >> 1;
	t->wdepth = ptp_traced_below(t, d) + (start != 0);
	if (t->wsent > t->wdepth)
		t->wsent = t->wdepth;   /* the sent calls left are over */
	t->depth = d;
	if (start)
		ptp_exit_traced(t, ref, is_addr, now, start, d);
}

PTP_FILT static void ptp_exit_filter(struct ptp_thread *t, uintptr_t ref,
				     unsigned is_addr, uint64_t now, uint32_t d)
{
	uint64_t start;

	if (PTP_UNLIKELY(d >= t->stack_cap || t->stack[d].ref != ref)) {
		ptp_exit_filter_odd(t, ref, is_addr, now, d);
		return;
	}
	t->depth = d;
	start = t->stack[d].ts_kind >> 1;
	if (start)
		ptp_exit_traced(t, ref, is_addr, now, start, d);
}

/* The innermost open traced call's shadow depth, or UINT32_MAX. */
static uint32_t ptp_top_traced(const struct ptp_thread *t)
{
	uint32_t d = t->depth < t->stack_cap ? t->depth : t->stack_cap;

	while (d-- > 0)
		if (t->stack[d].ts_kind >> 1)
			return d;
	return UINT32_MAX;
}

uint32_t ptp_innermost_traced(const struct ptp_thread *t, uint32_t *wire)
{
	uint32_t d, held;

	if (!ptp_g.filtering) {
		d = t->depth < ptp_g.depth_max ? t->depth : ptp_g.depth_max;
		*wire = d ? d - 1 : 0;
		return d > 0 && d <= t->stack_cap ? d - 1 : UINT32_MAX;
	}
	/* held calls (PIPETRACE_MIN_DURATION) are not on the wire yet */
	held = ptp_g.min_duration ? t->wdepth - t->wsent : 0;
	*wire = t->wdepth > held ? t->wdepth - held - 1 : 0;
	d = t->depth < t->stack_cap ? t->depth : t->stack_cap;
	while (d-- > 0)
		if ((t->stack[d].ts_kind >> 1) && held-- == 0)
			return d;
	return UINT32_MAX;
}

/* pt_exception(): the open calls' held enters go first. */
static void ptp_send_all_held(struct ptp_thread *t)
{
	uint32_t d;

	if (!ptp_g.min_duration || t->wsent >= t->wdepth)
		return;
	d = ptp_top_traced(t);
	if (d != UINT32_MAX)
		ptp_send_held(t, d, t->wdepth - 1);
}

/* ---- start-up ---------------------------------------------------------- */

static int ptp_env_is(const char *name, const char *value)
{
	const char *v = getenv(name);

	return v && strcmp(v, value) == 0;
}

/* PIPETRACE_DEPTH=N: a positive integer, else a warning and no limit. */
static uint32_t ptp_env_depth(void)
{
	const char *v = getenv("PIPETRACE_DEPTH");
	char *end;
	unsigned long n;

	if (!v)
		return UINT32_MAX;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end || errno || n == 0 || n >= UINT32_MAX) {
		fprintf(stderr, "pipetrace: PIPETRACE_DEPTH \"%s\" is not a positive "
			"integer, tracing every depth\n", v);
		return UINT32_MAX;
	}
	return (uint32_t)n;
}

/* PIPETRACE_MIN_DURATION=10us: a positive duration in ns, us (or µs), ms
 * or s, a bare number being ns; else a warning and no threshold.  "0" is
 * no threshold. */
static uint64_t ptp_env_min_duration(void)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	const char *v = getenv("PIPETRACE_MIN_DURATION");
	char *end;
	double x;

	if (!v || strcmp(v, "0") == 0)
		return 0;
	errno = 0;
	x = strtod(v, &end);
	if ((v[0] >= '0' && v[0] <= '9') && !errno && x > 0)
		for (size_t i = 0; i < sizeof units / sizeof *units; i++)
			if (strcmp(end, units[i].unit) == 0 && x * units[i].ns >= 1 &&
			    x * units[i].ns < 1e18)
				return (uint64_t)(x * units[i].ns + 0.5);
	fprintf(stderr, "pipetrace: PIPETRACE_MIN_DURATION \"%s\" is not a duration "
		"(e.g. 10us; units ns, us, ms, s), sending every call\n", v);
	return 0;
}

static void ptp_thread_key_gone(void *arg);
#ifdef HAVE_ON_EXIT
static void ptp_on_exit(int status, void *arg);
#else
static void ptp_atexit(void);
#endif
static void ptp_fork_prepare(void);
static void ptp_fork_parent(void);
static void ptp_fork_child(void);
static pthread_mutex_t ptp_init_lock = PTHREAD_MUTEX_INITIALIZER;

/* The fork handlers are in place before any thread can fork, so that a
 * fork during initialisation waits for it (a child must not inherit the
 * lock, or a half-done start-up).  They do nothing more while tracing is
 * not on. */
__attribute__((constructor)) static void ptp_register_fork_handlers(void)
{
	pthread_atfork(ptp_fork_prepare, ptp_fork_parent, ptp_fork_child);
}

PTP_COLD static void ptp_init(void)
{
	const char *mode = getenv("PIPETRACE_MODE");

	if (ptp_env_is("PIPETRACE", "0") || pthread_key_create(&ptp_key, ptp_thread_key_gone)) {
		atomic_store(&ptp_g.state, PTP_OFF);
		return;
	}
	ptp_g.sync = mode && strcmp(mode, "sync") == 0;
	if (mode && !ptp_g.sync && strcmp(mode, "async") != 0)
		fprintf(stderr, "pipetrace: unknown PIPETRACE_MODE \"%s\", using async\n", mode);
	ptp_g.lossless = ptp_env_is("PIPETRACE_LOSSLESS", "1");
	ptp_g.no_demangle = ptp_env_is("PIPETRACE_DEMANGLE", "0");
	ptp_g.binary = ptp_env_is("PIPETRACE_WIRE", "binary");
	if (getenv("PIPETRACE_WIRE") && !ptp_g.binary && !ptp_env_is("PIPETRACE_WIRE", "json"))
		fprintf(stderr, "pipetrace: unknown PIPETRACE_WIRE \"%s\", using json\n",
			getenv("PIPETRACE_WIRE"));
	ptp_g.depth_max = ptp_env_depth();
	ptp_stats_env();
	ptp_g.min_duration = ptp_env_min_duration();
	ptp_g.filtering = ptp_filter_init() || ptp_g.min_duration;
	ptp_g.pid = getpid();
	ptp_g.ppid = getppid();
	ptp_thread_flags = 0;
	if (ptp_g.sync)
		ptp_thread_flags |= PTP_F_SYNC;
	if (!ptp_clock_init(!ptp_g.sync))
		ptp_thread_flags |= PTP_F_CLOCK;
	else
		ptp_clock_prime();
	ptp_fifo_init();
	if (!ptp_g.sync && ptp_flusher_start() != 0) {
		atomic_store(&ptp_g.state, PTP_OFF);
		return;
	}
#ifdef HAVE_ON_EXIT
	on_exit(ptp_on_exit, NULL);
#else
	atexit(ptp_atexit);
#endif
	atomic_store(&ptp_g.state, PTP_ON);
	if (ptp_env_is("PIPETRACE_SIGNALS", "1"))
		pt_catch_signals();
}

/* Reads the environment and starts tracing, once per process.  Every
 * caller waits until it is done, so that no thread's first events go
 * untraced - except the initialising thread itself, re-entering through
 * instrumented code it calls (a malloc of the program's own): ptp_busy is
 * raised before the lock, so it returns at once.  fork() waits too (see
 * ptp_fork_prepare), so no child starts with the lock held. */
void ptp_ensure_init(void)
{
	int s = atomic_load(&ptp_g.state);

	if ((s != PTP_UNINIT && s != PTP_INITIALIZING) || ptp_busy)
		return;
	ptp_busy++;
	pthread_mutex_lock(&ptp_init_lock);
	if (atomic_load(&ptp_g.state) == PTP_UNINIT) {
		atomic_store(&ptp_g.state, PTP_INITIALIZING);
		ptp_init();
	}
	pthread_mutex_unlock(&ptp_init_lock);
	ptp_busy--;
}

/* The calling thread's first event: creates its record. */
PTP_COLD static struct ptp_thread *ptp_thread_register(void)
{
	struct ptp_thread *t;
	char name[17] = "";

	if (ptp_busy)
		return NULL;
	ptp_ensure_init();
	if (atomic_load(&ptp_g.state) == PTP_OFF)
		ptp_self = &ptp_off_thread;     /* for good: skip all this */
	if (atomic_load(&ptp_g.state) != PTP_ON)
		return NULL;    /* off */
	ptp_busy++;
	t = aligned_alloc(64, sizeof *t);
	if (t) {
		memset(t, 0, sizeof *t);
		t->ring = aligned_alloc(64, PTP_RING_SIZE * sizeof *t->ring);
		t->stack = ptp_stack_alloc(PTP_STACK_MIN);
		t->stack_cap = PTP_STACK_MIN;
		t->limit = ptp_limit(PTP_STACK_MIN);
		t->st = ptp_stats_new();
		if (t->stack) {
			memset(&t->stack[-1], 0, sizeof t->stack[-1]);
			if (t->st)
				t->stack[-1].node = &t->st->root;
		}
	}
	if (!t || !t->ring || !t->stack) {
		if (t)
			ptp_thread_free(t);
		ptp_self = &ptp_off_thread;
		ptp_busy--;
		return NULL;
	}
	t->flags = ptp_thread_flags;
	t->tid = (pid_t)syscall(SYS_gettid);
	prctl(PR_GET_NAME, name, 0, 0, 0);
	memcpy(t->name, name, sizeof name);
	ptp_signals_thread_init(t);
	pthread_setspecific(ptp_key, t);
	pthread_mutex_lock(&ptp_g.reg_lock);
	t->next = atomic_load(&ptp_g.threads);
	atomic_store_explicit(&ptp_g.threads, t, memory_order_release);
	pthread_mutex_unlock(&ptp_g.reg_lock);
	ptp_self = t;
	ptp_busy--;
	return t;
}

/* Thread exit (pthread key destructor): the consumer frees the record once
 * it has drained it; later events of this thread are ignored. */
static void ptp_thread_key_gone(void *arg)
{
	struct ptp_thread *t = arg;

	ptp_self = &ptp_off_thread;
	ptp_publish_drops(t);
	ptp_signals_thread_exit(t);
	atomic_store_explicit(&t->dead, 1, memory_order_release);
	if (t->flags & PTP_F_SYNC)
		ptp_sync_thread_gone(t);        /* no flusher to free it */
}

/* pt_flush() waiting for the flusher: a stall like a lossless wait. */
uint64_t ptp_stall_begin(void)
{
	return ptp_clock_raw_slow();
}

void ptp_stall_end(uint64_t begin)
{
	struct ptp_thread *t = ptp_self;

	if (t && t != &ptp_off_thread)
		t->stall += ptp_clock_raw_slow() - begin;
}

/* ---- slow path --------------------------------------------------------- */

PTP_COLD static struct ptp_thread *ptp_slow_self(void)
{
	struct ptp_thread *t = ptp_self;

	if (!t)
		t = ptp_thread_register();
	if (!t || (t->flags & (PTP_F_OFF | PTP_F_GROW)) || ptp_busy)
		return NULL;
	return t;
}

/* Sync mode: writes the event just stored at once.  Instrumented code
 * called while we hold the lock (a malloc of the program's own) must not
 * come back here. */
static void ptp_emit_if_sync(struct ptp_thread *t)
{
	if (t->flags & PTP_F_SYNC) {
		uint64_t t0 = ptp_clock_raw_slow();

		ptp_busy++;
		ptp_sync_emit(t);
		ptp_busy--;
		t->stall += ptp_clock_raw_slow() - t0;
	}
}

PTP_COLD static int ptp_enter_slow(uintptr_t ref, unsigned is_addr);

PTP_COLD static void ptp_enter_site_slow(pt_frame_t *frame, const pt_site_t *site)
{
	frame->site = NULL;
	if (ptp_self == &ptp_off_thread)
		return;
	if (ptp_enter_slow((uintptr_t)site, 0))
		frame->site = site;
}

PTP_COLD static int ptp_enter_slow(uintptr_t ref, unsigned is_addr)
{
	struct ptp_thread *t = ptp_slow_self();

	if (!t)
		return 0;
	ptp_do_enter(t, ref, is_addr, ptp_clock_raw_slow());
	ptp_emit_if_sync(t);
	return 1;
}

PTP_COLD static void ptp_exit_slow(uintptr_t ref, unsigned is_addr)
{
	struct ptp_thread *t = ptp_slow_self();

	if (!t)
		return;
	ptp_do_exit(t, ref, is_addr, ptp_clock_raw_slow());
	ptp_emit_if_sync(t);
}

/* ---- public entry points ----------------------------------------------- */

PTP_HOT void pt_enter_(pt_frame_t *frame, const pt_site_t *site)
{
	struct ptp_thread *t = ptp_self;

	if (PTP_LIKELY(t && !t->flags)) {
		frame->site = site;
		ptp_do_enter(t, (uintptr_t)site, 0, PTP_FAST_CLOCK());
		return;
	}
	ptp_enter_site_slow(frame, site);
}

PTP_HOT void pt_leave_(pt_frame_t *frame)
{
	struct ptp_thread *t = ptp_self;

	if (!frame->site)
		return;
	if (PTP_LIKELY(t && !t->flags)) {
		ptp_do_exit(t, (uintptr_t)frame->site, 0, PTP_FAST_CLOCK());
		return;
	}
	ptp_exit_slow((uintptr_t)frame->site, 0);
}

void __cyg_profile_func_enter(void *fn, void *call_site) PTP_HOT;
void __cyg_profile_func_exit(void *fn, void *call_site) PTP_HOT;

void __cyg_profile_func_enter(void *fn, void *call_site)
{
	struct ptp_thread *t = ptp_self;

	if (PTP_LIKELY(t && !t->flags)) {
		ptp_do_enter(t, (uintptr_t)fn, 1, PTP_FAST_CLOCK());
		return;
	}
	if (t != &ptp_off_thread)
		ptp_enter_slow((uintptr_t)fn, 1);
}

void __cyg_profile_func_exit(void *fn, void *call_site)
{
	struct ptp_thread *t = ptp_self;

	if (PTP_LIKELY(t && !t->flags)) {
		ptp_do_exit(t, (uintptr_t)fn, 1, PTP_FAST_CLOCK());
		return;
	}
	if (t != &ptp_off_thread)
		ptp_exit_slow((uintptr_t)fn, 1);
}

void pt_exception(const char *type, const char *fmt, ...)
{
	struct ptp_thread *t = ptp_slow_self();
	char msg[PTP_LINE_MAX];
	struct ptp_exc *e;
	size_t tlen, mlen;
	va_list ap;
	int n;

	if (!t)
		return;
	ptp_busy++;
	if (!type)
		type = "Exception";
	va_start(ap, fmt);
	n = fmt ? vsnprintf(msg, sizeof msg, fmt, ap) : 0;
	va_end(ap);
	mlen = n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
	tlen = strnlen(type, PTP_NAME_MAX);
	/* Counted in the statistics even when the event cannot be made. */
	if (t->st)
		ptp_stats_exception(t);
	e = malloc(sizeof *e + tlen + mlen);
	if (e) {
		/* Raised in a filtered call: it belongs to the innermost
		 * traced one. */
		uint32_t wire = 0, k;

		ptp_send_all_held(t);
		k = ptp_innermost_traced(t, &wire);

		e->fn = 0;
		e->fn_is_addr = 0;
		if (k != UINT32_MAX) {
			e->fn = t->stack[k].ref;
			e->fn_is_addr = (int)(t->stack[k].ts_kind & 1);
		}
		e->type_len = tlen;
		e->msg_len = mlen;
		memcpy(e->text, type, tlen);
		memcpy(e->text + tlen, msg, mlen);
		if (!ptp_push(t, ptp_clock_raw_slow(), (uintptr_t)e, 0,
			      PTP_EXCEPTION, wire))
			free(e);
		else
			ptp_emit_if_sync(t);
	}
	ptp_busy--;
}

void pt_thread_name(const char *name)
{
	struct ptp_thread *t;
	char *copy;

	if (!name)
		return;
	t = ptp_slow_self();
	if (!t)
		return;
	ptp_busy++;
	copy = strndup(name, PTP_TNAME_MAX);
	if (copy) {
		/* A name is not an event: a full ring must neither lose it nor
		 * count it as a dropped event.  The consumer takes it from the
		 * side instead. */
		t->tail_cache = atomic_load_explicit(&t->tail, memory_order_acquire);
		if (t->head_local - t->tail_cache < PTP_RING_SIZE)
			ptp_push(t, ptp_clock_raw_slow(), (uintptr_t)copy, 0, PTP_NAME, 0);
		else
			free(atomic_exchange(&t->name_late, copy));
		ptp_emit_if_sync(t);
	}
	ptp_busy--;
}

int pt_enabled(void)
{
	ptp_ensure_init();
	return atomic_load(&ptp_g.state) == PTP_ON;
}

/* ---- exit and fork ------------------------------------------------------ */

/* status: what the parent will see (0..255), or -1 when unknown. */
static void ptp_exit_hook(int status)
{
	if (atomic_load(&ptp_g.state) != PTP_ON)
		return;
	if (ptp_self && ptp_self != &ptp_off_thread) {
		ptp_self->flags |= PTP_F_OFF;
		ptp_publish_drops(ptp_self);
	}
	ptp_flusher_stop_and_bye(status);
	atomic_store(&ptp_g.state, PTP_OFF);
}

#ifdef HAVE_ON_EXIT
static void ptp_on_exit(int status, void *arg)
{
	(void)arg;
	/* exit(256) reads as 0 to the parent: say what it will see. */
	ptp_exit_hook(status & 0377);
}
#else
static void ptp_atexit(void)
{
	ptp_exit_hook(-1);
}
#endif

/* Lock order: ptp_init_lock (initialisation ends before we fork),
 * ptp_g.lock, then reg_lock (the consumer reaps threads while holding the
 * former). */
static void ptp_fork_prepare(void)
{
	pthread_mutex_lock(&ptp_init_lock);
	pthread_mutex_lock(&ptp_g.lock);
	pthread_mutex_lock(&ptp_g.reg_lock);
}

static void ptp_fork_parent(void)
{
	pthread_mutex_unlock(&ptp_g.reg_lock);
	pthread_mutex_unlock(&ptp_g.lock);
	pthread_mutex_unlock(&ptp_init_lock);
}

/* In the child only the forking thread exists: forget the others, give
 * this one a fresh identity (new tid, seq from 1; its depth goes on), and
 * restart the flusher, which says hello with the child's pid. */
static void ptp_fork_child(void)
{
	struct ptp_thread *t, *next, *me = NULL;

	/* This thread took both locks in ptp_fork_prepare; condition variables
	 * may have had waiters that do not exist here. */
	pthread_mutex_unlock(&ptp_g.reg_lock);
	pthread_mutex_unlock(&ptp_g.lock);
	pthread_mutex_unlock(&ptp_init_lock);
	pthread_cond_init(&ptp_g.done, NULL);
	if (atomic_load(&ptp_g.state) != PTP_ON)
		return;
	ptp_g.pid = getpid();
	ptp_g.ppid = getppid();
	for (t = atomic_load(&ptp_g.threads); t; t = next) {
		next = t->next;
		if (t == ptp_self) {
			me = t;
			continue;
		}
		ptp_consume_discard(t);
		ptp_thread_free(t);
	}
	if (me) {
		/* The parent's flusher writes what is still in the ring. */
		ptp_consume_discard(me);
		me->tail_cache = me->head_local;
		me->tid = (pid_t)syscall(SYS_gettid);
		me->seq = 0;
		me->seq64 = 0;
		me->dropped_local = 0;
		atomic_store(&me->dropped, 0);
		me->drops_seen = 0;
		me->lost = 0;
		me->announced = 0;
		me->next = NULL;
		if (me->st)
			ptp_stats_fork_child(me);
	}
	atomic_store(&ptp_g.threads, me);
	ptp_flush_after_fork();
}
