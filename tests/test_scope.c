/* test_scope.c - the scope filters on a headless screen: one thread or
 * process only, ended processes hidden, a hidden function whose callees
 * stay, the calls view's minimum duration, and what the status line, the
 * exceptions pane and search say under them. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "model_testutil.h"
#include "scope.h"
#include "ui_int.h"
#include "view.h"

static SCREEN *scr;
static FILE *term_out, *term_in;

static const char *row(WINDOW *w, int y)
{
	static char out[2048];
	wchar_t wbuf[1024];
	int n = mvwinnwstr(w, y, 0, wbuf, 1023);

	if (n < 0)
		n = 0;
	wbuf[n] = 0;
	if (wcstombs(out, wbuf, sizeof(out)) == (size_t)-1)
		strcpy(out, "(unconvertible)");
	return out;
}

static int find_row(WINDOW *w, const char *needle)
{
	for (int y = 0; y < getmaxy(w); y++)
		if (strstr(row(w, y), needle))
			return y;
	return -1;
}

/* Column of needle in window row y, in cells (the text checked is ASCII
 * after the tree glyphs, which are one cell each). */
static int col_in(WINDOW *w, int y, const char *needle)
{
	const char *r = row(w, y), *p = strstr(r, needle);

	if (!p)
		return -1;
	int cols = 0;
	for (const char *q = r; q < p; cols++) {
		int k = mblen(q, MB_CUR_MAX);
		q += k > 0 ? k : 1;
	}
	return cols;
}

/* pid 100 "demo": worker-1 (101) runs main > dispatch > parse > lex three
 * times and main > dispatch > flush, with one exception in flush;
 * worker-2 (102) serves once and is still serving.  pid 200 "child"
 * (201) ran child_task and ended (bye). */
static struct model *scope_model(void)
{
	struct model *m = model_create(NULL);
	int64_t t = 1000;
	uint64_t s1 = 0, s2 = 0, s3 = 0;

	tu_hello(m, 1, 100, "demo");
	tu_thread(m, 2, 100, 101, "worker-1");
	tu_thread(m, 3, 100, 102, "worker-2");
	tu_enter(m, t, 100, 101, ++s1, 0, "main");
	tu_enter(m, t, 100, 101, ++s1, 1, "dispatch");
	for (int i = 0; i < 3; i++) {
		tu_enter(m, t, 100, 101, ++s1, 2, "parse");
		tu_enter(m, t, 100, 101, ++s1, 3, "lex");
		tu_exit(m, t + 100, 100, 101, ++s1, 3, "lex", 100);          /* 100 ns */
		tu_exit(m, t + 2000000, 100, 101, ++s1, 2, "parse", 2000000); /* 2 ms */
		t += 2000000;
	}
	tu_enter(m, t, 100, 101, ++s1, 2, "flush");
	tu_exception(m, t + 10, 100, 101, ++s1, 2, "flush", "IOError", "disk full");
	tu_exit(m, t + 500, 100, 101, ++s1, 2, "flush", 500);                  /* 500 ns */
	tu_exit(m, t + 600, 100, 101, ++s1, 1, "dispatch", 6000600);
	tu_exit(m, t + 700, 100, 101, ++s1, 0, "main", 6000800);
	tu_enter(m, t, 100, 102, ++s2, 0, "serve");
	tu_exit(m, t + 5000, 100, 102, ++s2, 0, "serve", 5000);               /* 5 us */
	tu_enter(m, t + 6000, 100, 102, ++s2, 0, "serve_forever");            /* running */
	tu_hello(m, t, 200, "child");
	tu_enter(m, t + 1, 200, 201, ++s3, 0, "child_task");
	tu_exit(m, t + 701, 200, 201, ++s3, 0, "child_task", 700);
	tu_bye(m, t + 800, 200);
	return m;
}

static void ui_open(struct ui *u, struct model *m)
{
	ui_state_init(u, NULL, m);
	ui_layout(u);
	ui_draw(u);
}

static void keys(struct ui *u, const char *ks)
{
	for (; *ks; ks++)
		ui_key(u, (unsigned char)*ks);
	ui_draw(u);
}

/* Moves the cursor down from the first row to the row holding label. */
static void cursor_on(struct ui *u, const char *label)
{
	keys(u, "g");
	for (int i = 0; i < 40; i++) {
		if (u->tv.cursor_row >= 0 && strstr(row(u->win[PANE_TREE], 2 + u->tv.cursor_row), label))
			return;
		keys(u, "j");
	}
	fail_msg("no row with %s", label);
}

static int setup_screen(void **state)
{
	(void)state;
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "C.utf8");
	term_out = fopen("/dev/null", "w");
	term_in = fopen("/dev/null", "r");
	if (!term_out || !term_in)
		return -1;
	scr = newterm("xterm-256color", term_out, term_in);
	if (!scr)
		return -1;
	draw_force(true, false);
	return 0;
}

static int teardown_screen(void **state)
{
	(void)state;
	endwin();
	delscreen(scr);
	fclose(term_out);
	fclose(term_in);
	return 0;
}

static int per_test(void **state)
{
	(void)state;
	resizeterm(45, 160);
	return 0;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_only_thread(void **state)
{
	struct model *m = scope_model();
	struct ui u;

	(void)state;
	ui_open(&u, m);
	WINDOW *wt = u.win[PANE_TREE];

	assert_true(find_row(wt, "worker-1") > 0);
	assert_true(find_row(wt, "child_task") > 0);
	assert_null(strstr(row(u.status, 0), "only thread"));
	/* F t on worker-2's row: only that thread */
	cursor_on(&u, "worker-2");
	keys(&u, "Ft");
	assert_true(find_row(wt, "worker-2") > 0);
	assert_true(find_row(wt, "serve_forever") > 0);
	assert_int_equal(find_row(wt, "worker-1"), -1);
	assert_int_equal(find_row(wt, "main"), -1);
	assert_int_equal(find_row(wt, "child"), -1);
	assert_non_null(strstr(row(u.status, 0), "only thread worker-2 (102)"));
	assert_non_null(strstr(row(u.status, 0), "1 proc hidden"));
	assert_non_null(strstr(row(u.status, 0), "1 thread hidden"));
	/* worker-1's exception is not listed; the title says how many are */
	assert_int_equal(find_row(u.win[PANE_EXC], "IOError"), -1);
	assert_non_null(strstr(row(u.win[PANE_EXC], 0), "0 shown"));
	/* search finds nothing of the threads left out */
	ui_key(&u, '/');
	keys(&u, "lex\r");
	assert_string_equal(u.tv.message, "no match");
	keys(&u, "\033");
	/* the same again: everything */
	keys(&u, "Ft");
	assert_true(find_row(wt, "worker-1") > 0);
	assert_true(find_row(wt, "child_task") > 0);
	assert_null(strstr(row(u.status, 0), "only thread"));
	assert_true(find_row(u.win[PANE_EXC], "IOError") > 0);
	ui_state_free(&u);
	model_free(m);
}

static void test_only_process_and_ended(void **state)
{
	struct model *m = scope_model();
	struct ui u;

	(void)state;
	ui_open(&u, m);
	WINDOW *wt = u.win[PANE_TREE];

	cursor_on(&u, "child_task");
	keys(&u, "Fp");
	assert_true(find_row(wt, "child_task") > 0);
	assert_int_equal(find_row(wt, "worker-1"), -1);
	assert_non_null(strstr(row(u.status, 0), "only process child (200)"));
	assert_non_null(strstr(row(u.status, 0), "1 proc hidden"));
	/* everything again, then ended processes hidden: the child goes */
	keys(&u, "Fa");
	assert_true(find_row(wt, "worker-1") > 0);
	assert_null(strstr(row(u.status, 0), "hidden"));
	keys(&u, "Fe");
	assert_int_equal(find_row(wt, "child_task"), -1);
	assert_true(find_row(wt, "worker-2") > 0);
	assert_non_null(strstr(row(u.status, 0), "1 proc hidden (ended ones too)"));
	keys(&u, "Fe");
	assert_true(find_row(wt, "child_task") > 0);
	ui_state_free(&u);
	model_free(m);
}

/* Hiding dispatch: its callees take its place under main, in both views;
 * main's own figures do not change. */
static void test_hide_function_keeps_callees(void **state)
{
	struct model *m = scope_model();
	struct ui u;
	char main_row[2048];

	(void)state;
	ui_open(&u, m);
	WINDOW *wt = u.win[PANE_TREE];

	keys(&u, "g*");
	int yd = find_row(wt, "dispatch"), ym = find_row(wt, "main");
	assert_true(yd > ym && ym > 0);
	int dcol = col_in(wt, yd, "dispatch");
	snprintf(main_row, sizeof main_row, "%s", row(wt, ym));
	assert_true(col_in(wt, find_row(wt, "parse"), "parse") > dcol);
	cursor_on(&u, "dispatch");
	keys(&u, "Fh");
	assert_int_equal(find_row(wt, "dispatch"), -1);
	int yp = find_row(wt, "parse"), yw = find_row(wt, "flush");
	assert_true(yp > 0 && yw > yp);
	/* at dispatch's place, one level under main, and in its order */
	assert_int_equal(col_in(wt, yp, "parse"), dcol);
	assert_int_equal(col_in(wt, yw, "flush"), dcol);
	assert_true(col_in(wt, find_row(wt, "lex"), "lex") > dcol);
	assert_string_equal(row(wt, find_row(wt, "main")), main_row);
	assert_non_null(strstr(row(u.status, 0), "dispatch hidden (callees shown)"));
	/* the cursor was on dispatch: it is now on a row that is shown */
	const struct mnode *cur = tree_view_cursor(&u.tv);
	assert_non_null(cur);
	assert_true(scope_shows_node(&u.tv.scope, m, u.tv.view, cur));
	/* moving up from parse reaches main, then the thread */
	cursor_on(&u, "parse");
	keys(&u, "k");
	assert_non_null(strstr(row(wt, 2 + u.tv.cursor_row), "main"));
	/* calls view: the three parse calls and flush under main */
	keys(&u, "vg*");
	assert_int_equal(find_row(wt, "dispatch"), -1);
	yp = find_row(wt, "parse");
	ym = find_row(wt, "main");
	assert_true(yp > ym && ym > 0);
	assert_int_equal(col_in(wt, yp, "parse"), col_in(wt, find_row(wt, "flush"), "flush"));
	int nparse = 0;
	for (int y = 0; y < getmaxy(wt); y++)
		nparse += strstr(row(wt, y), "parse") != NULL;
	assert_int_equal(nparse, 3);
	/* H: shown again */
	keys(&u, "FH");
	assert_true(find_row(wt, "dispatch") > 0);
	assert_null(strstr(row(u.status, 0), "hidden"));
	ui_state_free(&u);
	model_free(m);
}

/* Calls view, only calls of 1 ms or more: the 2 ms parses and the calls
 * enclosing them stay, with the running call; lex (x3), flush, serve and
 * child_task go, and the status line counts them. */
static void test_min_duration(void **state)
{
	struct model *m = scope_model();
	struct ui u;

	(void)state;
	ui_open(&u, m);
	WINDOW *wt = u.win[PANE_TREE];

	keys(&u, "vg*");
	assert_true(find_row(wt, "lex") > 0);
	keys(&u, "Fd");
	assert_non_null(strstr(row(u.hint, 0), "at least"));
	keys(&u, "1 ms\r");
	assert_int_equal(find_row(wt, "lex"), -1);
	assert_int_equal(find_row(wt, "flush"), -1);
	assert_int_equal(find_row(wt, "serve "), -1);
	assert_int_equal(find_row(wt, "child_task"), -1);
	assert_true(find_row(wt, "parse") > 0);
	assert_true(find_row(wt, "serve_forever") > 0);   /* running: duration unknown */
	assert_non_null(strstr(row(u.status, 0), "calls \u2265 1.00 ms: 6 hidden"));
	/* a short call takes its callees with it: 10 us hides the lexes */
	keys(&u, "Fd10us\r");
	assert_non_null(strstr(row(u.status, 0), "calls \u2265 10.0 us: 6 hidden"));
	/* a bad duration is said, the filter stays */
	keys(&u, "Fdfast\r");
	assert_non_null(strstr(row(u.status, 0), "not a duration"));
	keys(&u, "j");
	assert_null(strstr(row(u.status, 0), "not a duration"));
	assert_non_null(strstr(row(u.status, 0), "10.0 us"));
	/* empty: off */
	keys(&u, "Fd\r");
	assert_true(find_row(wt, "lex") > 0);
	assert_null(strstr(row(u.status, 0), "hidden"));
	ui_state_free(&u);
	model_free(m);
}

static void test_parse_duration(void **state)
{
	uint64_t ns;

	(void)state;
	assert_true(scope_parse_duration("1ms", &ns));
	assert_int_equal(ns, 1000000);
	assert_true(scope_parse_duration(" 250 us ", &ns));
	assert_int_equal(ns, 250000);
	assert_true(scope_parse_duration("2.5s", &ns));
	assert_int_equal(ns, 2500000000ull);
	assert_true(scope_parse_duration("800ns", &ns));
	assert_int_equal(ns, 800);
	assert_true(scope_parse_duration("1500", &ns));
	assert_int_equal(ns, 1500);
	assert_true(scope_parse_duration("3\xc2\xb5s", &ns));
	assert_int_equal(ns, 3000);
	assert_true(scope_parse_duration("1MS", &ns));
	assert_int_equal(ns, 1000000);
	assert_false(scope_parse_duration("", &ns));
	assert_false(scope_parse_duration("ms", &ns));
	assert_false(scope_parse_duration("-1ms", &ns));
	assert_false(scope_parse_duration("1 parsec", &ns));
	assert_false(scope_parse_duration("1e300s", &ns));
	assert_false(scope_parse_duration("nan", &ns));
}



/* Moving up through long lists under a scope (marks into the list are
 * kept per scope): every row's row above is the one the forward walk put
 * before it.  Thread 2 has 5000 root calls of wrap (hidden: its call of
 * leaf_N takes its place) and of tiny (under the minimum duration). */
static void test_up_under_scope(void **state)
{
	struct model *m = model_create(NULL);
	struct tree_view tv;
	uint64_t seq = 0;
	int64_t t = 100;
	char fn[32];

	(void)state;
	tu_hello(m, 1, 9, "long");
	tu_enter(m, 2, 9, 1, 1, 0, "other_thread");
	for (int i = 0; i < 5000; i++) {
		snprintf(fn, sizeof fn, "leaf_%d", i % 50);
		tu_enter(m, t, 9, 2, ++seq, 0, "wrap");
		tu_enter(m, t + 1, 9, 2, ++seq, 1, fn);
		tu_exit(m, t + 5001, 9, 2, ++seq, 1, fn, 5000);
		tu_exit(m, t + 5002, 9, 2, ++seq, 0, "wrap", 5002);
		tu_enter(m, t + 5003, 9, 2, ++seq, 0, "tiny");
		tu_exit(m, t + 5004, 9, 2, ++seq, 0, "tiny", 1);
		t += 6000;
	}
	tree_view_init(&tv, m);
	tree_view_resize(&tv, 30, 150);
	tv.view = VIEW_CALLS;
	const struct mnode *th2 = model_thread_find(m, 9, 2) ? &model_thread_find(m, 9, 2)->node : NULL;
	assert_non_null(th2);
	tv.scope.only = th2->id;
	tv.scope.min_ns = 1000;
	assert_true(scope_toggle_hidden(&tv.scope, model_func_find(m, "wrap")));
	tv.scope_stamp++;
	/* the rows, forward: the process, the thread, 5000 leaf calls */
	const struct mnode **rows = calloc(5010, sizeof(*rows));
	size_t n = 0;
	for (const struct mnode *x = tree_first_child(&tv, NULL); x && n < 5010; x = tree_next_visible(&tv, x))
		rows[n++] = x;
	assert_int_equal(n, 5002);
	assert_ptr_equal(rows[1], th2);
	for (size_t i = 2; i < n; i++)
		assert_int_equal(strncmp(((const struct mcall *)rows[i])->path->fn->name, "leaf_", 5), 0);
	/* up, one row at a time from the end, and by pages */
	for (size_t i = n - 1; i > 0; i--) {
		int moved;
		assert_ptr_equal(tree_up(&tv, rows[i], 1, &moved), rows[i - 1]);
		assert_int_equal(moved, 1);
	}
	for (size_t i = n - 1; i >= 29; i -= 29)
		assert_ptr_equal(tree_up(&tv, rows[i], 29, NULL), rows[i - 29]);
	free(rows);
	tree_view_free(&tv);
	model_free(m);
}

/* ---- clearing ended processes ---------------------------------------------- */

/* Both views walked: every node found by its id, the counts the stats
 * give; returns the calls seen. */
static size_t walk_check(const struct model *m)
{
	struct model_stats st;
	size_t paths = 0, calls = 0;

	model_get_stats(m, &st);
	for (int v = VIEW_PATHS; v <= VIEW_CALLS; v++)
		for (const struct mnode *n = model_first_child(m, (enum model_view)v, NULL); n;
		     n = model_next_preorder(m, (enum model_view)v, n, NULL)) {
			assert_ptr_equal(model_find(m, n->id), n);
			paths += mnode_kind(n) == MN_PATH;
			calls += mnode_kind(n) == MN_CALL;
		}
	assert_int_equal(paths, st.paths);
	assert_int_equal(calls, st.calls_kept);
	return calls;
}

/* The dump of one process's tree (its lines of model_dump). */
static char *dump_of(const struct model *m, const char *head)
{
	char *buf = NULL, *out;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	model_dump(m, VIEW_PATHS, f);
	fclose(f);
	char *at = strstr(buf, head);
	assert_non_null(at);
	char *end = strchr(at + 1, '\n');
	/* up to the next process line (not indented) */
	while (end && end[1] == ' ')
		end = strchr(end + 1, '\n');
	out = strndup(at, end ? (size_t)(end - at) : strlen(at));
	free(buf);
	return out;
}

static void test_clear_ended(void **state)
{
	struct model *m = scope_model();
	struct ui u;
	struct model_stats before, after;

	(void)state;
	ui_open(&u, m);
	WINDOW *wt = u.win[PANE_TREE];
	model_get_stats(m, &before);
	char *demo_before = dump_of(m, "process 100");
	node_id child = model_first_child(m, VIEW_PATHS, NULL)->id;
	for (const struct mnode *n = model_first_child(m, VIEW_PATHS, NULL); n;
	     n = model_next_sibling(m, VIEW_PATHS, n))
		if (((const struct mprocess *)n)->pid == 200)
			child = n->id;
	assert_true(find_row(wt, "child_task") > 0);
	keys(&u, "Fc");
	assert_int_equal(find_row(wt, "child_task"), -1);
	assert_true(find_row(wt, "worker-1") > 0);
	assert_non_null(strstr(row(u.status, 0), "1 ended process cleared"));
	keys(&u, "j");
	assert_non_null(strstr(row(u.status, 0), "1 ended proc cleared"));
	model_get_stats(m, &after);
	assert_null(model_find(m, child));
	assert_int_equal(after.processes, 1);
	assert_int_equal(after.processes_cleared, 1);
	assert_int_equal(after.threads, before.threads - 1);
	assert_true(after.bytes < before.bytes);
	walk_check(m);
	/* the other process's figures, as they were */
	char *demo_after = dump_of(m, "process 100");
	assert_string_equal(demo_after, demo_before);
	free(demo_before);
	free(demo_after);
	/* nothing left to clear: said so */
	keys(&u, "Fc");
	assert_non_null(strstr(row(u.status, 0), "no ended process to clear"));
	/* the pid again: a new process, events go on */
	tu_hello(m, 100000000, 200, "again");
	tu_enter(m, 100000001, 200, 201, 1, 0, "second_run");
	tu_exit(m, 100000009, 200, 201, 2, 0, "second_run", 8);
	ui_poll_model(&u);
	ui_draw(&u);
	assert_true(find_row(wt, "second_run") > 0);
	walk_check(m);
	ui_state_free(&u);
	model_free(m);
}

/* Many short runs, each with its own paths and calls and an exception:
 * cleared, the memory their calls and paths took goes back, and their
 * exceptions leave the list. */
static void test_clear_ended_frees_memory(void **state)
{
	struct model *m = model_create(NULL);
	struct model_stats base, full, cleared;
	char fn[32];
	int64_t t = 1000;

	(void)state;
	tu_hello(m, 1, 1, "monitor-me");
	tu_enter(m, 2, 1, 1, 1, 0, "main_loop");
	model_get_stats(m, &base);
	for (int p = 0; p < 40; p++) {
		int pid = 1000 + p;
		uint64_t seq = 0;
		tu_hello(m, t, pid, "short");
		for (int i = 0; i < 600; i++) {
			snprintf(fn, sizeof fn, "step_%d", i % 300);   /* 300 paths a run */
			tu_enter(m, t, pid, pid, ++seq, 0, "run");
			tu_enter(m, t + 1, pid, pid, ++seq, 1, fn);
			tu_exit(m, t + 3 + i % 7, pid, pid, ++seq, 1, fn, 2 + i % 7);
			tu_exit(m, t + 20, pid, pid, ++seq, 0, "run", 20);
			t += 30;
		}
		tu_enter(m, t, pid, pid, ++seq, 0, "fail");
		tu_exception(m, t + 1, pid, pid, ++seq, 0, "fail", "E", "m");
		tu_exit(m, t + 2, pid, pid, ++seq, 0, "fail", 2);
		tu_bye(m, t + 3, pid);
	}
	model_get_stats(m, &full);
	assert_int_equal(model_exception_count(m), 40);
	assert_int_equal(full.processes, 41);
	/* the 5 that ended last stay */
	assert_int_equal(model_forget_ended(m, 5), 35);
	model_get_stats(m, &cleared);
	assert_int_equal(cleared.processes, 6);
	assert_int_equal(model_exception_count(m), 5);
	for (size_t i = 0; i < 5; i++)
		assert_true(model_exception_at(m, i)->pid >= 1035);
	/* what their calls and paths took (1201 calls, 302 paths a run) is
	 * given back, all but what shares a chunk with the runs that stay */
	double per_run = 1201.0 * sizeof(struct mcall) + 302.0 * sizeof(struct mpath);
	assert_true((double)(full.bytes - cleared.bytes) >= 0.9 * 35 * per_run);
	walk_check(m);
	assert_int_equal(model_forget_ended(m, 0), 5);
	model_get_stats(m, &cleared);
	assert_int_equal(cleared.processes, 1);
	assert_int_equal(cleared.processes_cleared, 40);
	assert_int_equal(cleared.calls_kept, 1);
	assert_true((double)(full.bytes - cleared.bytes) >= 0.97 * 40 * per_run);
	walk_check(m);
	/* the live one goes on */
	tu_exit(m, t + 100, 1, 1, 2, 0, "main_loop", t + 98);
	walk_check(m);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_only_thread, per_test),
		cmocka_unit_test_setup(test_only_process_and_ended, per_test),
		cmocka_unit_test_setup(test_hide_function_keeps_callees, per_test),
		cmocka_unit_test_setup(test_min_duration, per_test),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_up_under_scope),
		cmocka_unit_test_setup(test_clear_ended, per_test),
		cmocka_unit_test(test_clear_ended_frees_memory),
	};

	return cmocka_run_group_tests(tests, setup_screen, teardown_screen);
}
