/* test_hist.c - log2 histograms: bucket bounds, quantiles against exact
 * order statistics, merging, saturation and the duration format. */
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
