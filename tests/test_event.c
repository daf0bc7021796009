/* test_event.c - the event parser: every kind, required keys, types and
 * ranges, unknown keys and kinds, escapes, error texts; and the fast path
 * checked against jansson on generated lines, valid and mutated. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "event.h"
#include "event_int.h"
#include "event_orig.h"
#include "xorshift.h"

static struct event_parser *P;
static struct event ev, ev2;
static struct event_error err;

static int setup(void **state)
{
	(void)state;
	P = event_parser_create();
	return P ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	event_parser_free(P);
	return 0;
}

static enum event_result parse(const char *line)
{
	memset(&err, 0, sizeof err);
	return event_parse(P, line, strlen(line), &ev, &err);
}

static enum event_result parse_slow(const char *line)
{
	memset(&err, 0, sizeof err);
	return event_parse_slow(P, line, strlen(line), &ev, &err);
}

static bool str_is(struct event_str s, const char *want)
{
	if (!want)
		return s.s == NULL;
	return s.s && s.len == strlen(want) && !memcmp(s.s, want, s.len) && s.s[s.len] == '\0';
}

/* stats: the entries of "nodes" one by one; the line is bad only when it
 * is not JSON or "nodes" is not an array of its own. */
static void test_stats(void **state)
{
	(void)state;
	const char *line = "{\"ev\":\"stats\",\"ts\":5,\"pid\":2,\"tid\":3,\"nodes\":["
		"{\"id\":7,\"parent\":3,\"fn\":\"parse_term\",\"file\":\"p.c\",\"line\":40,"
		"\"count\":1200,\"total\":5400000,\"self\":1200000,\"max\":90000,\"exc\":2,"
		"\"abandoned\":0,\"hist\":[[10,300],[11,880],[12,20]]},"
		"{\"id\":9,\"count\":4},"
		"{\"id\":1,\"parent\":0,\"fn\":\"(other paths)\",\"other\":true,\"count\":1}]}";
	for (int slow = 0; slow < 2; slow++) {
		assert_int_equal(slow ? parse_slow(line) : parse(line), EVENT_OK);
		assert_int_equal(ev.kind, EV_STATS);
		assert_int_equal(ev.tid, 3);
		assert_int_equal(ev.nstats, 3);
		assert_int_equal(ev.stats_bad, 0);
		const struct event_stats_node *n = &ev.stats[0];
		assert_int_equal(n->id, 7);
		assert_true(n->has_parent);
		assert_int_equal(n->parent, 3);
		assert_true(str_is(n->fn, "parse_term"));
		assert_true(str_is(n->file, "p.c"));
		assert_int_equal(n->line, 40);
		assert_int_equal(n->count, 1200);
		assert_int_equal(n->total, 5400000);
		assert_int_equal(n->self, 1200000);
		assert_int_equal(n->max, 90000);
		assert_int_equal(n->exc, 2);
		assert_int_equal(n->hist_n, 3);
		assert_int_equal(ev.stats_hist[n->hist_off + 1].bucket, 11);
		assert_int_equal(ev.stats_hist[n->hist_off + 1].count, 880);
		/* later lines may leave out parent, fn, file and line */
		assert_false(ev.stats[1].has_parent);
		assert_null(ev.stats[1].fn.s);
		assert_int_equal(ev.stats[1].hist_n, 0);
		assert_true(ev.stats[2].other);
		assert_false(ev.stats[0].other);
	}
	/* each wrong entry counted, the others kept (jansson's path: the fast
	 * path takes only lines whose entries are all valid) */
	static const char *const wrong[] = {
		"5", "{\"parent\":1}", "{\"id\":0}", "{\"id\":-4}", "{\"id\":\"7\"}",
		"{\"id\":4,\"parent\":4}", "{\"id\":4,\"parent\":-1}", "{\"id\":4,\"fn\":7}",
		"{\"id\":4,\"count\":-1}", "{\"id\":4,\"total\":1.5}", "{\"id\":4,\"line\":2147483648}",
		"{\"id\":4,\"other\":1}", "{\"id\":4,\"hist\":{}}", "{\"id\":4,\"hist\":[[48,1]]}",
		"{\"id\":4,\"hist\":[[-1,1]]}", "{\"id\":4,\"hist\":[[3,1],[3,1]]}",
		"{\"id\":4,\"hist\":[[4,1],[3,1]]}", "{\"id\":4,\"hist\":[[3,-1]]}",
		"{\"id\":4,\"hist\":[[3]]}", "{\"id\":4,\"hist\":[3,1]}",
	};
	char buf[512];
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		snprintf(buf, sizeof buf, "{\"ev\":\"stats\",\"ts\":5,\"pid\":2,\"tid\":3,\"nodes\":"
			 "[{\"id\":1,\"fn\":\"a\"},%s,{\"id\":2,\"count\":3}]}", wrong[i]);
		if (parse(buf) != EVENT_OK)
			fail_msg("a wrong entry cost the line: %s (%s)", buf, err.text);
		assert_int_equal(ev.nstats, 2);
		assert_int_equal(ev.stats[1].id, 2);
		assert_int_equal(ev.stats_bad, 1);
		assert_non_null(ev.stats_bad_why);
	}
	/* the line itself: not an array, missing, no tid, a number past
	 * int64 (jansson refuses it), a duplicate key in an entry */
	static const char *const bad[] = {
		"{\"ev\":\"stats\",\"ts\":5,\"pid\":2,\"tid\":3,\"nodes\":{}}",
		"{\"ev\":\"stats\",\"ts\":5,\"pid\":2,\"tid\":3,\"nodes\":3}",
		"{\"ev\":\"stats\",\"ts\":5,\"pid\":2,\"tid\":3}",
		"{\"ev\":\"stats\",\"ts\":5,\"pid\":2,\"nodes\":[]}",
		"{\"ev\":\"stats\",\"ts\":5,\"pid\":2,\"tid\":3,\"nodes\":[{\"id\":1,\"count\":9223372036854775808}]}",
		"{\"ev\":\"stats\",\"ts\":5,\"pid\":2,\"tid\":3,\"nodes\":[{\"id\":1,\"id\":2}]}",
		"{\"ev\":\"stats\",\"ts\":5,\"pid\":2,\"tid\":3,\"nodes\":[{\"id\":1}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (parse(bad[i]) != EVENT_BAD)
			fail_msg("taken: %s", bad[i]);
	/* the largest figures there are, and an empty array */
	assert_int_equal(parse("{\"ev\":\"stats\",\"ts\":5,\"pid\":2,\"tid\":3,\"nodes\":"
			       "[{\"id\":9223372036854775807,\"total\":9223372036854775807}]}"),
			 EVENT_OK);
	assert_int_equal(ev.stats[0].id, INT64_MAX);
	assert_int_equal(ev.stats[0].total, INT64_MAX);
	assert_int_equal(parse("{\"ev\":\"stats\",\"ts\":5,\"pid\":2,\"tid\":3,\"nodes\":[]}"),
			 EVENT_OK);
	assert_int_equal(ev.nstats, 0);
	/* hello's stats_ms */
	assert_int_equal(parse("{\"ev\":\"hello\",\"ts\":1,\"pid\":2,\"v\":1,\"stats_ms\":200}"),
			 EVENT_OK);
	assert_int_equal(ev.stats_ms, 200);
	assert_int_equal(parse("{\"ev\":\"hello\",\"ts\":1,\"pid\":2,\"v\":1,\"stats_ms\":-1}"),
			 EVENT_BAD);
}

/* --- every kind ----------------------------------------------------------- */

static void test_hello(void **state)
{
	(void)state;
	const char *l = "{\"ev\":\"hello\",\"ts\":5123456789,\"pid\":4242,\"v\":1,\"ppid\":4200,"
		"\"prog\":\"pipetrace-demo\",\"wall\":1764100000123456789,\"lib\":\"pipetrace 0.1\"}";
	for (int slow = 0; slow < 2; slow++) {
		assert_int_equal(slow ? parse_slow(l) : parse(l), EVENT_OK);
		assert_int_equal(ev.kind, EV_HELLO);
		assert_int_equal(ev.ts, 5123456789LL);
		assert_int_equal(ev.pid, 4242);
		assert_int_equal(ev.tid, 0);
		assert_int_equal(ev.version, 1);
		assert_int_equal(ev.ppid, 4200);
		assert_true(str_is(ev.prog, "pipetrace-demo"));
		assert_true(str_is(ev.lib, "pipetrace 0.1"));
		assert_int_equal(ev.wall, 1764100000123456789LL);
		assert_int_equal(ev.depth, -1);
		assert_true(str_is(ev.fn, NULL));
	}
	/* v is the one required key; the others default */
	assert_int_equal(parse("{\"ev\":\"hello\",\"ts\":1,\"pid\":2,\"v\":3}"), EVENT_OK);
	assert_int_equal(ev.version, 3);
	assert_int_equal(ev.ppid, 0);
	assert_true(str_is(ev.prog, NULL));
	assert_int_equal(parse("{\"ev\":\"hello\",\"ts\":1,\"pid\":2}"), EVENT_BAD);
	assert_string_equal(err.text, "missing key \"v\"");
}

/* clock_step: ns, 1 ns to 1 s; anything else is judged like the other
 * hello keys (the line is refused, and says why) and leaves no step. */
static void test_hello_clock_step(void **state)
{
	(void)state;
	for (int slow = 0; slow < 2; slow++) {
		const char *l = "{\"ev\":\"hello\",\"ts\":1,\"pid\":2,\"v\":1,\"clock_step\":10}";

		assert_int_equal(slow ? parse_slow(l) : parse(l), EVENT_OK);
		assert_int_equal(ev.clock_step, 10);
		l = "{\"ev\":\"hello\",\"ts\":1,\"pid\":2,\"v\":1,\"clock_step\":1000000000}";
		assert_int_equal(slow ? parse_slow(l) : parse(l), EVENT_OK);
		assert_int_equal(ev.clock_step, 1000000000);
	}
	assert_int_equal(parse("{\"ev\":\"hello\",\"ts\":1,\"pid\":2,\"v\":1}"), EVENT_OK);
	assert_int_equal(ev.clock_step, 0);
	/* only hello's counts */
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":1,\"pid\":2,\"clock_step\":10}"), EVENT_OK);
	assert_int_equal(ev.clock_step, 0);
	static const struct { const char *val, *why; } bad[] = {
		{ "-10", "key \"clock_step\": -10 is out of range" },
		{ "0", "key \"clock_step\": 0 is out of range" },
		{ "1000000001", "key \"clock_step\": 1000000001 is out of range" },
		{ "9223372036854775807", "key \"clock_step\": 9223372036854775807 is out of range" },
		{ "\"10\"", "key \"clock_step\": expected integer, got string" },
		{ "10.5", "key \"clock_step\": expected integer, got real" },
		{ "null", "key \"clock_step\": expected integer, got null" },
	};
	char line[256];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, "{\"ev\":\"hello\",\"ts\":1,\"pid\":2,\"v\":1,"
			 "\"prog\":\"p\",\"clock_step\":%s}", bad[i].val);
		for (int slow = 0; slow < 2; slow++) {
			assert_int_equal(slow ? parse_slow(line) : parse(line), EVENT_BAD);
			assert_string_equal(err.text, bad[i].why);
		}
	}
	assert_int_equal(parse("{\"ev\":\"hello\",\"ts\":1,\"pid\":2,\"v\":1,"
			       "\"clock_step\":99999999999999999999}"), EVENT_BAD);
	/* min_duration, the key before it, is judged too (it was left
	 * unchecked: only a hello's first 8 keys were) */
	assert_int_equal(parse("{\"ev\":\"hello\",\"ts\":1,\"pid\":2,\"v\":1,"
			       "\"min_duration\":\"1us\"}"), EVENT_BAD);
	assert_string_equal(err.text, "key \"min_duration\": expected integer, got string");
}

static void test_thread(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"ev\":\"thread\",\"ts\":5,\"pid\":4242,\"tid\":4243,\"name\":\"worker-1\"}"),
			 EVENT_OK);
	assert_int_equal(ev.kind, EV_THREAD);
	assert_int_equal(ev.tid, 4243);
	assert_true(str_is(ev.name, "worker-1"));
	assert_int_equal(parse("{\"ev\":\"thread\",\"ts\":5,\"pid\":4242,\"tid\":4243}"), EVENT_BAD);
	assert_string_equal(err.text, "missing key \"name\"");
}

static void test_enter(void **state)
{
	(void)state;
	const char *l = "{\"ev\":\"enter\",\"ts\":5123456999,\"pid\":4242,\"tid\":4243,\"seq\":1,"
		"\"depth\":0,\"fn\":\"handle_request\",\"file\":\"demo/server.c\",\"line\":88}";
	for (int slow = 0; slow < 2; slow++) {
		assert_int_equal(slow ? parse_slow(l) : parse(l), EVENT_OK);
		assert_int_equal(ev.kind, EV_ENTER);
		assert_int_equal(ev.seq, 1);
		assert_int_equal(ev.depth, 0);
		assert_true(str_is(ev.fn, "handle_request"));
		assert_true(str_is(ev.file, "demo/server.c"));
		assert_int_equal(ev.line, 88);
	}
	assert_int_equal(parse("{\"ev\":\"enter\",\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":4,\"depth\":5,\"fn\":\"f\"}"),
			 EVENT_OK);
	assert_true(str_is(ev.file, NULL));
	assert_int_equal(ev.line, 0);
	/* CRLF line ends and blanks between tokens: still the fast path */
	const char *crlf = " { \"ev\" : \"enter\" ,\t\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":4,"
		"\"depth\":5,\"fn\":\"f\" }\r";
	assert_int_equal(event_parse_fast(P, crlf, strlen(crlf), &ev), EVENT_OK);
	assert_int_equal(ev.depth, 5);
	/* keys of other kinds are ignored, not taken */
	assert_int_equal(parse("{\"ev\":\"enter\",\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":4,\"depth\":5,"
			       "\"fn\":\"f\",\"dur\":\"not checked\",\"name\":7}"), EVENT_OK);
	assert_int_equal(ev.dur, 0);
	assert_true(str_is(ev.name, NULL));
}

static void test_exit(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"ev\":\"exit\",\"ts\":5123459100,\"pid\":4242,\"tid\":4243,\"seq\":4,"
			       "\"depth\":1,\"fn\":\"db_query\",\"dur\":2000}"), EVENT_OK);
	assert_int_equal(ev.kind, EV_EXIT);
	assert_int_equal(ev.dur, 2000);
	assert_int_equal(ev.depth, 1);
	assert_true(str_is(ev.fn, "db_query"));
	/* no "dur": the writer did not know it, which is not 0 ns */
	assert_int_equal(parse("{\"ev\":\"exit\",\"ts\":5,\"pid\":4242,\"tid\":4243,\"seq\":4,"
			       "\"depth\":1,\"fn\":\"db_query\"}"), EVENT_OK);
	assert_int_equal(ev.dur, -1);
	assert_int_equal(parse_slow("{\"ev\":\"exit\",\"ts\":5,\"pid\":4242,\"tid\":4243,\"seq\":4,"
				    "\"depth\":1,\"fn\":\"db_query\"}"), EVENT_OK);
	assert_int_equal(ev.dur, -1);
	assert_int_equal(parse("{\"ev\":\"exit\",\"ts\":5,\"pid\":4242,\"tid\":4243,\"seq\":4,"
			       "\"depth\":1,\"fn\":\"db_query\",\"dur\":0}"), EVENT_OK);
	assert_int_equal(ev.dur, 0);
	assert_int_equal(parse("{\"ev\":\"exit\",\"ts\":5,\"pid\":4242,\"tid\":4243,\"seq\":4,"
			       "\"depth\":1,\"fn\":\"db_query\",\"dur\":-1}"), EVENT_BAD);
}

/* The thread's last seq and the writer's own count of its losses; bye's
 * number of threads (lib/PROTOCOL.md). */
static void test_tally_bye_threads(void **state)
{
	(void)state;
	const char *t = "{\"ev\":\"tally\",\"ts\":9,\"pid\":4242,\"tid\":4243,\"seq\":1205,"
			"\"dropped\":1200}";
	assert_int_equal(parse(t), EVENT_OK);
	assert_int_equal(ev.kind, EV_TALLY);
	assert_int_equal(ev.tid, 4243);
	assert_int_equal(ev.seq, 1205);
	assert_int_equal(ev.dropped, 1200);
	assert_int_equal(ev.depth, -1);
	assert_int_equal(event_parse_fast(P, t, strlen(t), &ev2), EVENT_OK);
	assert_int_equal(ev2.kind, EV_TALLY);
	assert_int_equal(ev2.seq, 1205);
	assert_int_equal(ev2.dropped, 1200);
	assert_string_equal(event_kind_name(EV_TALLY), "tally");
	/* a thread that assigned no seq */
	assert_int_equal(parse("{\"ev\":\"tally\",\"ts\":9,\"pid\":1,\"tid\":2,\"seq\":0,"
			       "\"dropped\":0}"), EVENT_OK);
	assert_int_equal(ev.seq, 0);
	assert_int_equal(parse("{\"ev\":\"tally\",\"ts\":9,\"pid\":1,\"tid\":2,\"seq\":3}"),
			 EVENT_BAD);
	assert_string_equal(err.text, "missing key \"dropped\"");
	assert_int_equal(parse("{\"ev\":\"tally\",\"ts\":9,\"pid\":1,\"seq\":3,\"dropped\":0}"),
			 EVENT_BAD);
	assert_int_equal(parse("{\"ev\":\"tally\",\"ts\":9,\"pid\":1,\"tid\":2,\"seq\":-1,"
			       "\"dropped\":0}"), EVENT_BAD);
	assert_int_equal(parse("{\"ev\":\"tally\",\"ts\":9,\"pid\":1,\"tid\":2,\"seq\":3,"
			       "\"dropped\":-2}"), EVENT_BAD);
	/* "dropped" and "threads" belong to their kinds only */
	assert_int_equal(parse("{\"ev\":\"drop\",\"ts\":5,\"pid\":1,\"tid\":2,\"count\":3,"
			       "\"dropped\":9}"), EVENT_OK);
	assert_int_equal(ev.dropped, 0);

	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":5,\"pid\":4242,\"status\":0,"
			       "\"threads\":5}"), EVENT_OK);
	assert_true(ev.has_threads);
	assert_int_equal(ev.threads, 5);
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":5,\"pid\":4242}"), EVENT_OK);
	assert_false(ev.has_threads);
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":5,\"pid\":4242,\"threads\":\"5\"}"),
			 EVENT_BAD);
}

static void test_exception(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"ev\":\"exception\",\"ts\":9,\"pid\":4242,\"tid\":4243,\"seq\":3,"
			       "\"depth\":1,\"fn\":\"db_query\",\"type\":\"TimeoutError\","
			       "\"msg\":\"no answer in 200 ms\"}"), EVENT_OK);
	assert_int_equal(ev.kind, EV_EXCEPTION);
	assert_true(str_is(ev.type, "TimeoutError"));
	assert_true(str_is(ev.msg, "no answer in 200 ms"));
	assert_true(str_is(ev.signal, NULL));
	assert_int_equal(ev.nstack, 0);

	assert_int_equal(parse("{\"ev\":\"exception\",\"ts\":9,\"pid\":4242,\"tid\":4243,\"seq\":3,"
			       "\"depth\":2,\"fn\":\"c\",\"type\":\"SIGSEGV\",\"msg\":\"\","
			       "\"signal\":\"SIGSEGV\",\"stack\":[\"main\",\"b\",\"c\"]}"), EVENT_OK);
	assert_true(str_is(ev.signal, "SIGSEGV"));
	assert_int_equal(ev.nstack, 3);
	assert_true(str_is(ev.stack[0], "main"));
	assert_true(str_is(ev.stack[2], "c"));
	assert_true(str_is(ev.msg, ""));

	/* the signal as a number, the way libpipetrace writes it */
	assert_int_equal(parse("{\"ev\":\"exception\",\"ts\":9,\"pid\":1,\"tid\":1,\"seq\":3,"
			       "\"depth\":0,\"fn\":\"c\",\"type\":\"SIGSEGV\",\"msg\":\"m\",\"signal\":11,"
			       "\"stack\":[\"c\"]}"), EVENT_OK);
	assert_true(str_is(ev.signal, "SIGSEGV"));
	assert_int_equal(parse("{\"ev\":\"exception\",\"ts\":9,\"pid\":1,\"tid\":1,\"seq\":3,"
			       "\"depth\":0,\"fn\":\"c\",\"type\":\"X\",\"msg\":\"m\",\"signal\":99}"),
			 EVENT_OK);
	assert_true(str_is(ev.signal, "signal 99"));
	assert_int_equal(parse("{\"ev\":\"exception\",\"ts\":9,\"pid\":1,\"tid\":1,\"seq\":3,"
			       "\"depth\":0,\"fn\":\"c\",\"type\":\"X\",\"msg\":\"m\",\"signal\":0}"),
			 EVENT_BAD);
	assert_string_equal(err.text, "key \"signal\": 0 is out of range");
	assert_int_equal(parse("{\"ev\":\"exception\",\"ts\":9,\"pid\":1,\"tid\":1,\"seq\":3,"
			       "\"depth\":0,\"fn\":\"c\",\"type\":\"X\",\"msg\":\"m\",\"signal\":[]}"),
			 EVENT_BAD);

	assert_int_equal(parse("{\"ev\":\"exception\",\"ts\":9,\"pid\":1,\"tid\":1,\"seq\":3,"
			       "\"depth\":2,\"fn\":\"c\",\"type\":\"T\",\"msg\":\"m\",\"stack\":[\"a\",1]}"),
			 EVENT_BAD);
	assert_string_equal(err.text, "key \"stack\": expected array of strings, got array holding a non-string");

	/* a stack longer than EVENT_STACK_MAX is cut, not refused */
	char line[4096];
	int o = snprintf(line, sizeof line, "{\"ev\":\"exception\",\"ts\":9,\"pid\":1,\"tid\":1,\"seq\":3,"
			 "\"depth\":2,\"fn\":\"c\",\"type\":\"T\",\"msg\":\"m\",\"stack\":[");
	for (int i = 0; i < EVENT_STACK_MAX + 20; i++)
		o += snprintf(line + o, sizeof line - (size_t)o, "%s\"f%d\"", i ? "," : "", i);
	snprintf(line + o, sizeof line - (size_t)o, "]}");
	assert_int_equal(parse(line), EVENT_OK);
	assert_int_equal(ev.nstack, EVENT_STACK_MAX);
	assert_true(str_is(ev.stack[EVENT_STACK_MAX - 1], "f127"));
}

static void test_drop_bye(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"ev\":\"drop\",\"ts\":5,\"pid\":4242,\"tid\":4243,\"count\":1200}"),
			 EVENT_OK);
	assert_int_equal(ev.kind, EV_DROP);
	assert_int_equal(ev.count, 1200);
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":5,\"pid\":4242,\"status\":0}"), EVENT_OK);
	assert_int_equal(ev.kind, EV_BYE);
	assert_true(ev.has_status);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.tid, 0);
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":5,\"pid\":4242,\"status\":-1}"), EVENT_OK);
	assert_int_equal(ev.status, -1);
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":5,\"pid\":4242}"), EVENT_OK);
	assert_false(ev.has_status);
	/* tid on bye is not required, and ignored when there */
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":5,\"pid\":4242,\"tid\":7}"), EVENT_OK);
	assert_int_equal(ev.tid, 0);
}

/* --- keys, types, ranges ------------------------------------------------- */

static void test_missing_keys(void **state)
{
	(void)state;
	static const struct { const char *line, *why; } cases[] = {
		{ "{\"ts\":1,\"pid\":2}", "missing key \"ev\"" },
		{ "{\"ev\":\"enter\",\"pid\":2,\"tid\":3,\"seq\":4,\"depth\":5,\"fn\":\"f\"}", "missing key \"ts\"" },
		{ "{\"ev\":\"enter\",\"ts\":1,\"tid\":3,\"seq\":4,\"depth\":5,\"fn\":\"f\"}", "missing key \"pid\"" },
		{ "{\"ev\":\"enter\",\"ts\":1,\"pid\":2,\"seq\":4,\"depth\":5,\"fn\":\"f\"}", "missing key \"tid\"" },
		{ "{\"ev\":\"enter\",\"ts\":1,\"pid\":2,\"tid\":3,\"depth\":5,\"fn\":\"f\"}", "missing key \"seq\"" },
		{ "{\"ev\":\"enter\",\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":4,\"fn\":\"f\"}", "missing key \"depth\"" },
		{ "{\"ev\":\"enter\",\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":4,\"depth\":5}", "missing key \"fn\"" },
		{ "{\"ev\":\"exception\",\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":4,\"depth\":5,\"fn\":\"f\",\"msg\":\"m\"}",
		  "missing key \"type\"" },
		{ "{\"ev\":\"exception\",\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":4,\"depth\":5,\"fn\":\"f\",\"type\":\"T\"}",
		  "missing key \"msg\"" },
		{ "{\"ev\":\"drop\",\"ts\":1,\"pid\":2,\"tid\":3}", "missing key \"count\"" },
		{ "{\"ev\":\"drop\",\"ts\":1,\"pid\":2,\"count\":3}", "missing key \"tid\"" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(parse(cases[i].line), EVENT_BAD);
		assert_string_equal(err.text, cases[i].why);
	}
}

static void test_types_and_ranges(void **state)
{
	(void)state;
	static const struct { const char *line, *why; } cases[] = {
		{ "{\"ev\":1,\"ts\":1,\"pid\":2}", "key \"ev\": expected string, got integer" },
		{ "{\"ev\":\"bye\",\"ts\":\"1\",\"pid\":2}", "key \"ts\": expected integer, got string" },
		{ "{\"ev\":\"bye\",\"ts\":1.5,\"pid\":2}", "key \"ts\": expected integer, got real" },
		{ "{\"ev\":\"bye\",\"ts\":1e3,\"pid\":2}", "key \"ts\": expected integer, got real" },
		{ "{\"ev\":\"bye\",\"ts\":null,\"pid\":2}", "key \"ts\": expected integer, got null" },
		{ "{\"ev\":\"bye\",\"ts\":true,\"pid\":2}", "key \"ts\": expected integer, got true" },
		{ "{\"ev\":\"bye\",\"ts\":1,\"pid\":{}}", "key \"pid\": expected integer, got object" },
		{ "{\"ev\":\"bye\",\"ts\":-1,\"pid\":2}", "key \"ts\": -1 is out of range" },
		{ "{\"ev\":\"bye\",\"ts\":1,\"pid\":0}", "key \"pid\": 0 is out of range" },
		{ "{\"ev\":\"bye\",\"ts\":1,\"pid\":2147483648}", "key \"pid\": 2147483648 is out of range" },
		{ "{\"ev\":\"drop\",\"ts\":1,\"pid\":2,\"tid\":0,\"count\":1}", "key \"tid\": 0 is out of range" },
		{ "{\"ev\":\"enter\",\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":0,\"depth\":5,\"fn\":\"f\"}",
		  "key \"seq\": 0 is out of range" },
		{ "{\"ev\":\"enter\",\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":1,\"depth\":-1,\"fn\":\"f\"}",
		  "key \"depth\": -1 is out of range" },
		{ "{\"ev\":\"enter\",\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":1,\"depth\":1,\"fn\":[\"f\"]}",
		  "key \"fn\": expected string, got array of strings" },
		{ "{\"ev\":\"enter\",\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":1,\"depth\":1,\"fn\":\"f\",\"line\":-3}",
		  "key \"line\": -3 is out of range" },
		{ "{\"ev\":\"exit\",\"ts\":1,\"pid\":2,\"tid\":3,\"seq\":1,\"depth\":1,\"fn\":\"f\",\"dur\":-5}",
		  "key \"dur\": -5 is out of range" },
		{ "{\"ev\":\"bye\",\"ts\":1,\"pid\":2,\"status\":\"ok\"}", "key \"status\": expected integer, got string" },
		{ "{\"ev\":\"hello\",\"ts\":1,\"pid\":2,\"v\":0}", "key \"v\": 0 is out of range" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(parse(cases[i].line), EVENT_BAD);
		assert_string_equal(err.text, cases[i].why);
	}
}

static void test_huge_numbers(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":99999999999999999999,\"pid\":2}"), EVENT_BAD);
	assert_non_null(strstr(err.text, "too big integer"));
	/* 19 digits: beyond the fast path, still an integer for jansson */
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":9223372036854775807,\"pid\":2}"), EVENT_OK);
	assert_int_equal(ev.ts, INT64_MAX);
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":-0,\"pid\":2}"), EVENT_OK);
	assert_int_equal(ev.ts, 0);
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":01,\"pid\":2}"), EVENT_BAD);
}

static void test_unknown_keys_and_kinds(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"ev\":\"drop\",\"future\":{\"x\":[1,2.5,null]},\"ts\":1,\"pid\":2,"
			       "\"tid\":3,\"count\":4,\"zz\":\"q\"}"), EVENT_OK);
	assert_int_equal(ev.count, 4);
	assert_int_equal(parse("{\"ev\":\"gc_pause\",\"ts\":1,\"pid\":2}"), EVENT_UNKNOWN_KIND);
	assert_string_equal(err.text, "unknown kind \"gc_pause\"");
	/* an unknown kind needs nothing else */
	assert_int_equal(parse("{\"ev\":\"later\"}"), EVENT_UNKNOWN_KIND);
	/* and its name is made safe for the message */
	assert_int_equal(parse("{\"ev\":\"x\\u001b[2J\"}"), EVENT_UNKNOWN_KIND);
	assert_null(strchr(err.text, 0x1b));
	assert_non_null(strstr(err.text, "\\x1b[2J"));
	/* keys escaped differently are the same key for jansson */
	assert_int_equal(parse("{\"e\\u0076\":\"bye\",\"ts\":1,\"pid\":2}"), EVENT_OK);
	assert_int_equal(ev.kind, EV_BYE);
}

static void test_escapes(void **state)
{
	(void)state;
	const char *l = "{\"ev\":\"thread\",\"ts\":1,\"pid\":2,\"tid\":3,"
		"\"name\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\\u001f \xc3\xa9\"}";
	const char want[] = "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x1f \xc3\xa9";
	for (int slow = 0; slow < 2; slow++) {
		assert_int_equal(slow ? parse_slow(l) : parse(l), EVENT_OK);
		assert_int_equal(ev.name.len, sizeof want - 1);
		assert_memory_equal(ev.name.s, want, sizeof want - 1);
	}
	/* the fast path itself handles every one of them */
	assert_int_equal(event_parse_fast(P, l, strlen(l), &ev), EVENT_OK);
	assert_memory_equal(ev.name.s, want, sizeof want - 1);
	/* lone surrogates and \u0000 are refused (by jansson) */
	assert_int_equal(parse("{\"ev\":\"thread\",\"ts\":1,\"pid\":2,\"tid\":3,\"name\":\"\\ud800x\"}"),
			 EVENT_BAD);
	assert_int_equal(parse("{\"ev\":\"thread\",\"ts\":1,\"pid\":2,\"tid\":3,\"name\":\"\\udc00\"}"),
			 EVENT_BAD);
	assert_int_equal(parse("{\"ev\":\"thread\",\"ts\":1,\"pid\":2,\"tid\":3,\"name\":\"a\\u0000b\"}"),
			 EVENT_BAD);
	assert_int_equal(parse("{\"ev\":\"thread\",\"ts\":1,\"pid\":2,\"tid\":3,\"name\":\"\\x41\"}"),
			 EVENT_BAD);
}

static void test_error_text(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"ev\" \"enter\"}"), EVENT_BAD);
	assert_string_equal(err.text, "':' expected near '\"enter\"'");
	assert_int_equal(err.column, 13);
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":1,\"pid\":2} trailing"), EVENT_BAD);
	assert_non_null(strstr(err.text, "end of file expected"));
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":1,\"pid\":2,\"pid\":3}"), EVENT_BAD);
	assert_non_null(strstr(err.text, "duplicate object key"));
	assert_int_equal(parse("[1,2]"), EVENT_BAD);
	assert_string_equal(err.text, "expected a JSON object, got array");
	assert_int_equal(parse("{\"ev\":\"enter\",\"ts\":12,\"pid\":2,\"tid\":3,\"seq\":1,\"dep"), EVENT_BAD);
	assert_non_null(strstr(err.text, "premature end of input"));
	assert_int_equal(parse(""), EVENT_BAD);
	/* raw control characters: refused, and the message itself is safe */
	assert_int_equal(parse("{\"ev\":\"bye\x1b[31m\",\"ts\":1,\"pid\":2}"), EVENT_BAD);
	assert_null(strchr(err.text, 0x1b));
}

static void test_nul_and_utf8(void **state)
{
	(void)state;
	const char l[] = "{\"ev\":\"bye\",\"ts\":1,\"pid\":2}\0garbage";
	assert_int_equal(event_parse(P, l, sizeof l - 1, &ev, &err), EVENT_BAD);
	assert_string_equal(err.text, "NUL byte in line");
	assert_int_equal(err.column, 28);
	/* invalid UTF-8 inside a string becomes U+FFFD, one per byte */
	assert_int_equal(parse("{\"ev\":\"thread\",\"ts\":1,\"pid\":2,\"tid\":3,\"name\":\"a\xff\xc3(b\"}"),
			 EVENT_OK);
	assert_true(str_is(ev.name, "a\xef\xbf\xbd\xef\xbf\xbd(b"));
	/* overlong and surrogate encodings too */
	assert_int_equal(parse("{\"ev\":\"thread\",\"ts\":1,\"pid\":2,\"tid\":3,\"name\":\"\xc0\xaf\xed\xa0\x80\"}"),
			 EVENT_OK);
	for (size_t i = 0; i < ev.name.len; i += 3)
		assert_memory_equal(ev.name.s + i, "\xef\xbf\xbd", 3);
	/* outside a string it stays a syntax error */
	assert_int_equal(parse("{\"ev\":\"bye\",\"ts\":1,\xff\"pid\":2}"), EVENT_BAD);
}

static void test_safe_text(void **state)
{
	(void)state;
	char out[64];

	event_safe_text(out, sizeof out, "a\x1b[0m\n\t\x7f\xc2\x9b!", 11, true);
	assert_string_equal(out, "a\\x1b[0m\\n\\t\\x7f\\x9b!");
	event_safe_text(out, sizeof out, "\xc3\xa9\xff", 3, true);
	assert_string_equal(out, "\xc3\xa9\xef\xbf\xbd");
	event_safe_text(out, sizeof out, "\xc3\xa9\xff", 3, false);
	assert_string_equal(out, "??");
	event_safe_text(out, sizeof out, "x\xe2\x80\xaey", 5, true);
	assert_string_equal(out, "x?y");
	/* cut on a character boundary, never in the middle of an escape */
	assert_int_equal(event_safe_text(out, 5, "ab\x01" "cd", 5, true), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(event_safe_text(out, 3, "a\xe2\x82\xac", 4, true), 1);
	assert_string_equal(out, "a");
}

/* --- differential: fast path against jansson ------------------------------ */

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(xorshift64(&rng) % n);
}

struct gen {
	char line[8192];
	size_t len;
};

static void put(struct gen *g, const char *s)
{
	size_t n = strlen(s);
	memcpy(g->line + g->len, s, n);
	g->len += n;
}

static void putf(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g->len += (size_t)vsnprintf(g->line + g->len, sizeof g->line - g->len, fmt, ap);
	va_end(ap);
}

/* A random JSON string covering every escape, raw UTF-8 of each length,
 * \u escapes with both hex cases and surrogate pairs. */
static void put_rand_string(struct gen *g)
{
	static const char *const pieces[] = {
		"a", "Zz", "handle_request", " ", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n",
		"\\r", "\\t", "\\u0001", "\\u001F", "\\u001b", "\\u00e9", "\\u00E9", "\\u20ac",
		"\\uFFFD", "\\uffff", "\\ud83d\\ude00", "\\uD834\\uDD1E", "\\udbff\\udfff",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\x7f",
		"std::vector<int>::push_back", "\xe6\x97\xa5\xe6\x9c\xac", "{}[],:",
		"\\u0041", "%s%n",
	};
	int n = (int)rnd(6);
	put(g, "\"");
	for (int i = 0; i < n; i++)
		put(g, pieces[rnd(sizeof pieces / sizeof pieces[0])]);
	put(g, "\"");
}

static int64_t rand_int(void)
{
	switch (rnd(4)) {
	case 0: return rnd(10);
	case 1: return rnd(1000000);
	case 2: return (int64_t)rnd(2000000000) * 1000000000 + rnd(1000000000);
	default: return 999999999999999999LL;
	}
}

/* A stats line's "nodes": valid entries of random shape, keys in the
 * library's order unless `shuffle`. */
static void put_nodes(struct gen *g, bool shuffle, const char *sp)
{
	int n = (int)rnd(7);
	putf(g, "%s[", sp);
	for (int i = 0; i < n; i++) {
		char parts[16][160];
		int np = 0;
		unsigned id = 1 + rnd(1000);
		snprintf(parts[np++], sizeof parts[0], "\"id\":%u", id);
		if (rnd(2))
			snprintf(parts[np++], sizeof parts[0], "\"parent\":%u", (id + 1 + rnd(5)) % 1002);
		if (rnd(2)) {
			struct gen s = { .len = 0 };
			put_rand_string(&s);
			snprintf(parts[np++], sizeof parts[0], "\"fn\":%.*s", (int)s.len, s.line);
			if (rnd(2))
				snprintf(parts[np++], sizeof parts[0], "\"line\":%u", rnd(100000));
		}
		static const char *const figs[] = { "count", "total", "self", "max", "exc", "abandoned" };
		for (int k = 0; k < 6; k++)
			if (rnd(5))
				snprintf(parts[np++], sizeof parts[0], "\"%s\":%lld", figs[k],
					 (long long)rand_int());
		if (rnd(8) == 0)
			snprintf(parts[np++], sizeof parts[0], "\"other\":%s", rnd(2) ? "true" : "false");
		if (rnd(8) == 0)
			snprintf(parts[np++], sizeof parts[0], "\"hist_missing\":%u", rnd(100));
		if (rnd(2)) {
			int at = snprintf(parts[np], sizeof parts[0], "\"hist\":[");
			int b = -1;
			for (int k = 0, nb = (int)rnd(5); k < nb; k++) {
				b += 1 + (int)rnd(8);
				if (b >= 48)
					break;
				at += snprintf(parts[np] + at, sizeof parts[0] - (size_t)at, "%s[%d,%u]",
					       k ? "," : "", b, rnd(100000));
			}
			snprintf(parts[np] + at, sizeof parts[0] - (size_t)at, "]");
			np++;
		}
		if (shuffle)
			for (int k = np - 1; k > 0; k--) {
				int j = (int)rnd((uint32_t)k + 1);
				char t[160];
				memcpy(t, parts[k], sizeof t);
				memcpy(parts[k], parts[j], sizeof t);
				memcpy(parts[j], t, sizeof t);
			}
		putf(g, "%s{", i ? "," : "");
		for (int k = 0; k < np; k++)
			putf(g, "%s%s%s", k ? "," : "", sp, parts[k]);
		putf(g, "%s}", sp);
	}
	putf(g, "%s]", sp);
}

/* One random valid line; canonical (the library's key order, no spaces)
 * unless `shuffle`. */
static void gen_line(struct gen *g, bool shuffle)
{
	static const char *const kinds[] = { "hello", "thread", "enter", "exit", "exception",
					     "drop", "bye", "tally", "stats" };
	/* 0 int, 1 string, 2 pos int, 3 signal number, 4 stats nodes */
	struct { const char *key; int type; } keys[16];
	int nk = 0;
	int kind = (int)rnd(9);

#define K(k, t) (keys[nk].key = (k), keys[nk].type = (t), nk++)
	K("ts", 0);
	K("pid", 2);
	if (kind != 0 && kind != 6)
		K("tid", 2);
	switch (kind) {
	case 0:
		K("v", 2);
		if (rnd(2))
			K("ppid", 0);
		if (rnd(2))
			K("prog", 1);
		if (rnd(2))
			K("wall", 0);
		if (rnd(2))
			K("lib", 1);
		if (rnd(2))
			K("stats_ms", 0);
		if (rnd(2))
			K("clock_step", 2);
		break;
	case 1: K("name", 1); break;
	case 2:
		K("seq", 2); K("depth", 0); K("fn", 1);
		if (rnd(2)) {
			K("file", 1);
			K("line", 0);
		}
		break;
	case 3:
		K("seq", 2); K("depth", 0); K("fn", 1);
		if (rnd(4))
			K("dur", 0);
		break;
	case 4:
		K("seq", 2); K("depth", 0); K("fn", 1); K("type", 1); K("msg", 1);
		if (rnd(3) == 0)
			K("signal", rnd(2) ? 1 : 3);
		break;
	case 5: K("count", 0); break;
	case 6:
		if (rnd(2))
			K("status", 0);
		if (rnd(2))
			K("threads", 0);
		break;
	case 7: K("seq", 0); K("dropped", 0); break;
	case 8: K("nodes", 4); break;
	}
#undef K
	if (shuffle)
		for (int i = nk - 1; i > 0; i--) {
			int j = (int)rnd((uint32_t)i + 1);
			__typeof__(keys[0]) t = keys[i];
			keys[i] = keys[j];
			keys[j] = t;
		}
	const char *sp = shuffle && rnd(2) ? " " : "";
	g->len = 0;
	putf(g, "%s{%s\"ev\":%s\"%s\"", sp, sp, sp, kinds[kind]);
	for (int i = 0; i < nk; i++) {
		int64_t v = rand_int();
		if (keys[i].type == 2 && v == 0)
			v = 1;
		if (keys[i].type == 2 && (!strcmp(keys[i].key, "pid") || !strcmp(keys[i].key, "tid") ||
					  !strcmp(keys[i].key, "v")))
			v = 1 + rnd(4000000);
		if (!strcmp(keys[i].key, "depth") || !strcmp(keys[i].key, "line") ||
		    !strcmp(keys[i].key, "ppid") || !strcmp(keys[i].key, "status") ||
		    !strcmp(keys[i].key, "threads") || !strcmp(keys[i].key, "stats_ms"))
			v = rnd(100000);
		if (!strcmp(keys[i].key, "clock_step"))
			v = 1 + rnd(1000);
		putf(g, ",%s\"%s\"%s:%s", sp, keys[i].key, sp, sp);
		if (keys[i].type == 4)
			put_nodes(g, shuffle, sp);
		else if (keys[i].type == 3)
			putf(g, "%u", 1 + rnd(64));
		else if (keys[i].type == 1)
			put_rand_string(g);
		else
			putf(g, "%lld", (long long)v);
	}
	putf(g, "%s}%s", sp, sp);
}

static bool same_str(struct event_str a, struct event_str b)
{
	if (!a.s || !b.s)
		return !a.s && !b.s;
	return a.len == b.len && !memcmp(a.s, b.s, a.len);
}

static bool same_event(const struct event *a, const struct event *b)
{
	if (a->kind != b->kind || a->ts != b->ts || a->pid != b->pid || a->tid != b->tid ||
	    a->seq != b->seq || a->depth != b->depth || a->line != b->line || a->dur != b->dur ||
	    a->ppid != b->ppid || a->version != b->version || a->wall != b->wall ||
	    a->count != b->count || a->has_status != b->has_status || a->status != b->status ||
	    a->dropped != b->dropped || a->has_threads != b->has_threads ||
	    a->threads != b->threads || a->nstack != b->nstack)
		return false;
	if (!same_str(a->fn, b->fn) || !same_str(a->file, b->file) || !same_str(a->type, b->type) ||
	    !same_str(a->msg, b->msg) || !same_str(a->signal, b->signal) ||
	    !same_str(a->name, b->name) || !same_str(a->prog, b->prog) || !same_str(a->lib, b->lib))
		return false;
	for (size_t i = 0; i < a->nstack; i++)
		if (!same_str(a->stack[i], b->stack[i]))
			return false;
	if (a->stats_ms != b->stats_ms || a->clock_step != b->clock_step || a->nstats != b->nstats || a->stats_bad != b->stats_bad)
		return false;
	for (size_t i = 0; i < a->nstats; i++) {
		const struct event_stats_node *x = &a->stats[i], *y = &b->stats[i];
		if (x->id != y->id || x->parent != y->parent || x->has_parent != y->has_parent ||
		    x->other != y->other || !same_str(x->fn, y->fn) || !same_str(x->file, y->file) ||
		    x->line != y->line || x->count != y->count || x->total != y->total ||
		    x->self != y->self || x->max != y->max || x->exc != y->exc ||
		    x->abandoned != y->abandoned || x->hist_missing != y->hist_missing ||
		    x->hist_n != y->hist_n)
			return false;
		for (uint32_t k = 0; k < x->hist_n; k++) {
			const struct event_hist_pair *hx = &a->stats_hist[x->hist_off + k];
			const struct event_hist_pair *hy = &b->stats_hist[y->hist_off + k];
			if (hx->bucket != hy->bucket || hx->count != hy->count)
				return false;
		}
	}
	return true;
}

/* Every byte value at every position of a string long enough for the fast
 * path's 8-byte steps: it takes exactly the bytes JSON allows raw, and
 * agrees with jansson on each. */
static void test_fast_every_byte(void **state)
{
	(void)state;
	struct event_parser *q = event_parser_create();
	char line[256];

	for (int b = 0; b < 256; b++) {
		for (int pos = 0; pos < 24; pos++) {
			char name[25];
			memset(name, 'n', 24);
			name[24] = '\0';
			name[pos] = (char)b;
			int n = snprintf(line, sizeof line,
					 "{\"ev\":\"thread\",\"ts\":1,\"pid\":2,\"tid\":3,\"name\":\"");
			memcpy(line + n, name, 24);
			n += 24;
			n += snprintf(line + n, sizeof line - (size_t)n, "\"}");
			enum event_result rf = event_parse_fast(P, line, (size_t)n, &ev);
			enum event_result rs = event_parse_slow(q, line, (size_t)n, &ev2, &err);
			bool raw_ok = b >= 0x20 && b < 0x80 && b != '"' && b != '\\';
			if (raw_ok && rf != EVENT_OK)
				fail_msg("fast path refused byte 0x%02x at %d", b, pos);
			/* (a backslash makes an escape with the next 'n': "\n") */
			if (!raw_ok && b != '\\' && rf == EVENT_OK)
				fail_msg("fast path took byte 0x%02x at %d", b, pos);
			if (rf == EVENT_OK && (rs != EVENT_OK || !same_event(&ev, &ev2)))
				fail_msg("parsers disagree on byte 0x%02x at %d", b, pos);
		}
	}
	event_parser_free(q);
}

static void test_differential_valid(void **state)
{
	(void)state;
	struct event_parser *q = event_parser_create();
	struct gen g;
	int fast_ok = 0;

	for (int i = 0; i < 200000; i++) {
		bool shuffle = i % 4 == 3;
		gen_line(&g, shuffle);
		/* separate parsers: the strings of each stay valid */
		enum event_result rs = event_parse_slow(q, g.line, g.len, &ev2, &err);
		if (rs != EVENT_OK)
			fail_msg("jansson refused a generated line: %.*s (%s)", (int)g.len, g.line, err.text);
		enum event_result rf = event_parse_fast(P, g.line, g.len, &ev);
		/* the library's canonical lines must never need jansson */
		if (!shuffle && rf != EVENT_OK)
			fail_msg("fast path refused a canonical line: %.*s", (int)g.len, g.line);
		if (rf == EVENT_OK) {
			fast_ok++;
			if (!same_event(&ev, &ev2))
				fail_msg("parsers disagree on: %.*s", (int)g.len, g.line);
		}
	}
	assert_true(fast_ok >= 150000);
	event_parser_free(q);
}

/* Valid lines damaged at random: whatever the fast path accepts, jansson
 * must accept too, as the same event. */
static void test_differential_mutated(void **state)
{
	(void)state;
	struct event_parser *q = event_parser_create();
	static const char bytes[] = "\"\\{}[]:,0123456789-.eE+ntfu \x01\x1f\x7f\x80\xbf\xc0\xc3\xed\xf0\xff\0";
	struct gen g;
	int accepted = 0, refused = 0;

	for (int i = 0; i < 300000; i++) {
		gen_line(&g, i % 2);
		int nmut = 1 + (int)rnd(3);
		for (int m = 0; m < nmut && g.len > 0; m++) {
			size_t at = rnd((uint32_t)g.len);
			char b = bytes[rnd(sizeof bytes)];
			switch (rnd(4)) {
			case 0: g.line[at] = b; break;                               /* replace */
			case 1: memmove(g.line + at, g.line + at + 1, g.len - at - 1); g.len--; break;
			case 2: memmove(g.line + at + 1, g.line + at, g.len - at); g.line[at] = b; g.len++; break;
			default: g.len = at; break;                                  /* cut */
			}
		}
		enum event_result rf = event_parse_fast(P, g.line, g.len, &ev);
		if (rf != EVENT_OK) {
			refused++;
			continue;
		}
		accepted++;
		enum event_result rs = event_parse_slow(q, g.line, g.len, &ev2, &err);
		if (rs != EVENT_OK || !same_event(&ev, &ev2))
			fail_msg("fast path accepted what jansson did not: %.*s", (int)g.len, g.line);
	}
	/* both outcomes happened, so the test did test something */
	assert_true(accepted > 1000);
	assert_true(refused > 1000);
	event_parser_free(q);
}

/* --- the original pipetrace's lines ------------------------------------- */

static struct orig_line ol;

static enum orig_result oparse(const char *line)
{
	memset(&err, 0, sizeof err);
	return orig_parse(P, line, strlen(line), &ol, &err);
}

static void copy_str(char *dst, size_t size, struct event_str s)
{
	snprintf(dst, size, "%s", s.s ? s.s : "(null)");
}

/* The protocol parser refuses the line, and event_parse_mixed() (what
 * ingest calls, which parses a line once) says what event_parse() then
 * orig_parse() say; *ol and err are left as orig_parse() made them. */
static enum orig_result parse_len(const char *line, size_t len)
{
	static char fn[256], type[256], msg[256], etext[sizeof err.text];
	struct orig_line m;
	bool is_orig;

	memset(&err, 0, sizeof err);
	enum event_result rm = event_parse_mixed(P, line, len, &ev, &m, &is_orig, &err);
	if (rm == EVENT_OK && is_orig) {
		copy_str(fn, sizeof fn, m.fn);
		copy_str(type, sizeof type, m.type);
		copy_str(msg, sizeof msg, m.msg);
	}
	snprintf(etext, sizeof etext, "%s", err.text);
	enum event_result rp = event_parse(P, line, len, &ev, &err);
	if (rp != EVENT_BAD) {
		assert_int_equal(rm, rp);
		assert_false(is_orig);
		return ORIG_NOT;
	}
	memset(&err, 0, sizeof err);
	enum orig_result o = orig_parse(P, line, len, &ol, &err);
	assert_int_equal(rm, o == ORIG_OK ? EVENT_OK : EVENT_BAD);
	assert_int_equal(is_orig, o == ORIG_OK);
	if (o == ORIG_BAD)
		assert_string_equal(etext, err.text);
	if (o == ORIG_OK) {
		assert_int_equal(m.kind, ol.kind);
		assert_int_equal(m.elapsed, ol.elapsed);
		assert_int_equal(m.has_time, ol.has_time);
		assert_int_equal(m.wall, ol.wall);
		assert_true(str_is(ol.fn, fn));
		assert_true(ol.type.s ? str_is(ol.type, type) : !strcmp(type, "(null)"));
		assert_true(ol.msg.s ? str_is(ol.msg, msg) : !strcmp(msg, "(null)"));
	}
	return o;
}

static enum orig_result both(const char *line)
{
	assert_int_equal(parse(line), EVENT_BAD);
	return parse_len(line, strlen(line));
}

static void test_orig_text(void **state)
{
	(void)state;
	assert_int_equal(both("ENTER: compute from main (/srv/app.py:42)"), ORIG_OK);
	assert_int_equal(ol.kind, ORIG_ENTER);
	assert_true(str_is(ol.fn, "compute"));
	assert_false(ol.has_time);
	/* names with spaces and parentheses, a path with them too */
	assert_int_equal(both("ENTER: f (x) y from <module> (/tmp/my (copy)/a.py:7)"), ORIG_OK);
	assert_true(str_is(ol.fn, "f (x) y"));

	assert_int_equal(both("EXIT: compute (elapsed: 0.001234s) - Success"), ORIG_OK);
	assert_int_equal(ol.kind, ORIG_EXIT);
	assert_true(str_is(ol.fn, "compute"));
	assert_int_equal(ol.elapsed, 1234000);
	/* Python's repr of a small float, and \r\n line ends */
	assert_int_equal(both("EXIT: g (elapsed: 5.2e-05s) - Success\r"), ORIG_OK);
	assert_int_equal(ol.elapsed, 52000);
	assert_int_equal(both("EXIT: g (elapsed: 12s) - Success"), ORIG_OK);
	assert_int_equal(ol.elapsed, 12000000000LL);

	/* the message may hold ": ", the type may not */
	assert_int_equal(both("EXIT: load (elapsed: 0.5s) - Exception: KeyError: 'a: b' (x)"), ORIG_OK);
	assert_int_equal(ol.kind, ORIG_EXCEPTION);
	assert_true(str_is(ol.fn, "load"));
	assert_int_equal(ol.elapsed, 500000000);
	assert_true(str_is(ol.type, "KeyError"));
	assert_true(str_is(ol.msg, "'a: b' (x)"));
	assert_int_equal(both("EXIT: h (elapsed: 0.1s) - Exception: StopIteration"), ORIG_OK);
	assert_true(str_is(ol.type, "StopIteration"));
	assert_true(str_is(ol.msg, ""));
	assert_int_equal(both("EXIT: h (elapsed: 0.1s) - Exception: ValueError: "), ORIG_OK);
	assert_true(str_is(ol.type, "ValueError"));
	assert_true(str_is(ol.msg, ""));

	/* invalid UTF-8 becomes U+FFFD; control characters stay for the
	 * printers to escape */
	assert_int_equal(both("ENTER: a\xff\x1b[2J from b (c:1)"), ORIG_OK);
	assert_true(str_is(ol.fn, "a\xef\xbf\xbd\x1b[2J"));
}

static void test_orig_json(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(both("{\"timestamp\": \"2026-01-02T03:04:05.123456\", \"type\": \"enter\", "
			      "\"function\": \"compute\", \"caller\": {\"function\": \"main\", "
			      "\"filename\": \"app.py\", \"lineno\": 42}}"), ORIG_OK);
	assert_int_equal(ol.kind, ORIG_ENTER);
	assert_true(str_is(ol.fn, "compute"));
	assert_true(ol.has_time);
	assert_int_equal(ol.wall, 1767323045123456000LL);
	/* isoformat() leaves out a zero fraction; an offset or Z is UTC */
	assert_int_equal(both("{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"exit\", "
			      "\"function\": \"compute\", \"elapsed\": 0.25}"), ORIG_OK);
	assert_int_equal(ol.kind, ORIG_EXIT);
	assert_int_equal(ol.wall, 1767323045000000000LL);
	assert_int_equal(ol.elapsed, 250000000);
	assert_int_equal(both("{\"timestamp\": \"2026-01-02T05:04:05.5+02:00\", \"type\": \"exit\", "
			      "\"function\": \"f\", \"elapsed\": 3}"), ORIG_OK);
	assert_int_equal(ol.wall, 1767323045500000000LL);
	assert_int_equal(ol.elapsed, 3000000000LL);
	assert_int_equal(both("{\"timestamp\": \"2026-01-02T03:04:05Z\", \"type\": \"exit\", "
			      "\"function\": \"f\"}"), ORIG_OK);
	assert_int_equal(ol.elapsed, -1);
	assert_int_equal(both("{\"timestamp\": \"2026-01-02T03:04:05.000001\", \"type\": "
			      "\"exception\", \"function\": \"load\", \"elapsed\": 1.5e-05, "
			      "\"exception\": {\"type\": \"KeyError\", \"message\": \"'k\\u00e9'\"}}"),
			 ORIG_OK);
	assert_int_equal(ol.kind, ORIG_EXCEPTION);
	assert_int_equal(ol.elapsed, 15000);
	assert_true(str_is(ol.type, "KeyError"));
	assert_true(str_is(ol.msg, "'k\xc3\xa9'"));
	unsetenv("TZ");
	tzset();
}

static void test_orig_malformed(void **state)
{
	(void)state;
	static const char *const bad_lines[] = {
		"ENTER: compute",
		"EXIT: f - Success",
		"EXIT: f (elapsed: s) - Success",
		"EXIT: f (elapsed: -1s) - Success",
		"EXIT: f (elapsed: inf s) - Success",
		"EXIT: f (elapsed: 1e400s) - Success",
		"EXIT: f (elapsed: 9999999999s) - Success",
		"EXIT: f (elapsed: 0.1e) - Success",
		"EXIT: f (elapsed: 0.1s) - Success!",
		"EXIT: f (elapsed: 0.1s) - Maybe",
		"EXIT: f (elapsed: 0.1s) - Exception: ",
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"enter\"}",
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"enter\", \"function\": 7}",
		"{\"type\": \"enter\", \"function\": \"f\"}",
		"{\"timestamp\": \"yesterday\", \"type\": \"enter\", \"function\": \"f\"}",
		"{\"timestamp\": \"2026-13-02T03:04:05\", \"type\": \"enter\", \"function\": \"f\"}",
		"{\"timestamp\": \"1969-12-31T23:59:59\", \"type\": \"enter\", \"function\": \"f\"}",
		"{\"timestamp\": \"2300-01-01T00:00:00\", \"type\": \"enter\", \"function\": \"f\"}",
		"{\"timestamp\": \"2026-01-02T03:04:05.\", \"type\": \"enter\", \"function\": \"f\"}",
		"{\"timestamp\": \"2026-01-02T03:04:05+2\", \"type\": \"enter\", \"function\": \"f\"}",
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"exit\", \"function\": \"f\", "
			"\"elapsed\": -0.5}",
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"exit\", \"function\": \"f\", "
			"\"elapsed\": \"0.5\"}",
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"exit\", \"function\": \"f\", "
			"\"elapsed\": 1e300}",
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"exception\", \"function\": \"f\", "
			"\"elapsed\": 1}",
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"exception\", \"function\": \"f\", "
			"\"elapsed\": 1, \"exception\": {\"message\": \"m\"}}",
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"exception\", \"function\": \"f\", "
			"\"elapsed\": 1, \"exception\": {\"type\": \"E\", \"message\": 3}}",
	};
	for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
		if (both(bad_lines[i]) != ORIG_BAD)
			fail_msg("not refused: %s", bad_lines[i]);
		assert_non_null(strstr(err.text, "original format: "));
	}
	assert_int_equal(both("{\"timestamp\": \"yesterday\", \"type\": \"enter\", "
			      "\"function\": \"f\"}"), ORIG_BAD);
	assert_string_equal(err.text, "original format: timestamp \"yesterday\" is not an ISO "
			    "8601 time from 1970 to 2261");
	/* Not the original's: the protocol parser's verdict stands */
	static const char *const not_lines[] = {
		"this is not json",
		"Enter: f from g (h:1)",
		"EXIT:f (elapsed: 1s) - Success",
		"{\"ev\":\"enter\",\"type\":\"enter\",\"function\":\"f\",\"timestamp\":\"2026-01-02T03:04:05\"}",
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"call\", \"function\": \"f\"}",
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": 1, \"function\": \"f\"}",
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"enter\", \"function\": \"f\"",
		"[\"enter\"]",
	};
	for (size_t i = 0; i < sizeof not_lines / sizeof not_lines[0]; i++)
		if (both(not_lines[i]) != ORIG_NOT)
			fail_msg("taken for the original's: %s", not_lines[i]);
	assert_int_equal(orig_parse(P, "ENTER: a\0b from c (d:1)", 23, &ol, &err), ORIG_NOT);
}

/* One stream of lines as calls: the hello once, depth and seq kept,
 * an exception line an exception and the exit at the call's depth, a
 * duration from the timestamps when "elapsed" is missing. */
static void test_orig_events(void **state)
{
	(void)state;
	struct orig_stream s;
	static struct event out[ORIG_EVENTS_MAX];
	const int64_t now = 1767323045000000000LL;

	memset(&s, 0, sizeof s);
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(oparse("ENTER: main from <module> (a.py:1)"), ORIG_OK);
	assert_int_equal(orig_events(&s, &ol, now, out), 2);
	assert_int_equal(out[0].kind, EV_HELLO);
	assert_int_equal(out[0].pid, ORIG_PID);
	assert_true(str_is(out[0].prog, ORIG_PROG));
	assert_int_equal(out[0].wall, now);
	assert_int_equal(out[0].ts, now);
	assert_int_equal(out[1].kind, EV_ENTER);
	assert_int_equal(out[1].pid, ORIG_PID);
	assert_int_equal(out[1].tid, ORIG_TID);
	assert_int_equal(out[1].seq, 1);
	assert_int_equal(out[1].depth, 0);
	assert_int_equal(out[1].ts, now);
	assert_true(str_is(out[1].fn, "main"));

	assert_int_equal(oparse("{\"timestamp\": \"2026-01-02T03:04:06\", \"type\": \"enter\", "
				"\"function\": \"load\"}"), ORIG_OK);
	assert_int_equal(orig_events(&s, &ol, now, out), 1);
	assert_int_equal(out[0].kind, EV_ENTER);
	assert_int_equal(out[0].seq, 2);
	assert_int_equal(out[0].depth, 1);
	assert_int_equal(out[0].ts, 1767323046000000000LL);

	assert_int_equal(oparse("EXIT: load (elapsed: 0.75s) - Exception: OSError: disk"), ORIG_OK);
	assert_int_equal(orig_events(&s, &ol, now, out), 2);
	assert_int_equal(out[0].kind, EV_EXCEPTION);
	assert_int_equal(out[0].seq, 3);
	assert_int_equal(out[0].depth, 1);
	assert_true(str_is(out[0].fn, "load"));
	assert_true(str_is(out[0].type, "OSError"));
	assert_true(str_is(out[0].msg, "disk"));
	assert_int_equal(out[0].nstack, 0);
	assert_int_equal(out[1].kind, EV_EXIT);
	assert_int_equal(out[1].seq, 4);
	assert_int_equal(out[1].depth, 1);
	assert_int_equal(out[1].dur, 750000000);

	/* no "elapsed": from its enter's timestamp */
	assert_int_equal(oparse("{\"timestamp\": \"2026-01-02T03:04:07\", \"type\": \"enter\", "
				"\"function\": \"step\"}"), ORIG_OK);
	orig_events(&s, &ol, now, out);
	assert_int_equal(oparse("{\"timestamp\": \"2026-01-02T03:04:07.25\", \"type\": \"exit\", "
				"\"function\": \"step\"}"), ORIG_OK);
	assert_int_equal(orig_events(&s, &ol, now, out), 1);
	assert_int_equal(out[0].depth, 1);
	assert_int_equal(out[0].dur, 250000000);

	assert_int_equal(oparse("EXIT: main (elapsed: 3s) - Success"), ORIG_OK);
	assert_int_equal(orig_events(&s, &ol, now, out), 1);
	assert_int_equal(out[0].kind, EV_EXIT);
	assert_int_equal(out[0].seq, 7);
	assert_int_equal(out[0].depth, 0);
	assert_int_equal(out[0].dur, 3000000000LL);
	/* an exit with nothing open stays at depth 0; unknown durations are -1 */
	assert_int_equal(oparse("{\"timestamp\": \"2026-01-02T03:04:08\", \"type\": \"exit\", "
				"\"function\": \"x\"}"), ORIG_OK);
	assert_int_equal(orig_events(&s, &ol, now, out), 1);
	assert_int_equal(out[0].depth, 0);
	assert_int_equal(out[0].dur, -1);
	assert_int_equal(s.depth, 0);
	unsetenv("TZ");
	tzset();
}

/* Original-format lines damaged at random: never a crash or an overrun
 * (the sanitizer build runs this too), every string it accepts is a proper
 * event_str, and the stream built from them keeps a sane depth. */
static void test_orig_mutated(void **state)
{
	(void)state;
	static const char *const seeds[] = {
		"ENTER: compute from main (/srv/app.py:42)",
		"EXIT: compute (elapsed: 0.001234s) - Success",
		"EXIT: load (elapsed: 5.2e-05s) - Exception: KeyError: 'a: b'",
		"{\"timestamp\": \"2026-01-02T03:04:05.123456\", \"type\": \"enter\", \"function\": "
			"\"f\", \"caller\": {\"function\": \"m\", \"filename\": \"a.py\", \"lineno\": 4}}",
		"{\"timestamp\": \"2026-01-02T03:04:05+02:00\", \"type\": \"exit\", \"function\": "
			"\"f\", \"elapsed\": 0.25}",
		"{\"timestamp\": \"2026-01-02T03:04:05Z\", \"type\": \"exception\", \"function\": "
			"\"f\", \"elapsed\": 1e-3, \"exception\": {\"type\": \"E\", \"message\": \"m\"}}",
	};
	static const char bytes[] = "\"\\{}:,. ()0123456789-+eETZs\x01\x1b\x7f\x80\xc3\xff\0";
	static struct event out[ORIG_EVENTS_MAX];
	struct orig_stream s;
	char line[512];
	int accepted = 0, refused = 0;

	memset(&s, 0, sizeof s);
	for (int i = 0; i < 200000; i++) {
		const char *seed = seeds[rnd(sizeof seeds / sizeof seeds[0])];
		size_t len = strlen(seed);
		memcpy(line, seed, len);
		for (int k = 1 + (int)rnd(3); k > 0 && len > 1; k--) {
			size_t at = rnd((uint32_t)len);
			char b = bytes[rnd(sizeof bytes)];
			switch (rnd(4)) {
			case 0: line[at] = b; break;
			case 1: memmove(line + at, line + at + 1, len - at - 1); len--; break;
			case 2: memmove(line + at + 1, line + at, len - at); line[at] = b; len++; break;
			default: len = at; break;
			}
		}
		enum orig_result r = parse_len(line, len);
		if (r != ORIG_OK) {
			refused += r == ORIG_BAD;
			continue;
		}
		accepted++;
		const struct event_str *strs[] = { &ol.fn, &ol.type, &ol.msg };
		for (size_t j = 0; j < 3; j++) {
			if (!strs[j]->s) {
				assert_true(j > 0 && ol.kind != ORIG_EXCEPTION);
				continue;
			}
			assert_int_equal(strs[j]->s[strs[j]->len], '\0');
			assert_int_equal(strlen(strs[j]->s), strs[j]->len);
		}
		assert_true(ol.elapsed >= -1);
		size_t n = orig_events(&s, &ol, 1, out);
		assert_true(n >= 1 && n <= ORIG_EVENTS_MAX);
		for (size_t j = 0; j < n; j++)
			assert_true(out[j].kind == EV_HELLO || out[j].depth >= 0);
		assert_true(s.depth >= 0);
	}
	assert_true(accepted > 10000);
	assert_true(refused > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_hello_clock_step),
		cmocka_unit_test(test_thread),
		cmocka_unit_test(test_enter),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_tally_bye_threads),
		cmocka_unit_test(test_exception),
		cmocka_unit_test(test_drop_bye),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_types_and_ranges),
		cmocka_unit_test(test_huge_numbers),
		cmocka_unit_test(test_unknown_keys_and_kinds),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_nul_and_utf8),
		cmocka_unit_test(test_safe_text),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_fast_every_byte),
		cmocka_unit_test(test_differential_valid),
		cmocka_unit_test(test_differential_mutated),
		cmocka_unit_test(test_orig_text),
		cmocka_unit_test(test_orig_json),
		cmocka_unit_test(test_orig_malformed),
		cmocka_unit_test(test_orig_events),
		cmocka_unit_test(test_orig_mutated),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
