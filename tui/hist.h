/* hist.h - log2 duration histograms and the percentiles read from them.
 *
 * Pure: no allocation, no I/O.  Bucket 0 holds durations 0..1 ns; bucket i
 * (i >= 1) holds [2^i, 2^(i+1)) ns; the last bucket also takes everything
 * longer.  Exact count, sum, min and max are kept beside the buckets. */
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
int hist_bucket_of(uint64_t dur_ns);
uint64_t hist_bucket_lo(int bucket);   /* inclusive lower bound, ns */
uint64_t hist_bucket_hi(int bucket);   /* exclusive upper bound, ns */

/* The q-quantile (0 <= q <= 1) estimated from the buckets by linear
 * interpolation inside the bucket, clamped to [min, max].  0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);

/* Formats a duration for people: "850 ns", "12.3 us", "1.20 ms", "3.04 s",
 * "12 min".  Writes at most `size` bytes, returns `buf`. */
char *hist_format_ns(uint64_t ns, char *buf, size_t size);

#endif
