/* test_profile.c - the flat profile (tui/model_profile.c): per-function
 * figures over the whole run, a process and a thread; recursion counted
 * once in inclusive time; sorting and held order; a function's call
 * paths; the CSV and text forms.  A random differential check recomputes
 * every thread's figures from the calls made, apart from the model. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_profile.h"
#include "model_testutil.h"
#include "xorshift.h"

static const struct prof_row *row_named(const struct profile *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->rows[i].fn->name, name))
			return &p->rows[i];
	return NULL;
}

static const struct mthread *thread_of(const struct model *m, int pid, int tid)
{
	const struct mthread *t = model_thread_find(m, pid, tid);

	assert_non_null(t);
	return t;
}

/* pid 10: thread 11 main -> fib(3 levels of recursion), thread 12 fib
 * alone; pid 20: thread 21 other -> fib. */
static struct model *recursion_model(void)
{
	struct model *m = model_create(NULL);
	uint64_t s11 = 0, s12 = 0, s21 = 0;

	tu_hello(m, 1, 10, "rec");
	tu_enter(m, 100, 10, 11, ++s11, 0, "main");
	tu_enter(m, 110, 10, 11, ++s11, 1, "fib");
	tu_enter(m, 120, 10, 11, ++s11, 2, "fib");
	tu_enter(m, 130, 10, 11, ++s11, 3, "fib");
	tu_exit(m, 160, 10, 11, ++s11, 3, "fib", 30);
	tu_exit(m, 200, 10, 11, ++s11, 2, "fib", 80);
	tu_exception(m, 205, 10, 11, ++s11, 1, "fib", "E", "x");
	tu_exit(m, 300, 10, 11, ++s11, 1, "fib", 190);
	tu_exit(m, 400, 10, 11, ++s11, 0, "main", 300);
	tu_enter(m, 500, 10, 12, ++s12, 0, "fib");
	tu_exit(m, 507, 10, 12, ++s12, 0, "fib", 7);
	tu_hello(m, 2, 20, "other");
	tu_enter(m, 600, 20, 21, ++s21, 0, "other");
	tu_enter(m, 610, 20, 21, ++s21, 1, "fib");
	tu_exit(m, 650, 20, 21, ++s21, 1, "fib", 40);
	tu_exit(m, 700, 20, 21, ++s21, 0, "other", 100);
	return m;
}

static void test_recursion_counted_once(void **state)
{
	struct model *m = recursion_model();
	struct profile p;
	const struct prof_row *fib, *main_r;

	(void)state;
	profile_init(&p);
	/* thread 11: fib's total is its outermost call's, not 190+80+30 */
	assert_true(profile_build(&p, m, &thread_of(m, 10, 11)->node));
	assert_int_equal(p.n, 2);
	fib = row_named(&p, "fib");
	main_r = row_named(&p, "main");
	assert_int_equal(fib->calls, 3);
	assert_int_equal(fib->total_ns, 190);
	assert_true(fib->total_ns <= main_r->total_ns);
	assert_int_equal(main_r->total_ns, 300);
	assert_int_equal(fib->self_ns, 190);   /* 110 + 50 + 30 */
	assert_int_equal(main_r->self_ns, 110);
	assert_int_equal(fib->sum_ns, 300);    /* every call: the average is 100 */
	assert_int_equal(profile_value(&p, fib, PROF_AVG), 100);
	assert_int_equal(fib->max_ns, 190);
	assert_int_equal(fib->exceptions, 1);
	assert_int_equal(fib->hist->n, 3);
	assert_int_equal(p.self_sum_ns, 300);
	assert_int_equal(profile_value(&p, fib, PROF_SHARE), 633333);  /* 190 / 300 in millionths */
	/* process 10: both threads */
	assert_true(profile_build(&p, m, model_first_child(m, VIEW_PATHS, NULL)));
	fib = row_named(&p, "fib");
	assert_int_equal(fib->calls, 4);
	assert_int_equal(fib->total_ns, 197);
	assert_int_equal(fib->max_ns, 190);
	assert_null(row_named(&p, "other"));
	/* a path or call stands for its thread */
	const struct mnode *t21 = &thread_of(m, 20, 21)->node;

	assert_true(profile_build(&p, m, model_first_child(m, VIEW_PATHS, t21)));
	assert_int_equal(p.n, 2);
	assert_int_equal(row_named(&p, "fib")->total_ns, 40);
	/* the whole run: the model's own figures */
	assert_true(profile_build(&p, m, NULL));
	fib = row_named(&p, "fib");
	assert_int_equal(fib->calls, 5);
	assert_int_equal(fib->total_ns, 237);
	assert_int_equal(fib->total_ns, model_func_find(m, "fib")->total_ns);
	assert_int_equal(fib->p99_ns, hist_quantile(&model_func_find(m, "fib")->hist, 0.99));
	profile_free(&p);
	model_free(m);
}

static void test_sort_and_hold(void **state)
{
	struct model *m = recursion_model();
	struct profile p;
	const struct mfunc *held[3];

	(void)state;
	profile_init(&p);
	profile_build(&p, m, NULL);
	profile_sort(&p, PROF_TOTAL);
	assert_string_equal(p.rows[0].fn->name, "main");
	assert_string_equal(p.rows[1].fn->name, "fib");
	assert_string_equal(p.rows[2].fn->name, "other");
	profile_sort(&p, PROF_CALLS);
	assert_string_equal(p.rows[0].fn->name, "fib");
	/* ties by name: main and other have one call each */
	assert_string_equal(p.rows[1].fn->name, "main");
	assert_string_equal(p.rows[2].fn->name, "other");
	profile_sort(&p, PROF_NAME);
	assert_string_equal(p.rows[0].fn->name, "fib");
	assert_string_equal(p.rows[2].fn->name, "other");
	profile_sort(&p, PROF_EXC);
	assert_string_equal(p.rows[0].fn->name, "fib");
	for (int c = PROF_CALLS; c < PROF_NCOLS; c++) {
		profile_sort(&p, (enum prof_col)c);
		for (size_t i = 1; i < p.n; i++)
			assert_true(profile_value(&p, &p.rows[i - 1], (enum prof_col)c) >=
				    profile_value(&p, &p.rows[i], (enum prof_col)c));
	}
	/* held: the old order stays, a new function comes after it */
	profile_sort(&p, PROF_NAME);
	for (int i = 0; i < 3; i++)
		held[i] = p.rows[i].fn;
	uint64_t s = 100;

	tu_enter(m, 800, 20, 22, ++s, 0, "zzz_new_and_big");
	tu_exit(m, 99999, 20, 22, ++s, 0, "zzz_new_and_big", 99000);
	profile_build(&p, m, NULL);
	profile_sort_like(&p, held, 3, PROF_TOTAL);
	assert_int_equal(p.n, 4);
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(p.rows[i].fn, held[i]);
	assert_string_equal(p.rows[3].fn->name, "zzz_new_and_big");
	profile_sort(&p, PROF_TOTAL);
	assert_string_equal(p.rows[0].fn->name, "zzz_new_and_big");
	profile_free(&p);
	model_free(m);
}

static void test_callers(void **state)
{
	struct model *m = recursion_model();
	node_id ids[8];
	size_t n;

	(void)state;
	n = profile_callers(m, NULL, model_func_find(m, "fib"), ids, 8);
	/* main>fib, main>fib>fib, main>fib>fib>fib, fib (thread 12), other>fib */
	assert_int_equal(n, 5);
	const struct mpath *first = (const struct mpath *)model_find(m, ids[0]);

	assert_int_equal(first->total_ns, 190);   /* largest first */
	for (size_t i = 1; i < n; i++)
		assert_true(((const struct mpath *)model_find(m, ids[i - 1]))->total_ns >=
			    ((const struct mpath *)model_find(m, ids[i]))->total_ns);
	/* within a thread, and fewer than there are */
	n = profile_callers(m, &thread_of(m, 10, 11)->node, model_func_find(m, "fib"), ids, 2);
	assert_int_equal(n, 3);
	assert_int_equal(((const struct mpath *)model_find(m, ids[1]))->total_ns, 80);
	model_free(m);
}

static void test_csv_and_text(void **state)
{
	struct model *m = model_create(NULL);
	struct profile p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	tu_hello(m, 1, 10, "csv");
	tu_enter(m, 10, 10, 11, 1, 0, "say \"hi\",\x1b[2J");
	tu_exit(m, 1510, 10, 11, 2, 0, "say \"hi\",\x1b[2J", 1500);
	profile_init(&p);
	profile_build(&p, m, NULL);
	profile_sort(&p, PROF_TOTAL);
	f = open_memstream(&buf, &len);
	assert_int_equal(profile_write_csv(&p, f), 0);
	fclose(f);
	assert_string_equal(buf, "function,calls,total_ns,self_ns,avg_ns,p99_ns,max_ns,exceptions,share_pct\n"
				 "\"say \"\"hi\"\",\\x1b[2J\",1,1500,1500,1500,1500,1500,0,100.0000\n");
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(profile_write_text(&p, f, "title"), 0);
	fclose(f);
	assert_non_null(strstr(buf, "title\nfunction"));
	assert_non_null(strstr(buf, "1.50 us"));
	assert_null(strchr(buf, '\x1b'));
	free(buf);
	profile_free(&p);
	model_free(m);
}

/* ---- random differential check ----------------------------------------------- */

#define FNS 6
#define MAXD 12

struct expect {
	uint64_t calls, total, self, max, sum;
};

static const char *const names[FNS] = { "a", "b", "c", "d", "e", "f" };

/* A thread's open calls: function, start, time of finished children. */
struct stack {
	uint64_t seq;
	int fn[MAXD];
	int64_t start[MAXD], child[MAXD];
	int open_of[FNS];
	int d;
};

/* The innermost call ends at ts: to the model, and to what it should say. */
static void leave(struct stack *st, struct expect *ex, struct model *m, int t, int64_t ts)
{
	int d = --st->d, f = st->fn[d];
	int64_t dur = ts - st->start[d];
	struct expect *e = &ex[f];

	tu_exit(m, ts, 50, 51 + t, ++st->seq, d, names[f], dur);
	st->open_of[f]--;
	e->calls++;
	e->sum += (uint64_t)dur;
	e->self += (uint64_t)(dur - st->child[d]);
	if ((uint64_t)dur > e->max)
		e->max = (uint64_t)dur;
	if (!st->open_of[f])
		e->total += (uint64_t)dur;   /* its function's outermost call */
	if (d)
		st->child[d - 1] += dur;
}

/* Random trees of calls on a few threads, with recursion; the figures
 * each thread's calls should give, computed as they are made. */
static void test_random_threads(void **state)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int round = 0; round < 20; round++) {
		struct model *m = model_create(NULL);
		struct expect ex[3][FNS];
		struct profile p;
		int64_t ts = 1000;

		memset(ex, 0, sizeof(ex));
		tu_hello(m, 1, 50, "rand");
		for (int t = 0; t < 3; t++) {
			struct stack st = { 0 };

			for (int step = 0; step < 400; step++) {
				bool down = st.d == 0 || (st.d < MAXD && xorshift64(&rng) % 2);

				ts += 1 + (int64_t)(xorshift64(&rng) % 50);
				if (down) {
					int f = (int)(xorshift64(&rng) % FNS);

					st.fn[st.d] = f;
					st.start[st.d] = ts;
					st.child[st.d] = 0;
					st.open_of[f]++;
					tu_enter(m, ts, 50, 51 + t, ++st.seq, st.d, names[f]);
					st.d++;
				} else {
					leave(&st, ex[t], m, t, ts);
				}
			}
			while (st.d) {
				ts += 3;
				leave(&st, ex[t], m, t, ts);
			}
		}
		profile_init(&p);
		for (int t = 0; t < 3; t++) {
			assert_true(profile_build(&p, m, &thread_of(m, 50, 51 + t)->node));
			for (int f = 0; f < FNS; f++) {
				const struct prof_row *r = row_named(&p, names[f]);

				if (!ex[t][f].calls) {
					assert_null(r);
					continue;
				}
				assert_non_null(r);
				assert_int_equal(r->calls, ex[t][f].calls);
				assert_int_equal(r->total_ns, ex[t][f].total);
				assert_int_equal(r->self_ns, ex[t][f].self);
				assert_int_equal(r->max_ns, ex[t][f].max);
				assert_int_equal(r->sum_ns, ex[t][f].sum);
				assert_int_equal(r->hist->n, ex[t][f].calls);
			}
		}
		/* the process: the threads added up; the same as the whole run,
		 * which is the model's own per-function figures */
		struct profile all;

		profile_init(&all);
		profile_build(&all, m, NULL);
		assert_true(profile_build(&p, m, model_first_child(m, VIEW_PATHS, NULL)));
		assert_int_equal(p.n, all.n);
		for (int f = 0; f < FNS; f++) {
			const struct prof_row *r = row_named(&p, names[f]), *a = row_named(&all, names[f]);
			uint64_t calls = 0, total = 0, self = 0;

			for (int t = 0; t < 3; t++) {
				calls += ex[t][f].calls;
				total += ex[t][f].total;
				self += ex[t][f].self;
			}
			if (!calls)
				continue;
			assert_int_equal(r->calls, calls);
			assert_int_equal(r->total_ns, total);
			assert_int_equal(r->self_ns, self);
			assert_int_equal(a->calls, calls);
			assert_int_equal(a->total_ns, total);
			assert_int_equal(a->self_ns, self);
			assert_int_equal(r->p99_ns, a->p99_ns);
			assert_int_equal(r->max_ns, a->max_ns);
			assert_memory_equal(r->hist->bucket, a->hist->bucket, sizeof(r->hist->bucket));
		}
		profile_free(&all);
		profile_free(&p);
		model_free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recursion_counted_once),
		cmocka_unit_test(test_sort_and_hold),
		cmocka_unit_test(test_callers),
		cmocka_unit_test(test_csv_and_text),
		cmocka_unit_test(test_random_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
