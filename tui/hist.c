/* hist.c - log2 duration histograms: bucketing, merging, percentiles, the
 * compact form kept per call path, and the duration format people read.
 * Pure: no I/O; the compact form allocates only through the caller's hooks. */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hist.h"

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

int hist_bucket_of(uint64_t dur_ns)
{
	if (dur_ns < 2)
		return 0;
	int b = 63 - __builtin_clzll(dur_ns);
	return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

uint64_t hist_bucket_lo(int bucket)
{
	if (bucket <= 0)
		return 0;
	if (bucket >= HIST_BUCKETS)
		bucket = HIST_BUCKETS - 1;
	return UINT64_C(1) << bucket;
}

uint64_t hist_bucket_hi(int bucket)
{
	if (bucket < 0)
		bucket = 0;
	if (bucket >= HIST_BUCKETS - 1)
		return UINT64_MAX;
	return UINT64_C(1) << (bucket + 1);
}

void hist_add(struct hist *h, uint64_t dur_ns)
{
	if (h->n == 0 || dur_ns < h->min_ns)
		h->min_ns = dur_ns;
	if (dur_ns > h->max_ns)
		h->max_ns = dur_ns;
	h->n++;
	/* The sum saturates rather than wrapping: an average that is too low
	 * beats one that is nonsense. */
	h->sum_ns = (h->sum_ns + dur_ns < h->sum_ns) ? UINT64_MAX : h->sum_ns + dur_ns;
	uint32_t *b = &h->bucket[hist_bucket_of(dur_ns)];
	if (*b != UINT32_MAX)
		(*b)++;
}

void hist_merge(struct hist *into, const struct hist *from)
{
	if (from->n == 0)
		return;
	if (into->n == 0 || from->min_ns < into->min_ns)
		into->min_ns = from->min_ns;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
	into->n += from->n;
	into->sum_ns = (into->sum_ns + from->sum_ns < into->sum_ns) ? UINT64_MAX
								  : into->sum_ns + from->sum_ns;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		uint64_t s = (uint64_t)into->bucket[i] + from->bucket[i];
		into->bucket[i] = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
	}
}

void hist_replace_part(struct hist *h, const struct hist *before, const struct hist *after)
{
	bool was_empty = h->n == 0;

	h->n += after->n - before->n;
	h->sum_ns += after->sum_ns - before->sum_ns;
	for (int i = 0; i < HIST_BUCKETS; i++)
		h->bucket[i] += after->bucket[i] - before->bucket[i];
	if (!after->n)
		return;
	if (was_empty || after->min_ns < h->min_ns)
		h->min_ns = after->min_ns;
	if (after->max_ns > h->max_ns)
		h->max_ns = after->max_ns;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	if (h->n == 0)
		return 0;
	if (!(q > 0))           /* also catches NaN */
		return h->min_ns;
	if (q >= 1)
		return h->max_ns;
	/* Buckets saturate, so walk their own total rather than n. */
	uint64_t total = 0;
	for (int i = 0; i < HIST_BUCKETS; i++)
		total += h->bucket[i];
	if (total == 0)
		return h->min_ns;
	double target = q * (double)total;
	uint64_t cum = 0;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		uint64_t c = h->bucket[i];
		if (c == 0)
			continue;
		if ((double)(cum + c) >= target) {
			/* Interpolate inside the bucket, but over the part of it
			 * that the exact min and max say was used. */
			double lo = (double)hist_bucket_lo(i);
			double hi = (double)(hist_bucket_hi(i) - 1);
			if (lo < (double)h->min_ns)
				lo = (double)h->min_ns;
			if (hi > (double)h->max_ns)
				hi = (double)h->max_ns;
			if (hi < lo)
				hi = lo;
			double frac = (target - (double)cum) / (double)c;
			double v = lo + frac * (hi - lo);
			uint64_t r = (uint64_t)(v + 0.5);
			if (r < h->min_ns)
				r = h->min_ns;
			if (r > h->max_ns)
				r = h->max_ns;
			return r;
		}
		cum += c;
	}
	return h->max_ns;
}

/* ---- compact form ---------------------------------------------------- */

static uint32_t *compact_buckets(struct hist_compact *c)
{
	return c->u.in.len <= HIST_COMPACT_INLINE ? c->u.in.bucket : c->u.out.bucket;
}

static const uint32_t *compact_buckets_c(const struct hist_compact *c)
{
	return c->u.in.len <= HIST_COMPACT_INLINE ? c->u.in.bucket : c->u.out.bucket;
}

/* Widens the span to take bucket b, keeping the counts where they were. */
static void compact_widen(struct hist_compact *c, int b, const struct hist_alloc *a)
{
	int lo = c->u.in.lo, len = c->u.in.len;
	int nlo = b < lo ? b : lo;
	int nhi = b > lo + len - 1 ? b : lo + len - 1;
	int nlen = nhi - nlo + 1;
	uint32_t old[HIST_COMPACT_INLINE];
	uint32_t *from = compact_buckets(c);

	if (nlen <= HIST_COMPACT_INLINE) {
		/* Still inline (and so was the old span): shift in place. */
		memcpy(old, from, (size_t)len * sizeof(old[0]));
		memset(c->u.in.bucket, 0, sizeof(c->u.in.bucket));
		memcpy(c->u.in.bucket + (lo - nlo), old, (size_t)len * sizeof(old[0]));
	} else {
		uint32_t *to = a->alloc(a->ctx, (size_t)nlen * sizeof(*to));
		memset(to, 0, (size_t)nlen * sizeof(*to));
		memcpy(to + (lo - nlo), from, (size_t)len * sizeof(*to));
		if (len > HIST_COMPACT_INLINE)
			a->release(a->ctx, from);
		c->u.out.bucket = to;
	}
	c->u.in.lo = (uint8_t)nlo;
	c->u.in.len = (uint8_t)nlen;
}

void hist_compact_add(struct hist_compact *c, uint64_t dur_ns, const struct hist_alloc *a)
{
	int b = hist_bucket_of(dur_ns);

	if (c->u.in.len == 0) {
		c->min_ns = dur_ns;
		c->u.in.lo = (uint8_t)b;
		c->u.in.len = 1;
		c->u.in.bucket[0] = 1;
		return;
	}
	if (dur_ns < c->min_ns)
		c->min_ns = dur_ns;
	if (b < c->u.in.lo || b >= c->u.in.lo + c->u.in.len)
		compact_widen(c, b, a);
	uint32_t *n = &compact_buckets(c)[b - c->u.in.lo];
	if (*n != UINT32_MAX)
		(*n)++;
}

void hist_compact_set(struct hist_compact *c, const uint64_t bucket[HIST_BUCKETS], uint64_t min_ns,
		      const struct hist_alloc *a)
{
	int lo = -1, hi = -1;

	hist_compact_free(c, a);
	for (int i = 0; i < HIST_BUCKETS; i++) {
		if (!bucket[i])
			continue;
		if (lo < 0)
			lo = i;
		hi = i;
	}
	if (lo < 0)
		return;
	int len = hi - lo + 1;
	uint32_t *to = c->u.in.bucket;
	if (len > HIST_COMPACT_INLINE)
		to = c->u.out.bucket = a->alloc(a->ctx, (size_t)len * sizeof(*to));
	for (int i = 0; i < len; i++)
		to[i] = bucket[lo + i] > UINT32_MAX ? UINT32_MAX : (uint32_t)bucket[lo + i];
	c->u.in.lo = (uint8_t)lo;
	c->u.in.len = (uint8_t)len;
	c->min_ns = min_ns;
}

void hist_compact_free(struct hist_compact *c, const struct hist_alloc *a)
{
	if (c->u.in.len > HIST_COMPACT_INLINE)
		a->release(a->ctx, c->u.out.bucket);
	memset(c, 0, sizeof(*c));
}

void hist_compact_expand(const struct hist_compact *c, uint64_t n, uint64_t sum_ns,
			 uint64_t max_ns, struct hist *out)
{
	hist_init(out);
	if (c->u.in.len == 0)
		return;
	out->n = n;
	out->sum_ns = sum_ns;
	out->min_ns = c->min_ns;
	out->max_ns = max_ns;
	memcpy(out->bucket + c->u.in.lo, compact_buckets_c(c), c->u.in.len * sizeof(out->bucket[0]));
}

int hist_buckets_below(uint64_t step)
{
	int n = 0;

	while (n < HIST_BUCKETS - 1 && hist_bucket_hi(n) <= step)
		n++;
	return n;
}

/* Three significant digits in `unit`, or NULL when the value rounds up to
 * 1000 and belongs in the next unit. */
static const char *fmt3(double v, const char *unit, char *buf, size_t size)
{
	if (v < 9.995)
		snprintf(buf, size, "%.2f %s", v, unit);
	else if (v < 99.95)
		snprintf(buf, size, "%.1f %s", v, unit);
	else if (v < 999.5)
		snprintf(buf, size, "%.0f %s", v, unit);
	else
		return NULL;
	return buf;
}

char *hist_format_ns(uint64_t ns, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	if (ns < 1000) {
		snprintf(buf, size, "%u ns", (unsigned)ns);
		return buf;
	}
	if (fmt3((double)ns / 1e3, "us", buf, size))
		return buf;
	if (fmt3((double)ns / 1e6, "ms", buf, size))
		return buf;
	double s = (double)ns / 1e9;
	if (s < 59.95 && fmt3(s, "s", buf, size))
		return buf;
	double min = s / 60;
	if (min < 9.95)
		snprintf(buf, size, "%.1f min", min);
	else if (min < 119.5)
		snprintf(buf, size, "%.0f min", min);
	else if (min / 60 < 99.95)
		snprintf(buf, size, "%.1f h", min / 60);
	else
		snprintf(buf, size, "%.0f h", min / 60);
	return buf;
}

char *hist_format_ns_step(uint64_t ns, uint64_t step, char *buf, size_t size)
{
	char tmp[32];

	if (step <= 1 || ns >= step)
		return hist_format_ns(ns, buf, size);
	if (size)
		snprintf(buf, size, "<%s", hist_format_ns(step, tmp, sizeof tmp));
	return buf;
}
