/* test_hist.c - log2 histograms: bucket bounds, quantiles against exact
 * order statistics, merging, saturation, the compact form against the full
 * one, and the duration format. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"

static void test_bucket_bounds(void **state)
{
	assert_int_equal(hist_bucket_of(0), 0);
	assert_int_equal(hist_bucket_of(1), 0);
	assert_int_equal(hist_bucket_of(2), 1);
	assert_int_equal(hist_bucket_of(3), 1);
	assert_int_equal(hist_bucket_of(4), 2);
	assert_int_equal(hist_bucket_of(1023), 9);
	assert_int_equal(hist_bucket_of(1024), 10);
	assert_int_equal(hist_bucket_of(UINT64_MAX), HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket_lo(0), 0);
	assert_int_equal(hist_bucket_hi(0), 2);
	assert_int_equal(hist_bucket_hi(HIST_BUCKETS - 1), UINT64_MAX);
	/* Every bucket's bounds agree with hist_bucket_of, and they tile. */
	for (int b = 0; b < HIST_BUCKETS; b++) {
		assert_int_equal(hist_bucket_of(hist_bucket_lo(b)), b);
		if (b < HIST_BUCKETS - 1) {
			assert_int_equal(hist_bucket_of(hist_bucket_hi(b) - 1), b);
			assert_int_equal(hist_bucket_hi(b), hist_bucket_lo(b + 1));
		}
	}
}

static void test_empty(void **state)
{
	struct hist h;
	hist_init(&h);
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	assert_int_equal(hist_quantile(&h, 1), 0);
}

static void test_single_value(void **state)
{
	struct hist h;
	hist_init(&h);
	hist_add(&h, 1234);
	for (double q = 0; q <= 1; q += 0.1)
		assert_int_equal(hist_quantile(&h, q), 1234);
	assert_int_equal(h.min_ns, 1234);
	assert_int_equal(h.max_ns, 1234);
	assert_int_equal(h.sum_ns, 1234);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The estimate lies in the same log2 bucket as the exact order statistic
 * (or at a neighbouring rank's bucket edge), so it is within a factor 2. */
static void test_quantiles_vs_sorted(void **state)
{
	uint64_t seed = 12345;
	for (int round = 0; round < 20; round++) {
		size_t n = 1 + (size_t)(round * 997 % 5000);
		uint64_t *v = malloc(n * sizeof(*v));
		assert_non_null(v);
		struct hist h;
		hist_init(&h);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			/* log-uniform-ish durations from 1 ns to ~1 s */
			int shift = (int)((seed >> 33) % 30);
			v[i] = ((seed >> 11) & ((UINT64_C(1) << shift) - 1)) + (UINT64_C(1) << shift);
			hist_add(&h, v[i]);
		}
		qsort(v, n, sizeof(*v), cmp_u64);
		double qs[] = { 0.5, 0.9, 0.99 };
		for (size_t k = 0; k < 3; k++) {
			uint64_t est = hist_quantile(&h, qs[k]);
			size_t rank = (size_t)(qs[k] * (double)n);
			uint64_t lo = v[rank > 0 ? rank - 1 : 0];
			uint64_t hi = v[rank < n ? rank : n - 1];
			assert_true(est >= hist_bucket_lo(hist_bucket_of(lo)));
			assert_true(est < hist_bucket_hi(hist_bucket_of(hi)));
			assert_true(est >= v[0] && est <= v[n - 1]);
		}
		assert_int_equal(hist_quantile(&h, 1.0), v[n - 1]);
		assert_int_equal(hist_quantile(&h, 0.0), v[0]);
		free(v);
	}
}

/* Uniform values inside one bucket: interpolation gives close estimates. */
static void test_interpolation(void **state)
{
	struct hist h;
	hist_init(&h);
	for (uint64_t x = 1024; x < 2048; x++)
		hist_add(&h, x);
	uint64_t p50 = hist_quantile(&h, 0.5);
	assert_true(p50 >= 1530 && p50 <= 1550);
	uint64_t p90 = hist_quantile(&h, 0.9);
	assert_true(p90 >= 1935 && p90 <= 1955);
}

static void test_merge(void **state)
{
	struct hist a, b, all;
	hist_init(&a);
	hist_init(&b);
	hist_init(&all);
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t x = i * i * 37 + 5;
		hist_add(i % 3 ? &a : &b, x);
		hist_add(&all, x);
	}
	struct hist m = a;
	hist_merge(&m, &b);
	assert_memory_equal(&m, &all, sizeof(m));
	struct hist empty;
	hist_init(&empty);
	hist_merge(&empty, &a);
	assert_memory_equal(&empty, &a, sizeof(a));
	hist_merge(&a, &(struct hist){ 0 });
	assert_int_equal(a.n, empty.n);
}

static void test_saturation(void **state)
{
	struct hist h;
	hist_init(&h);
	h.bucket[3] = UINT32_MAX;
	h.n = UINT32_MAX;
	h.min_ns = 8;
	h.max_ns = 15;
	hist_add(&h, 9);
	assert_int_equal(h.bucket[3], UINT32_MAX);
	hist_add(&h, UINT64_MAX);
	hist_add(&h, UINT64_MAX);
	assert_int_equal(h.sum_ns, UINT64_MAX);
	assert_int_equal(hist_quantile(&h, 1), UINT64_MAX);
}

static void test_format(void **state)
{
	char buf[32];
	assert_string_equal(hist_format_ns(0, buf, sizeof(buf)), "0 ns");
	assert_string_equal(hist_format_ns(850, buf, sizeof(buf)), "850 ns");
	assert_string_equal(hist_format_ns(999, buf, sizeof(buf)), "999 ns");
	assert_string_equal(hist_format_ns(1000, buf, sizeof(buf)), "1.00 us");
	assert_string_equal(hist_format_ns(12345, buf, sizeof(buf)), "12.3 us");
	assert_string_equal(hist_format_ns(123456, buf, sizeof(buf)), "123 us");
	assert_string_equal(hist_format_ns(999999, buf, sizeof(buf)), "1.00 ms");
	assert_string_equal(hist_format_ns(1200000, buf, sizeof(buf)), "1.20 ms");
	assert_string_equal(hist_format_ns(3040000000, buf, sizeof(buf)), "3.04 s");
	assert_string_equal(hist_format_ns(59990000000, buf, sizeof(buf)), "1.0 min");
	assert_string_equal(hist_format_ns(720000000000, buf, sizeof(buf)), "12 min");
	assert_string_equal(hist_format_ns(UINT64_C(7200) * 1000000000, buf, sizeof(buf)), "2.0 h");
	assert_string_equal(hist_format_ns(UINT64_MAX, buf, sizeof(buf)), "5124096 h");
	/* a short buffer is cut, never overrun */
	char tiny[4];
	memset(tiny, 'x', sizeof(tiny));
	hist_format_ns(123456, tiny, sizeof(tiny));
	assert_int_equal(tiny[3], '\0');
}

/* ---- compact form ---------------------------------------------------- */

/* Hooks that count the blocks, so that leaks and needless blocks show. */
struct counting {
	long live;               /* blocks not yet released */
	long allocs;
};

static void *count_alloc(void *ctx, size_t size)
{
	struct counting *k = ctx;
	void *p = malloc(size);
	assert_non_null(p);
	memset(p, 0xA5, size);   /* garbage: the compact form must clear it */
	k->live++;
	k->allocs++;
	return p;
}

static void count_release(void *ctx, void *p)
{
	struct counting *k = ctx;
	assert_non_null(p);
	k->live--;
	free(p);
}

/* The full histogram fed the same durations and the compact one expanded
 * must be the same struct, so every quantile comes out the same; the span
 * is exactly the buckets of min..max; a block exactly when it is wide. */
static void check_same(const struct hist_compact *c, const struct hist *full,
		       const struct counting *k)
{
	struct hist e;
	hist_compact_expand(c, full->n, full->sum_ns, full->max_ns, &e);
	assert_memory_equal(&e, full, sizeof(e));
	static const double qs[] = { 0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1 };
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		assert_int_equal(hist_quantile(&e, qs[i]), hist_quantile(full, qs[i]));
	if (full->n) {
		assert_int_equal(c->u.in.lo, hist_bucket_of(full->min_ns));
		assert_int_equal(c->u.in.lo + c->u.in.len - 1, hist_bucket_of(full->max_ns));
	} else {
		assert_int_equal(c->u.in.len, 0);
	}
	assert_int_equal(k->live, c->u.in.len > HIST_COMPACT_INLINE);
}

static uint64_t lcg(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005u + 1442695040888963407u;
	return *seed >> 11;
}

/* A duration in bucket b, anywhere in it. */
static uint64_t in_bucket(int b, uint64_t r)
{
	uint64_t lo = hist_bucket_lo(b), hi = hist_bucket_hi(b);
	if (b == HIST_BUCKETS - 1)
		return r % 3 == 0 ? UINT64_MAX : lo + r % lo;
	return lo + r % (hi - lo);
}

/* Random spans anywhere in the range, the first duration in the middle
 * so that the span grows downward and upward, checked after every add. */
static void test_compact_vs_full(void **state)
{
	uint64_t seed = 777;
	for (int round = 0; round < 400; round++) {
		struct counting k = { 0 };
		struct hist_alloc a = { count_alloc, count_release, &k };
		struct hist_compact c;
		struct hist full;
		memset(&c, 0, sizeof(c));
		hist_init(&full);
		check_same(&c, &full, &k);
		int width = 1 + (int)(lcg(&seed) % (round % 4 == 0 ? HIST_BUCKETS : 8));
		int lo = (int)(lcg(&seed) % (uint64_t)(HIST_BUCKETS - width + 1));
		int n = 1 + (int)(lcg(&seed) % 300);
		for (int i = 0; i < n; i++) {
			int b = i == 0 ? lo + width / 2 : lo + (int)(lcg(&seed) % (uint64_t)width);
			uint64_t d = in_bucket(b, lcg(&seed));
			hist_add(&full, d);
			hist_compact_add(&c, d, &a);
			check_same(&c, &full, &k);
		}
		hist_compact_free(&c, &a);
		assert_int_equal(k.live, 0);
		assert_int_equal(c.u.in.len, 0);
	}
}

static void test_compact_growth(void **state)
{
	struct counting k = { 0 };
	struct hist_alloc a = { count_alloc, count_release, &k };
	struct hist_compact c;
	struct hist full;
	memset(&c, 0, sizeof(c));
	hist_init(&full);
	/* Inline, widened downward then upward: no block. */
	uint64_t inl[] = { 200, 150, 40, 41, 100, 255 };   /* buckets 7, 7, 5, 5, 6, 7 */
	for (size_t i = 0; i < sizeof(inl) / sizeof(inl[0]); i++) {
		hist_add(&full, inl[i]);
		hist_compact_add(&c, inl[i], &a);
	}
	assert_int_equal(c.u.in.lo, 5);
	assert_int_equal(c.u.in.len, 3);
	assert_int_equal(c.u.in.bucket[0], 2);
	assert_int_equal(c.u.in.bucket[1], 1);
	assert_int_equal(c.u.in.bucket[2], 3);
	assert_int_equal(k.allocs, 0);
	check_same(&c, &full, &k);
	/* Out to a block downward (0 ns: bucket 0), then up to the last. */
	hist_add(&full, 0);
	hist_compact_add(&c, 0, &a);
	assert_int_equal(k.allocs, 1);
	assert_int_equal(c.u.out.len, 8);
	assert_int_equal(c.u.out.bucket[0], 1);
	assert_int_equal(c.u.out.bucket[5], 2);
	assert_int_equal(c.u.out.bucket[7], 3);
	check_same(&c, &full, &k);
	hist_add(&full, UINT64_MAX);
	hist_compact_add(&c, UINT64_MAX, &a);
	assert_int_equal(k.allocs, 2);
	assert_int_equal(c.u.out.len, HIST_BUCKETS);
	check_same(&c, &full, &k);
	assert_int_equal(hist_quantile(&full, 0), 0);
	assert_int_equal(hist_quantile(&full, 1), UINT64_MAX);
	/* Inside the span: no new block. */
	hist_add(&full, 1 << 20);
	hist_compact_add(&c, 1 << 20, &a);
	assert_int_equal(k.allocs, 2);
	check_same(&c, &full, &k);
	hist_compact_free(&c, &a);
	assert_int_equal(k.live, 0);
	/* Emptied, it starts over inline. */
	hist_compact_add(&c, 5, &a);
	assert_int_equal(c.u.in.lo, 2);
	assert_int_equal(c.u.in.len, 1);
	assert_int_equal(c.min_ns, 5);
	hist_compact_free(&c, &a);
}

/* Buckets saturate as the full form's do. */
static void test_compact_saturation(void **state)
{
	struct counting k = { 0 };
	struct hist_alloc a = { count_alloc, count_release, &k };
	struct hist_compact c;
	memset(&c, 0, sizeof(c));
	hist_compact_add(&c, 1000, &a);
	c.u.in.bucket[0] = UINT32_MAX - 1;
	hist_compact_add(&c, 1000, &a);
	hist_compact_add(&c, 1001, &a);
	assert_int_equal(c.u.in.bucket[0], UINT32_MAX);
	hist_compact_add(&c, 1, &a);     /* widening keeps the saturated count */
	struct hist e;
	hist_compact_expand(&c, 4, 3002, 1001, &e);
	assert_int_equal(e.bucket[hist_bucket_of(1000)], UINT32_MAX);
	assert_int_equal(e.bucket[0], 1);
	assert_int_equal(e.min_ns, 1);
	hist_compact_free(&c, &a);
	assert_int_equal(k.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single_value),
		cmocka_unit_test(test_quantiles_vs_sorted),
		cmocka_unit_test(test_interpolation),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_compact_vs_full),
		cmocka_unit_test(test_compact_growth),
		cmocka_unit_test(test_compact_saturation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
