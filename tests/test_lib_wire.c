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

#define MAXT 64

/* Per-thread replay of a trace: seq order, depths, matching enter/exit. */
struct tstate {
	json_int_t pid, tid;
	json_int_t last_seq;
	json_int_t events;      /* enter/exit/exception lines */
	json_int_t dropped;     /* sum of drop counts */
	int depth;
	char stack[256][64];
};

struct replay {
	struct tstate t[MAXT];
	int n;
	int hellos, byes;
};

static struct tstate *tstate_of(struct replay *r, json_int_t pid, json_int_t tid)
{
	for (int i = 0; i < r->n; i++)
		if (r->t[i].pid == pid && r->t[i].tid == tid)
			return &r->t[i];
	assert_true(r->n < MAXT);
	memset(&r->t[r->n], 0, sizeof r->t[0]);
	r->t[r->n].pid = pid;
	r->t[r->n].tid = tid;
	return &r->t[r->n++];
}

/* Checks every line against the schema and every thread's sequence.  With
 * `contiguous`, seq must have no gap at all; otherwise each gap must be
 * covered by drops reported for that thread. */
static void replay(struct cap *c, struct replay *r, int contiguous)
{
	size_t i;
	json_t *o;

	memset(r, 0, sizeof *r);
	assert_int_equal(c->bad, 0);
	json_array_foreach(c->lines, i, o) {
		const char *ev = ev_kind(o);
		struct tstate *t;

		ev_check_schema(o);
		if (strcmp(ev, "hello") == 0) {
			r->hellos++;
			continue;
		}
		if (strcmp(ev, "bye") == 0) {
			r->byes++;
			continue;
		}
		t = tstate_of(r, ev_int(o, "pid"), ev_int(o, "tid"));
		if (strcmp(ev, "drop") == 0) {
			t->dropped += ev_int(o, "count");
			continue;
		}
		if (strcmp(ev, "thread") == 0)
			continue;
		json_int_t seq = ev_int(o, "seq");
		json_int_t depth = ev_int(o, "depth");
		const char *fn = ev_str(o, "fn");

		if (contiguous)
			assert_int_equal(seq, t->last_seq + 1);
		else
			assert_true(seq > t->last_seq);
		t->last_seq = seq;
		t->events++;
		if (strcmp(ev, "enter") == 0) {
			/* Gaps (drops) make depth checks meaningless. */
			if (contiguous) {
				assert_int_equal(depth, t->depth);
				assert_true(t->depth < 256);
				snprintf(t->stack[t->depth], 64, "%s", fn);
			}
			t->depth++;
		} else if (strcmp(ev, "exit") == 0) {
			if (contiguous) {
				assert_true(t->depth > 0);
				assert_int_equal(depth, t->depth - 1);
				assert_string_equal(fn, t->stack[t->depth - 1]);
			}
			if (t->depth > 0)
				t->depth--;
		} else if (contiguous) {        /* exception: innermost call */
			assert_int_equal(depth, t->depth ? t->depth - 1 : 0);
			if (t->depth)
				assert_string_equal(fn, t->stack[t->depth - 1]);
		}
	}
	if (!contiguous)
		for (int k = 0; k < r->n; k++)
			assert_int_equal(r->t[k].events + r->t[k].dropped, r->t[k].last_seq);
}

static json_t *find_ev(struct cap *c, const char *ev, const char *fn)
{
	size_t i;
	json_t *o;

	json_array_foreach(c->lines, i, o)
		if (strcmp(ev_kind(o), ev) == 0 &&
		    (!fn || (json_object_get(o, "fn") && strcmp(ev_str(o, "fn"), fn) == 0)))
			return o;
	return NULL;
}

static void assert_exit_0(struct cap *c)
{
	if (!WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0)
		fail_msg("helper ended with wait status 0x%x", c->status);
}

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

	cap_init(&c, 1);
	cap_open(&c);
	cap_spawn(&c, "lib_traced", args, env);
	cap_finish(&c);
	assert_exit_0(&c);
	cap_parse(&c);
	replay(&c, &r, lossless);
	first = json_array_get(c.lines, 0);
	last = json_array_get(c.lines, json_array_size(c.lines) - 1);
	assert_string_equal(ev_kind(first), "hello");
	assert_int_equal(ev_int(first, "pid"), ev_int(last, "pid"));
	assert_string_equal(ev_kind(last), "bye");
	assert_int_equal(r.n, 1);
	/* main's enter and exit, and 1000 x (mid, leaf) enter and exit. */
	assert_int_equal(r.t[0].last_seq, 4002);
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

static void test_disabled(void **state)
{
	const char *args[] = { "calls", "1000", NULL };
	const char *env[] = { "PIPETRACE=0", NULL };
	struct cap c;

	cap_init(&c, 1);
	cap_open(&c);
	cap_spawn(&c, "lib_traced", args, env);
	cap_finish(&c);
	assert_exit_0(&c);
	assert_int_equal(c.len, 0);
	cap_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_async_lines),
		cmocka_unit_test(test_async_lossless),
		cmocka_unit_test(test_sync_lines),
		cmocka_unit_test(test_sync_lossless),
		cmocka_unit_test(test_disabled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
