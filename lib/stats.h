/* stats.h - exact per-path statistics, kept by each traced thread.
 *
 * Every traced thread keeps a call-path trie: a node is one call path on
 * this thread (its parent node and the function).  Each open call on the
 * shadow stack knows its node, found at the enter from the parent frame's
 * node (a last-child cache, then a hash table: stats.c).  At the exit the
 * thread itself adds the call to its node: count, total, self (total less
 * the time of its traced callees, summed per frame), max and a histogram.
 * No event is needed for that, so the figures stay exact when the ring or
 * the pipe drops events.  The consumer (flush.c, under ptp_g.lock) reads
 * the nodes while the thread updates them and writes the changed ones as
 * `stats` lines (stats.c, lib/PROTOCOL.md).
 *
 * Concurrency: figures are written by the owning thread only, as single
 * stores (plain moves or adds to memory on x86-64: no torn values).  A
 * node has no call count of its own: its calls are the sum of its
 * histogram (and hist_missing), so that the exit makes one increment less
 * (issue 10's budget).  The histogram increment is the exit's last store,
 * with release; the consumer reads the histogram first, with acquire.  A
 * line written while the thread runs therefore has every figure covering
 * at least its count of calls (and perhaps part of one finishing then);
 * the lines after the thread's end, or written at exit, are exact.
 */
#ifndef PTP_STATS_H
#define PTP_STATS_H

#include <stdatomic.h>
#include <stdint.h>

/* Histogram buckets as tui/hist.h: bucket 0 = 0..1 ns, bucket i =
 * [2^i, 2^(i+1)) ns, the last (47) takes everything longer. */
#define PTP_HIST_BUCKETS 48
/* A node keeps a window of this many consecutive buckets inline (most
 * paths' durations span less than 2^8); a duration outside it moves the
 * node to a full array of PTP_HIST_BUCKETS, allocated then. */
#define PTP_HIST_WIN 8
/* Nodes are allocated this many at a time. */
#define PTP_NODE_CHUNK 256u

#define PTP_RELAXED memory_order_relaxed
/* Owner-only read-modify-write of a figure the consumer reads: no lock
 * prefix, no torn value. */
#define PTP_BUMP(a, v, mo) \
	atomic_store_explicit(&(a), atomic_load_explicit(&(a), PTP_RELAXED) + (v), (mo))
/* The same on the exit's hot path, one instruction instead of three on
 * x86-64 (an add to memory is one store: the consumer sees the old or the
 * new value).  PTP_ADD_PUBLISH is the exit's last store: also a compiler
 * barrier, which on x86-64 makes it a release. */
#if defined(__x86_64__)
#define PTP_ADD(a, v) \
	__asm__ volatile("addq %1, %0" : "+m"(*(uint64_t *)&(a)) : "er"((uint64_t)(v)))
#define PTP_ADD_PUBLISH(a, v) \
	__asm__ volatile("addq %1, %0" : "+m"(*(uint64_t *)&(a)) : "er"((uint64_t)(v)) : "memory")
#else
#define PTP_ADD(a, v) PTP_BUMP(a, v, PTP_RELAXED)
#define PTP_ADD_PUBLISH(a, v) PTP_BUMP(a, v, memory_order_release)
#endif

struct ptp_node {
	/* Written by the owning thread, read by the consumer.  Normal exits
	 * are counted in hist (with hist_missing): see above. */
	_Atomic uint64_t total;         /* ns, inclusive */
	_Atomic uint64_t self;          /* ns, less traced callees */
	_Atomic uint64_t max;           /* ns */
	_Atomic uint64_t *_Atomic hist; /* win, or the full array */
	/* The owner's: fixed when the node is made, then read-only. */
	uintptr_t ref;                  /* pt_site_t * or function address */
	struct ptp_node *last;          /* owner only: last child entered */
	struct ptp_node *then;          /* owner only: the sibling entered
					   after this one last time, or NULL */
	uint8_t hoff, hlen;             /* owner only: hist[b - hoff], b - hoff < hlen */
	uint8_t wbase;                  /* first bucket of win, set before the
					   first count is published */
	uint8_t is_addr;
	/* In a fork's child: a path of the parent's that the child has not
	 * entered (set by the forking thread, cleared by the owner when it
	 * enters the path; the consumer does not send it meanwhile). */
	_Atomic uint8_t inherited;
	uint32_t id;                    /* >= 1; 0: the thread's root */
	uint32_t parent;                /* parent's id, 0: top level */
	_Atomic uint64_t exc;           /* exceptions while innermost */
	_Atomic uint64_t abandoned;     /* left by longjmp/unwind, no exit */
	_Atomic uint64_t hist_missing;  /* calls the full array could not take
					   (out of memory), stored last */
	_Atomic uint64_t win[PTP_HIST_WIN];
};

/* What the consumer remembers of a node: the figures it last wrote. */
struct ptp_node_sent {
	uint64_t key;                   /* count + exc + abandoned written */
	unsigned gen;                   /* connection its fn was written on */
	unsigned char held;             /* not sent in the last round: inherited,
					   or new below a node held */
};

struct ptp_node_chunk {
	struct ptp_node node[PTP_NODE_CHUNK];
	struct ptp_node_sent sent[PTP_NODE_CHUNK];      /* consumer's */
};

struct ptp_stats {
	struct ptp_node root;           /* below the outermost call: not sent */
	struct ptp_node other;          /* "(other paths)": id cap + 1 */
	struct ptp_node_sent other_sent;
	_Atomic int other_used;
	_Atomic uint32_t n;             /* nodes 1..n exist (published) */
	uint32_t cap;                   /* PIPETRACE_STATS_PATHS */
	struct ptp_node_chunk **chunks; /* cap / PTP_NODE_CHUNK + 1 */
	uint32_t *index;                /* open addressing: node ids, 0 = free */
	uint32_t index_mask;
	/* The consumer's. */
	uint32_t cursor;                /* next id of the round in progress */
	unsigned char due;              /* a round is to be made */
	unsigned char restart;          /* a batch of ours was given up */
	unsigned char round_dead;       /* the round began after the thread's end */
	unsigned char clean_dead;       /* such a round was completed */
};

/* ns per raw tick, 32.32 fixed point (clock.c keeps it up to date). */
extern _Atomic uint64_t ptp_stats_mult;

struct ptp_node *ptp_stats_child(struct ptp_stats *s, struct ptp_node *p,
				 uintptr_t ref, unsigned is_addr);
void ptp_stats_hist_cold(struct ptp_node *n, unsigned b);

static inline uint64_t ptp_stats_ns(uint64_t ticks, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

#endif /* PTP_STATS_H */
