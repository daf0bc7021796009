/* test_lib_wire.c - libpipetrace end to end: a traced helper program
 * (lib_traced) writes into a FIFO that the test reads; every line must parse
 * with jansson and follow the protocol, and the library must never harm the
 * program (no reader, full pipe, reader leaving, threads, fork, crash).
 */
#include <config.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib_harness.h"

/* ---- cases ------------------------------------------------------------- */

/* 1000 calls of mid -> leaf.  lossless: every event must arrive; otherwise
 * the reader may be too slow and drops must account for every gap. */
static void run_calls(const char *mode, int lossless)
{
	const char *args[] = { "calls", "1000", NULL };
	const char *env[] = { mode, lossless ? "PIPETRACE_LOSSLESS=1" : NULL, NULL };
	struct cap c;
	struct replay r;
	json_t *first, *last;

	cap_start(&c, "lib_traced", args, env);
	cap_done(&c);
	replay(&c, &r, lossless);
	assert_int_equal(replay_check_accounting(&r), 1);
	assert_int_equal(r.t[0].tally_seq, 4002);
	first = json_array_get(c.lines, 0);
	last = json_array_get(c.lines, json_array_size(c.lines) - 1);
	assert_string_equal(ev_kind(first), "hello");
	assert_int_equal(ev_int(first, "pid"), ev_int(last, "pid"));
	assert_string_equal(ev_kind(last), "bye");
	assert_int_equal(r.n, 1);
	/* main's enter and exit, and 1000 x (mid, leaf) enter and exit. */
	assert_int_equal(r.t[0].events + r.t[0].dropped, 4002);
	if (lossless) {
		assert_int_equal(r.t[0].events, 4002);
		assert_int_equal(r.t[0].depth, 0);
	}
	assert_int_equal(r.t[0].tid, ev_int(first, "pid"));
	assert_non_null(find_ev(&c, "thread", NULL));
	json_t *leaf = find_ev(&c, "enter", "leaf");
	if (!leaf && !lossless) {
		cap_free(&c);
		return;         /* all lost: legitimate, if unlikely */
	}
	assert_non_null(leaf);
	assert_int_equal(ev_int(leaf, "depth"), 2);
	assert_non_null(strstr(ev_str(leaf, "file"), "lib_traced.c"));
	assert_true(ev_int(leaf, "line") > 0);
	cap_free(&c);
}

/* Lossless with a reader that reads slowly: the program waits for room
 * (async: the ring is full; sync: the pipe), for much longer than sleeper's
 * own work (1 ms of sleep and 10000 tiny calls).  The stall clock keeps
 * those waits out of the durations of the calls open meanwhile: sleeper
 * and its caller last about their own work, not the reader's pace. */
static void run_stall(const char *mode)
{
	const char *args[] = { "stall", "10000", NULL };
	const char *env[] = { mode, "PIPETRACE_LOSSLESS=1", NULL };
	struct cap c;
	struct replay r;
	json_int_t span, dur, pdur, leaves = 0;
	json_t *o;
	size_t i;

	cap_start(&c, "lib_traced", args, env);
	cap_finish_slow(&c, 16384, 20);
	assert_exit_0(&c);
	cap_parse(&c);
	assert_int_equal(c.bad, 0);
	replay(&c, &r, REPLAY_CONTIGUOUS);
	span = ev_int(need_ev(&c, "exit", "sleeper"), "ts") -
	       ev_int(need_ev(&c, "enter", "sleeper"), "ts");
	dur = ev_int(need_ev(&c, "exit", "sleeper"), "dur");
	pdur = ev_int(need_ev(&c, "exit", "stall_parent"), "dur");
	/* Else the reader never held the program up and this proves nothing. */
	if (span < 300000000)
		fail_msg("sleeper spanned only %lld ns: no stall to leave out", (long long)span);
	json_array_foreach(c.lines, i, o)
		if (strcmp(ev_kind(o), "exit") == 0 && strcmp(ev_str(o, "fn"), "leaf") == 0)
			leaves += ev_int(o, "dur");
	if (dur < 1000000 || dur > 150000000 || dur < leaves)
		fail_msg("sleeper lasted %lld ns over a span of %lld ns (its leaves %lld ns): "
			 "expected 1 ms and its leaves, without the waits", (long long)dur,
			 (long long)span, (long long)leaves);
	if (pdur < dur || pdur > 150000000)
		fail_msg("stall_parent lasted %lld ns, sleeper %lld ns", (long long)pdur,
			 (long long)dur);
	cap_free(&c);
}

static void test_stall_async(void **state)
{
	run_stall("PIPETRACE_MODE=async");
}

static void test_stall_sync(void **state)
{
	run_stall("PIPETRACE_MODE=sync");
}

/* Lossless delivers every event of 16 processes x 4 threads writing at
 * once into one FIFO: each thread's seq without a gap, nothing dropped,
 * every tally complete - in JSON lines and in binary frames. */
static void run_many(const char *wire)
{
	const char *args[] = { "procs", "16", "4", "3000", NULL };
	const char *env[] = { "PIPETRACE_LOSSLESS=1", wire, NULL };
	struct cap c;
	struct replay r;
	int workers = 0;

	cap_start(&c, "lib_traced", args, env);
	cap_done(&c);
	assert_int_equal(c.bad, 0);
	replay(&c, &r, REPLAY_CONTIGUOUS);
	assert_int_equal(r.hellos, 17);
	assert_int_equal(r.byes, 17);
	assert_int_equal(replay_check_accounting(&r), 17);
	for (int k = 0; k < r.n; k++) {
		assert_int_equal(r.t[k].dropped, 0);
		assert_int_equal(r.t[k].depth, 0);
		if (r.t[k].pid == c.spawned || r.t[k].tid == r.t[k].pid)
			continue;       /* main, in the parent and each child */
		/* worker enter/exit + 3000 x (mid, leaf) enter/exit */
		assert_int_equal(r.t[k].events, 2 + 4 * 3000);
		assert_int_equal(r.t[k].tally_seq, 2 + 4 * 3000);
		workers++;
	}
	assert_int_equal(workers, 16 * 4);
	cap_free(&c);
}

static void test_lossless_many_json(void **state)
{
	run_many("PIPETRACE_WIRE=json");
}

static void test_lossless_many_binary(void **state)
{
	run_many("PIPETRACE_WIRE=binary");
}

static void test_async_lines(void **state)
{
	run_calls("PIPETRACE_MODE=async", 0);
}

static void test_async_lossless(void **state)
{
	run_calls("PIPETRACE_MODE=async", 1);
}

static void test_sync_lines(void **state)
{
	run_calls("PIPETRACE_MODE=sync", 0);
}

static void test_sync_lossless(void **state)
{
	run_calls("PIPETRACE_MODE=sync", 1);
}

/* The hello says the clock's step, measured at start-up: plausible (a
 * nanosecond to a millisecond), and not more than the durations show - no
 * call lasted more than 1 ns yet less than half a step (a step of 26 TSC
 * ticks, 10 ns, gives durations of 0, 9 or 10, 20 ... ns). */
static void run_clock_step(const char *mode)
{
	const char *args[] = { "calls", "1000", NULL };
	const char *env[] = { mode, "PIPETRACE_LOSSLESS=1", NULL };
	struct cap c;
	json_t *hello, *o;
	json_int_t step, nonzero = 0;
	size_t i;

	cap_start(&c, "lib_traced", args, env);
	cap_done(&c);
	hello = need_ev(&c, "hello", NULL);
	assert_true(json_is_integer(json_object_get(hello, "clock_step")));
	step = ev_int(hello, "clock_step");
	if (step < 1 || step > 1000000)
		fail_msg("clock_step %lld ns: not a plausible clock step", (long long)step);
	json_array_foreach(c.lines, i, o) {
		json_int_t dur;

		if (strcmp(ev_kind(o), "exit") != 0)
			continue;
		dur = ev_int(o, "dur");
		if (dur > 1 && dur < step / 2)
			fail_msg("a call lasted %lld ns, under half the clock_step of %lld ns",
				 (long long)dur, (long long)step);
		nonzero += dur > 1;
	}
	assert_true(nonzero > 0);
	cap_free(&c);
}

static void test_clock_step_async(void **state)
{
	run_clock_step("PIPETRACE_MODE=async");
}

static void test_clock_step_sync(void **state)
{
	run_clock_step("PIPETRACE_MODE=sync");
}

/* Lossless, a reader that keeps up, and a program that fills its ring
 * while the flusher sleeps (it had found every ring empty): the thread
 * waiting for room wakes the flusher.  Before, nothing did: both slept
 * until the flusher's 10 ms timer, once a ring (8192 records), and this
 * run counted a lost wake-up in each of its 10 rounds.  Every event
 * arrives, and the flusher's counters (tests/lib_wake.c) say the thread
 * waited and no sleep of the flusher ran out while it did. */
static void test_lossless_wakes_flusher(void **state)
{
	const char *args[] = { "bursts", "10", "6000", NULL };
	const char *env[] = { "PIPETRACE_LOSSLESS=1", "PIPETRACE_STATS_MS=0", NULL };
	unsigned waits = 0, missed = 0;
	struct cap c;
	struct replay r;
	char *err, *p;

	cap_start(&c, "lib_wake", args, env);
	cap_done(&c);
	replay(&c, &r, 1);
	assert_int_equal(r.n, 1);
	/* main, and 10 x 6000 x (mid, leaf), enter and exit. */
	assert_int_equal(r.t[0].events, 2 + 10 * 6000 * 4);
	assert_int_equal(r.t[0].dropped, 0);
	err = cap_stderr(&c);
	p = strstr(err, "ring_waits=");
	if (!p || sscanf(p, "ring_waits=%u missed=%u", &waits, &missed) != 2)
		fail_msg("no counters on stderr: %s", err);
	free(err);
	assert_true(waits > 0);
	assert_int_equal(missed, 0);
	cap_free(&c);
}

/* Nothing stalls the flusher at start-up: its first pass (the hello) comes
 * within 20 ms of the program's first event.  The clock calibration once
 * slept until a 20 ms baseline, in every process, before that pass (and a
 * short program lost events meanwhile; tests/bench_lib_start measures
 * that).  A loaded machine may hold the flusher up that long too, rarely:
 * five tries. */
static void test_startup_no_stall(void **state)
{
	const char *args[] = { "calls", "3", NULL };
	json_int_t late[5];

	for (int i = 0; i < 5; i++) {
		struct cap c;
		json_t *hello, *first;

		cap_start(&c, "lib_traced", args, NULL);
		cap_done(&c);
		hello = need_ev(&c, "hello", NULL);
		first = need_ev(&c, "enter", "main");
		late[i] = ev_int(hello, "ts") - ev_int(first, "ts");
		cap_free(&c);
		if (late[i] < 20000000)
			return;
	}
	fail_msg("hello came 20 ms or more after the first event in every try: "
		 "%lld, %lld, %lld, %lld, %lld ns", (long long)late[0], (long long)late[1],
		 (long long)late[2], (long long)late[3], (long long)late[4]);
}

static void test_disabled(void **state)
{
	const char *args[] = { "calls", "1000", NULL };
	const char *env[] = { "PIPETRACE=0", NULL };
	struct cap c;

	cap_start(&c, "lib_traced", args, env);
	cap_finish(&c);
	assert_exit_0(&c);
	assert_int_equal(c.len, 0);
	cap_free(&c);
}

/* Escaping: quotes, backslash, control bytes, invalid UTF-8; and a 10 KB
 * message cut to a valid line of at most 4096 bytes. */
/* bye says the exit status the parent sees (glibc's on_exit), also for an
 * exit() deep inside traced calls and past 255. */
static void exit_status_case(const char *mode, const char *code, int want)
{
	const char *args[] = { "exit", code, NULL };
	const char *env[] = { mode, NULL };
	struct cap c;

	cap_start(&c, "lib_traced", args, env);
	cap_finish(&c);
	assert_true(WIFEXITED(c.status));
	assert_int_equal(WEXITSTATUS(c.status), want);
	cap_parse(&c);
	json_t *last = json_array_get(c.lines, json_array_size(c.lines) - 1);
	assert_string_equal(ev_kind(last), "bye");
#ifdef HAVE_ON_EXIT
	assert_int_equal(ev_int(last, "status"), want);
#else
	assert_null(json_object_get(last, "status"));
#endif
	cap_free(&c);
}

static void test_exit_status(void **state)
{
	(void)state;
	exit_status_case("PIPETRACE_MODE=async", "3", 3);
	exit_status_case("PIPETRACE_MODE=sync", "0", 0);
	exit_status_case("PIPETRACE_MODE=async", "258", 2);
}

static void test_strings(void **state)
{
	const char *args[] = { "strings", NULL };
	struct cap c;
	struct replay r;
	json_t *o, *big = NULL;
	size_t i, start = 0;

	cap_start(&c, "lib_traced", args, NULL);
	cap_done(&c);
	replay(&c, &r, REPLAY_CONTIGUOUS);
	/* No raw control byte anywhere on the wire (newline ends lines). */
	for (i = 0; i < c.len; i++)
		if (c.buf[i] != '\n')
			assert_false((unsigned char)c.buf[i] < 0x20 || c.buf[i] == 0x7f);
	json_array_foreach(c.lines, i, o)
		if (strcmp(ev_kind(o), "enter") == 0 && ev_int(o, "depth") == 1)
			break;
	assert_non_null(o);
	assert_string_equal(ev_str(o, "fn"), "we\"ird\\name\x01\xef\xbf\xbd");
	o = need_ev(&c, "exception", NULL);
	assert_string_equal(ev_str(o, "type"), "Quote\"Back\\slash");
	assert_string_equal(ev_str(o, "msg"),
		"ctl:\x01\x1f\x7f tab:\t nl:\n bad:\xef\xbf\xbd( \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end");
	assert_string_equal(ev_str(o, "fn"), "we\"ird\\name\x01\xef\xbf\xbd");
	json_array_foreach(c.lines, i, o)
		if (strcmp(ev_kind(o), "exception") == 0 && strcmp(ev_str(o, "type"), "Big") == 0)
			big = o;
	assert_non_null(big);
	const char *msg = ev_str(big, "msg");
	size_t n = strlen(msg);
	assert_true(n > 3000);
	assert_true(n < 4096);
	assert_string_equal(msg + n - 3, "\xe2\x80\xa6");
	for (i = 0; i + 3 < n; i += 3)
		assert_memory_equal(msg + i, "\xe2\x82\xac", 3);
	/* Every line, the cut one included, fits in 4096 bytes. */
	for (i = 0; i < c.len; i++)
		if (c.buf[i] == '\n') {
			assert_true(i + 1 - start <= 4096);
			start = i + 1;
		}
	cap_free(&c);
}

/* 8 threads x `calls` calls: whole lines, contiguous seq, right depths. */
static void run_threads(const char *mode, const char *calls)
{
	const char *args[] = { "threads", "8", calls, NULL };
	const char *env[] = { "PIPETRACE_LOSSLESS=1", mode, NULL };
	long per = atol(calls);
	struct cap c;
	struct replay r;
	int workers = 0;

	cap_start(&c, "lib_traced", args, env);
	cap_done(&c);
	replay(&c, &r, REPLAY_CONTIGUOUS);
	assert_int_equal(r.hellos, 1);
	assert_int_equal(r.byes, 1);
	assert_int_equal(replay_check_accounting(&r), 1);
	assert_int_equal(r.p[0].threads, 9);
	for (int k = 0; k < r.n; k++) {
		assert_int_equal(r.t[k].depth, 0);
		assert_int_equal(r.t[k].dropped, 0);
		if (r.t[k].tid == r.t[k].pid)
			continue;
		/* worker enter/exit + per x (mid, leaf) enter/exit */
		assert_int_equal(r.t[k].events, 2 + 4 * per);
		workers++;
	}
	assert_int_equal(workers, 8);
	/* Each worker named itself. */
	for (int k = 0; k < 8; k++) {
		char name[8];
		size_t i;
		json_t *o;
		int found = 0;

		snprintf(name, sizeof name, "w%d", k);
		json_array_foreach(c.lines, i, o)
			if (strcmp(ev_kind(o), "thread") == 0 &&
			    strcmp(ev_str(o, "name"), name) == 0)
				found = 1;
		assert_true(found);
	}
	cap_free(&c);
}

static void test_threads(void **state)
{
	run_threads("PIPETRACE_MODE=async", "10000");
}

static void test_threads_sync(void **state)
{
	run_threads("PIPETRACE_MODE=sync", "1000");
}

/* Eight threads make their first traced call at once, while the library
 * initialises (lib_race): every one is traced from its first call, named,
 * seq from 1 without a gap, nothing dropped (lossless).  with_fork: main
 * forks meanwhile, and the child traces too.  malloc: the helper's own
 * malloc is instrumented, so the library's start-up calls traced code and
 * main and the threads have malloc events of their own (counted loosely).
 * Ten runs: the race is lost at random. */
static void run_race(const char *helper, int with_fork, int own_malloc, const char *mode)
{
	const char *args[] = { "1000", with_fork ? "fork" : NULL, NULL };
	const char *env[] = { "PIPETRACE_LOSSLESS=1", mode, NULL };

	for (int run = 0; run < 10; run++) {
		struct cap c;
		struct replay r;
		int workers = 0, children = 0, named[8] = { 0 };
		size_t i;
		json_t *o;

		cap_start(&c, helper, args, env);
		cap_done(&c);
		replay(&c, &r, REPLAY_CONTIGUOUS);
		assert_int_equal(r.hellos, 1 + with_fork);
		assert_int_equal(r.byes, 1 + with_fork);
		/* every thread tallied: received + dropped == its last seq */
		assert_int_equal(replay_check_accounting(&r), 1 + with_fork);
		for (int k = 0; k < r.n; k++) {
			struct tstate *t = &r.t[k];

			assert_int_equal(t->dropped, 0);
			assert_int_equal(t->depth, 0);
			if (t->pid == c.spawned && t->tid == t->pid) {
				assert_true(own_malloc);        /* main traces nothing */
				continue;
			}
			/* work -> 1000 x leaf, enter and exit */
			if (own_malloc)
				assert_true(t->events >= 2 + 2 * 1000);
			else
				assert_int_equal(t->events, 2 + 2 * 1000);
			if (t->pid == c.spawned)
				workers++;
			else
				children++;
		}
		json_array_foreach(c.lines, i, o) {
			const char *name;

			if (strcmp(ev_kind(o), "thread") != 0 || ev_int(o, "pid") != c.spawned)
				continue;
			name = ev_str(o, "name");
			if (strncmp(name, "race", 4) == 0 && name[4] >= '0' && name[4] < '8' &&
			    !name[5])
				named[name[4] - '0']++;
		}
		if (workers != 8 || children != with_fork)
			fail_msg("run %d: %d of the 8 threads and %d of the %d children traced",
				 run, workers, children, with_fork);
		for (int k = 0; k < 8; k++)
			if (named[k] != 1)
				fail_msg("run %d: thread race%d named %d times", run, k, named[k]);
		cap_free(&c);
	}
}

static void test_threads_race(void **state)
{
	run_race("lib_race", 0, 0, NULL);
}

static void test_threads_race_sync(void **state)
{
	run_race("lib_race", 0, 0, "PIPETRACE_MODE=sync");
}

static void test_threads_race_instr(void **state)
{
	run_race("lib_race_instr", 0, 0, NULL);
}

static void test_threads_race_malloc(void **state)
{
	run_race("lib_race_malloc", 0, 1, NULL);
}

static void test_threads_race_fork(void **state)
{
	run_race("lib_race", 1, 0, NULL);
}

/* fork: the child says hello with its own pid and traces on. */
static void test_fork(void **state)
{
	const char *args[] = { "fork", NULL };
	struct cap c;
	struct replay r;
	json_t *o, *parent_hello = NULL, *child_hello = NULL;
	size_t i;

	cap_start(&c, "lib_traced", args, NULL);
	cap_done(&c);
	replay(&c, &r, REPLAY_GAPS_COUNTED);
	/* Either may connect first. */
	json_array_foreach(c.lines, i, o)
		if (strcmp(ev_kind(o), "hello") == 0) {
			if (!parent_hello)
				parent_hello = o;
			else
				child_hello = o;
		}
	assert_non_null(parent_hello);
	assert_non_null(child_hello);
	if (ev_int(parent_hello, "ppid") == ev_int(child_hello, "pid")) {
		o = parent_hello;
		parent_hello = child_hello;
		child_hello = o;
	}
	json_int_t ppid = ev_int(parent_hello, "pid"), cpid = ev_int(child_hello, "pid");
	assert_true(cpid != ppid);
	assert_int_equal(ev_int(child_hello, "ppid"), ppid);
	o = need_ev(&c, "enter", "in_child");
	assert_int_equal(ev_int(o, "pid"), cpid);
	assert_int_equal(ev_int(o, "tid"), cpid);
	/* main -> before_fork -> in_child */
	assert_int_equal(ev_int(o, "depth"), 2);
	o = need_ev(&c, "enter", "after_fork");
	assert_int_equal(ev_int(o, "pid"), ppid);
	/* Both say bye, each with its own accounts. */
	assert_int_equal(r.byes, 2);
	assert_int_equal(replay_check_accounting(&r), 2);
	cap_free(&c);
}

/* fork() while other threads trace: no deadlock, each child says hello
 * and traces under its own pid. */
static void test_fork_busy(void **state)
{
	const char *args[] = { "forkbusy", "20", NULL };
	const char *env[] = { "PIPETRACE_LOSSLESS=1", NULL };
	struct cap c;
	struct replay r;
	json_t *o, *hello;
	size_t i;
	int children = 0, child_calls = 0;

	cap_start(&c, "lib_traced", args, env);
	cap_done(&c);
	replay(&c, &r, REPLAY_GAPS_COUNTED);
	/* The helper's own hello (its children may connect first). */
	hello = NULL;
	json_array_foreach(c.lines, i, o)
		if (strcmp(ev_kind(o), "hello") == 0 && ev_int(o, "pid") == c.spawned)
			hello = o;
	assert_non_null(hello);
	json_array_foreach(c.lines, i, o) {
		if (strcmp(ev_kind(o), "hello") == 0 && o != hello) {
			assert_int_equal(ev_int(o, "ppid"), ev_int(hello, "pid"));
			children++;
		}
		if (strcmp(ev_kind(o), "enter") == 0 && strcmp(ev_str(o, "fn"), "in_child") == 0) {
			assert_true(ev_int(o, "pid") != ev_int(hello, "pid"));
			child_calls++;
		}
	}
	assert_int_equal(children, 20);
	assert_int_equal(child_calls, 20);
	assert_int_equal(replay_check_accounting(&r), 21);
	cap_free(&c);
}

/* A crash: exception with SIGSEGV and the open calls, then death by SIGSEGV. */
static void run_crash(const char *mode)
{
	const char *args[] = { "crash", NULL };
	/* Under AddressSanitizer the "death as before" would be ASan's report
	 * and exit(1); let the signals keep their default actions instead. */
	const char *env[] = { "PIPETRACE_SIGNALS=1", mode,
			      "ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0",
			      NULL };
	struct cap c;
	struct replay r;
	json_t *o, *stack;

	cap_start(&c, "lib_traced", args, env);
	o = need_segv_exception(&c);
	replay(&c, &r, REPLAY_CONTIGUOUS);
	assert_int_equal(r.byes, 0);
	assert_string_equal(ev_str(o, "fn"), "inner");
	assert_int_equal(ev_int(o, "depth"), 2);
	stack = json_object_get(o, "stack");
	assert_true(json_is_array(stack));
	assert_int_equal(json_array_size(stack), 3);
	assert_string_equal(json_string_value(json_array_get(stack, 0)), "main");
	assert_string_equal(json_string_value(json_array_get(stack, 1)), "outer");
	assert_string_equal(json_string_value(json_array_get(stack, 2)), "inner");
	cap_free(&c);
}

static void test_crash_async(void **state)
{
	run_crash("PIPETRACE_MODE=async");
}

/* A crash in a call filtered by PIPETRACE_DEPTH: main -> outer -> inner
 * with depth 2: reported in outer, the innermost traced call, at its
 * depth, the stack naming all three. */
static void test_crash_filtered(void **state)
{
	(void)state;
	check_crash_in_outer("PIPETRACE_DEPTH=2");
}

static void test_crash_sync(void **state)
{
	run_crash("PIPETRACE_MODE=sync");
}

/* Stack overflow: reported from the alternate stack, the stack of open
 * calls cut to fit one line, and death by SIGSEGV. */
static void test_stack_overflow(void **state)
{
	const char *args[] = { "overflow", NULL };
	const char *env[] = { "PIPETRACE_SIGNALS=1",
			      "ASAN_OPTIONS=handle_segv=0:detect_stack_use_after_return=0",
			      NULL };
	struct cap c;
	json_t *o, *stack;
	size_t n;

	cap_start(&c, "lib_traced", args, env);
	o = need_segv_exception(&c);
	assert_true(ev_int(o, "depth") > 1000);
	stack = json_object_get(o, "stack");
	n = json_array_size(stack);
	assert_true(n > 10);
	assert_string_equal(json_string_value(json_array_get(stack, 0)), "main");
	assert_string_equal(json_string_value(json_array_get(stack, 1)), "recurse");
	/* Far more open calls than fit: the list ends with the cut mark. */
	assert_string_equal(json_string_value(json_array_get(stack, n - 1)), "\xe2\x80\xa6");
	cap_free(&c);
}

/* Calls left by longjmp get no exit; the calls around them close right. */
static void test_longjmp(void **state)
{
	const char *args[] = { "longjmp", NULL };
	struct cap c;
	struct replay r;
	json_t *o;

	cap_start(&c, "lib_traced", args, NULL);
	cap_done(&c);
	replay(&c, &r, REPLAY_GAPS_COUNTED);
	assert_null(find_ev(&c, "exit", "jumper"));
	assert_null(find_ev(&c, "exit", "skipped"));
	o = need_ev(&c, "exit", "catcher");
	assert_int_equal(ev_int(o, "depth"), 1);
	o = need_ev(&c, "enter", "leaf");
	assert_int_equal(ev_int(o, "depth"), 1);
	o = need_ev(&c, "exit", "main");
	assert_int_equal(ev_int(o, "depth"), 0);
	cap_free(&c);
}

/* longjmp from 2,000 calls deep back to depth 20, five times: the calls
 * around stay at their depths (the shadow stack remembers every open call,
 * not the first 512), and every exit has its duration. */
static void test_longjmp_deep(void **state)
{
	const char *args[] = { "deepjmp", "5", "2000", NULL };
	const char *env[] = { "PIPETRACE_LOSSLESS=1", NULL };
	int sites = 0, catchers = 0, descends = 0;
	struct cap c;
	struct replay r;
	size_t i;
	json_t *o;

	cap_start(&c, "lib_traced", args, env);
	cap_done(&c);
	replay(&c, &r, REPLAY_GAPS_COUNTED);
	assert_int_equal(replay_check_accounting(&r), 1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.t[0].dropped, 0);
	json_array_foreach(c.lines, i, o) {
		const char *ev = ev_kind(o);

		if (strcmp(ev, "enter") != 0 && strcmp(ev, "exit") != 0)
			continue;
		if (strcmp(ev_str(o, "fn"), "deep_site") == 0) {
			assert_string_equal(ev, "enter");       /* left by longjmp */
			assert_int_equal(ev_int(o, "depth"), 21);
			sites++;
		} else if (strcmp(ev_str(o, "fn"), "deep_catcher") == 0) {
			assert_int_equal(ev_int(o, "depth"), 20);
			catchers++;
		} else if (strcmp(ev_str(o, "fn"), "descend") == 0 && ev[1] == 'x') {
			assert_true(ev_int(o, "depth") >= 1 && ev_int(o, "depth") <= 19);
			descends++;
		} else if (strcmp(ev_str(o, "fn"), "dive") == 0) {
			assert_string_equal(ev, "enter");
			assert_true(ev_int(o, "depth") >= 22 && ev_int(o, "depth") < 22 + 2000);
		}
		if (ev[1] == 'x')
			assert_true(ev_int(o, "dur") > 0);
	}
	assert_int_equal(sites, 5);
	assert_int_equal(catchers, 2 * 5);
	assert_int_equal(descends, 19);
	o = need_ev(&c, "exit", "main");
	assert_int_equal(ev_int(o, "depth"), 0);
	assert_true(ev_int(o, "dur") > 0);
	cap_free(&c);
}

/* Every enter/exit of the trace is at a depth below `max`; returns how
 * many there are of function fn (all functions if NULL). */
static int depth_events_below(struct cap *c, json_int_t max, const char *fn)
{
	int n = 0;
	size_t i;
	json_t *o;

	json_array_foreach(c->lines, i, o) {
		const char *ev = ev_kind(o);

		assert_string_not_equal(ev, "drop");
		if (strcmp(ev, "enter") != 0 && strcmp(ev, "exit") != 0)
			continue;
		assert_true(ev_int(o, "depth") < max);
		if (!fn || strcmp(ev_str(o, "fn"), fn) == 0)
			n++;
	}
	return n;
}

/* A filtered run: one process, one thread, nothing lost, hello saying
 * depth_max.  Returns the number of events received. */
static json_int_t check_filtered_run(struct cap *c, json_int_t max)
{
	struct replay r;
	json_t *hello;

	replay(c, &r, 1);
	assert_int_equal(replay_check_accounting(&r), 1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.t[0].tally_dropped, 0);
	assert_int_equal(r.t[0].dropped, 0);
	assert_int_equal(r.t[0].events, r.t[0].tally_seq);
	assert_int_equal(r.t[0].depth, 0);
	hello = need_ev(c, "hello", NULL);
	assert_int_equal(ev_int(hello, "depth_max"), max);
	return r.t[0].events;
}

/* PIPETRACE_DEPTH=2 on a recursion 2,000 calls deep: only main (depth 0)
 * and the outermost descend (depth 1) are events; the filtered calls take
 * no seq and are not drops, so the tally's seq is what arrived.  Async and
 * sync mode (the slow path) alike. */
static void test_depth_limit(void **state)
{
	const char *args[] = { "deepjmp", "3", "2000", NULL };
	static const char *const modes[] = { "PIPETRACE_MODE=async", "PIPETRACE_MODE=sync" };

	for (size_t k = 0; k < 2; k++) {
		const char *env[] = { "PIPETRACE_DEPTH=2", "PIPETRACE_LOSSLESS=1", modes[k], NULL };
		struct cap c;

		cap_start(&c, "lib_traced", args, env);
		cap_done(&c);
		assert_int_equal(check_filtered_run(&c, 2), 4);
		assert_int_equal(depth_events_below(&c, 2, "main"), 2);
		assert_int_equal(depth_events_below(&c, 2, "descend"), 2);
		cap_free(&c);
	}
}

/* longjmp out of filtered calls back into a traced one: its exit arrives
 * at a filtered depth, and must still close it at its own depth (found on
 * the shadow stack, which remembers the filtered calls), so that the calls
 * after it are traced at the right depth. */
static void test_depth_longjmp(void **state)
{
	const char *args[] = { "longjmp", NULL };
	const char *env[] = { "PIPETRACE_DEPTH=2", NULL };
	const char *deep_args[] = { "deepjmp", "3", "600", NULL };
	const char *deep_env[] = { "PIPETRACE_DEPTH=21", "PIPETRACE_LOSSLESS=1", NULL };
	struct cap c;
	json_t *o;

	/* main -> catcher -> skipped -> jumper -longjmp-> catcher; leaf */
	cap_start(&c, "lib_traced", args, env);
	cap_done(&c);
	assert_int_equal(check_filtered_run(&c, 2), 6);
	assert_int_equal(depth_events_below(&c, 2, NULL), 6);
	assert_null(find_ev(&c, "enter", "skipped"));
	assert_null(find_ev(&c, "enter", "jumper"));
	o = need_ev(&c, "exit", "catcher");
	assert_int_equal(ev_int(o, "depth"), 1);
	o = need_ev(&c, "enter", "leaf");
	assert_int_equal(ev_int(o, "depth"), 1);
	o = need_ev(&c, "exit", "main");
	assert_int_equal(ev_int(o, "depth"), 0);
	cap_free(&c);

	/* deep_catcher (20) traced, deep_site (21) and 600 dives filtered, the
	 * longjmp from past the shadow stack's first size. */
	cap_start(&c, "lib_traced", deep_args, deep_env);
	cap_done(&c);
	assert_int_equal(check_filtered_run(&c, 21), 2 + 2 * 19 + 2 * 3);
	assert_int_equal(depth_events_below(&c, 21, "deep_catcher"), 2 * 3);
	assert_null(find_ev(&c, "enter", "deep_site"));
	assert_null(find_ev(&c, "enter", "dive"));
	cap_free(&c);
}

/* An invalid PIPETRACE_DEPTH is said on stderr and sets no limit. */
static void test_depth_invalid(void **state)
{
	static const char *const bad[] = { "PIPETRACE_DEPTH=abc", "PIPETRACE_DEPTH=-1",
					   "PIPETRACE_DEPTH=0", "PIPETRACE_DEPTH=2x" };
	const char *args[] = { "calls", "10", NULL };

	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		const char *env[] = { bad[k], NULL };
		struct cap c;
		struct replay r;
		char *err;
		json_t *o;

		cap_start(&c, "lib_traced", args, env);
		cap_done(&c);
		err = cap_stderr(&c);
		assert_non_null(strstr(err, "PIPETRACE_DEPTH"));
		assert_non_null(strstr(err, bad[k] + strlen("PIPETRACE_DEPTH=")));
		free(err);
		replay(&c, &r, REPLAY_CONTIGUOUS);
		assert_int_equal(r.t[0].tally_seq, 42);
		assert_null(json_object_get(need_ev(&c, "hello", NULL), "depth_max"));
		o = need_ev(&c, "enter", "leaf");
		assert_int_equal(ev_int(o, "depth"), 2);
		cap_free(&c);
	}
}

/* The shadow stack cannot grow (lib_nomem: malloc fails at 16 KiB and
 * more): the 88 calls past its first 512 entries are counted as dropped,
 * enter and exit, never written with a wrong depth or dur 0; the calls
 * below and after are exact. */
static void test_stack_nomem(void **state)
{
	const char *args[] = { "600", NULL };
	const char *env[] = { "PIPETRACE_LOSSLESS=1", NULL };
	struct cap c;
	struct replay r;
	size_t i;
	json_t *o;

#if defined(__SANITIZE_ADDRESS__)
	skip();         /* the helper cannot have a malloc of its own */
#endif
	cap_start(&c, "lib_nomem", args, env);
	cap_done(&c);
	replay(&c, &r, REPLAY_GAPS_COUNTED);
	assert_int_equal(replay_check_accounting(&r), 1);
	assert_int_equal(r.t[0].tally_seq, 2 * (1 + 600 + 1));
	assert_int_equal(r.n, 1);
	/* main, 600 x nest, after: enter and exit each */
	assert_int_equal(r.t[0].last_seq, 2 * (1 + 600 + 1));
	assert_int_equal(r.t[0].dropped, 2 * (600 - 511));
	assert_int_equal(r.t[0].events + r.t[0].dropped, r.t[0].last_seq);
	json_array_foreach(c.lines, i, o) {
		const char *ev = ev_kind(o);

		if (strcmp(ev, "enter") != 0 && strcmp(ev, "exit") != 0)
			continue;
		assert_true(ev_int(o, "depth") < 512);
		if (ev[1] == 'x')
			assert_true(ev_int(o, "dur") > 0);
	}
	o = need_ev(&c, "enter", "after");
	assert_int_equal(ev_int(o, "depth"), 1);
	o = need_ev(&c, "exit", "main");
	assert_int_equal(ev_int(o, "depth"), 0);
	cap_free(&c);
}

/* -finstrument-functions: static functions by name, depths right. */
static void test_instrumented(void **state)
{
	const char *args[] = { "5", NULL };
	struct cap c;
	struct replay r;
	json_t *o;

#ifndef HAVE_LIBDW
	skip();         /* dladdr alone cannot name static functions */
#endif
	cap_start(&c, "lib_instr", args, NULL);
	cap_done(&c);
	replay(&c, &r, REPLAY_CONTIGUOUS);
	o = need_ev(&c, "enter", "main");
	assert_int_equal(ev_int(o, "depth"), 0);
	o = need_ev(&c, "enter", "static_outer");
	assert_int_equal(ev_int(o, "depth"), 1);
	o = need_ev(&c, "enter", "static_inner");
	assert_int_equal(ev_int(o, "depth"), 2);
	/* libdw also gives the source position from the debug information. */
	assert_non_null(strstr(ev_str(o, "file"), "lib_instr.c"));
	assert_true(ev_int(o, "line") > 0);
	o = need_ev(&c, "exit", "static_inner");
	/* 5 x (outer, inner), and main. */
	assert_int_equal(r.t[0].events, 2 + 4 * 5);
	cap_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_async_lines),
		cmocka_unit_test(test_async_lossless),
		cmocka_unit_test(test_stall_async),
		cmocka_unit_test(test_lossless_many_json),
		cmocka_unit_test(test_lossless_many_binary),
		cmocka_unit_test(test_lossless_wakes_flusher),
		cmocka_unit_test(test_stall_sync),
		cmocka_unit_test(test_sync_lines),
		cmocka_unit_test(test_sync_lossless),
		cmocka_unit_test(test_startup_no_stall),
		cmocka_unit_test(test_clock_step_async),
		cmocka_unit_test(test_clock_step_sync),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_threads_sync),
		cmocka_unit_test(test_threads_race),
		cmocka_unit_test(test_threads_race_sync),
		cmocka_unit_test(test_threads_race_instr),
		cmocka_unit_test(test_threads_race_malloc),
		cmocka_unit_test(test_threads_race_fork),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_fork_busy),
		cmocka_unit_test(test_crash_async),
		cmocka_unit_test(test_crash_sync),
		cmocka_unit_test(test_crash_filtered),
		cmocka_unit_test(test_stack_overflow),
		cmocka_unit_test(test_longjmp),
		cmocka_unit_test(test_longjmp_deep),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_depth_longjmp),
		cmocka_unit_test(test_depth_invalid),
		cmocka_unit_test(test_stack_nomem),
		cmocka_unit_test(test_instrumented),
	};

	/* CMOCKA_TEST_FILTER=test_stall_* runs only those. */
	if (getenv("CMOCKA_TEST_FILTER"))
		cmocka_set_test_filter(getenv("CMOCKA_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
