/* test_lib_filter.c - PIPETRACE_FILTER on the wire: included subtrees
 * present, excluded ones absent, trees well formed (every exit matches its
 * enter, depths count the traced calls only), filtered calls neither take
 * a seq nor count as drops, and a bad value warns and filters nothing.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib_harness.h"

/* The trace of the one thread as "+fn/depth" (enter), "-fn/depth" (exit)
 * and "!fn/depth" (exception), space-separated. */
static char *events_of(struct cap *c)
{
	static char buf[8192];
	size_t n = 0, i;
	json_t *o;

	buf[0] = 0;
	json_array_foreach(c->lines, i, o) {
		const char *ev = ev_kind(o);
		char mark = !strcmp(ev, "enter") ? '+' : !strcmp(ev, "exit") ? '-'
			  : !strcmp(ev, "exception") ? '!' : 0;

		if (!mark)
			continue;
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%c%s/%lld", n ? " " : "",
				      mark, ev_str(o, "fn"), (long long)ev_int(o, "depth"));
		assert_true(n < sizeof buf);
	}
	return buf;
}

/* Runs a helper under the filter (and more settings in env), checks that
 * the trace is well formed with nothing lost and that hello names the
 * filter.  Returns the trace as events_of() writes it. */
static char *run_filtered(struct cap *c, const char *helper, const char *const *args,
			  const char *filter, const char *more)
{
	char setting[256];
	const char *env[] = { setting, "PIPETRACE_LOSSLESS=1", more, NULL };
	struct replay r;

	snprintf(setting, sizeof setting, "PIPETRACE_FILTER=%s", filter);
	cap_start(c, helper, args, env);
	cap_done(c);
	replay(c, &r, REPLAY_CONTIGUOUS);
	assert_int_equal(replay_check_accounting(&r), 1);
	for (int k = 0; k < r.n; k++) {
		assert_int_equal(r.t[k].tally_dropped, 0);
		assert_int_equal(r.t[k].dropped, 0);
		/* filtered calls took no seq */
		assert_int_equal(r.t[k].events, r.t[k].tally_seq);
		assert_int_equal(r.t[k].depth, 0);
	}
	assert_string_equal(ev_str(need_ev(c, "hello", NULL), "filter"), filter);
	return events_of(c);
}

static void expect_trace(const char *helper, const char *const *args,
			 const char *filter, const char *more, const char *want)
{
	struct cap c;

	assert_string_equal(run_filtered(&c, helper, args, filter, more), want);
	cap_free(&c);
}

/* main -> 2 x (mid -> leaf) */
static const char *const calls2[] = { "calls", "2", NULL };

static void test_include(void **state)
{
	/* mid and what it calls, at depths counted from mid */
	expect_trace("lib_traced", calls2, "mid", NULL,
		     "+mid/0 +leaf/1 -leaf/1 -mid/0 +mid/0 +leaf/1 -leaf/1 -mid/0");
	/* a glob; a pattern matching nothing adds nothing */
	expect_trace("lib_traced", calls2, "nothing,l?a*", NULL,
		     "+leaf/0 -leaf/0 +leaf/0 -leaf/0");
	/* an included caller takes its whole subtree */
	expect_trace("lib_traced", calls2, "main,leaf", NULL,
		     "+main/0 +mid/1 +leaf/2 -leaf/2 -mid/1 +mid/1 +leaf/2 -leaf/2 -mid/1 -main/0");
}

static void test_exclude(void **state)
{
	expect_trace("lib_traced", calls2, "-leaf", NULL,
		     "+main/0 +mid/1 -mid/1 +mid/1 -mid/1 -main/0");
	/* excluding mid takes leaf out with it */
	expect_trace("lib_traced", calls2, "-mid", NULL, "+main/0 -main/0");
	/* exclusion wins over inclusion, at any depth */
	expect_trace("lib_traced", calls2, "mid,-leaf", NULL,
		     "+mid/0 -mid/0 +mid/0 -mid/0");
	expect_trace("lib_traced", calls2, "main,-m?d", NULL, "+main/0 -main/0");
	expect_trace("lib_traced", calls2, "leaf,-main", NULL, "");
}

/* The slow path (sync mode) decides the same way. */
static void test_sync(void **state)
{
	expect_trace("lib_traced", calls2, "mid,-leaf", "PIPETRACE_MODE=sync",
		     "+mid/0 -mid/0 +mid/0 -mid/0");
}

/* PIPETRACE_DEPTH counts the traced calls only. */
static void test_with_depth(void **state)
{
	expect_trace("lib_traced", calls2, "mid", "PIPETRACE_DEPTH=1",
		     "+mid/0 -mid/0 +mid/0 -mid/0");
	expect_trace("lib_traced", calls2, "-nothing", "PIPETRACE_DEPTH=2",
		     "+main/0 +mid/1 -mid/1 +mid/1 -mid/1 -main/0");
}

/* An exception raised in a filtered call belongs to the innermost traced
 * one; with none open it still goes out, at depth 0. */
static void test_exception(void **state)
{
	static const char *const raise[] = { "raise", NULL };
	struct cap c;
	json_t *o;

	expect_trace("lib_traced", raise, "-raiser", NULL,
		     "+main/0 +guard/1 !guard/1 -guard/1 -main/0");
	expect_trace("lib_traced", raise, "raiser,-leaf", NULL,
		     "+raiser/0 !raiser/0 -raiser/0");
	expect_trace("lib_traced", raise, "leaf", NULL, "!?/0 +leaf/0 -leaf/0");
	run_filtered(&c, "lib_traced", raise, "guard", NULL);
	o = need_ev(&c, "exception", NULL);
	assert_string_equal(ev_str(o, "fn"), "raiser");
	assert_string_equal(ev_str(o, "type"), "ValueError");
	assert_string_equal(ev_str(o, "msg"), "raised in raiser");
	cap_free(&c);
}

/* longjmp out of an excluded call back into a traced one: the catcher's
 * exit arrives deep in the excluded subtree and still closes it at its
 * depth; the calls after it are traced again. */
static void test_longjmp(void **state)
{
	static const char *const jmp[] = { "longjmp", NULL };
	static const char *const deep[] = { "deepjmp", "3", "600", NULL };
	struct cap c;
	char *got;

	/* main -> catcher -> skipped -> jumper -longjmp-> catcher; leaf */
	expect_trace("lib_traced", jmp, "-skipped", NULL,
		     "+main/0 +catcher/1 -catcher/1 +leaf/1 -leaf/1 -main/0");
	/* 19 x descend -> deep_catcher -> deep_site -> 600 x dive, 3 times:
	 * the excluded subtree grows the shadow stack past its first size. */
	got = run_filtered(&c, "lib_traced", deep, "deep_catcher,-deep_site", NULL);
	assert_string_equal(got, "+deep_catcher/0 -deep_catcher/0 +deep_catcher/0 "
			    "-deep_catcher/0 +deep_catcher/0 -deep_catcher/0");
	cap_free(&c);
}

/* Threads share the decisions (made once per site, by whichever thread
 * meets the site first). */
static void test_threads(void **state)
{
	static const char *const args[] = { "threads", "4", "50", NULL };
	struct cap c;
	size_t i;
	json_t *o;
	int leaves = 0;

	run_filtered(&c, "lib_traced", args, "worker,-mid", NULL);
	json_array_foreach(c.lines, i, o) {
		const char *ev = ev_kind(o);

		if (strcmp(ev, "enter") && strcmp(ev, "exit"))
			continue;
		assert_string_equal(ev_str(o, "fn"), "worker");
		assert_int_equal(ev_int(o, "depth"), 0);
		leaves++;
	}
	assert_int_equal(leaves, 2 * 4);
	cap_free(&c);
}

/* -finstrument-functions: the decision needs the symbol's name, looked up
 * by the traced thread at its first call of the address. */
static void test_instrumented(void **state)
{
	static const char *const args[] = { "3", NULL };

#ifndef HAVE_LIBDW
	skip();         /* dladdr alone cannot name static functions */
#endif
	expect_trace("lib_instr", args, "-static_inner", NULL,
		     "+main/0 +static_outer/1 -static_outer/1 +static_outer/1 -static_outer/1 "
		     "+static_outer/1 -static_outer/1 -main/0");
	expect_trace("lib_instr", args, "static_in*", NULL,
		     "+static_inner/0 -static_inner/0 +static_inner/0 -static_inner/0 "
		     "+static_inner/0 -static_inner/0");
}

/* A crash in an excluded call is reported in the innermost traced one,
 * its stack naming every open call. */
static void test_crash(void **state)
{
	(void)state;
	check_crash_in_outer("PIPETRACE_FILTER=-inner");
}

/* PIPETRACE_MIN_DURATION: a call is sent only if it lasted the threshold
 * or a callee was sent; a long call's held ancestors go first, with their
 * own times; short calls take no seq and are not drops. */
static void expect_min(const char *const *args, const char *min, const char *filter,
		       const char *want)
{
	char setting[64], fsetting[64];
	const char *env[] = { setting, "PIPETRACE_LOSSLESS=1", filter ? fsetting : NULL, NULL };
	struct cap c;
	struct replay r;
	size_t i, n;
	json_t *o;

	snprintf(setting, sizeof setting, "PIPETRACE_MIN_DURATION=%s", min);
	snprintf(fsetting, sizeof fsetting, "PIPETRACE_FILTER=%s", filter ? filter : "");
	cap_start(&c, "lib_traced", args, env);
	cap_done(&c);
	replay(&c, &r, REPLAY_CONTIGUOUS);
	assert_int_equal(replay_check_accounting(&r), 1);
	assert_int_equal(r.t[0].tally_dropped, 0);
	assert_int_equal(r.t[0].events, r.t[0].tally_seq);
	assert_int_equal(r.t[0].depth, 0);
	assert_true(ev_int(need_ev(&c, "hello", NULL), "min_duration") > 0);
	assert_string_equal(events_of(&c), want);
	/* Each exit's ts is its enter's plus its dur: the enters kept their
	 * own times (the clock conversions agree within a few us). */
	n = json_array_size(c.lines);
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(c.lines, i);
		json_int_t depth;

		if (strcmp(ev_kind(e), "enter") != 0)
			continue;
		depth = ev_int(e, "depth");
		for (size_t j = i + 1; j < n; j++) {
			o = json_array_get(c.lines, j);
			if (strcmp(ev_kind(o), "exit") == 0 && ev_int(o, "depth") == depth) {
				json_int_t gap = ev_int(o, "ts") - ev_int(e, "ts") - ev_int(o, "dur");

				if (gap < -20000 || gap > 20000)
					fail_msg("%s: exit ts - enter ts - dur = %lld ns", ev_str(e, "fn"),
						 (long long)gap);
				break;
			}
		}
	}
	cap_free(&c);
}

static void test_min_duration(void **state)
{
	static const char *const durations[] = { "durations", NULL };
	static const char *const raise[] = { "raise", NULL };

	/* only the napper's chain lasted 30 ms */
	expect_min(durations, "30ms", NULL,
		   "+main/0 +branch/1 +napper/2 -napper/2 -branch/1 -main/0");
	/* the same in seconds, as a fraction */
	expect_min(durations, "0.03s", NULL,
		   "+main/0 +branch/1 +napper/2 -napper/2 -branch/1 -main/0");
	/* with a filter: the excluded napper's time is its caller's */
	expect_min(durations, "30000us", "-napper", "+main/0 +branch/1 -branch/1 -main/0");
	expect_min(durations, "30ms", "branch,-quick", "+branch/0 +napper/1 -napper/1 -branch/0");
	/* an exception sends its open calls, short as they are; the callee
	 * after it is short and held */
	expect_min(raise, "1s", NULL,
		   "+main/0 +guard/1 +raiser/2 !raiser/2 -raiser/2 -guard/1 -main/0");
}

/* Each bad value of `var` is said on stderr (with `consequence`), every
 * call is traced, and hello has no `hello_key`. */
static void expect_refused(const char *var, const char *const *bad, size_t n,
			   const char *consequence, const char *hello_key)
{
	const char *args[] = { "calls", "10", NULL };

	for (size_t k = 0; k < n; k++) {
		char setting[64];
		const char *env[] = { setting, NULL };
		struct cap c;
		struct replay r;
		char *err;

		snprintf(setting, sizeof setting, "%s=%s", var, bad[k]);
		cap_start(&c, "lib_traced", args, env);
		cap_done(&c);
		err = cap_stderr(&c);
		snprintf(setting, sizeof setting, "%s \"%s\"", var, bad[k]);
		if (!strstr(err, setting) || !strstr(err, consequence))
			fail_msg("no warning for %s in: %s", setting, err);
		free(err);
		replay(&c, &r, REPLAY_CONTIGUOUS);
		assert_int_equal(r.t[0].tally_seq, 42);
		assert_null(json_object_get(need_ev(&c, "hello", NULL), hello_key));
		cap_free(&c);
	}
}

static void test_min_duration_invalid(void **state)
{
	static const char *const bad[] = { "abc", "10xs", "-5us", "10 us", "1e30s", "0.1ns", "us" };

	(void)state;
	expect_refused("PIPETRACE_MIN_DURATION", bad, sizeof bad / sizeof *bad,
		       "sending every call", "min_duration");
}

/* A bad value is said on stderr, and every call is traced. */
static void test_invalid(void **state)
{
	static const char *const bad[] = { ",", "a,,b", "mid,", "-", "a,-", "[ab", "x[!]" };

	(void)state;
	expect_refused("PIPETRACE_FILTER", bad, sizeof bad / sizeof *bad,
		       "tracing every function", "filter");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_with_depth),
		cmocka_unit_test(test_exception),
		cmocka_unit_test(test_longjmp),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_instrumented),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_min_duration),
		cmocka_unit_test(test_min_duration_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
