/* test_lib_stats.c - the `stats` lines (issue 10.1): the figures the
 * traced thread computes add up exactly to the calls the program made,
 * whatever happens to the events - threads, fork, recursion, longjmp,
 * exceptions, PIPETRACE_DEPTH, the cap on paths, a reader too slow for
 * most events, a reader that comes late or comes back.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "lib_harness.h"

static const struct snode *need_path(const struct sthread *s, const char *path)
{
	const struct snode *n = stats_path(s, path);

	if (!n)
		fail_msg("no stats node for %s", path);
	return n;
}

static void assert_counts(const struct sthread *s, const char *path, json_int_t count,
			  json_int_t exc, json_int_t abandoned)
{
	const struct snode *n = need_path(s, path);

	if (n->count != count || n->exc != exc || n->abandoned != abandoned)
		fail_msg("%s: count %lld exc %lld abandoned %lld, expected %lld %lld %lld", path,
			 (long long)n->count, (long long)n->exc, (long long)n->abandoned,
			 (long long)count, (long long)exc, (long long)abandoned);
}

/* Exit events of fn received, and the sum of their dur. */
static json_int_t exits_of(struct cap *c, const char *fn, json_int_t *dur)
{
	size_t i;
	json_t *o;
	json_int_t n = 0;

	*dur = 0;
	json_array_foreach(c->lines, i, o)
		if (strcmp(ev_kind(o), "exit") == 0 && strcmp(ev_str(o, "fn"), fn) == 0) {
			n++;
			*dur += ev_int(o, "dur");
		}
	return n;
}

/* The usual run, the trace checked and accounted, and the main thread's
 * statistics. */
static void run_procs(struct cap *c, struct sthread *s, const char *const *args,
		      const char *const *env, int procs)
{
	struct replay r;

	cap_start(c, "lib_traced", args, env);
	cap_done(c);
	replay(c, &r, REPLAY_GAPS_COUNTED);
	assert_int_equal(replay_check_accounting(&r), procs);
	stats_of(c, c->spawned, c->spawned, s);
	assert_true(s->tallied);
	/* The reader read throughout: its figures are final. */
	assert_int_equal(s->unsent, 0);
	stats_check_sums(s);
}

static void run_main(struct cap *c, struct sthread *s, const char *const *args,
		     const char *const *env)
{
	run_procs(c, s, args, env, 1);
}

/* main -> 1000 x (mid -> leaf), nothing dropped: the statistics say what
 * the events say, and the hello announces them.  (A loaded machine may
 * keep the reader away long enough for the exit to give up on the last
 * events, counted as dropped: such a run is tried again; its statistics
 * must be exact all the same.) */
static void test_stats_calls(void **state)
{
	const char *args[] = { "calls", "1000", NULL };

	(void)state;
	for (int tries = 0; tries < 3; tries++) {
		struct cap c;
		struct sthread s;
		json_int_t dur;
		const struct snode *leaf;

		run_main(&c, &s, args, NULL);
		assert_int_equal(s.stats_ms, 200);
		assert_int_equal(s.n, 3);
		assert_counts(&s, "main", 1, 0, 0);
		assert_counts(&s, "main/mid", 1000, 0, 0);
		assert_counts(&s, "main/mid/leaf", 1000, 0, 0);
		leaf = need_path(&s, "main/mid/leaf");
		assert_int_equal(leaf->self, leaf->total);
		if (ev_int(need_ev(&c, "tally", NULL), "dropped") > 0) {
			print_message("events dropped at exit (loaded machine?), trying again\n");
			stats_free(&s);
			cap_free(&c);
			continue;
		}
		/* The thread converts each duration once: the events' dur and
		 * the statistics are the same figures. */
		assert_int_equal(exits_of(&c, "leaf", &dur), 1000);
		assert_int_equal(dur, leaf->total);
		assert_int_equal(exits_of(&c, "mid", &dur), 1000);
		assert_int_equal(dur, need_path(&s, "main/mid")->total);
		assert_int_equal(exits_of(&c, "main", &dur), 1);
		assert_int_equal(dur, need_path(&s, "main")->max);
		stats_free(&s);
		cap_free(&c);
		return;
	}
	fail_msg("three runs with events dropped at exit");
}

/* Callees in turns, some skipped (a tokenizer's shape, where the
 * thread's guesses of the next path - the last callee, the one after it
 * last time - keep changing): every path's count is the program's. */
static void test_stats_turns(void **state)
{
	const char *args[] = { "turns", "1000", NULL };
	struct cap c;
	struct sthread s;

	(void)state;
	run_main(&c, &s, args, NULL);
	assert_int_equal(s.n, 5);
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/tok", 1000, 0, 0);
	assert_counts(&s, "main/tok/is_a", 2000, 0, 0);
	assert_counts(&s, "main/tok/is_b", 500, 0, 0);
	assert_counts(&s, "main/tok/is_c", 334, 0, 0);
	stats_free(&s);
	cap_free(&c);
}

/* Off: no stats line, no stats_ms. */
static void test_stats_off(void **state)
{
	const char *args[] = { "calls", "100", NULL };
	const char *env[] = { "PIPETRACE_STATS_MS=0", NULL };
	struct cap c;
	struct sthread s;

	(void)state;
	run_main(&c, &s, args, env);
	assert_int_equal(s.lines, 0);
	assert_int_equal(s.stats_ms, 0);
	assert_non_null(need_ev(&c, "hello", NULL));
	stats_free(&s);
	cap_free(&c);
}

/* Four threads: each its own trie, each exact, each before its tally. */
static void test_stats_threads(void **state)
{
	const char *args[] = { "threads", "4", "3000", NULL };
	struct cap c;
	struct replay r;
	int workers = 0;

	(void)state;
	cap_start(&c, "lib_traced", args, NULL);
	cap_done(&c);
	replay(&c, &r, REPLAY_GAPS_COUNTED);
	assert_int_equal(replay_check_accounting(&r), 1);
	for (int k = 0; k < r.n; k++) {
		struct sthread s;

		stats_of(&c, r.t[k].pid, r.t[k].tid, &s);
		assert_true(s.tallied);
		assert_int_equal(s.unsent, 0);
		stats_check_sums(&s);
		if (r.t[k].tid == r.t[k].pid) {
			assert_int_equal(s.n, 1);
			assert_counts(&s, "main", 1, 0, 0);
		} else {
			assert_int_equal(s.n, 3);
			assert_counts(&s, "worker", 1, 0, 0);
			assert_counts(&s, "worker/mid", 3000, 0, 0);
			assert_counts(&s, "worker/mid/leaf", 3000, 0, 0);
			workers++;
		}
		stats_free(&s);
	}
	assert_int_equal(workers, 4);
	cap_free(&c);
}

/* Threads that end long before the process, with the reader reading:
 * the flusher writes each one's last stats lines and its tally in one
 * write, and the tally says nothing is missing (it counted the lines in
 * its own batch as unsent once, marking a complete trace incomplete). */
static void test_stats_threads_retired(void **state)
{
	const char *args[] = { "seqthreads", "6", "2", "flush", NULL };
	struct cap c;
	struct replay r;
	int workers = 0;

	(void)state;
	cap_start(&c, "lib_traced", args, NULL);
	cap_expect(&c, "done");
	cap_say(&c, "go");
	cap_done(&c);
	replay(&c, &r, REPLAY_GAPS_COUNTED);
	assert_int_equal(replay_check_accounting(&r), 1);
	for (int k = 0; k < r.n; k++) {
		struct sthread s;

		if (r.t[k].tid == r.t[k].pid)
			continue;
		stats_of(&c, r.t[k].pid, r.t[k].tid, &s);
		assert_true(s.tallied);
		if (s.unsent)
			fail_msg("thread %lld: tally says %lld stats entries unsent, the reader "
				 "read throughout", (long long)s.tid, (long long)s.unsent);
		assert_counts(&s, "worker/mid", 2, 0, 0);
		assert_counts(&s, "worker/mid/leaf", 2, 0, 0);
		workers++;
		stats_free(&s);
	}
	assert_int_equal(workers, 6);
	cap_free(&c);
}

/* The child of a fork starts from zero under its own pid: its figures
 * are its own calls only, its nodes named again, and the paths the parent
 * took before the fork are not the child's until it takes them. */
static void test_stats_fork(void **state)
{
	const char *args[] = { "statsfork", "100", NULL };
	struct cap c;
	struct sthread s;
	json_int_t child = 0;
	size_t i;
	json_t *o;

	(void)state;
	run_procs(&c, &s, args, NULL, 2);
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/mid", 102, 0, 0);
	assert_counts(&s, "main/mid/leaf", 102, 0, 0);
	assert_counts(&s, "main/quick", 1, 0, 0);
	stats_free(&s);
	json_array_foreach(c.lines, i, o)
		if (strcmp(ev_kind(o), "hello") == 0 && ev_int(o, "pid") != c.spawned)
			child = ev_int(o, "pid");
	assert_true(child > 0);
	stats_of(&c, child, child, &s);
	assert_true(s.tallied);
	/* (Not stats_check_sums(): main's self in the child excludes the
	 * time of its callees before the fork, which the child's figures
	 * do not hold.) */
	assert_true(need_path(&s, "main/mid")->total >= need_path(&s, "main/mid/leaf")->total);
	/* main was open at the fork: it ends in the child too. */
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/mid", 3, 0, 0);
	assert_counts(&s, "main/mid/leaf", 3, 0, 0);
	assert_null(stats_path(&s, "main/quick"));
	assert_int_equal(s.n, 3);
	stats_free(&s);
	cap_free(&c);
}

/* Recursion: each level its own node, its self time exact. */
static void test_stats_recursion(void **state)
{
	const char *args[] = { "recurse", "20", "50", NULL };
	struct cap c;
	struct sthread s;
	char path[256] = "main";

	(void)state;
	run_main(&c, &s, args, NULL);
	assert_int_equal(s.n, 21);
	for (int level = 1; level <= 20; level++) {
		strcat(path, "/rec");
		assert_counts(&s, path, 50, 0, 0);
	}
	assert_int_equal(need_path(&s, path)->self, need_path(&s, path)->total);
	stats_free(&s);
	cap_free(&c);
}

/* longjmp out of two calls: they are abandoned, not finished, and the
 * call that caught the jump still finishes once. */
static void test_stats_longjmp(void **state)
{
	const char *args[] = { "longjmp", NULL };
	struct cap c;
	struct sthread s;

	(void)state;
	run_main(&c, &s, args, NULL);
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/catcher", 1, 0, 0);
	assert_counts(&s, "main/catcher/skipped", 0, 0, 1);
	assert_counts(&s, "main/catcher/skipped/jumper", 0, 0, 1);
	assert_counts(&s, "main/leaf", 1, 0, 0);
	assert_int_equal(need_path(&s, "main/catcher/skipped")->total, 0);
	stats_free(&s);
	cap_free(&c);
}

/* longjmp from calls PIPETRACE_DEPTH filters out, past a traced one:
 * the filtered calls are in no node, the traced one is abandoned. */
static void test_stats_longjmp_depth(void **state)
{
	const char *args[] = { "deepjmp", "7", "30", NULL };
	const char *env[] = { "PIPETRACE_DEPTH=22", NULL };
	struct cap c;
	struct sthread s;
	char path[512] = "main";

	(void)state;
	run_main(&c, &s, args, env);
	for (int i = 0; i < 19; i++)
		strcat(path, "/descend");
	assert_counts(&s, path, 1, 0, 0);
	strcat(path, "/deep_catcher");
	assert_counts(&s, path, 7, 0, 0);
	strcat(path, "/deep_site");
	assert_counts(&s, path, 0, 0, 7);
	/* main, 19 descend, deep_catcher, deep_site: dive is deeper. */
	assert_int_equal(s.n, 22);
	stats_free(&s);
	cap_free(&c);
}

/* Exceptions count on the innermost open call. */
static void test_stats_exceptions(void **state)
{
	const char *args[] = { "exc", "10", NULL };
	struct cap c;
	struct sthread s;

	(void)state;
	run_main(&c, &s, args, NULL);
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/mid_exc", 10, 1, 0);
	assert_counts(&s, "main/mid_exc/thrower", 10, 10, 0);
	stats_free(&s);
	cap_free(&c);
}

/* PIPETRACE_DEPTH=2: leaf is not traced, so not in the statistics; its
 * time is mid's own. */
static void test_stats_depth(void **state)
{
	const char *args[] = { "calls", "500", NULL };
	const char *env[] = { "PIPETRACE_DEPTH=2", NULL };
	struct cap c;
	struct sthread s;
	const struct snode *mid;

	(void)state;
	run_main(&c, &s, args, env);
	assert_int_equal(s.n, 2);
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/mid", 500, 0, 0);
	mid = need_path(&s, "main/mid");
	assert_int_equal(mid->self, mid->total);
	stats_free(&s);
	cap_free(&c);
}

/* PIPETRACE_FILTER: calls left out are in no node; an included call
 * whose callers are left out is at the top level. */
static void test_stats_filter(void **state)
{
	const char *args[] = { "calls", "300", NULL };
	const char *excl[] = { "PIPETRACE_FILTER=-mid", NULL };
	const char *incl[] = { "PIPETRACE_FILTER=mid", NULL };
	const char *leaf[] = { "PIPETRACE_FILTER=leaf", NULL };
	struct cap c;
	struct sthread s;

	(void)state;
	run_main(&c, &s, args, excl);
	assert_int_equal(s.n, 1);
	assert_counts(&s, "main", 1, 0, 0);
	assert_int_equal(need_path(&s, "main")->self, need_path(&s, "main")->total);
	stats_free(&s);
	cap_free(&c);
	run_main(&c, &s, args, incl);
	assert_int_equal(s.n, 2);
	assert_counts(&s, "mid", 300, 0, 0);
	assert_counts(&s, "mid/leaf", 300, 0, 0);
	stats_free(&s);
	cap_free(&c);
	run_main(&c, &s, args, leaf);
	assert_int_equal(s.n, 1);
	assert_counts(&s, "leaf", 300, 0, 0);
	stats_free(&s);
	cap_free(&c);
}

/* PIPETRACE_MIN_DURATION keeps short calls off the wire, not out of the
 * statistics. */
static void test_stats_min_duration(void **state)
{
	const char *args[] = { "exc", "200", NULL };
	const char *env[] = { "PIPETRACE_MIN_DURATION=10s", NULL };
	struct cap c;
	struct sthread s;
	json_int_t dur;

	(void)state;
	run_main(&c, &s, args, env);
	/* each exception sends its open calls; nothing else is long */
	assert_int_equal(exits_of(&c, "thrower", &dur), 200);
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/mid_exc", 200, 1, 0);
	assert_counts(&s, "main/mid_exc/thrower", 200, 200, 0);
	stats_free(&s);
	cap_free(&c);
	{
		const char *calls[] = { "calls", "400", NULL };

		run_main(&c, &s, calls, env);
		assert_int_equal(exits_of(&c, "leaf", &dur), 0);
		assert_counts(&s, "main", 1, 0, 0);
		assert_counts(&s, "main/mid", 400, 0, 0);
		assert_counts(&s, "main/mid/leaf", 400, 0, 0);
		stats_free(&s);
		cap_free(&c);
	}
}

/* Past PIPETRACE_STATS_PATHS, calls count in "(other paths)", and so do
 * the calls below them. */
static void test_stats_paths_cap(void **state)
{
	const char *args[] = { "recurse", "10", "5", NULL };
	const char *env[] = { "PIPETRACE_STATS_PATHS=2", NULL };
	struct cap c;
	struct sthread s;
	const struct snode *other = NULL;

	(void)state;
	run_main(&c, &s, args, env);
	assert_int_equal(s.n, 3);
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/rec", 5, 0, 0);
	for (size_t i = 0; i < s.n; i++)
		if (s.nodes[i].other)
			other = &s.nodes[i];
	assert_non_null(other);
	assert_string_equal(other->fn, "(other paths)");
	assert_int_equal(other->parent, 0);
	assert_int_equal(other->id, 3);
	assert_int_equal(other->count, 5 * 9);
	/* Invalid values are refused with a warning. */
	{
		const char *bad[] = { "PIPETRACE_STATS_PATHS=0", "PIPETRACE_STATS_MS=x", NULL };
		struct cap c2;
		struct sthread s2;
		char *err;

		run_main(&c2, &s2, args, bad);
		err = cap_stderr(&c2);
		assert_non_null(strstr(err, "PIPETRACE_STATS_PATHS \"0\""));
		assert_non_null(strstr(err, "PIPETRACE_STATS_MS \"x\""));
		assert_int_equal(s2.stats_ms, 200);
		assert_int_equal(s2.n, 11);
		free(err);
		stats_free(&s2);
		cap_free(&c2);
	}
	stats_free(&s);
	cap_free(&c);
}

/* A reader that takes 4 KB every 2 ms: most events are dropped, the
 * statistics are still exact (as in test_lib_account, a run whose final
 * lines the loaded machine kept from the reader is tried again). */
static void test_stats_slow_reader(void **state)
{
	const char *args[] = { "calls", "100000", NULL };

	(void)state;
	struct cap c;
	struct replay r;
	struct sthread s;

	run_slow_until_bye(&c, &r, args, 4096, 2);
	assert_true(r.t[0].tally_dropped > 100000);
	stats_of(&c, c.spawned, c.spawned, &s);
	stats_check_sums(&s);
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/mid", 100000, 0, 0);
	assert_counts(&s, "main/mid/leaf", 100000, 0, 0);
	stats_free(&s);
	cap_free(&c);
}

/* A reader that takes 4 KB every 2 ms while the final lines of 2000 paths
 * (some 260 KB) go at exit: more than the exit's usual 100 ms wait, which
 * gave up on them with the reader still reading (the tally said 897 of
 * them unsent).  The writer waits while the reader takes bytes: every
 * figure comes, and the tally says nothing is missing. */
static void test_stats_slow_reader_exit(void **state)
{
	const char *args[] = { "recurse", "2000", "1", NULL };
	struct cap c;
	struct sthread s;
	size_t recs = 0;

	(void)state;
	cap_start(&c, "lib_traced", args, NULL);
	cap_finish_slow(&c, 4096, 2);
	assert_exit_0(&c);
	cap_parse(&c);
	stats_of(&c, c.spawned, c.spawned, &s);
	assert_true(s.tallied);
	if (s.unsent)
		fail_msg("tally says %lld stats entries unsent, the reader read throughout",
			 (long long)s.unsent);
	stats_check_sums(&s);
	for (size_t k = 0; k < s.n; k++)
		if (strcmp(s.nodes[k].fn, "rec") == 0) {
			assert_int_equal(s.nodes[k].count, 1);
			recs++;
		}
	assert_int_equal(recs, 2000);
	assert_counts(&s, "main", 1, 0, 0);
	stats_free(&s);
	cap_free(&c);
}

/* Calls made while nobody read are in the figures the late reader gets;
 * they come with the periodic lines, before any pt_flush(). */
static void test_stats_late_reader(void **state)
{
	const char *args[] = { "pause", "1000", NULL };
	struct cap c;
	struct sthread s;

	(void)state;
	cap_init(&c, 1);
	cap_spawn(&c, "lib_traced", args, NULL);
	cap_expect(&c, "done");
	cap_open(&c);
	cap_wait_for(&c, "\"ev\":\"stats\"", 1);
	cap_parse(&c);
	stats_of(&c, c.spawned, c.spawned, &s);
	assert_counts(&s, "main/mid", 1000, 0, 0);
	assert_counts(&s, "main/mid/leaf", 1000, 0, 0);
	stats_free(&s);
	cap_say(&c, "go");
	cap_done(&c);
	stats_of(&c, c.spawned, c.spawned, &s);
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/mid", 1000, 0, 0);
	stats_free(&s);
	cap_free(&c);
}

/* A reader that goes and comes back gets every node again, named. */
static void test_stats_reconnect(void **state)
{
	const char *args[] = { "twophase", "300", NULL };
	struct cap c;
	struct sthread s;
	size_t before;

	(void)state;
	cap_start(&c, "lib_traced", args, NULL);
	cap_expect(&c, "phase1");
	cap_wait_for(&c, "\"fn\":\"leaf\",\"file\"", 2);   /* enter and stats */
	cap_close(&c);
	before = c.len;
	/* Long enough for the idle writer to find its reader gone. */
	{
		struct timespec d = { 0, 300000000L };

		nanosleep(&d, NULL);
	}
	cap_open(&c);
	cap_say(&c, "go");
	cap_done(&c);
	stats_of(&c, c.spawned, c.spawned, &s);
	assert_true(s.hellos >= 2);
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/mid", 900, 0, 0);
	assert_counts(&s, "main/mid/leaf", 900, 0, 0);
	stats_free(&s);
	/* What the second reader got alone names every node. */
	memmove(c.buf, c.buf + before, c.len - before);
	c.len -= before;
	cap_parse(&c);
	stats_of(&c, c.spawned, c.spawned, &s);
	assert_int_equal(s.n, 3);
	assert_counts(&s, "main/mid", 900, 0, 0);
	stats_free(&s);
	cap_free(&c);
}

/* Out of memory (lib_nomem: blocks of 16 KiB and more fail): the nodes
 * come 256 to a block, so the paths past the first block's go to "(other
 * paths)", counted; the calls the shadow stack could not hold (past 511)
 * are in no figure, their events counted as dropped; nothing crashes, and
 * a path made once memory is back has its node. */
static void test_stats_nomem(void **state)
{
	const char *args[] = { "600", NULL };
	const char *env[] = { "PIPETRACE_LOSSLESS=1", NULL };
	struct cap c;
	struct replay r;
	struct sthread s;
	const struct snode *other = NULL;
	static char path[8 + 5 * 600];

#if defined(__SANITIZE_ADDRESS__)
	skip();         /* the helper cannot have a malloc of its own */
#endif
	cap_start(&c, "lib_nomem", args, env);
	cap_done(&c);
	replay(&c, &r, REPLAY_GAPS_COUNTED);
	assert_int_equal(replay_check_accounting(&r), 1);
	stats_of(&c, c.spawned, c.spawned, &s);
	strcpy(path, "main");
	/* main is node 1, nest at depth L node L + 1: the first block holds
	 * ids up to 255 */
	for (int level = 1; level <= 254; level++) {
		strcat(path, "/nest");
		assert_counts(&s, path, 1, 0, 0);
	}
	for (size_t i = 0; i < s.n; i++)
		if (s.nodes[i].other)
			other = &s.nodes[i];
	assert_non_null(other);
	assert_int_equal(other->count, 511 - 254);
	assert_counts(&s, "main", 1, 0, 0);
	assert_counts(&s, "main/after", 1, 0, 0);
	assert_int_equal(s.n, 1 + 254 + 1 + 1);
	stats_free(&s);
	cap_free(&c);
}

/* Sync and lossless modes, and binary frames, send them too. */
static void test_stats_modes(void **state)
{
	static const char *const envs[][3] = {
		{ "PIPETRACE_MODE=sync", NULL, NULL },
		{ "PIPETRACE_LOSSLESS=1", NULL, NULL },
		{ "PIPETRACE_MODE=sync", "PIPETRACE_LOSSLESS=1", NULL },
		{ "PIPETRACE_WIRE=binary", NULL, NULL },
		{ "PIPETRACE_WIRE=binary", "PIPETRACE_LOSSLESS=1", NULL },
	};
	const char *args[] = { "calls", "2000", NULL };

	(void)state;
	for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
		struct cap c;
		struct sthread s;

		run_main(&c, &s, args, envs[i]);
		assert_counts(&s, "main", 1, 0, 0);
		assert_counts(&s, "main/mid", 2000, 0, 0);
		assert_counts(&s, "main/mid/leaf", 2000, 0, 0);
		stats_free(&s);
		cap_free(&c);
	}
}

/* The reader takes nothing until the program is gone: the final lines
 * may not fit.  A tally that arrives either comes after the thread's
 * final stats (exact counts) or says how many nodes' figures the reader
 * misses: never a tally that passes lagging figures off as final. */
static void test_stats_suspended_reader(void **state)
{
	const char *args[] = { "calls", "100000", NULL };
	struct cap c;
	struct sthread s;
	json_t *tally;
	json_int_t unsent;
	const struct snode *mid;

	(void)state;
	cap_start(&c, "lib_traced", args, NULL);
	for (int i = 0; i < 6000 && waitpid(c.pid, &c.status, WNOHANG) != c.pid; i++)
		nanosleep(&(struct timespec){ 0, 10000000L }, NULL);
	assert_true(WIFEXITED(c.status));
	c.pid = 0;
	assert_exit_0(&c);
	cap_finish(&c);
	cap_parse(&c);
	tally = find_ev(&c, "tally", NULL);
	if (!tally) {
		print_message("suspended reader: no tally came, nothing claimed final\n");
		cap_free(&c);
		return;
	}
	unsent = json_object_get(tally, "stats_unsent") ? ev_int(tally, "stats_unsent") : 0;
	stats_of(&c, ev_int(tally, "pid"), ev_int(tally, "tid"), &s);
	mid = stats_path(&s, "main/mid");
	if (unsent == 0) {
		assert_non_null(mid);
		assert_int_equal(mid->count, 100000);
		assert_counts(&s, "main", 1, 0, 0);
		assert_counts(&s, "main/mid/leaf", 100000, 0, 0);
	} else {
		/* What the tally says is true: some path's figures fall short
		 * of the program's calls. */
		const struct snode *top = stats_path(&s, "main");
		const struct snode *leaf = stats_path(&s, "main/mid/leaf");

		assert_true(!top || top->count < 1 || !mid || mid->count < 100000 || !leaf ||
			    leaf->count < 100000);
	}
	print_message("suspended reader: tally %s (mid: %lld calls in the stats received)\n",
		      unsent ? "says stats unsent" : "after complete stats",
		      mid ? (long long)mid->count : -1LL);
	stats_free(&s);
	cap_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_calls),
		cmocka_unit_test(test_stats_turns),
		cmocka_unit_test(test_stats_off),
		cmocka_unit_test(test_stats_threads),
		cmocka_unit_test(test_stats_threads_retired),
		cmocka_unit_test(test_stats_fork),
		cmocka_unit_test(test_stats_recursion),
		cmocka_unit_test(test_stats_longjmp),
		cmocka_unit_test(test_stats_longjmp_depth),
		cmocka_unit_test(test_stats_exceptions),
		cmocka_unit_test(test_stats_depth),
		cmocka_unit_test(test_stats_filter),
		cmocka_unit_test(test_stats_min_duration),
		cmocka_unit_test(test_stats_paths_cap),
		cmocka_unit_test(test_stats_slow_reader),
		cmocka_unit_test(test_stats_slow_reader_exit),
		cmocka_unit_test(test_stats_late_reader),
		cmocka_unit_test(test_stats_reconnect),
		cmocka_unit_test(test_stats_nomem),
		cmocka_unit_test(test_stats_modes),
		cmocka_unit_test(test_stats_suspended_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
