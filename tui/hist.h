/* hist.h - log2 duration histograms and the percentiles read from them.
 *
 * Pure: no I/O, and no allocation except through the caller's hooks (the
 * compact form).  Bucket 0 holds durations 0..1 ns; bucket i (i >= 1) holds
 * [2^i, 2^(i+1)) ns; the last bucket also takes everything longer.  Exact
 * count, sum, min and max are kept beside the buckets. */
#ifndef PT_HIST_H
#define PT_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_BUCKETS 48          /* 2^47 ns is about 39 hours */

struct hist {
	uint64_t n;
	uint64_t sum_ns;
	uint64_t min_ns;
	uint64_t max_ns;
	uint32_t bucket[HIST_BUCKETS]; /* saturate at UINT32_MAX */
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t dur_ns);
void hist_merge(struct hist *into, const struct hist *from);
/* A part of `h` was `before` and is now `after` (figures replaced, as
 * exact cumulative ones are): count, sum and buckets move by the
 * difference (modulo 2^64 and 2^32: exact while the true values fit),
 * max and min take after's in when they are beyond (they never move back). */
void hist_replace_part(struct hist *h, const struct hist *before, const struct hist *after);
int hist_bucket_of(uint64_t dur_ns);
uint64_t hist_bucket_lo(int bucket);   /* inclusive lower bound, ns */
uint64_t hist_bucket_hi(int bucket);   /* exclusive upper bound, ns */

/* The q-quantile (0 <= q <= 1) estimated from the buckets by linear
 * interpolation inside the bucket, clamped to [min, max].  0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);

/* Formats a duration for people: "850 ns", "12.3 us", "1.20 ms", "3.04 s",
 * "12 min".  Writes at most `size` bytes, returns `buf`. */
char *hist_format_ns(uint64_t ns, char *buf, size_t size);

/* A clock that moves in steps of `step` ns cannot tell durations shorter
 * than a step apart: such a figure reads "<11 ns" (step 11), others as
 * hist_format_ns().  A step of 0 or 1 ns changes nothing. */
char *hist_format_ns_step(uint64_t ns, uint64_t step, char *buf, size_t size);
/* How many buckets, from bucket 0 on, lie wholly below `step` ns. */
int hist_buckets_below(uint64_t step);

/* The compact form, for the many merged call paths: the exact minimum and
 * only the span of buckets used so far, widened when a duration falls
 * outside it.  Count, sum and maximum are not kept here because the owner
 * (a path) already keeps them; hist_compact_expand() takes them back.  A
 * span of up to HIST_COMPACT_INLINE buckets lives in the struct itself, a
 * wider one in a block from the caller's hooks.  All zeros is empty.  32
 * bytes, against 224 for a struct hist. */
#define HIST_COMPACT_INLINE 5

struct hist_compact {
	uint64_t min_ns;         /* valid when len > 0 */
	union {                  /* lo and len are the common initial members */
		struct {         /* len <= HIST_COMPACT_INLINE */
			uint8_t lo;      /* first bucket of the span */
			uint8_t len;     /* buckets in the span, 0 when empty */
			uint32_t bucket[HIST_COMPACT_INLINE];
		} in;
		struct {         /* len > HIST_COMPACT_INLINE */
			uint8_t lo, len;
			uint32_t *bucket; /* owned: len counts, from hist_alloc */
		} out;
	} u;
};

/* Where a compact histogram's wider spans come from.  alloc must not return
 * NULL (abort instead). */
struct hist_alloc {
	void *(*alloc)(void *ctx, size_t size);
	void (*release)(void *ctx, void *p);
	void *ctx;                /* borrowed: passed back to both */
};

void hist_compact_add(struct hist_compact *c, uint64_t dur_ns, const struct hist_alloc *a);
/* Gives back the block of a wide span; c is empty afterwards. */
void hist_compact_free(struct hist_compact *c, const struct hist_alloc *a);
/* Sets c to these bucket counts (saturated at UINT32_MAX) and minimum;
 * empty when every count is 0. */
void hist_compact_set(struct hist_compact *c, const uint64_t bucket[HIST_BUCKETS], uint64_t min_ns,
		      const struct hist_alloc *a);
/* The full histogram: the same buckets and min as a struct hist fed the
 * same durations, with n, sum and max from the owner.  Empty when c is. */
void hist_compact_expand(const struct hist_compact *c, uint64_t n, uint64_t sum_ns,
			 uint64_t max_ns, struct hist *out);

#endif
