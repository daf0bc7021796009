/* hist.c - log2 duration histograms: bucketing, merging, percentiles and
 * the duration format people read.  Pure: no allocation, no I/O. */
#include <config.h>

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
