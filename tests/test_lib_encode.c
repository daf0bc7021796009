/* test_lib_encode.c - the library's JSON encoders in isolation (linked
 * against the static library, whose internals are not exported from the
 * shared one): string escaping, invalid UTF-8, cutting to a budget, and
 * integer formatting. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "internal.h"

/* Encodes s with capacity cap, checks the size bound and that jansson reads
 * it back; returns the decoded string (owned by the caller). */
static char *roundtrip(const char *s, size_t len, size_t cap)
{
	char out[8192], doc[8300];
	size_t n = ptp_json_str(out, cap, s, len);
	json_error_t err;
	json_t *v;
	char *r;

	assert_true(n <= cap);
	assert_true(n >= 2);
	assert_int_equal(out[0], '"');
	assert_int_equal(out[n - 1], '"');
	for (size_t i = 0; i < n; i++)
		assert_false((unsigned char)out[i] < 0x20 || out[i] == 0x7f);
	snprintf(doc, sizeof doc, "[%.*s]", (int)n, out);
	v = json_loads(doc, 0, &err);
	if (!v)
		fail_msg("not JSON: %s (%s)", doc, err.text);
	r = strdup(json_string_value(json_array_get(v, 0)));
	json_decref(v);
	return r;
}

static void expect(const char *in, const char *want)
{
	char *got = roundtrip(in, strlen(in), 4096);

	assert_string_equal(got, want);
	free(got);
}

static void test_escapes(void **state)
{
	char out[64];
	size_t n;

	expect("plain", "plain");
	expect("q\"b\\s/", "q\"b\\s/");
	expect("\n\t\r\b\f", "\n\t\r\b\f");
	expect("\x01\x1f\x7f", "\x01\x1f\x7f");
	/* The exact bytes: short escapes, \u00XX for the rest, C1 too. */
	n = ptp_json_str(out, sizeof out, "\"\\\n\x01\x7f\xc2\x85", 7);
	assert_int_equal(n, 2 + 2 + 2 + 2 + 6 + 6 + 6);
	assert_memory_equal(out, "\"\\\"\\\\\\n\\u0001\\u007f\\u0085\"", n);
}

static void test_invalid_utf8(void **state)
{
	expect("\xff", "\xef\xbf\xbd");
	expect("\xc3\x28", "\xef\xbf\xbd(");
	expect("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");                 /* overlong */
	expect("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	expect("\xf4\x90\x80\x80",
	       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");      /* > U+10FFFF */
	expect("ab\xe2\x82", "ab\xef\xbf\xbd\xef\xbf\xbd");             /* truncated */
	/* Valid sequences pass untouched. */
	expect("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

/* Every budget: the result fits, is valid, and is either the whole string
 * or a prefix of it on a character boundary followed by "…". */
static void test_cut(void **state)
{
	const char *in = "a\xc3\xa9\"\xe2\x82\xac\x01\xf0\x9f\x98\x80z\\end";
	size_t len = strlen(in);
	char *full = roundtrip(in, len, 4096);
	size_t flen = strlen(full);

	for (size_t cap = 5; cap < 64; cap++) {
		char *got = roundtrip(in, len, cap);
		size_t glen = strlen(got);

		if (strcmp(got, full) != 0) {
			assert_true(glen >= 3);
			assert_string_equal(got + glen - 3, "\xe2\x80\xa6");
			assert_true(glen - 3 <= flen);
			assert_memory_equal(got, full, glen - 3);
			/* The prefix ends on a character boundary. */
			if (glen > 3)
				assert_true(((unsigned char)full[glen - 3] & 0xc0) != 0x80);
		}
		free(got);
	}
	free(full);
}

static void test_long_string(void **state)
{
	size_t len = 10240;
	char *big = malloc(len);
	char *got;

	for (size_t i = 0; i + 3 <= len; i += 3)
		memcpy(big + i, "\xe2\x82\xac", 3);
	big[len - 1] = 'x';
	got = roundtrip(big, len, 4000);
	assert_true(strlen(got) <= 4000);
	assert_string_equal(got + strlen(got) - 3, "\xe2\x80\xa6");
	free(got);
	free(big);
}

static void test_integers(void **state)
{
	uint64_t v[] = { 0, 9, 10, 99, 100, 999, 1000, 9999, 10000, 123456789,
			 1000000000000ull, 18446744073709551615ull };
	char a[32], b[32];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		*ptp_fmt_u64(a, v[i]) = 0;
		snprintf(b, sizeof b, "%llu", (unsigned long long)v[i]);
		assert_string_equal(a, b);
	}
	srand(1);
	for (int i = 0; i < 100000; i++) {
		uint64_t x = ((uint64_t)rand() << 40) ^ ((uint64_t)rand() << 20) ^ (uint64_t)rand();

		x >>= rand() % 64;
		*ptp_fmt_u64(a, x) = 0;
		snprintf(b, sizeof b, "%llu", (unsigned long long)x);
		assert_string_equal(a, b);
	}
	*ptp_fmt_i64(a, -42) = 0;
	assert_string_equal(a, "-42");
	*ptp_fmt_i64(a, INT64_MIN) = 0;
	assert_string_equal(a, "-9223372036854775808");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_long_string),
		cmocka_unit_test(test_integers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
