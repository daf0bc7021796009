/* test_render.c - draws the panes of pipetrace-tui from a prepared model into
 * a headless curses screen (newterm on /dev/null, fixed size) and reads the
 * cells back: tree glyphs and indentation, durations, histogram bars and
 * percentiles, exception rows, status line, keys, the too-small message,
 * safe drawing of hostile names, the ASCII fallback. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <cmocka.h>

#include "event.h"
#include "hist.h"
#include "model.h"
#include "ui_int.h"
#include "view.h"

static SCREEN *scr;
static FILE *term_out, *term_in;
static struct event_parser *parser;

/* ---- helpers --------------------------------------------------------------- */

static void feed(struct model *m, const char *fmt, ...)
{
	char line[EVENT_LINE_MAX];
	struct event ev;
	struct event_error err;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(line));
	if (event_parse(parser, line, (size_t)n, &ev, &err) != EVENT_OK)
		fail_msg("bad test line %s: %s", line, err.text);
	model_apply(m, &ev);
}

static long ts = 1000000;
static unsigned seq[1000];   /* per thread, so that the model sees no gaps */

static void call(struct model *m, int pid, int tid, int depth, const char *fn, long dur)
{
	feed(m, "{\"ev\":\"enter\",\"ts\":%ld,\"pid\":%d,\"tid\":%d,\"seq\":%u,\"depth\":%d,\"fn\":\"%s\"}",
	     ts, pid, tid, ++seq[tid % 1000], depth, fn);
	ts += dur;
	if (dur >= 0)
		feed(m, "{\"ev\":\"exit\",\"ts\":%ld,\"pid\":%d,\"tid\":%d,\"seq\":%u,\"depth\":%d,\"fn\":\"%s\",\"dur\":%ld}",
		     ts, pid, tid, ++seq[tid % 1000], depth, fn, dur);
}

static void enter(struct model *m, int pid, int tid, int depth, const char *fn)
{
	feed(m, "{\"ev\":\"enter\",\"ts\":%ld,\"pid\":%d,\"tid\":%d,\"seq\":%u,\"depth\":%d,\"fn\":\"%s\"}",
	     ts++, pid, tid, ++seq[tid % 1000], depth, fn);
}

static void leave(struct model *m, int pid, int tid, int depth, const char *fn, long dur)
{
	feed(m, "{\"ev\":\"exit\",\"ts\":%ld,\"pid\":%d,\"tid\":%d,\"depth\":%d,\"seq\":%u,\"fn\":\"%s\",\"dur\":%ld}",
	     ts += dur, pid, tid, depth, ++seq[tid % 1000], fn, dur);
}

/* Two processes: 100 (threads 101 worker-1, 102 worker-2), 200 (its child).
 * worker-1: handle_request x3 -> db_query (one TimeoutError) and log_line. */
static struct model *sample_model(void)
{
	struct model *m = model_create(NULL);

	memset(seq, 0, sizeof(seq));   /* a new model: seqs start again at 1 */
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":100,\"v\":1,\"ppid\":1,\"prog\":\"demo\",\"wall\":1764100000000000000,\"lib\":\"pipetrace 0.1\"}");
	feed(m, "{\"ev\":\"thread\",\"ts\":2,\"pid\":100,\"tid\":101,\"name\":\"worker-1\"}");
	feed(m, "{\"ev\":\"thread\",\"ts\":3,\"pid\":100,\"tid\":102,\"name\":\"worker-2\"}");
	for (int i = 0; i < 3; i++) {
		enter(m, 100, 101, 0, "handle_request");
		enter(m, 100, 101, 1, "db_query");
		if (i == 1)
			feed(m, "{\"ev\":\"exception\",\"ts\":%ld,\"pid\":100,\"tid\":101,\"seq\":%u,\"depth\":1,"
			     "\"fn\":\"db_query\",\"type\":\"TimeoutError\",\"msg\":\"no answer in 200 ms\"}", ts++, ++seq[101]);
		leave(m, 100, 101, 1, "db_query", 1000000);      /* 1 ms */
		call(m, 100, 101, 1, "log_line", 2000);          /* 2 us */
		leave(m, 100, 101, 0, "handle_request", 3000000); /* 3 ms */
	}
	call(m, 100, 102, 0, "serve", 5000);
	enter(m, 100, 102, 0, "serve_forever");              /* still running */
	feed(m, "{\"ev\":\"hello\",\"ts\":%ld,\"pid\":200,\"v\":1,\"ppid\":100,\"prog\":\"demo-child\",\"wall\":0,\"lib\":\"pipetrace 0.1\"}", ts++);
	call(m, 200, 201, 0, "child_task", 700);
	return m;
}

/* A calls pane filling w (inside the frame, below the header). */
static void tree_fit(struct tree_view *tv, struct model *m, WINDOW *w)
{
	tree_view_init(tv, m);
	tree_view_resize(tv, getmaxy(w) - 3, getmaxx(w) - 2);
}

static void tree_done(struct tree_view *tv, WINDOW *w, struct model *m)
{
	delwin(w);
	tree_view_free(tv);
	model_free(m);
}

/* Row y of a window as UTF-8 (trailing blanks kept). */
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

/* The first row of w holding `needle`, or -1. */
static int find_row(WINDOW *w, const char *needle)
{
	for (int y = 0; y < getmaxy(w); y++)
		if (strstr(row(w, y), needle))
			return y;
	return -1;
}

/* Column of `needle` in a row read back by row() (one column a character:
 * the glyphs checked this way are all narrow). */
static int col_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	int cols = 0;

	if (!p)
		return -1;
	for (const char *q = text; q < p; cols++) {
		int k = mblen(q, MB_CUR_MAX);

		q += k > 0 ? k : 1;
	}
	return cols;
}

static int setup_screen(void **state)
{
	(void)state;
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "C.utf8");
	term_out = fopen("/dev/null", "w");
	term_in = fopen("/dev/null", "r");
	parser = event_parser_create();
	if (!term_out || !term_in || !parser)
		return -1;
	scr = newterm("xterm-256color", term_out, term_in);
	if (!scr) {
		fprintf(stderr, "# no terminfo entry for xterm-256color\n");
		return -1;
	}
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
	event_parser_free(parser);
	return 0;
}

static int per_test(void **state)
{
	(void)state;
	resizeterm(45, 160);
	draw_force(true, false);
	return 0;
}

/* ---- tree ------------------------------------------------------------------ */

static void test_tree_rows(void **state)
{
	struct model *m = sample_model();
	struct tree_view tv;
	WINDOW *w = newwin(20, 100, 0, 0);
	char dur[32];
	int y, yp, yt;

	(void)state;
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 0), "Calls: paths view"));
	assert_non_null(strstr(row(w, 1), "count"));
	/* processes expanded, threads expanded, paths collapsed */
	yp = find_row(w, "100 demo");
	assert_int_equal(yp, 2);
	assert_int_equal(col_of(row(w, yp), "\u25be 100 demo"), 1);
	yt = find_row(w, "101 worker-1");
	assert_int_equal(yt, 3);
	assert_int_equal(col_of(row(w, yt), "\u25be 101 worker-1"), 3);
	y = find_row(w, "handle_request");
	assert_int_equal(y, 4);
	assert_int_equal(col_of(row(w, y), "\u25b8 handle_request"), 5);
	/* count 3, avg and max 3 ms, total 9 ms */
	assert_non_null(strstr(row(w, y), hist_format_ns(9000000, dur, sizeof(dur))));
	assert_non_null(strstr(row(w, y), hist_format_ns(3000000, dur, sizeof(dur))));
	assert_non_null(strstr(row(w, y), " 3 "));
	/* db_query is folded away */
	assert_int_equal(find_row(w, "db_query"), -1);
	assert_true(find_row(w, "102 worker-2") > y);
	assert_true(find_row(w, "200 demo-child") > find_row(w, "102 worker-2"));
	assert_non_null(strstr(row(w, find_row(w, "200 demo-child")), "200 demo-child (child of 100)"));
	/* the running call counts as running on its path */
	assert_non_null(strstr(row(w, find_row(w, "serve_forever")), "running"));
	tree_done(&tv, w, m);
}

static const struct mnode *cursor_to(struct tree_view *tv, WINDOW *w, const char *label)
{
	for (int i = 0; i < 40; i++) {
		const struct mnode *c = tree_view_cursor(tv);

		tree_view_draw(tv, w, true);
		if (tv->cursor_row >= 0 && strstr(row(w, 2 + tv->cursor_row), label))
			return c;
		tree_view_key(tv, KEY_DOWN);
	}
	fail_msg("no row %s", label);
	return NULL;
}

static void test_tree_expand_collapse(void **state)
{
	struct model *m = sample_model();
	struct tree_view tv;
	WINDOW *w = newwin(20, 100, 0, 0);
	int y;

	(void)state;
	tree_fit(&tv, m, w);
	cursor_to(&tv, w, "handle_request");
	assert_int_equal(tree_view_key(&tv, KEY_RIGHT) & DIRTY_TREE, DIRTY_TREE);
	tree_view_draw(&tv, w, true);
	y = find_row(w, "handle_request");
	assert_int_equal(col_of(row(w, y), "\u25be handle_request"), 5);
	assert_int_equal(find_row(w, "db_query"), y + 1);
	assert_int_equal(col_of(row(w, y + 1), "db_query"), 9);
	/* the exception mark and count on db_query */
	assert_non_null(strstr(row(w, y + 1), "\u27171"));
	assert_int_equal(find_row(w, "log_line"), y + 2);
	/* Left on a leaf goes to its parent, then collapses it */
	tree_view_key(&tv, KEY_DOWN);
	tree_view_key(&tv, KEY_LEFT);
	tree_view_draw(&tv, w, true);
	assert_int_equal(tv.cursor_row, y - 2);
	assert_true(strstr(row(w, 2 + tv.cursor_row), "handle_request") != NULL);
	tree_view_key(&tv, KEY_LEFT);
	tree_view_draw(&tv, w, true);
	assert_int_equal(find_row(w, "db_query"), -1);
	/* Enter toggles, C collapses all threads */
	tree_view_key(&tv, '\r');
	tree_view_draw(&tv, w, true);
	assert_int_equal(find_row(w, "db_query"), y + 1);
	tree_view_key(&tv, 'C');
	tree_view_draw(&tv, w, true);
	assert_int_equal(find_row(w, "handle_request"), -1);
	assert_non_null(strstr(row(w, find_row(w, "101 worker-1")), "\u25b8 101"));
	tree_done(&tv, w, m);
}

/* Live updates keep what the user opened and the cursor on its node. */
static void test_tree_live_update_keeps_state(void **state)
{
	struct model *m = sample_model();
	struct tree_view tv;
	WINDOW *w = newwin(20, 100, 0, 0);
	const struct mnode *c;

	(void)state;
	tree_fit(&tv, m, w);
	cursor_to(&tv, w, "handle_request");
	tree_view_key(&tv, KEY_RIGHT);
	tree_view_key(&tv, KEY_DOWN);
	tree_view_draw(&tv, w, true);
	c = tree_view_cursor(&tv);
	node_id id = c->id;
	int before = tv.cursor_row;

	/* a new thread and new paths arrive below and inside the subtree */
	feed(m, "{\"ev\":\"thread\",\"ts\":%ld,\"pid\":100,\"tid\":103,\"name\":\"worker-3\"}", ts++);
	call(m, 100, 103, 0, "late", 10);
	enter(m, 100, 101, 0, "handle_request");
	call(m, 100, 101, 1, "new_child", 10);
	leave(m, 100, 101, 0, "handle_request", 100);
	tree_view_draw(&tv, w, true);
	assert_int_equal(tree_view_cursor(&tv)->id, id);
	assert_int_equal(tv.cursor_row, before);
	assert_true(find_row(w, "new_child") > 0);
	assert_true(find_row(w, "worker-3") > 0);
	assert_true(strstr(row(w, 2 + tv.cursor_row), "db_query") != NULL);
	tree_done(&tv, w, m);
}

static void test_calls_view(void **state)
{
	struct model *m = sample_model();
	struct tree_view tv;
	WINDOW *w = newwin(30, 100, 0, 0);
	char dur[32];
	int y;

	(void)state;
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	tree_view_key(&tv, 'v');
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 0), "calls view"));
	/* three individual handle_request calls under worker-1 */
	int n = 0;

	for (y = 0; y < 30; y++)
		if (strstr(row(w, y), "handle_request")) {
			n++;
			assert_non_null(strstr(row(w, y), hist_format_ns(3000000, dur, sizeof(dur))));
		}
	assert_int_equal(n, 3);
	assert_non_null(strstr(row(w, find_row(w, "serve_forever")), "running"));
	/* open the second call: its db_query carries the exception mark */
	cursor_to(&tv, w, "handle_request");
	tree_view_key(&tv, KEY_DOWN);
	tree_view_key(&tv, KEY_RIGHT);
	tree_view_draw(&tv, w, true);
	y = find_row(w, "db_query");
	assert_true(y > 0);
	assert_non_null(strstr(row(w, y), "\u2717"));
	assert_non_null(strstr(row(w, y), hist_format_ns(1000000, dur, sizeof(dur))));
	tree_done(&tv, w, m);
}

static void test_search(void **state)
{
	struct model *m = sample_model();
	struct tree_view tv;
	WINDOW *w = newwin(20, 100, 0, 0);
	node_id first;

	(void)state;
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	tree_view_set_query(&tv, "SERVE");   /* capital: case-sensitive, none */
	assert_string_equal(tv.message, "no match");
	tree_view_set_query(&tv, "serve");
	assert_int_equal(tv.matches_total, 2);
	assert_string_equal(tv.message, "match 1 of 2");
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "serve"));
	first = tree_view_cursor(&tv)->id;
	tree_view_next_match(&tv, false);
	assert_string_equal(tv.message, "match 2 of 2");
	tree_view_draw(&tv, w, true);
	assert_true(tree_view_cursor(&tv)->id != first);
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "serve_forever"));
	tree_view_next_match(&tv, false);   /* wraps */
	assert_int_equal(tree_view_cursor(&tv)->id, first);
	/* moved off the matches by hand: n goes to the next one below the
	 * cursor, N to the previous one above it */
	tree_view_set_query(&tv, "worker");
	assert_string_equal(tv.message, "match 1 of 2");
	tree_view_key(&tv, KEY_DOWN);        /* worker-1's handle_request */
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "handle_request"));
	tree_view_next_match(&tv, false);
	assert_string_equal(tv.message, "match 2 of 2");
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "102 worker-2"));
	tree_view_key(&tv, KEY_UP);
	tree_view_next_match(&tv, true);
	assert_string_equal(tv.message, "match 1 of 2");
	/* a match hidden in a collapsed subtree gets its ancestors expanded */
	tree_view_set_query(&tv, "db_q");
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "db_query"));
	tree_done(&tv, w, m);
}


/* '*' opens a whole subtree; End/G follows new rows as they arrive. */
static void test_expand_subtree_and_follow(void **state)
{
	struct model *m = sample_model();
	struct tree_view tv;
	WINDOW *w = newwin(30, 100, 0, 0);

	(void)state;
	tree_fit(&tv, m, w);
	tree_view_key(&tv, 'v');
	tree_view_key(&tv, 'C');
	cursor_to(&tv, w, "101 worker-1");
	assert_int_equal(find_row(w, "db_query"), -1);
	tree_view_key(&tv, '*');
	tree_view_draw(&tv, w, true);
	/* every call of worker-1 is open: three db_query rows under three requests */
	int n = 0;

	for (int y = 0; y < 30; y++)
		if (strstr(row(w, y), "db_query"))
			n++;
	assert_int_equal(n, 3);
	assert_int_equal(find_row(w, "serve_forever"), -1);  /* worker-2 stays closed */
	tree_view_key(&tv, 'f');
	assert_true(tv.follow);
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "201 (thread)"));
	/* a new thread with the newest event (closed after C): the cursor goes there */
	feed(m, "{\"ev\":\"hello\",\"ts\":%ld,\"pid\":300,\"v\":1,\"ppid\":100,\"prog\":\"late-proc\",\"wall\":0,\"lib\":\"x\"}", ts++);
	call(m, 300, 301, 0, "late_call", 50);
	tree_view_follow(&tv);
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "301 (thread)"));
	/* a move turns following off */
	tree_view_key(&tv, KEY_UP);
	assert_false(tv.follow);
	tree_done(&tv, w, m);
}

/* The matched part of a name is drawn with the match attributes. */
static void test_search_highlight(void **state)
{
	struct model *m = sample_model();
	struct tree_view tv;
	WINDOW *w = newwin(20, 100, 0, 0);
	cchar_t cc;
	attr_t a;
	short pair;
	wchar_t wc[4];

	(void)state;
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	tree_view_set_query(&tv, "query");
	tree_view_key(&tv, KEY_UP);          /* cursor off the row, plain attributes */
	tree_view_draw(&tv, w, true);
	int y = find_row(w, "db_query");
	int x = col_of(row(w, y), "query");

	assert_true(y > 0 && x > 0);
	mvwin_wch(w, y, x, &cc);
	getcchar(&cc, wc, &a, &pair, NULL);
	assert_int_equal(wc[0], L'q');
	assert_true((a & draw_attr(COL_MATCH) & ~A_COLOR) == (draw_attr(COL_MATCH) & ~A_COLOR));
	mvwin_wch(w, y, x - 1, &cc);         /* the '_' before it is not highlighted */
	getcchar(&cc, wc, &a, &pair, NULL);
	assert_int_equal(wc[0], L'_');
	assert_int_equal(a & A_UNDERLINE, 0);
	tree_done(&tv, w, m);
}


/* Moving up through long sibling lists uses marks (view_sib.c): compare
 * with the plain list of visible rows, also after calls were retired and
 * new ones appended. */
static void check_up_against_rows(struct tree_view *tv)
{
	static const struct mnode *rows[20000];
	size_t n = 0;

	for (const struct mnode *r = model_first_child(tv->m, tv->view, NULL); r && n < 20000;
	     r = tree_next_visible(tv, r))
		rows[n++] = r;
	assert_true(n > 2000);
	static const int ks[] = { 1, 2, 7, 49, 255, 256, 300, 1000 };

	for (size_t i = 0; i < n; i += 97) {
		for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
			int moved;
			const struct mnode *got = tree_up(tv, rows[i], ks[j], &moved);
			size_t want = i >= (size_t)ks[j] ? i - (size_t)ks[j] : 0;

			if (got != rows[want])
				fail_msg("up %d from row %zu: got id %llu, want row %zu id %llu", ks[j], i,
					 (unsigned long long)got->id, want, (unsigned long long)rows[want]->id);
			assert_int_equal(moved, (int)(i - want));
		}
	}
	tree_view_follow(tv);
	assert_int_equal(tv->cursor[tv->view], rows[n - 1]->id);
}

static void test_long_sibling_lists(void **state)
{
	struct model_config cfg = { .max_calls = 6000 };
	struct model *m = model_create(&cfg);
	struct tree_view tv;

	(void)state;
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":1,\"v\":1,\"ppid\":0,\"prog\":\"l\",\"wall\":0,\"lib\":\"x\"}");
	for (int i = 0; i < 5000; i++) {
		enter(m, 1, 2, 0, "root");
		if (i % 500 == 0)
			call(m, 1, 2, 1, "inner", 5);
		leave(m, 1, 2, 0, "root", 10);
	}
	tree_view_init(&tv, m);
	tree_view_resize(&tv, 40, 100);
	tree_view_key(&tv, 'v');
	/* some root calls expanded, so that moving up also descends */
	int i = 0;
	const struct mnode *th = model_first_child(m, VIEW_CALLS, model_first_child(m, VIEW_CALLS, NULL));

	for (const struct mnode *c = model_first_child(m, VIEW_CALLS, th); c;
	     c = model_next_sibling(m, VIEW_CALLS, c), i++)
		if (i % 500 == 0)
			idset_put(&tv.toggled, c->id);
	check_up_against_rows(&tv);
	/* the oldest calls are retired and new ones appended: marks go stale */
	for (int j = 0; j < 3000; j++)
		call(m, 1, 2, 0, "later", 10);
	check_up_against_rows(&tv);
	/* sorted by duration: moving up and the last row follow the sorted
	 * order, also for calls that arrived after the sort */
	for (int j = 0; j < 2000; j++) {
		enter(m, 1, 2, 0, "varied");
		if (j % 300 == 0)
			call(m, 1, 2, 1, "inner", 5);
		leave(m, 1, 2, 0, "varied", 1 + (j * 7919) % 1000);
	}
	tree_view_key(&tv, 's');
	i = 0;
	for (const struct mnode *c = model_first_child(m, VIEW_CALLS, th); c;
	     c = model_next_sibling(m, VIEW_CALLS, c), i++)
		if (i % 300 == 0)
			idset_put(&tv.toggled, c->id);
	check_up_against_rows(&tv);
	assert_true(tree_first_child(&tv, th) != model_first_child(m, VIEW_CALLS, th));
	for (int j = 0; j < 500; j++)
		call(m, 1, 2, 0, "newer", 1 + (j * 31) % 2000);
	check_up_against_rows(&tv);
	tree_view_free(&tv);
	model_free(m);
}

/* ---- sort order -------------------------------------------------------------- */

/* Rows of alpha, bravo, charlie (in w), as a string of initials in row order. */
static const char *abc_order(WINDOW *w)
{
	static char out[8];
	int ya = find_row(w, "alpha"), yb = find_row(w, "bravo"), yc = find_row(w, "charlie");
	int n = 0;

	assert_true(ya > 0 && yb > 0 && yc > 0);
	for (int y = 0; y < getmaxy(w); y++)
		if (y == ya || y == yb || y == yc)
			out[n++] = y == ya ? 'a' : y == yb ? 'b' : 'c';
	out[n] = 0;
	return out;
}

/* Thread 103: alpha 3 x 1 us, bravo 1 x 10 us, charlie 2 us and 4 us with
 * one exception: every order gives a different row order. */
static void abc_thread(struct model *m)
{
	feed(m, "{\"ev\":\"thread\",\"ts\":%ld,\"pid\":100,\"tid\":103,\"name\":\"worker-3\"}", ts++);
	for (int i = 0; i < 3; i++)
		call(m, 100, 103, 0, "alpha", 1000);
	call(m, 100, 103, 0, "bravo", 10000);
	call(m, 100, 103, 0, "charlie", 2000);
	enter(m, 100, 103, 0, "charlie");
	feed(m, "{\"ev\":\"exception\",\"ts\":%ld,\"pid\":100,\"tid\":103,\"seq\":%u,\"depth\":0,"
	     "\"fn\":\"charlie\",\"type\":\"E\",\"msg\":\"x\"}", ts++, ++seq[103]);
	leave(m, 100, 103, 0, "charlie", 4000);
}

static void test_sort_children(void **state)
{
	struct model *m = sample_model();
	struct tree_view tv;
	WINDOW *w = newwin(30, 100, 0, 0);

	(void)state;
	abc_thread(m);
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	assert_string_equal(abc_order(w), "abc");          /* first seen */
	assert_null(strstr(row(w, 0), " by "));
	/* the cursor stays on its node through every order */
	node_id on = cursor_to(&tv, w, "bravo")->id;
	static const struct { const char *order, *title; } want[] = {
		{ "bca", "Calls: paths view, by total" },
		{ "acb", "Calls: paths view, by count" },
		{ "bca", "Calls: paths view, by max" },
		{ "cab", "Calls: paths view, by exceptions" },
		{ "abc", "Calls: paths view " },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		tree_view_key(&tv, 's');
		tree_view_draw(&tv, w, true);
		assert_non_null(strstr(row(w, 0), want[i].title));
		assert_string_equal(abc_order(w), want[i].order);
		assert_int_equal(tree_view_cursor(&tv)->id, on);
		assert_non_null(strstr(row(w, 2 + tv.cursor_row), "bravo"));
	}
	/* by total: new figures do not move rows until the next sort; a path
	 * that arrives meanwhile comes after the sorted ones */
	tree_view_key(&tv, 's');
	tree_view_draw(&tv, w, true);
	for (int i = 0; i < 20; i++)
		call(m, 100, 103, 0, "alpha", 1000);
	call(m, 100, 103, 0, "zulu", 99000);
	tree_view_draw(&tv, w, true);
	assert_string_equal(abc_order(w), "bca");
	assert_true(find_row(w, "zulu") > find_row(w, "alpha"));
	tree_view_resort(&tv);
	tree_view_draw(&tv, w, true);
	assert_string_equal(abc_order(w), "abc");        /* alpha 23 us now */
	assert_true(find_row(w, "zulu") < find_row(w, "alpha"));
	assert_int_equal(tree_view_cursor(&tv)->id, on);
	/* the calls view sorts each call by its own duration */
	tree_view_key(&tv, 'v');
	tree_view_key(&tv, 's');
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 0), "Calls: calls view, by duration"));
	int yt = find_row(w, "103 worker-3");

	assert_true(yt > 0);
	assert_non_null(strstr(row(w, yt + 1), "zulu"));
	assert_non_null(strstr(row(w, yt + 2), "bravo"));
	assert_non_null(strstr(row(w, yt + 3), "charlie"));
	/* count and max are no orders of single calls: next is exceptions */
	tree_view_key(&tv, 's');
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 0), "by exceptions"));
	assert_non_null(strstr(row(w, yt + 1), "charlie"));
	tree_done(&tv, w, m);
}

/* ---- histogram --------------------------------------------------------------- */

static void test_histogram(void **state)
{
	struct model *m = model_create(NULL);
	struct tree_view tv;
	WINDOW *w = newwin(20, 60, 0, 0);
	char buf[32];
	int y1, y8;

	(void)state;
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":1,\"v\":1,\"ppid\":0,\"prog\":\"h\",\"wall\":0,\"lib\":\"x\"}");
	for (int i = 0; i < 8; i++)
		call(m, 1, 1, 0, "work", 1000000);   /* 8 x 1 ms */
	call(m, 1, 1, 0, "work", 8000000);           /* 1 x 8 ms */
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	const struct mnode *sel = cursor_to(&tv, w, "work");

	hist_view_draw(w, m, sel, false);
	assert_non_null(strstr(row(w, 0), "work: 9 calls"));
	y1 = find_row(w, "524us-1.05ms");
	y8 = find_row(w, "4.19ms-8.39ms");
	if (y8 < 0)
		y8 = find_row(w, "8.39ms-16.8ms");
	assert_true(y1 > 0);
	assert_true(y8 > y1);
	/* the fullest bucket gets the longest bar; the lone 8 ms call still shows */
	int bars1 = 0, bars8 = 0;
	const char *r1 = strdup(row(w, y1)), *r8 = strdup(row(w, y8));

	for (const char *p = r1; (p = strstr(p, "\u2588")); p += 3)
		bars1++;
	for (const char *p = r8; (p = strstr(p, "\u2588")); p += 3)
		bars8++;
	assert_true(bars1 > 30);
	assert_true(bars8 >= 1 && bars8 * 6 < bars1 + 8);
	free((void *)r1);
	free((void *)r8);
	/* footer: n, percentiles and max, read back from the same histogram */
	struct hist hh;
	const struct hist *h = &hh;

	model_path_hist(m, (const struct mpath *)sel, &hh);
	int yf = find_row(w, "p50");
	char want[32];

	assert_true(yf > y8);
	assert_non_null(strstr(row(w, yf), "n 9"));
	hist_format_ns(hist_quantile(h, 0.5), buf, sizeof(buf));
	snprintf(want, sizeof(want), "p50 %.*s", (int)strcspn(buf, " "), buf);
	assert_non_null(strstr(row(w, yf), want));
	assert_non_null(strstr(row(w, yf), "max 8.00ms"));
	assert_non_null(strstr(row(w, yf), "p99"));
	/* a process row shows that process's calls; nothing selected, the whole run */
	hist_view_draw(w, m, model_first_child(m, VIEW_PATHS, NULL), false);
	assert_non_null(strstr(row(w, 0), "process 1 h: 9 calls"));
	hist_view_draw(w, m, NULL, false);
	assert_non_null(strstr(row(w, 0), "All calls: 9"));
	tree_done(&tv, w, m);
}

/* The count on the histogram row whose label is `label`, -1 when none. */
static long long hist_row_count(WINDOW *w, const char *label)
{
	for (int y = 1; y < getmaxy(w) - 1; y++) {
		const char *r = row(w, y), *at = strstr(r, label);

		if (at && at - r <= 4)  /* a label (after the frame), not a footer's figure */
			return strtoll(at + strlen(label), NULL, 10);
	}
	return -1;
}

/* A clock that moves in 10 ns steps (its hello says clock_step): the
 * buckets under a step are one row "<10ns", not "0ns-2ns" (calls said to
 * last under 2 ns lasted under one step); percentiles under the step read
 * "<10ns"; the footer says the step.  A process that said no step keeps
 * the buckets; the whole run takes the largest step of its processes. */
static void test_histogram_clock_step(void **state)
{
	struct model *m = model_create(NULL);
	WINDOW *w = newwin(16, 70, 0, 0);

	(void)state;
	memset(seq, 0, sizeof(seq));    /* complete threads: no sample mark */
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":1,\"v\":1,\"prog\":\"vm\",\"clock_step\":10}");
	for (int i = 0; i < 5; i++)
		call(m, 1, 1, 0, "tiny", 0);
	for (int i = 0; i < 3; i++)
		call(m, 1, 1, 0, "tiny", 10);
	for (int i = 0; i < 2; i++)
		call(m, 1, 1, 0, "tiny", 20);
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":2,\"v\":1,\"prog\":\"metal\"}");
	call(m, 2, 2, 0, "tiny", 0);
	call(m, 2, 2, 0, "tiny", 3);
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":3,\"v\":1,\"prog\":\"coarse\",\"clock_step\":30}");
	call(m, 3, 3, 0, "tiny", 0);
	call(m, 3, 3, 0, "tiny", 40);

	hist_view_draw(w, m, &model_thread_find(m, 1, 1)->node, false);
	assert_int_equal(find_row(w, "0ns-2ns"), -1);
	assert_int_equal(find_row(w, "4ns-8ns"), -1);
	assert_int_equal(hist_row_count(w, "<10ns"), 5);
	assert_int_equal(hist_row_count(w, "8ns-16ns"), 3);
	assert_int_equal(hist_row_count(w, "16ns-32ns"), 2);
	int yf = find_row(w, "p50");
	assert_true(yf > 0);
	assert_non_null(strstr(row(w, yf), "p50 <10ns"));
	assert_non_null(strstr(row(w, yf), "max 20ns"));
	assert_non_null(strstr(row(w, yf), "clock step 10ns"));
	/* the process's row: its own step */
	hist_view_draw(w, m, &model_thread_find(m, 1, 1)->proc->node, false);
	assert_int_equal(hist_row_count(w, "<10ns"), 5);

	/* no step said: the buckets as they are, no step in the footer */
	hist_view_draw(w, m, &model_thread_find(m, 2, 2)->node, false);
	assert_int_equal(hist_row_count(w, "0ns-2ns"), 1);
	assert_int_equal(hist_row_count(w, "2ns-4ns"), 1);
	assert_int_equal(find_row(w, "clock step"), -1);
	assert_int_equal(find_row(w, "<"), -1);

	/* all processes: the largest step, 30 ns (buckets up to 16 ns) */
	hist_view_draw(w, m, NULL, false);
	assert_int_equal(hist_row_count(w, "<30ns"), 5 + 3 + 2 + 1);
	assert_int_equal(hist_row_count(w, "16ns-32ns"), 2);
	assert_int_equal(hist_row_count(w, "32ns-64ns"), 1);
	assert_int_equal(find_row(w, "0ns-2ns"), -1);
	assert_true(find_row(w, "clock step 30ns") > 0);
	delwin(w);

	/* the paths view: a path's avg and max below its process's step say
	 * so (process 1: avg 7 ns, max 20 ns; process 3: avg 20 ns, max
	 * 40 ns), a process without a step keeps its figures (avg 1 ns) */
	struct tree_view tv;
	int y;

	w = newwin(20, 140, 0, 0);
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	assert_true(col_of(row(w, 1), "avg") > 0);
	y = find_row(w, "<10 ns");
	assert_true(y > 0);
	assert_non_null(strstr(row(w, y), "tiny"));
	assert_non_null(strstr(row(w, y), "20 ns"));
	y = find_row(w, "<30 ns");
	assert_true(y > 0);
	assert_non_null(strstr(row(w, y), "40 ns"));
	y = find_row(w, "   1 ns");
	assert_true(y > 0);
	assert_non_null(strstr(row(w, y), "tiny"));
	assert_null(strstr(row(w, y), "<"));
	tree_done(&tv, w, m);
}

/* Self time: a column of the paths view where the pane is wide enough,
 * and in the histogram's title beside the path's total; a recursion's
 * levels are paths of their own, each with its own figures. */
static void test_self_time(void **state)
{
	struct model *m = model_create(NULL);
	struct tree_view tv;
	WINDOW *w = newwin(20, 120, 0, 0);
	char tot[32], self[32];

	(void)state;
	enter(m, 1, 1, 0, "main");
	call(m, 1, 1, 1, "work", 4000000);            /* 4 ms */
	leave(m, 1, 1, 0, "main", 10000000);          /* 10 ms: 6 ms its own */
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	assert_true(col_of(row(w, 1), "self") > col_of(row(w, 1), "total"));
	assert_true(col_of(row(w, 1), "self") < col_of(row(w, 1), "avg"));
	const struct mnode *sel = cursor_to(&tv, w, "main");
	int y = 2 + tv.cursor_row;

	hist_format_ns(10000000, tot, sizeof(tot));
	hist_format_ns(6000000, self, sizeof(self));
	assert_non_null(strstr(row(w, y), tot));
	assert_non_null(strstr(row(w, y), self));
	/* the self column sits under its header */
	assert_int_equal(col_of(row(w, y), self) + (int)strlen(self), col_of(row(w, 1), "self") + 4);
	hist_view_draw(w, m, sel, false);
	char want[96];

	snprintf(want, sizeof(want), "main: 1 call, total %s, self %s", tot, self);
	assert_non_null(strstr(row(w, 0), want));
	/* narrower: max and avg give way first, where the time goes stays
	 * (an 80-column terminal showed avg and max without total and self) */
	tree_view_resize(&tv, 17, 84);
	tree_view_draw(&tv, w, true);
	assert_int_equal(col_of(row(w, 1), "max"), -1);
	assert_true(col_of(row(w, 1), "total") > 0);
	assert_true(col_of(row(w, 1), "self") > 0);
	tree_view_resize(&tv, 17, 76);
	tree_view_draw(&tv, w, true);
	assert_int_equal(col_of(row(w, 1), "avg"), -1);
	assert_true(col_of(row(w, 1), "self") > 0);
	tree_view_resize(&tv, 17, 64);
	tree_view_draw(&tv, w, true);
	assert_int_equal(col_of(row(w, 1), "self"), -1);
	assert_true(col_of(row(w, 1), "total") > 0);
	tree_done(&tv, w, m);
}

/* A late attach and a longjmp as drawn: the "(callers not seen)" node
 * holds the calls whose callers were never seen, main (its exit at depth
 * 0) is no sibling of its callees in the calls view; the calls a longjmp
 * left are marked abandoned in both views, and the unwind is listed in
 * the exceptions pane. */
static void test_unseen_and_longjmp(void **state)
{
	struct model *m = model_create(NULL);
	struct ui u;

	(void)state;
	/* thread 11: attached late */
	feed(m, "{\"ev\":\"exit\",\"ts\":100,\"pid\":10,\"tid\":11,\"seq\":7,\"depth\":2,\"fn\":\"parse\",\"dur\":30}");
	feed(m, "{\"ev\":\"enter\",\"ts\":110,\"pid\":10,\"tid\":11,\"seq\":8,\"depth\":1,\"fn\":\"load\"}");
	feed(m, "{\"ev\":\"exception\",\"ts\":111,\"pid\":10,\"tid\":11,\"seq\":9,\"depth\":1,\"fn\":\"load\",\"type\":\"E\",\"msg\":\"m\"}");
	feed(m, "{\"ev\":\"exit\",\"ts\":112,\"pid\":10,\"tid\":11,\"seq\":10,\"depth\":1,\"fn\":\"load\",\"dur\":2}");
	feed(m, "{\"ev\":\"exit\",\"ts\":200,\"pid\":10,\"tid\":11,\"seq\":11,\"depth\":0,\"fn\":\"main\",\"dur\":150}");
	/* thread 12: run -> expr -> fail, fail longjmps back into run */
	feed(m, "{\"ev\":\"enter\",\"ts\":300,\"pid\":10,\"tid\":12,\"seq\":1,\"depth\":0,\"fn\":\"run\"}");
	feed(m, "{\"ev\":\"enter\",\"ts\":310,\"pid\":10,\"tid\":12,\"seq\":2,\"depth\":1,\"fn\":\"expr\"}");
	feed(m, "{\"ev\":\"enter\",\"ts\":320,\"pid\":10,\"tid\":12,\"seq\":3,\"depth\":2,\"fn\":\"fail\"}");
	feed(m, "{\"ev\":\"exit\",\"ts\":400,\"pid\":10,\"tid\":12,\"seq\":4,\"depth\":0,\"fn\":\"run\",\"dur\":100}");
	ui_state_init(&u, NULL, m);
	ui_layout(&u);
	ui_draw(&u);
	WINDOW *wt = u.win[PANE_TREE], *we = u.win[PANE_EXC];

	/* paths view: the node is a root of thread 11 beside main */
	int yn = find_row(wt, "(callers not seen)"), ym = find_row(wt, "main");

	assert_true(yn > 0);
	assert_true(ym > yn);
	assert_int_equal(col_of(row(wt, yn), "(callers not seen)"), col_of(row(wt, ym), "main"));
	/* collapsed, it shows what was raised below it */
	assert_non_null(strstr(row(wt, yn), "\u27171"));
	/* open everything: parse under the node; fail's path counts 1 abandoned */
	ui_key(&u, 'g');
	ui_key(&u, '*');              /* on the process: all of it */
	ui_draw(&u);
	int yp = find_row(wt, "parse"), yf = find_row(wt, "fail");

	assert_true(yp > yn);
	assert_true(col_of(row(wt, yp), "parse") > col_of(row(wt, yn), "(callers not seen)"));
	assert_true(yf > 0);
	assert_non_null(strstr(row(wt, yf), "\u21af1"));
	assert_non_null(strstr(row(wt, find_row(wt, "expr")), "\u21af1"));
	/* the pane lists the unwind: from fail, back in run, 2 calls */
	assert_non_null(strstr(row(we, 0), "Exceptions (1, 1 longjmp)"));
	int ye = find_row(we, "fail");

	assert_true(ye > 0);
	assert_non_null(strstr(row(we, ye + 1), "longjmp: 2 calls abandoned, back in run"));
	/* calls view: main holds the node, fail says abandoned */
	ui_key(&u, 'v');
	ui_key(&u, 'g');
	ui_key(&u, '*');
	ui_draw(&u);
	ym = find_row(wt, "main");
	yn = find_row(wt, "(callers not seen)");
	assert_true(ym > 0);
	assert_true(yn > ym);
	assert_true(col_of(row(wt, yn), "(callers not seen)") > col_of(row(wt, ym), "main"));
	yf = find_row(wt, "fail");
	assert_true(yf > 0);
	assert_non_null(strstr(row(wt, yf), "abandoned"));
	assert_null(strstr(row(wt, yf), "unfinished"));
	ui_state_free(&u);
	model_free(m);
}

/* ---- exceptions, status, layout ------------------------------------------- */

static void test_exceptions_and_jump(void **state)
{
	struct model *m = sample_model();
	struct ui u;
	int y;

	(void)state;
	ui_state_init(&u, NULL, m);
	ui_layout(&u);
	ui_draw(&u);
	assert_int_equal(u.layout, LAYOUT_SIDE);
	WINDOW *we = u.win[PANE_EXC];

	assert_non_null(strstr(row(we, 0), "Exceptions (1)"));
	y = find_row(we, "db_query");
	assert_int_equal(y, 1);
	assert_non_null(strstr(row(we, y), "100/101"));
	assert_non_null(strstr(row(we, y + 1), "TimeoutError: no answer in 200 ms"));
	/* Tab twice reaches the exceptions pane; Enter jumps to the path */
	ui_key(&u, '\t');
	ui_key(&u, '\t');
	assert_int_equal(u.focus, PANE_EXC);
	ui_draw(&u);
	ui_key(&u, '\r');
	assert_int_equal(u.focus, PANE_TREE);
	ui_draw(&u);
	const struct mnode *c = tree_view_cursor(&u.tv);

	assert_int_equal(mnode_kind(c), MN_PATH);
	assert_string_equal(((const struct mpath *)c)->fn->name, "db_query");
	assert_non_null(strstr(row(u.win[PANE_TREE], 2 + u.tv.cursor_row), "db_query"));
	/* the histogram followed the cursor */
	assert_non_null(strstr(row(u.win[PANE_HIST], 0), "db_query: 3 calls"));
	/* in the calls view, e steps to the call that raised it */
	ui_key(&u, 'v');
	ui_key(&u, 'g');
	ui_key(&u, 'e');
	ui_draw(&u);
	c = tree_view_cursor(&u.tv);
	assert_int_equal(mnode_kind(c), MN_CALL);
	assert_true(((const struct mcall *)c)->has_exception);
	ui_state_free(&u);
	model_free(m);
}

/* The attributes of the cell at (y, x). */
static attr_t attr_at(WINDOW *w, int y, int x)
{
	cchar_t cc;
	attr_t a;
	short pair;
	wchar_t wc[4];

	mvwin_wch(w, y, x, &cc);
	getcchar(&cc, wc, &a, &pair, NULL);
	return a;
}

/* A collapsed row shows the exceptions of everything below it, dimmed;
 * opened, each row shows its own (item 9 of issue 9). */
static void test_collapsed_row_exceptions(void **state)
{
	struct model *m = model_create(NULL);
	struct tree_view tv;
	WINDOW *w = newwin(20, 100, 0, 0);
	int y;

	(void)state;
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":5,\"v\":1,\"ppid\":1,\"prog\":\"rep\",\"wall\":0,\"lib\":\"x\"}");
	enter(m, 5, 6, 0, "main");
	for (int i = 0; i < 10; i++) {
		enter(m, 5, 6, 1, "op_report");
		enter(m, 5, 6, 2, "db_query");
		feed(m, "{\"ev\":\"exception\",\"ts\":%ld,\"pid\":5,\"tid\":6,\"seq\":%u,\"depth\":2,"
		     "\"fn\":\"db_query\",\"type\":\"TimeoutError\",\"msg\":\"slow\"}", ts++, ++seq[6]);
		leave(m, 5, 6, 2, "db_query", 1000);
		leave(m, 5, 6, 1, "op_report", 2000);
	}
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	/* main is collapsed (and still running): its row counts all ten */
	y = find_row(w, "main");
	assert_true(y > 0);
	assert_non_null(strstr(row(w, y), "\u271710"));
	assert_true(attr_at(w, y, col_of(row(w, y), "\u2717")) & A_DIM);
	/* the thread and process rows count them too */
	assert_non_null(strstr(row(w, find_row(w, "6 (thread)")), "\u271710"));
	assert_non_null(strstr(row(w, find_row(w, "5 rep")), "\u271710"));
	cursor_to(&tv, w, "main");
	tree_view_key(&tv, KEY_RIGHT);
	tree_view_key(&tv, KEY_UP);    /* the cursor off the rows read below */
	tree_view_draw(&tv, w, true);
	y = find_row(w, "op_report");
	assert_true(y > 0);
	assert_non_null(strstr(row(w, y), "\u271710"));
	/* opened, main's own count is none */
	assert_null(strstr(row(w, find_row(w, "main")), "\u2717"));
	cursor_to(&tv, w, "op_report");
	tree_view_key(&tv, KEY_RIGHT);
	tree_view_key(&tv, KEY_UP);
	tree_view_draw(&tv, w, true);
	assert_null(strstr(row(w, find_row(w, "op_report")), "\u2717"));
	y = find_row(w, "db_query");
	assert_non_null(strstr(row(w, y), "\u271710"));
	/* its own exceptions: bold, not dimmed */
	assert_false(attr_at(w, y, col_of(row(w, y), "\u2717")) & A_DIM);
	/* the calls view: a collapsed call with an exception below it */
	tree_view_key(&tv, 'v');
	tree_view_draw(&tv, w, true);
	y = find_row(w, "main");
	assert_true(y > 0);
	assert_non_null(strstr(row(w, y), "\u2717"));
	/* the exceptions pane pages with Ctrl-D / Ctrl-U as with PgDn / PgUp */
	struct exc_view ev;
	uint64_t down, up;

	memset(&ev, 0, sizeof ev);
	assert_int_equal(exc_view_key(&ev, m, KEY_NPAGE, 3), DIRTY_EXC);
	down = ev.cursor_id;
	assert_int_equal(exc_view_key(&ev, m, KEY_PPAGE, 3), DIRTY_EXC);
	up = ev.cursor_id;
	assert_true(down != up);
	ev.cursor_id = 0;
	assert_int_equal(exc_view_key(&ev, m, VIEW_CTRL('d'), 3), DIRTY_EXC);
	assert_true(ev.cursor_id == down);
	assert_int_equal(exc_view_key(&ev, m, VIEW_CTRL('u'), 3), DIRTY_EXC);
	assert_true(ev.cursor_id == up);
	exc_view_free(&ev);
	tree_done(&tv, w, m);
}

/* The running mark has a cell of its own: counts stay in their column,
 * and the header's "count" ends where they do (item 17). */
static void test_running_mark_alignment(void **state)
{
	struct model *m = model_create(NULL);
	struct tree_view tv;
	WINDOW *w = newwin(12, 100, 0, 0);

	(void)state;
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":5,\"v\":1,\"ppid\":1,\"prog\":\"run\",\"wall\":0,\"lib\":\"x\"}");
	call(m, 5, 6, 0, "done_fn", 100);
	call(m, 5, 6, 0, "busy_fn", 100);
	enter(m, 5, 6, 0, "busy_fn");
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	tree_view_key(&tv, 'g');
	tree_view_draw(&tv, w, true);
	const char *hdr = strdup(row(w, 1)), *done = strdup(row(w, find_row(w, "done_fn")));
	const char *busy = strdup(row(w, find_row(w, "busy_fn")));

	assert_non_null(strstr(busy, "1\u25b6"));
	int c_done = col_of(done, "1 "), c_busy = col_of(busy, "1\u25b6");

	assert_true(c_done > 0);
	assert_int_equal(c_done, c_busy);
	assert_int_equal(col_of(hdr, "count") + 4, c_done);
	free((void *)hdr);
	free((void *)done);
	free((void *)busy);
	tree_done(&tv, w, m);
}

/* Buckets that do not fit are merged, never dropped: from the fastest
 * to the slowest every call is in some row, the extremes keep their own
 * rows; a thread row shows that thread's calls (item 10). */
static void test_histogram_keeps_tail(void **state)
{
	struct model *m = model_create(NULL);
	struct tree_view tv;
	WINDOW *w = newwin(12, 60, 0, 0);   /* 9 rows for buckets */
	uint64_t want = 0;

	(void)state;
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":1,\"v\":1,\"ppid\":0,\"prog\":\"h\",\"wall\":0,\"lib\":\"x\"}");
	/* many fast calls, a gap, then a slow tail up to ~1.8 s */
	for (int i = 0; i < 200; i++)
		call(m, 1, 1, 0, "work", 100 + i * 13);
	for (long d = 50000000; d <= 1800000000; d *= 2)
		call(m, 1, 1, 0, "work", d);
	call(m, 1, 2, 0, "other", 10);
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	const struct mnode *sel = cursor_to(&tv, w, "work");
	struct hist hh;

	model_path_hist(m, (const struct mpath *)sel, &hh);
	hist_view_draw(w, m, sel, false);
	/* the slowest and the fastest buckets are shown */
	assert_true(find_row(w, "1.07s-2.15s") > 0);
	assert_true(find_row(w, "64ns-128ns") > 0);
	int sum = 0, rows = 0;

	for (int y = 1; y < getmaxy(w) - 2; y++) {
		char lab[64];
		unsigned long long n;

		if (sscanf(row(w, y), "\u2502%63s %llu", lab, &n) == 2) {
			sum += (int)n;
			rows++;
		}
	}
	assert_int_equal(sum, (int)hh.n);
	assert_true(rows <= 9);
	want = hh.n;
	assert_int_equal(want, 206);
	assert_non_null(strstr(row(w, 0), "work: 206 calls"));
	/* a narrow pane (80 columns, stacked) gives up p90, not the max's digits */
	WINDOW *nw = newwin(12, 36, 0, 0);

	hist_view_draw(nw, m, sel, false);
	assert_non_null(strstr(row(nw, 10), "max 1.60s"));
	assert_null(strstr(row(nw, 10), "\u2026"));
	delwin(nw);
	/* the thread row: that thread's calls only */
	hist_view_draw(w, m, model_first_child(m, VIEW_PATHS, model_first_child(m, VIEW_PATHS, NULL)), false);
	assert_non_null(strstr(row(w, 0), "thread 1: 206 calls"));
	const struct mnode *t2 = model_next_sibling(m, VIEW_PATHS,
		model_first_child(m, VIEW_PATHS, model_first_child(m, VIEW_PATHS, NULL)));
	hist_view_draw(w, m, t2, false);
	assert_non_null(strstr(row(w, 0), "thread 2: 1 call"));
	assert_null(strstr(row(w, 0), "1 calls"));
	tree_done(&tv, w, m);
}

/* f follows the thread with the newest event, not the last row (item 13). */
static void test_follow_newest_thread(void **state)
{
	struct model *m = model_create(NULL);
	struct tree_view tv;
	WINDOW *w = newwin(20, 100, 0, 0);

	(void)state;
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":10,\"v\":1,\"ppid\":1,\"prog\":\"svc\",\"wall\":0,\"lib\":\"x\"}");
	feed(m, "{\"ev\":\"hello\",\"ts\":2,\"pid\":20,\"v\":1,\"ppid\":10,\"prog\":\"svc-child\",\"wall\":0,\"lib\":\"x\"}");
	call(m, 20, 21, 0, "child_idle", 10);        /* the last row, long quiet */
	enter(m, 10, 11, 0, "worker_loop");
	enter(m, 10, 11, 1, "busy_now");              /* the newest event */
	tree_fit(&tv, m, w);
	tree_view_key(&tv, 'f');
	assert_true(tv.follow);
	tree_view_draw(&tv, w, true);
	/* busy_now's row is hidden under worker_loop: the cursor is there */
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "worker_loop"));
	tree_view_key(&tv, KEY_RIGHT);
	tv.follow = true;
	tree_view_follow(&tv);
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "busy_now"));
	/* the child becomes the newest */
	call(m, 20, 21, 0, "child_wakes", 10);
	tree_view_follow(&tv);
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "child_wakes"));
	/* End goes to the last row and stops following */
	tree_view_key(&tv, 'g');
	tree_view_key(&tv, KEY_END);
	assert_false(tv.follow);
	tree_view_draw(&tv, w, true);
	assert_int_equal(tv.cursor_row, tv.nrows - 1);
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "child_wakes"));
	tree_done(&tv, w, m);
}

static void exception_at(struct model *m, long when, int tid, const char *fn)
{
	feed(m, "{\"ev\":\"exception\",\"ts\":%ld,\"pid\":100,\"tid\":%d,\"seq\":%u,\"depth\":0,"
	     "\"fn\":\"%s\",\"type\":\"E\",\"msg\":\"m\"}", when, tid, ++seq[tid], fn);
}

/* The exceptions pane follows the newest; moved, it holds its exception
 * and says how many are newer; g follows again.  Sorted by time, not by
 * arrival (items 11 and 17). */
static void test_exceptions_follow_and_hold(void **state)
{
	struct model *m = model_create(NULL);
	struct ui u;

	(void)state;
	/* none yet: nothing to sort (UBSan checks the empty case) */
	ui_state_init(&u, NULL, m);
	ui_layout(&u);
	ui_draw(&u);
	assert_true(find_row(u.win[PANE_EXC], "none yet") > 0);
	ui_key(&u, '\t');
	ui_key(&u, '\t');
	ui_key(&u, 'j');
	ui_key(&u, 'g');
	ui_state_free(&u);
	model_free(m);

	m = sample_model();
	ui_state_init(&u, NULL, m);
	ui_layout(&u);
	exception_at(m, ts + 100, 101, "first_new");
	ui_poll_model(&u);
	ui_draw(&u);
	WINDOW *we = u.win[PANE_EXC];

	assert_int_equal(find_row(we, "first_new"), 1);
	assert_non_null(strstr(row(we, 0), "newest first"));
	ui_key(&u, '\t');
	ui_key(&u, '\t');
	ui_key(&u, 'j');            /* hold the older one */
	ui_key(&u, '\t');           /* and leave the pane */
	ui_draw(&u);
	exception_at(m, ts + 200, 101, "second_new");
	exception_at(m, ts + 300, 102, "third_new");
	ui_poll_model(&u);
	ui_draw(&u);
	assert_non_null(strstr(row(we, 0), "3 newer"));
	/* a late arrival from another thread with an older time sorts below */
	exception_at(m, ts + 150, 102, "late_old");
	ui_poll_model(&u);
	ui_draw(&u);
	assert_non_null(strstr(row(we, 0), "4 newer"));
	ui_key(&u, '\t');
	ui_key(&u, '\t');
	ui_key(&u, 'g');
	ui_draw(&u);
	assert_non_null(strstr(row(we, 0), "newest first"));
	assert_int_equal(find_row(we, "third_new"), 1);
	assert_true(find_row(we, "second_new") < find_row(we, "late_old"));
	assert_true(find_row(we, "late_old") < find_row(we, "first_new"));
	/* following: a new one comes in at the top */
	exception_at(m, ts + 400, 101, "fourth_new");
	ui_poll_model(&u);
	ui_draw(&u);
	assert_int_equal(find_row(we, "fourth_new"), 1);
	ui_state_free(&u);
	model_free(m);
}

/* PIPETRACE_DEPTH: hello's depth_max is shown on the process's row and
 * in the status line, per process, and is no loss. */
static void test_depth_limit_shown(void **state)
{
	struct model *m = model_create(NULL);
	struct tree_view tv;
	struct status_info si;
	WINDOW *w = newwin(10, 120, 0, 0), *sw = newwin(1, 160, 0, 0);

	(void)state;
	memset(seq, 0, sizeof(seq));
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":10,\"v\":1,\"ppid\":1,\"prog\":\"cut\",\"wall\":0,\"lib\":\"x\",\"depth_max\":3}");
	feed(m, "{\"ev\":\"hello\",\"ts\":2,\"pid\":20,\"v\":1,\"ppid\":1,\"prog\":\"full\",\"wall\":0,\"lib\":\"x\"}");
	call(m, 10, 11, 0, "main", 100);
	call(m, 20, 21, 0, "main", 100);
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, find_row(w, "10 cut")), "10 cut (depth < 3)"));
	assert_null(strstr(row(w, find_row(w, "20 full")), "depth"));
	memset(&si, 0, sizeof(si));
	model_get_stats(m, &si.ms);
	status_draw(sw, &si);
	assert_non_null(strstr(row(sw, 0), "depth < 3 in 1 proc"));
	assert_non_null(strstr(row(sw, 0), "drops 0"));
	assert_null(strstr(row(sw, 0), "incomplete"));
	/* the same limit everywhere needs no count; different ones, one each */
	feed(m, "{\"ev\":\"hello\",\"ts\":3,\"pid\":20,\"v\":1,\"ppid\":1,\"prog\":\"full\",\"wall\":0,\"lib\":\"x\",\"depth_max\":3}");
	model_get_stats(m, &si.ms);
	status_draw(sw, &si);
	assert_non_null(strstr(row(sw, 0), "depth < 3 "));
	assert_null(strstr(row(sw, 0), " in "));
	feed(m, "{\"ev\":\"hello\",\"ts\":4,\"pid\":30,\"v\":1,\"ppid\":1,\"prog\":\"other\",\"wall\":0,\"lib\":\"x\",\"depth_max\":5}");
	model_get_stats(m, &si.ms);
	status_draw(sw, &si);
	assert_non_null(strstr(row(sw, 0), "depth limited in 3 procs"));
	delwin(sw);
	tree_done(&tv, w, m);
}

/* PIPETRACE_FILTER / _MIN_DURATION: hello's filter is shown on the
 * process's row and in the status line, as text from the trace (no raw
 * control character), and is no loss. */
static void test_filter_shown(void **state)
{
	struct model *m = model_create(NULL);
	struct tree_view tv;
	struct status_info si;
	WINDOW *w = newwin(10, 150, 0, 0), *sw = newwin(1, 200, 0, 0);

	(void)state;
	memset(seq, 0, sizeof(seq));
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":10,\"v\":1,\"ppid\":1,\"prog\":\"cut\",\"wall\":0,\"lib\":\"x\",\"filter\":\"parse_*,-lex_*\",\"min_duration\":10000}");
	feed(m, "{\"ev\":\"hello\",\"ts\":2,\"pid\":20,\"v\":1,\"ppid\":1,\"prog\":\"full\",\"wall\":0,\"lib\":\"x\"}");
	call(m, 10, 11, 0, "parse_expr", 100000);
	call(m, 20, 21, 0, "main", 100);
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, find_row(w, "10 cut")),
			       "10 cut (filter: parse_*,-lex_*, calls >= 10.0 us)"));
	assert_null(strstr(row(w, find_row(w, "20 full")), "filter"));
	memset(&si, 0, sizeof(si));
	model_get_stats(m, &si.ms);
	status_draw(sw, &si);
	assert_non_null(strstr(row(sw, 0), "filter: parse_*,-lex_* "));
	assert_non_null(strstr(row(sw, 0), " calls >= 10.0 us in 1 proc"));
	assert_non_null(strstr(row(sw, 0), "drops 0"));
	assert_null(strstr(row(sw, 0), "incomplete"));
	/* the same everywhere needs no count; different ones, one each */
	feed(m, "{\"ev\":\"hello\",\"ts\":3,\"pid\":20,\"v\":1,\"ppid\":1,\"prog\":\"full\",\"wall\":0,\"lib\":\"x\",\"filter\":\"parse_*,-lex_*\",\"min_duration\":10000}");
	model_get_stats(m, &si.ms);
	status_draw(sw, &si);
	assert_non_null(strstr(row(sw, 0), "calls >= 10.0 us "));
	assert_null(strstr(row(sw, 0), " in "));
	feed(m, "{\"ev\":\"hello\",\"ts\":4,\"pid\":30,\"v\":1,\"ppid\":1,\"prog\":\"evil\",\"wall\":0,\"lib\":\"x\",\"filter\":\"a\\u001b[31mb\"}");
	model_get_stats(m, &si.ms);
	status_draw(sw, &si);
	assert_non_null(strstr(row(sw, 0), "filtered in 3 procs"));
	tree_view_draw(&tv, w, true);
	assert_null(strchr(row(w, find_row(w, "30 evil")), '\x1b'));
	assert_non_null(strstr(row(w, find_row(w, "30 evil")), "(filter: a"));
	delwin(sw);
	tree_done(&tv, w, m);
}

static void test_status_line(void **state)
{
	struct model *m = sample_model();
	struct status_info si;
	WINDOW *w = newwin(1, 160, 0, 0);
	struct ingest_status st;

	(void)state;
	memset(&si, 0, sizeof(si));
	memset(&st, 0, sizeof(st));
	model_get_stats(m, &si.ms);
	si.st = &st;
	st.source = "/tmp/x/pipetrace.fifo";
	st.bad_lines = 2;
	st.events_per_s = 48200;
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "/tmp/x/pipetrace.fifo"));
	assert_null(strstr(row(w, 0), "too deep"));
	/* events the model ignored past its bound on open calls are shown */
	si.ms.too_deep = 12;
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "12 ignored (too deep)"));
	si.ms.too_deep = 0;
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "LIVE"));
	assert_non_null(strstr(row(w, 0), "2 procs 3 threads"));
	assert_non_null(strstr(row(w, 0), "48.2k ev/s"));
	assert_non_null(strstr(row(w, 0), "bad 2"));
	assert_non_null(strstr(row(w, 0), "drops 0"));
	assert_non_null(strstr(row(w, 0), "iB"));
	st.paused = true;
	st.queued = 1234;
	st.queue_max = 1000000;
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "PAUSED 1234 queued (max 1.0M)"));
	assert_null(strstr(row(w, 0), "LIVE"));
	st.paused = false;
	st.has_child = true;
	st.child_running = false;
	st.child_wait_status = 3 << 8;   /* exited 3 */
	st.source = "e2e_traced 5";
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "e2e_traced 5 [exited 3]"));
	st.record_error = "No space left on device";
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "not recording: No space left on device"));
	st.record_error = NULL;
	assert_null(strstr(row(w, 0), "FIFO"));
	st.fifo_recreated = 1;
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "FIFO re-created"));
	assert_null(strstr(row(w, 0), "times"));
	st.fifo_recreated = 3;
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "FIFO re-created 3 times"));
	/* a problem now outranks the earlier re-creations */
	st.fifo_problem = "/tmp/x/pipetrace.fifo exists and is not a FIFO";
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "FIFO lost: /tmp/x/pipetrace.fifo exists and is not a FIFO"));
	assert_null(strstr(row(w, 0), "re-created"));
	st.fifo_warning = "$XDG_RUNTIME_DIR (/run/user/1) belongs to uid 1, not to you";
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "$XDG_RUNTIME_DIR not used"));
	delwin(w);
	model_free(m);
}

/* One count of lost events, the same on every line: the writer's drop
 * (which also leaves a seq gap) is 1200 dropped, not 2400.  Events lost
 * with no report, and a process gone without bye, make the trace
 * "incomplete", said on the status line and on the rows concerned. */
static void test_status_drops_and_incomplete(void **state)
{
	struct model *m = model_create(NULL);
	struct status_info si;
	struct tree_view tv;
	WINDOW *w = newwin(1, 200, 0, 0), *tw = newwin(12, 100, 1, 0);

	(void)state;
	/* lib/PROTOCOL.md's example: a drop of 1200, seq 4 -> 1205 */
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":4242,\"v\":1,\"ppid\":1,\"prog\":\"demo\"}");
	feed(m, "{\"ev\":\"thread\",\"ts\":2,\"pid\":4242,\"tid\":4243,\"name\":\"worker-1\"}");
	feed(m, "{\"ev\":\"enter\",\"ts\":3,\"pid\":4242,\"tid\":4243,\"seq\":1,\"depth\":0,\"fn\":\"handle\"}");
	feed(m, "{\"ev\":\"enter\",\"ts\":4,\"pid\":4242,\"tid\":4243,\"seq\":2,\"depth\":1,\"fn\":\"db_query\"}");
	feed(m, "{\"ev\":\"exit\",\"ts\":5,\"pid\":4242,\"tid\":4243,\"seq\":3,\"depth\":1,\"fn\":\"db_query\",\"dur\":1}");
	feed(m, "{\"ev\":\"drop\",\"ts\":6,\"pid\":4242,\"tid\":4243,\"count\":1200}");
	feed(m, "{\"ev\":\"exit\",\"ts\":7,\"pid\":4242,\"tid\":4243,\"seq\":1204,\"depth\":0,\"fn\":\"handle\",\"dur\":4}");
	memset(&si, 0, sizeof(si));
	model_get_stats(m, &si.ms);
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "drops 1200"));
	assert_null(strstr(row(w, 0), "incomplete"));
	tree_fit(&tv, m, tw);
	tree_view_draw(&tv, tw, true);
	assert_null(strstr(row(tw, find_row(tw, "4243 worker-1")), "incomplete"));

	/* 10 more lost without a word, then the process is gone without bye */
	feed(m, "{\"ev\":\"enter\",\"ts\":8,\"pid\":4242,\"tid\":4243,\"seq\":1215,\"depth\":0,\"fn\":\"handle\"}");
	model_process_vanished(m, 4242);
	model_get_stats(m, &si.ms);
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "drops 1200"));
	assert_non_null(strstr(row(w, 0), "incomplete: 10 events unaccounted, 1 proc without final counts"));
	/* and what the figures leave out: the call left open */
	assert_non_null(strstr(row(w, 0), "1 unfinished call"));
	tree_view_draw(&tv, tw, true);
	assert_non_null(strstr(row(tw, find_row(tw, "4242 demo")), "vanished"));
	assert_non_null(strstr(row(tw, find_row(tw, "4242 demo")), "incomplete: 10 unaccounted  1 thread"));
	assert_non_null(strstr(row(tw, find_row(tw, "4243 worker-1")), "incomplete: 10 unaccounted  7 ev"));
	delwin(w);
	tree_done(&tv, tw, m);
}

/* Figures from a thread that lost events are marked as a sample, with the
 * share that arrived; a complete thread's are not. */
static void test_sample_marked(void **state)
{
	struct model *m = model_create(NULL);
	struct tree_view tv;
	WINDOW *tw = newwin(12, 100, 0, 0), *hw = newwin(12, 60, 12, 0);

	(void)state;
	feed(m, "{\"ev\":\"enter\",\"ts\":3,\"pid\":7,\"tid\":7,\"seq\":1,\"depth\":0,\"fn\":\"whole\"}");
	feed(m, "{\"ev\":\"exit\",\"ts\":5,\"pid\":7,\"tid\":7,\"seq\":2,\"depth\":0,\"fn\":\"whole\",\"dur\":2}");
	tree_fit(&tv, m, tw);
	tree_view_draw(&tv, tw, true);
	assert_non_null(strstr(row(tw, 1), "function (merged by path)"));
	assert_null(strstr(row(tw, 1), "sample"));
	hist_view_draw(hw, m, &model_thread_find(m, 7, 7)->node, false);
	assert_null(strstr(row(hw, 0), "sample"));

	/* 4 events arrived, 1200 dropped: 0.33 % of the thread's */
	feed(m, "{\"ev\":\"enter\",\"ts\":3,\"pid\":8,\"tid\":9,\"seq\":1,\"depth\":0,\"fn\":\"handle\"}");
	feed(m, "{\"ev\":\"enter\",\"ts\":4,\"pid\":8,\"tid\":9,\"seq\":2,\"depth\":1,\"fn\":\"db_query\"}");
	feed(m, "{\"ev\":\"exit\",\"ts\":5,\"pid\":8,\"tid\":9,\"seq\":3,\"depth\":1,\"fn\":\"db_query\",\"dur\":1}");
	feed(m, "{\"ev\":\"drop\",\"ts\":6,\"pid\":8,\"tid\":9,\"count\":1200}");
	feed(m, "{\"ev\":\"exit\",\"ts\":7,\"pid\":8,\"tid\":9,\"seq\":1204,\"depth\":0,\"fn\":\"handle\",\"dur\":4}");
	tree_view_draw(&tv, tw, true);
	/* all threads: 6 of 1206 */
	assert_non_null(strstr(row(tw, 1), "sample 0.50 % of events"));
	hist_view_draw(hw, m, &model_thread_find(m, 8, 9)->node, false);
	assert_non_null(strstr(row(hw, 0), "sample 0.33 %: thread 9"));
	hist_view_draw(hw, m, &model_thread_find(m, 7, 7)->node, false);
	assert_null(strstr(row(hw, 0), "sample"));
	hist_view_draw(hw, m, NULL, false);
	assert_non_null(strstr(row(hw, 0), "sample 0.50 %: All calls"));
	delwin(hw);
	tree_done(&tv, tw, m);
}

/* A thread with stats: its paths, histograms and the status line say
 * exact whatever it lost; the calls view stays a sample; a thread without
 * stats that lost events keeps the paths header's mark, which then says
 * where.  The writer's "(other paths)" row shows its figures. */
static void test_stats_exact_marked(void **state)
{
	struct model *m = model_create(NULL);
	struct tree_view tv;
	struct status_info si;
	WINDOW *tw = newwin(12, 100, 0, 0), *hw = newwin(12, 60, 12, 0), *sw = newwin(1, 200, 24, 0);

	(void)state;
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":8,\"v\":1,\"ppid\":1,\"prog\":\"s\",\"stats_ms\":200}");
	feed(m, "{\"ev\":\"enter\",\"ts\":3,\"pid\":8,\"tid\":9,\"seq\":1,\"depth\":0,\"fn\":\"handle\"}");
	feed(m, "{\"ev\":\"drop\",\"ts\":6,\"pid\":8,\"tid\":9,\"count\":1200}");
	feed(m, "{\"ev\":\"exit\",\"ts\":7,\"pid\":8,\"tid\":9,\"seq\":1202,\"depth\":0,\"fn\":\"handle\",\"dur\":4}");
	feed(m, "{\"ev\":\"stats\",\"ts\":8,\"pid\":8,\"tid\":9,\"nodes\":["
	     "{\"id\":1,\"parent\":0,\"fn\":\"handle\",\"count\":600,\"total\":6000,\"self\":3000,\"max\":40,\"hist\":[[2,100],[3,400],[5,100]]},"
	     "{\"id\":2,\"parent\":1,\"fn\":\"db_query\",\"count\":600,\"total\":3000,\"self\":3000,\"max\":9,\"hist\":[[2,500],[3,100]]},"
	     "{\"id\":3,\"parent\":0,\"fn\":\"(other paths)\",\"other\":true,\"count\":77,\"total\":770,\"self\":770,\"max\":10,\"hist\":[[3,77]]}]}");
	tree_fit(&tv, m, tw);
	tree_view_key(&tv, 'e');
	tree_view_draw(&tv, tw, true);
	assert_non_null(strstr(row(tw, 1), "function (merged by path, exact)"));
	assert_null(strstr(row(tw, 1), "sample"));
	int y = find_row(tw, "handle");
	assert_true(y > 0);
	assert_non_null(strstr(row(tw, y), "600"));
	y = find_row(tw, "(other paths)");
	assert_true(y > 0);
	assert_non_null(strstr(row(tw, y), "77"));
	hist_view_draw(hw, m, &model_thread_find(m, 8, 9)->node, false);
	assert_null(strstr(row(hw, 0), "sample"));
	assert_non_null(strstr(row(hw, 0), "1277 calls"));
	memset(&si, 0, sizeof(si));
	model_get_stats(m, &si.ms);
	status_draw(sw, &si);
	assert_non_null(strstr(row(sw, 0), "figures exact"));
	/* the calls view: the calls that arrived, a sample */
	tree_view_key(&tv, 'v');
	tree_view_draw(&tv, tw, true);
	assert_non_null(strstr(row(tw, 1), "sample"));

	/* a thread without stats that lost events */
	feed(m, "{\"ev\":\"enter\",\"ts\":3,\"pid\":20,\"tid\":20,\"seq\":1,\"depth\":0,\"fn\":\"old\"}");
	feed(m, "{\"ev\":\"drop\",\"ts\":6,\"pid\":20,\"tid\":20,\"count\":3}");
	feed(m, "{\"ev\":\"exit\",\"ts\":7,\"pid\":20,\"tid\":20,\"seq\":5,\"depth\":0,\"fn\":\"old\",\"dur\":4}");
	tree_view_key(&tv, 'v');
	tree_view_draw(&tv, tw, true);
	assert_non_null(strstr(row(tw, 1), "sample 40.0 % where no stats"));
	hist_view_draw(hw, m, &model_thread_find(m, 8, 9)->node, false);
	assert_null(strstr(row(hw, 0), "sample"));
	hist_view_draw(hw, m, &model_thread_find(m, 20, 20)->node, false);
	assert_non_null(strstr(row(hw, 0), "sample 40.0 %"));
	model_get_stats(m, &si.ms);
	status_draw(sw, &si);
	assert_non_null(strstr(row(sw, 0), "exact: 1/2 threads"));
	delwin(hw);
	delwin(sw);
	tree_done(&tv, tw, m);
}

/* Expands both processes of the test below. */
static void expand_procs(struct tree_view *tv, WINDOW *w)
{
	tree_view_key(tv, 'g');
	cursor_to(tv, w, " 8 s ");
	tree_view_key(tv, '*');
	cursor_to(tv, w, " 20 n ");
	tree_view_key(tv, '*');
	tree_view_draw(tv, w, true);
}

/* Events lost mid-call nest the next ones under the wrong caller: with
 * the exit of parse_expr and the enter of expr_evaluate dropped, parse_term
 * lands under parse_expr, a path the program never took.  For a thread
 * with stats, whose every real path a stats node backs, the paths view
 * shows only those, once its first stats line is in: not the "(callers
 * not seen)" row either, made by a lost enter (the calls view keeps the
 * calls that arrived, where they landed); a thread without stats shows
 * what its events built. */
static void test_stats_unbacked_paths_hidden(void **state)
{
	static const char *const ev[] = {
		"{\"ev\":\"enter\",\"ts\":3,\"pid\":%d,\"tid\":%d,\"seq\":1,\"depth\":0,\"fn\":\"handle_request\"}",
		"{\"ev\":\"enter\",\"ts\":4,\"pid\":%d,\"tid\":%d,\"seq\":2,\"depth\":1,\"fn\":\"parse_expr\"}",
		"{\"ev\":\"drop\",\"ts\":6,\"pid\":%d,\"tid\":%d,\"count\":2}",
		"{\"ev\":\"enter\",\"ts\":7,\"pid\":%d,\"tid\":%d,\"seq\":5,\"depth\":2,\"fn\":\"parse_term\"}",
		"{\"ev\":\"exit\",\"ts\":8,\"pid\":%d,\"tid\":%d,\"seq\":6,\"depth\":2,\"fn\":\"parse_term\",\"dur\":1}",
		"{\"ev\":\"exit\",\"ts\":9,\"pid\":%d,\"tid\":%d,\"seq\":7,\"depth\":1,\"fn\":\"expr_evaluate\",\"dur\":3}",
		"{\"ev\":\"exit\",\"ts\":10,\"pid\":%d,\"tid\":%d,\"seq\":8,\"depth\":0,\"fn\":\"handle_request\",\"dur\":7}",
		/* the next request's enter lost: its callers are not seen */
		"{\"ev\":\"drop\",\"ts\":12,\"pid\":%d,\"tid\":%d,\"count\":1}",
		"{\"ev\":\"enter\",\"ts\":13,\"pid\":%d,\"tid\":%d,\"seq\":10,\"depth\":1,\"fn\":\"parse_expr\"}",
		"{\"ev\":\"exit\",\"ts\":14,\"pid\":%d,\"tid\":%d,\"seq\":11,\"depth\":1,\"fn\":\"parse_expr\",\"dur\":1}",
		"{\"ev\":\"exit\",\"ts\":15,\"pid\":%d,\"tid\":%d,\"seq\":12,\"depth\":0,\"fn\":\"handle_request\",\"dur\":3}",
	};
	struct model *m = model_create(NULL);
	struct tree_view tv;
	WINDOW *tw = newwin(30, 100, 0, 0);

	(void)state;
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":8,\"v\":1,\"ppid\":1,\"prog\":\"s\",\"stats_ms\":200}");
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":20,\"v\":1,\"ppid\":1,\"prog\":\"n\"}");
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		feed(m, ev[i], 8, 9);
		feed(m, ev[i], 20, 20);
	}
	/* before its first stats line, the thread shows what its events built;
	 * the cursor on a row about to go */
	tree_fit(&tv, m, tw);
	expand_procs(&tv, tw);
	tree_view_key(&tv, 'g');
	cursor_to(&tv, tw, "(callers not seen)");
	tree_view_key(&tv, '*');
	cursor_to(&tv, tw, "(callers not seen)");
	tree_view_key(&tv, KEY_DOWN);
	tree_view_draw(&tv, tw, true);
	assert_true(find_row(tw, "(callers not seen)") < find_row(tw, " 20 n "));
	feed(m, "{\"ev\":\"stats\",\"ts\":11,\"pid\":8,\"tid\":9,\"nodes\":["
	     "{\"id\":1,\"parent\":0,\"fn\":\"handle_request\",\"count\":2,\"total\":10,\"self\":3,\"max\":7,\"hist\":[[1,1],[2,1]]},"
	     "{\"id\":2,\"parent\":1,\"fn\":\"parse_expr\",\"count\":2,\"total\":3,\"self\":3,\"max\":2,\"hist\":[[0,1],[1,1]]},"
	     "{\"id\":3,\"parent\":1,\"fn\":\"expr_evaluate\",\"count\":1,\"total\":3,\"self\":2,\"max\":3,\"hist\":[[1,1]]},"
	     "{\"id\":4,\"parent\":3,\"fn\":\"parse_term\",\"count\":1,\"total\":1,\"self\":1,\"max\":1,\"hist\":[[0,1]]}]}");
	tree_view_draw(&tv, tw, true);
	/* the cursor goes to the nearest row shown: the thread */
	assert_true(tv.cursor_row >= 0);
	assert_non_null(strstr(row(tw, 2 + tv.cursor_row), "9 (thread)"));
	assert_int_equal(find_row(tw, "parse_expr  "), find_row(tw, "handle_request") + 1);
	expand_procs(&tv, tw);
	int s = find_row(tw, "9 (thread)"), n = find_row(tw, " 20 n ");
	assert_true(s > 0 && n > s);
	/* the stats thread: handle_request, parse_expr, expr_evaluate, parse_term */
	int rows = 0, leaf = 0;
	for (int y = s + 1; y < n; y++) {
		if (strstr(row(tw, y), "parse_term")) {
			leaf = y;
			assert_non_null(strstr(row(tw, y - 1), "expr_evaluate"));
		}
		if (strstr(row(tw, y), "(callers not seen)"))
			fail_msg("row %d: %s", y, row(tw, y));
		rows++;
	}
	if (!leaf || rows != 4)
		for (int d = 0; d < getmaxy(tw); d++)
			print_message("%2d|%s\n", d, row(tw, d));
	assert_true(leaf > 0);
	assert_int_equal(rows, 4);
	/* the thread without stats: what its events built, parse_term under parse_expr */
	int y = n + 1;
	while (y < getmaxy(tw) && !strstr(row(tw, y), "parse_term"))
		y++;
	assert_true(y < getmaxy(tw));
	assert_non_null(strstr(row(tw, y - 1), "parse_expr"));
	assert_true(find_row(tw, "(callers not seen)") > n);
	/* the calls view keeps the calls that arrived, where they landed */
	tree_view_key(&tv, 'v');
	expand_procs(&tv, tw);
	s = find_row(tw, "9 (thread)");
	y = s + 1;
	while (y < getmaxy(tw) && !strstr(row(tw, y), "parse_term"))
		y++;
	assert_true(y < getmaxy(tw));
	assert_non_null(strstr(row(tw, y - 1), "parse_expr"));
	tree_done(&tv, tw, m);
}

/* When every thread's figures are exact (stats), the troubles of the
 * events that arrived - calls left unfinished, depth mismatches - concern
 * the calls view only: the paths view does not warn of them, the calls
 * view does; a thread without stats brings them back to both. */
static void test_status_sample_caveats_in_calls_view(void **state)
{
	struct model *m = model_create(NULL);
	struct status_info si;
	WINDOW *w = newwin(1, 200, 0, 0);

	(void)state;
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":8,\"v\":1,\"ppid\":1,\"prog\":\"jq\",\"stats_ms\":200}");
	feed(m, "{\"ev\":\"enter\",\"ts\":3,\"pid\":8,\"tid\":9,\"seq\":1,\"depth\":0,\"fn\":\"main\"}");
	feed(m, "{\"ev\":\"enter\",\"ts\":4,\"pid\":8,\"tid\":9,\"seq\":2,\"depth\":1,\"fn\":\"process\"}");
	feed(m, "{\"ev\":\"drop\",\"ts\":6,\"pid\":8,\"tid\":9,\"count\":1000}");
	/* main's exit at depth 0 while process is open: a depth mismatch */
	feed(m, "{\"ev\":\"exit\",\"ts\":7,\"pid\":8,\"tid\":9,\"seq\":1003,\"depth\":0,\"fn\":\"main\",\"dur\":4}");
	feed(m, "{\"ev\":\"stats\",\"ts\":8,\"pid\":8,\"tid\":9,\"nodes\":["
	     "{\"id\":1,\"parent\":0,\"fn\":\"main\",\"count\":1,\"total\":4,\"self\":1,\"max\":4},"
	     "{\"id\":2,\"parent\":1,\"fn\":\"process\",\"count\":501,\"total\":3,\"self\":3,\"max\":1}]}");
	memset(&si, 0, sizeof(si));
	model_get_stats(m, &si.ms);
	assert_true(si.ms.depth_mismatches + si.ms.calls_unfinished > 0);
	si.view = VIEW_PATHS;
	status_draw(w, &si);
	assert_non_null(strstr(row(w, 0), "figures exact"));
	assert_non_null(strstr(row(w, 0), "drops 1000"));
	assert_null(strstr(row(w, 0), "mismatch"));
	assert_null(strstr(row(w, 0), "unfinished"));
	si.view = VIEW_CALLS;
	status_draw(w, &si);
	assert_true(strstr(row(w, 0), "mismatch") || strstr(row(w, 0), "unfinished"));
	/* a thread without stats: its figures are the events' */
	feed(m, "{\"ev\":\"enter\",\"ts\":3,\"pid\":20,\"tid\":21,\"seq\":1,\"depth\":0,\"fn\":\"old\"}");
	model_get_stats(m, &si.ms);
	si.view = VIEW_PATHS;
	status_draw(w, &si);
	assert_true(strstr(row(w, 0), "mismatch") || strstr(row(w, 0), "unfinished"));
	delwin(w);
	model_free(m);
}

/* At 80 columns the least needed segments (the command line, rates,
 * totals) give way, and what says the figures are not whole stays: the
 * drops, exact or not, incomplete, stats entries lost, bad lines. */
static void test_status_narrow_keeps_losses(void **state)
{
	struct model *m = model_create(NULL);
	struct status_info si;
	struct ingest_status st;
	WINDOW *w = newwin(1, 80, 0, 0), *wide = newwin(1, 400, 1, 0);

	(void)state;
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":8,\"v\":1,\"ppid\":1,\"prog\":\"s\",\"stats_ms\":200}");
	feed(m, "{\"ev\":\"enter\",\"ts\":3,\"pid\":8,\"tid\":9,\"seq\":1,\"depth\":0,\"fn\":\"handle\"}");
	feed(m, "{\"ev\":\"drop\",\"ts\":6,\"pid\":8,\"tid\":9,\"count\":54100000}");
	feed(m, "{\"ev\":\"exit\",\"ts\":7,\"pid\":8,\"tid\":9,\"seq\":54100002,\"depth\":0,\"fn\":\"handle\",\"dur\":4}");
	feed(m, "{\"ev\":\"stats\",\"ts\":8,\"pid\":8,\"tid\":9,\"nodes\":["
	     "{\"id\":1,\"parent\":0,\"fn\":\"handle\",\"count\":600,\"total\":6000,\"self\":3000,\"max\":40}]}");
	/* a thread without stats that loses 10 events without a word */
	feed(m, "{\"ev\":\"enter\",\"ts\":3,\"pid\":20,\"tid\":21,\"seq\":1,\"depth\":0,\"fn\":\"old\"}");
	feed(m, "{\"ev\":\"exit\",\"ts\":7,\"pid\":20,\"tid\":21,\"seq\":12,\"depth\":0,\"fn\":\"old\",\"dur\":4}");
	memset(&si, 0, sizeof(si));
	memset(&st, 0, sizeof(st));
	model_get_stats(m, &si.ms);
	si.st = &st;
	st.source = "demo/pipetrace-demo --duration 5 --threads 4 --fork --depth 12 --rate 100000";
	st.has_child = true;
	st.child_running = true;
	st.events_per_s = 48200;
	st.bad_lines = 3;
	status_draw(wide, &si);
	assert_non_null(strstr(row(wide, 0), "2 procs 2 threads"));
	assert_non_null(strstr(row(wide, 0), "drops 54.1M"));
	assert_non_null(strstr(row(wide, 0), "exact: 1/2 threads"));
	assert_non_null(strstr(row(wide, 0), "incomplete: 10 events unaccounted"));
	status_draw(w, &si);
	const char *r = row(w, 0);
	assert_non_null(strstr(r, "drops 54.1M"));
	assert_non_null(strstr(r, "exact"));
	assert_true(strstr(r, "incomplete") || strstr(r, "INCOMPLETE"));
	assert_non_null(strstr(r, "10 unaccounted"));
	assert_non_null(strstr(r, "bad 3"));
	assert_non_null(strstr(r, "LIVE"));
	/* the least needed went first */
	assert_null(strstr(r, "ev/s"));
	/* stats entries lost outrank the rest too */
	si.ms.stats_unsent = 7;
	status_draw(w, &si);
	r = row(w, 0);
	assert_non_null(strstr(r, "stats lost 7"));
	assert_non_null(strstr(r, "drops 54.1M"));
	assert_true(strstr(r, "incomplete") || strstr(r, "INCOMPLETE"));
	delwin(wide);
	delwin(w);
	model_free(m);
}

static void test_layouts_and_too_small(void **state)
{
	struct model *m = sample_model();
	struct ui u;

	(void)state;
	ui_state_init(&u, NULL, m);
	resizeterm(24, 80);
	ui_layout(&u);
	ui_draw(&u);
	assert_int_equal(u.layout, LAYOUT_STACK);
	assert_non_null(u.win[PANE_TREE]);
	assert_non_null(u.win[PANE_HIST]);
	assert_non_null(strstr(row(u.win[PANE_TREE], 0), "Calls"));
	assert_true(find_row(u.win[PANE_TREE], "101 worker-1") > 0);
	/* the key hint line at the bottom */
	assert_non_null(strstr(row(u.hint, 0), "? help"));
	/* in 80 columns the filter menu and its prompt keep their last keys
	 * and what is typed */
	ui_key(&u, 'F');
	ui_draw(&u);
	assert_non_null(strstr(row(u.hint, 0), "H unhide d time"));
	ui_key(&u, 'd');
	for (const char *k = "250us"; *k; k++)
		ui_key(&u, *k);
	ui_draw(&u);
	assert_non_null(strstr(row(u.hint, 0), "Esc): 250us_"));
	ui_key(&u, VIEW_KEY_ESC);
	ui_draw(&u);
	resizeterm(16, 60);
	u.dirty |= DIRTY_LAYOUT;
	ui_draw(&u);
	assert_int_equal(u.layout, LAYOUT_SINGLE);
	assert_null(u.win[PANE_HIST]);
	ui_key(&u, '\t');
	ui_draw(&u);
	assert_non_null(u.win[PANE_HIST]);
	assert_null(u.win[PANE_TREE]);
	resizeterm(8, 30);
	u.dirty |= DIRTY_LAYOUT;
	ui_draw(&u);
	assert_int_equal(u.layout, LAYOUT_TOO_SMALL);
	assert_true(find_row(stdscr, "too small") >= 0);
	assert_true(find_row(stdscr, "need 40x10") >= 0);
	/* help overlay lists the keys */
	resizeterm(45, 160);
	u.dirty |= DIRTY_LAYOUT;
	ui_draw(&u);
	ui_key(&u, '?');
	ui_draw(&u);
	assert_int_equal(u.overlay, OV_HELP);
	assert_true(find_row(u.overlay_win, "pause / resume") >= 0);
	assert_true(find_row(u.overlay_win, "next / previous match") >= 0);
	ui_key(&u, 'x');
	assert_int_equal(u.overlay, OV_NONE);
	ui_state_free(&u);
	model_free(m);
}

/* ---- profile view ------------------------------------------------------------ */

static int64_t fake_now;
static int64_t fake_clock(void)
{
	return fake_now;
}

/* pid 100 "demo": thread 101 main -> fib (three levels of recursion),
 * thread 102 fib alone; one exception in fib. */
static struct model *recursive_model(void)
{
	struct model *m = model_create(NULL);

	memset(seq, 0, sizeof(seq));
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":100,\"v\":1,\"ppid\":1,\"prog\":\"demo\",\"wall\":0,\"lib\":\"x\"}");
	feed(m, "{\"ev\":\"thread\",\"ts\":2,\"pid\":100,\"tid\":101,\"name\":\"worker-1\"}");
	enter(m, 100, 101, 0, "main");
	enter(m, 100, 101, 1, "fib");
	enter(m, 100, 101, 2, "fib");
	call(m, 100, 101, 3, "fib", 300000);                 /* 300 us */
	leave(m, 100, 101, 2, "fib", 800000);
	feed(m, "{\"ev\":\"exception\",\"ts\":%ld,\"pid\":100,\"tid\":101,\"seq\":%u,\"depth\":1,"
	     "\"fn\":\"fib\",\"type\":\"E\",\"msg\":\"m\"}", ts++, ++seq[101]);
	leave(m, 100, 101, 1, "fib", 1900000);               /* 1.9 ms */
	call(m, 100, 101, 1, "log_line", 40000);
	leave(m, 100, 101, 0, "main", 3000000);              /* 3 ms */
	call(m, 100, 102, 0, "fib", 7000);
	return m;
}

static struct ui *profile_ui(struct model *m)
{
	static struct ui u;

	ui_state_init(&u, NULL, m);
	resizeterm(45, 160);
	ui_layout(&u);
	u.pv.now = fake_clock;
	fake_now = 1000000000000LL;
	ui_draw(&u);
	return &u;
}

static void test_profile_view(void **state)
{
	struct model *m = recursive_model();
	struct ui *u = profile_ui(m);
	WINDOW *w = u->win[PANE_TREE];
	char t[32];
	int yf, ym;

	(void)state;
	ui_key(u, 't');
	ui_draw(u);
	assert_true(u->pv.on);
	assert_non_null(strstr(row(w, 0), "Profile: all processes, by total"));
	const char *h = row(w, 1);

	/* every column, the sorted one marked */
	assert_true(col_of(h, "calls") < col_of(h, "total\u25be"));
	assert_true(col_of(h, "total\u25be") < col_of(h, "self"));
	assert_true(col_of(h, "self") < col_of(h, "avg"));
	assert_true(col_of(h, "avg") < col_of(h, "p99"));
	assert_true(col_of(h, "p99") < col_of(h, "max"));
	assert_true(col_of(h, "max") < col_of(h, "exc"));
	assert_true(col_of(h, "exc") < col_of(h, "share"));
	assert_null(strstr(h, "sample"));
	/* fib's total is its outermost calls' (1.9 ms + 7 us), not every
	 * level's: not more than main's 3 ms, which is first */
	ym = find_row(w, " main ");
	yf = find_row(w, " fib ");
	assert_int_equal(ym, 2);
	assert_int_equal(yf, 3);
	assert_non_null(strstr(row(w, ym), hist_format_ns(3000000, t, sizeof(t))));
	assert_non_null(strstr(row(w, yf), hist_format_ns(1907000, t, sizeof(t))));
	assert_non_null(strstr(row(w, yf), " 4 "));          /* calls */
	assert_non_null(strstr(row(w, yf), hist_format_ns(1900000, t, sizeof(t))));  /* max */
	/* the histogram pane shows the function under the cursor */
	assert_non_null(strstr(row(u->win[PANE_HIST], 0), "main: 1 call"));
	/* the hint line has the view's keys */
	assert_non_null(strstr(row(u->hint, 0), "< > sort"));
	/* > sorts by self: log_line and fib move above main */
	ui_key(u, '>');
	ui_draw(u);
	assert_non_null(strstr(row(w, 0), "by self"));
	assert_non_null(strstr(row(w, 1), "self\u25be"));
	assert_null(strstr(row(w, 1), "total\u25be"));
	assert_true(find_row(w, " fib ") < find_row(w, " main "));
	/* < twice: by calls; F6 and s go on to the next column */
	ui_key(u, '<');
	ui_key(u, '<');
	ui_draw(u);
	assert_non_null(strstr(row(w, 0), "by calls"));
	assert_int_equal(find_row(w, " fib "), 2);
	ui_key(u, KEY_F(6));
	ui_draw(u);
	assert_non_null(strstr(row(w, 0), "by total"));
	/* / in the profile: Enter goes to the next function that matches */
	ui_key(u, '/');
	ui_key(u, 'l');
	ui_key(u, 'o');
	ui_key(u, 'g');
	ui_key(u, '\r');
	assert_string_equal(profile_view_selected(&u->pv, &(const struct mnode *){ NULL })->fn->name, "log_line");
	ui_key(u, 'g');
	/* j moves the cursor: the histogram pane follows the function */
	ui_key(u, 'j');
	ui_draw(u);
	assert_non_null(strstr(row(u->win[PANE_HIST], 0), "fib: 4 calls"));
	ui_state_free(u);
	model_free(m);
}

/* Long names (sqlite's): at 160 columns the name column takes room from
 * the figure columns that give way first, so that names that differ only
 * past 18 characters stay apart; short names keep every column (above). */
static void test_profile_long_names(void **state)
{
	struct model *m = model_create(NULL);
	struct ui *u;
	WINDOW *w;

	(void)state;
	memset(seq, 0, sizeof(seq));
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":100,\"v\":1,\"ppid\":1,\"prog\":\"sqlite3\",\"wall\":0,\"lib\":\"x\"}");
	enter(m, 100, 100, 0, "main");
	call(m, 100, 100, 1, "sqlite3BtreePayloadSize", 3000);
	call(m, 100, 100, 1, "sqlite3BtreePayloadFetch", 2000);
	leave(m, 100, 100, 0, "main", 9000);
	u = profile_ui(m);
	w = u->win[PANE_TREE];
	ui_key(u, 't');
	ui_draw(u);
	assert_true(find_row(w, " sqlite3BtreePayloadSize ") >= 0);
	assert_true(find_row(w, " sqlite3BtreePayloadFetch ") >= 0);
	const char *h = row(w, 1);

	assert_true(col_of(h, "calls") < col_of(h, "total\u25be"));
	assert_true(col_of(h, "self") < col_of(h, "max"));
	assert_non_null(strstr(h, "share"));
	ui_state_free(u);
	model_free(m);
}

/* a scope key, the sample mark, "called from" and the jump to the tree */
static void test_profile_scope_callers(void **state)
{
	struct model *m = recursive_model();
	struct ui *u = profile_ui(m);
	WINDOW *w = u->win[PANE_TREE];
	char t[32];

	(void)state;
	/* the calls pane's cursor on thread 101 */
	while (!strstr(row(w, 2 + u->tv.cursor_row), "101 worker-1")) {
		ui_key(u, KEY_DOWN);
		ui_draw(u);
	}
	ui_key(u, KEY_F(5));
	ui_key(u, 'a');
	ui_draw(u);
	assert_non_null(strstr(row(w, 0), "Profile: process 100 demo, by total"));
	assert_non_null(strstr(row(w, find_row(w, " fib ")), " 4 "));
	ui_key(u, 'a');
	ui_draw(u);
	assert_non_null(strstr(row(w, 0), "Profile: thread 101 worker-1, by total"));
	/* thread 102's call is not in thread 101's figures */
	assert_non_null(strstr(row(w, find_row(w, " fib ")), " 3 "));
	assert_non_null(strstr(row(w, find_row(w, " fib ")), hist_format_ns(1900000, t, sizeof(t))));
	assert_null(strstr(row(w, 1), "sample"));
	/* a drop on thread 102: the whole run is a sample, thread 101 is not */
	feed(m, "{\"ev\":\"drop\",\"ts\":%ld,\"pid\":100,\"tid\":102,\"count\":98}", ts++);
	ui_poll_model(u);
	ui_draw(u);
	assert_null(strstr(row(w, 1), "sample"));
	ui_key(u, 'a');
	ui_draw(u);
	assert_non_null(strstr(row(w, 0), "Profile: all processes, by total (sample "));
	assert_non_null(strstr(row(w, 1), "sample"));
	assert_non_null(strstr(row(u->win[PANE_HIST], 0), "sample"));
	/* Enter on fib (the second row): its paths, largest total first */
	ui_key(u, 'j');
	ui_key(u, '\r');
	ui_draw(u);
	assert_non_null(strstr(row(w, 0), "Profile: fib called from 4 paths"));
	assert_non_null(strstr(row(w, 2), "101 \u203a main \u203a fib "));
	assert_non_null(strstr(row(w, 2), hist_format_ns(1900000, t, sizeof(t))));
	assert_non_null(strstr(row(w, 3), "main \u203a fib \u203a fib "));
	/* Esc goes back, Enter again, then Enter on a path shows it in the tree */
	ui_key(u, VIEW_KEY_ESC);
	ui_draw(u);
	assert_non_null(strstr(row(w, 0), "Profile: all processes"));
	ui_key(u, '\r');
	ui_key(u, 'j');
	ui_key(u, '\r');
	ui_draw(u);
	assert_false(u->pv.on);
	assert_non_null(strstr(row(w, 0), "Calls: paths view"));
	assert_non_null(strstr(row(w, 2 + u->tv.cursor_row), "fib"));
	const struct mnode *c = tree_view_cursor(&u->tv);

	assert_int_equal(mnode_kind(c), MN_PATH);
	assert_int_equal(((const struct mpath *)c)->total_ns, 800000);
	/* t comes back to the profile as it was: fib's paths */
	ui_key(u, 't');
	ui_draw(u);
	assert_non_null(strstr(row(w, 0), "Profile: fib called from 4 paths"));
	ui_state_free(u);
	model_free(m);
}

/* Rows keep their order for a moment after a key, figures still move. */
static void test_profile_lazy_resort(void **state)
{
	struct model *m = recursive_model();
	struct ui *u = profile_ui(m);
	WINDOW *w = u->win[PANE_TREE];

	(void)state;
	ui_key(u, 't');
	ui_key(u, 'j');                     /* a key at fake_now */
	ui_draw(u);
	assert_int_equal(find_row(w, " main "), 2);
	call(m, 100, 103, 0, "late_big", 90000000);   /* 90 ms, more than main */
	fake_now += PROFILE_HOLD_NS / 2;
	assert_true(profile_view_refresh(&u->pv, false));
	ui_poll_model(u);
	ui_draw(u);
	/* held: main still first, the newcomer below the others */
	assert_int_equal(find_row(w, " main "), 2);
	assert_true(find_row(w, " late_big ") > find_row(w, " log_line "));
	/* the cursor stays on its function */
	assert_non_null(strstr(row(w, 2 + 1), " fib "));
	assert_string_equal(profile_view_selected(&u->pv, &(const struct mnode *){ NULL })->fn->name, "fib");
	/* nothing new: nothing to do */
	assert_false(profile_view_refresh(&u->pv, false));
	/* the whole run's figures are drawn as they are, between two sorts */
	call(m, 100, 103, 0, "main", 10);
	call(m, 100, 103, 0, "log_line", 6000000);
	ui_poll_model(u);
	ui_draw(u);
	assert_non_null(strstr(row(w, find_row(w, " main ")), " 2 "));
	/* and their shares of the self time as it is now: log_line has 6.04
	 * of 99.007 ms (6.1 %), fib 1.907 (1.9 %); not of the 92.997 ms at the
	 * sort (6.5 %, 2.1 %) */
	assert_non_null(strstr(row(w, find_row(w, " log_line ")), " 6.1% "));
	assert_non_null(strstr(row(w, find_row(w, " fib ")), " 1.9% "));
	assert_int_equal(find_row(w, " main "), 2);
	call(m, 100, 103, 0, "late_big", 10);
	fake_now += PROFILE_HOLD_NS;
	assert_true(profile_view_refresh(&u->pv, false));
	ui_poll_model(u);
	ui_draw(u);
	assert_int_equal(find_row(w, " late_big "), 2);
	assert_string_equal(profile_view_selected(&u->pv, &(const struct mnode *){ NULL })->fn->name, "fib");
	/* the histogram pane, focused, moves the table's cursor */
	ui_key(u, '\t');
	ui_key(u, 'k');                     /* late_big, log_line, main, fib */
	assert_string_equal(profile_view_selected(&u->pv, &(const struct mnode *){ NULL })->fn->name, "main");
	ui_key(u, KEY_BTAB);
	/* a scope of very many paths (here: more than 2) is made again
	 * only every PROFILE_BIG_NS */
	u->pv.big_paths = 2;
	ui_key(u, 'a');                     /* the process of the tree's cursor */
	fake_now += PROFILE_HOLD_NS + 1;
	call(m, 100, 101, 0, "main", 10);
	assert_false(profile_view_refresh(&u->pv, false));
	fake_now += PROFILE_BIG_NS;
	assert_true(profile_view_refresh(&u->pv, false));
	ui_state_free(u);
	model_free(m);
}

/* c writes the table as CSV and text: new files, never through a link */
static void test_profile_save(void **state)
{
	struct model *m = recursive_model();
	struct ui *u = profile_ui(m);
	char dir[] = "/tmp/pt-profile-XXXXXX", old[4096], path[4200], buf[4096];
	time_t now = time(NULL);
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(dir), 0);
	/* links where this second's and the next one's files would go */
	for (int k = 0; k < 2; k++) {
		time_t at = now + k;
		struct tm tm;
		char name[64];

		localtime_r(&at, &tm);
		strftime(name, sizeof(name), "pipetrace-profile-%Y%m%d-%H%M%S.csv", &tm);
		assert_int_equal(symlink("victim", name), 0);
	}
	ui_key(u, 't');
	ui_key(u, 'c');
	ui_draw(u);
	assert_non_null(strstr(row(u->status, 0), "profile saved: pipetrace-profile-"));
	assert_non_null(strstr(row(u->status, 0), "-2.csv and .txt"));
	assert_int_equal(access("victim", F_OK), -1);   /* no file made through a link */
	const char *at = strstr(u->notice, "pipetrace-profile-");

	snprintf(path, sizeof(path), "%.*s", (int)(strstr(at, ".csv") + 4 - at), at);
	f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	buf[n] = 0;
	fclose(f);
	assert_non_null(strstr(buf, "function,calls,total_ns"));
	assert_non_null(strstr(buf, "\"main\",1,3000000,"));
	assert_non_null(strstr(buf, "\"fib\",4,1907000,"));
	strcpy(strstr(path, ".csv"), ".txt");
	assert_int_equal(access(path, R_OK), 0);
	/* another key clears the message */
	ui_key(u, 'j');
	ui_draw(u);
	assert_null(strstr(row(u->status, 0), "profile saved"));
	/* a directory that cannot be written: the error is said */
	assert_false(profile_view_save(&u->pv, "/nonexistent-dir"));
	assert_non_null(strstr(u->pv.message, "profile not saved: No such file or directory"));
	assert_int_equal(chdir(old), 0);
	ui_state_free(u);
	model_free(m);
}

/* Threads whose writer sends stats have exact figures however many events
 * were dropped: the header says exact; a thread without stats that lost
 * events makes the whole run a sample, said as such. */
static void test_profile_exact_from_stats(void **state)
{
	static const char *const lines[] = {
		"{\"ev\":\"hello\",\"ts\":1,\"pid\":5,\"v\":1,\"ppid\":1,\"prog\":\"p\",\"stats_ms\":200}",
		"{\"ev\":\"enter\",\"ts\":10,\"pid\":5,\"tid\":5,\"seq\":1,\"depth\":0,\"fn\":\"main\"}",
		"{\"ev\":\"drop\",\"ts\":11,\"pid\":5,\"tid\":5,\"count\":40}",
		"{\"ev\":\"stats\",\"ts\":100,\"pid\":5,\"tid\":5,\"nodes\":["
		"{\"id\":1,\"parent\":0,\"fn\":\"main\",\"count\":1,\"total\":200,\"self\":90,\"max\":200,\"hist\":[[7,1]]},"
		"{\"id\":2,\"parent\":1,\"fn\":\"fib\",\"count\":6,\"total\":110,\"self\":70,\"max\":40,\"exc\":1,"
		"\"hist\":[[3,4],[4,1],[5,1]]},"
		"{\"id\":3,\"parent\":2,\"fn\":\"fib\",\"count\":4,\"total\":40,\"self\":40,\"max\":16,\"hist\":[[3,3],[4,1]]}]}",
		"{\"ev\":\"exit\",\"ts\":210,\"pid\":5,\"tid\":5,\"seq\":80,\"depth\":0,\"fn\":\"main\",\"dur\":200}",
		"{\"ev\":\"tally\",\"ts\":400,\"pid\":5,\"tid\":5,\"seq\":80,\"dropped\":76}",
	};
	struct model *m = model_create(NULL);
	struct ui *u;
	WINDOW *w;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		feed(m, "%s", lines[i]);
	u = profile_ui(m);
	w = u->win[PANE_TREE];
	ui_key(u, 't');
	ui_draw(u);
	assert_non_null(strstr(row(w, 1), "function (exact)"));
	assert_null(strstr(row(w, 1), "sample"));
	assert_null(strstr(row(w, 0), "sample"));
	/* fib: 10 calls at both levels, total its outermost path's 110 ns */
	assert_non_null(strstr(row(w, find_row(w, " fib ")), " 10 "));
	assert_non_null(strstr(row(w, find_row(w, " fib ")), " 110 ns "));
	assert_non_null(strstr(row(w, find_row(w, " main ")), " 200 ns "));
	/* another writer, without stats, lost events */
	feed(m, "{\"ev\":\"enter\",\"ts\":500,\"pid\":6,\"tid\":6,\"seq\":1,\"depth\":0,\"fn\":\"other\"}");
	feed(m, "{\"ev\":\"drop\",\"ts\":501,\"pid\":6,\"tid\":6,\"count\":9}");
	ui_poll_model(u);
	profile_view_refresh(&u->pv, true);
	ui_draw(u);
	assert_non_null(strstr(row(w, 1), "sample"));
	assert_non_null(strstr(row(w, 0), "by total (sample 10.0 % where no stats)"));
	ui_state_free(u);
	model_free(m);
}

/* ---- deep trees --------------------------------------------------------- */

/* One thread whose calls nest `depth` levels deep, each level its own
 * function (lvl_000 ... ), all still open, then closed. */
/* main > lvl_000 > ... > lvl_<depth-1>, each name followed by `tail`. */
static struct model *deep_model_named(int depth, const char *tail)
{
	struct model *m = model_create(NULL);
	char fn[64];

	memset(seq, 0, sizeof(seq));
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":300,\"v\":1,\"ppid\":1,\"prog\":\"deep\",\"wall\":0,\"lib\":\"x\"}");
	for (int d = 0; d < depth; d++) {
		snprintf(fn, sizeof(fn), "lvl_%03d%s", d, tail);
		enter(m, 300, 301, d, fn);
	}
	for (int d = depth - 1; d >= 0; d--) {
		snprintf(fn, sizeof(fn), "lvl_%03d%s", d, tail);
		leave(m, 300, 301, d, fn, 10 + d);
	}
	return m;
}

static struct model *deep_model(int depth)
{
	return deep_model_named(depth, "");
}

static void type_search(struct ui *u, const char *q)
{
	ui_key(u, '/');
	for (const char *c = q; *c; c++)
		ui_key(u, *c);
	ui_key(u, '\r');
	ui_draw(u);
}

/* Every call row on screen shows its function's name, and rows whose
 * indentation stopped short say their level. */
static void check_named_rows(WINDOW *w, int *labelled)
{
	char want[32];

	*labelled = 0;
	for (int y = 2; y < getmaxy(w) - 1; y++) {
		const char *r = row(w, y), *at = strstr(r, "lvl_");
		int lv;

		if (!at)
			continue;
		assert_int_equal(sscanf(at, "lvl_%d", &lv), 1);
		snprintf(want, sizeof(want), "\u00b7%d lvl_%03d", lv, lv);
		if (strstr(r, want))
			(*labelled)++;
		else
			assert_true(col_of(r, "lvl_") < 2 * (lv + 2) + 4);   /* indented as deep as it is */
	}
}

static void test_deep_rows_keep_names(void **state)
{
	static const int sizes[][2] = { { 45, 160 }, { 24, 80 } };

	(void)state;
	for (int v = 0; v < 2; v++)
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			struct model *m = deep_model(200);
			struct ui u;
			int y, labelled;

			ui_state_init(&u, NULL, m);
			resizeterm(sizes[k][0], sizes[k][1]);
			ui_layout(&u);
			if (v)
				ui_key(&u, 'v');
			ui_draw(&u);
			/* the search lands on a row that shows the name */
			type_search(&u, "lvl_199");
			y = 2 + u.tv.cursor_row;
			assert_true(u.tv.cursor_row >= 0);
			assert_non_null(strstr(row(u.win[PANE_TREE], y), "\u00b7199 lvl_199"));
			check_named_rows(u.win[PANE_TREE], &labelled);
			assert_true(labelled > 3);
			/* shallow rows keep their indentation */
			type_search(&u, "lvl_002");
			check_named_rows(u.win[PANE_TREE], &labelled);
			y = find_row(u.win[PANE_TREE], "lvl_002");
			assert_null(strstr(row(u.win[PANE_TREE], y), "\u00b7"));
			assert_int_equal(col_of(row(u.win[PANE_TREE], y), "lvl_002"), 1 + 2 * 4 + 2);
			/* ] shifts the window: level 2 is at the left edge, labelled */
			ui_key(&u, ']');
			ui_draw(&u);
			assert_non_null(strstr(row(u.win[PANE_TREE], 0), "indent from level 4"));
			y = find_row(u.win[PANE_TREE], "lvl_002");
			assert_non_null(strstr(row(u.win[PANE_TREE], y), "\u00b72 lvl_002"));
			assert_int_equal(col_of(row(u.win[PANE_TREE], y), "\u00b72"), 1 + 2 * 2 + 2);
			y = find_row(u.win[PANE_TREE], "lvl_006");
			assert_int_equal(col_of(row(u.win[PANE_TREE], y), "\u00b76"), 1 + 2 * 4 + 2);
			ui_key(&u, '[');
			ui_key(&u, '[');
			ui_draw(&u);
			assert_null(strstr(row(u.win[PANE_TREE], 0), "indent from"));
			ui_state_free(&u);
			model_free(m);
		}
}

/* At 160 columns, rows deep in a tree keep 18 columns for the name: a
 * third of the name area left 14, and sqlite3DbMallocRaw, -RawNN and
 * -Zero all read "sqlite3DbMalloc…". */
static void test_deep_rows_long_names(void **state)
{
	struct model *m = deep_model_named(30, "_MallocRawNN");     /* 19 columns */
	struct ui u;
	int full = 0;

	(void)state;
	ui_state_init(&u, NULL, m);
	resizeterm(45, 160);
	ui_layout(&u);
	ui_draw(&u);
	type_search(&u, "lvl_029");
	for (int y = 2; y < getmaxy(u.win[PANE_TREE]) - 1; y++) {
		const char *r = row(u.win[PANE_TREE], y);
		int lv;

		if (strstr(r, "lvl_") && sscanf(strstr(r, "lvl_"), "lvl_%d", &lv) == 1 && lv >= 8) {
			char want[32];

			snprintf(want, sizeof(want), "lvl_%03d_MallocRaw", lv);
			assert_non_null(strstr(r, want));
			full++;
		}
	}
	assert_true(full > 10);
	ui_state_free(&u);
	model_free(m);
}

/* Thread 401: main > (parse_term > lex_next, parse_factor > lex_next)
 * x `cycles`, then the deepest parse_factor calls emit.  Thread 402:
 * fact nested `direct` levels deep, a leaf call below the deepest. */
static struct model *chain_model(int cycles, int direct)
{
	struct model *m = model_create(NULL);
	int d = 0;

	memset(seq, 0, sizeof(seq));
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":400,\"v\":1,\"ppid\":1,\"prog\":\"rec\",\"wall\":0,\"lib\":\"x\"}");
	enter(m, 400, 401, d++, "main");
	for (int i = 0; i < 2 * cycles; i++) {
		enter(m, 400, 401, d, i % 2 ? "parse_factor" : "parse_term");
		call(m, 400, 401, ++d, "lex_next", 5);
	}
	call(m, 400, 401, d, "emit", 7);
	for (int i = 2 * cycles - 1; i >= 0; i--)
		leave(m, 400, 401, --d, i % 2 ? "parse_factor" : "parse_term", 100 + i);
	leave(m, 400, 401, --d, "main", 100000);
	for (d = 0; d < direct; d++)
		enter(m, 400, 402, d, "fact");
	call(m, 400, 402, d, "leaf", 3);
	while (d-- > 0)
		leave(m, 400, 402, d, "fact", 10);
	return m;
}

static void test_recursion_folded(void **state)
{
	(void)state;
	for (int v = 0; v < 2; v++) {
		struct model *m = chain_model(100, 10000);
		struct tree_view tv;
		WINDOW *w = newwin(30, 160, 0, 0);
		int y, yf;

		tree_fit(&tv, m, w);
		if (v)
			tree_view_key(&tv, 'v');
		tree_view_key(&tv, '*');      /* expands the process and what is below */
		cursor_to(&tv, w, "main");
		tree_view_key(&tv, KEY_RIGHT);
		tree_view_draw(&tv, w, true);
		/* 200 levels of the cycle are one row, its level count beside */
		yf = find_row(w, "parse_term \u203a parse_factor \u00d7100 (200 levels, more calls inside: z)");
		assert_true(yf > 0);
		assert_int_equal(find_row(w, "\u25be main") + 1, yf);
		/* below it, the calls of the deepest level, at their real level */
		y = find_row(w, "\u00b7201 lex_next");
		assert_int_equal(y, yf + 1);
		assert_int_equal(find_row(w, "\u00b7201 emit"), yf + 2);
		/* moving through it: down, up, left land on the fold row and its children */
		cursor_to(&tv, w, "\u00d7100");
		tree_view_key(&tv, KEY_DOWN);
		tree_view_draw(&tv, w, true);
		assert_int_equal(2 + tv.cursor_row, y);
		tree_view_key(&tv, KEY_LEFT);
		tree_view_draw(&tv, w, true);
		assert_int_equal(2 + tv.cursor_row, yf);
		/* z unfolds it: one row a level; z on a level folds it again */
		tree_view_key(&tv, 'z');
		tree_view_draw(&tv, w, true);
		assert_int_equal(find_row(w, "\u00d7100"), -1);
		assert_non_null(strstr(row(w, yf), "parse_term"));
		assert_non_null(strstr(row(w, yf + 1), "lex_next"));
		assert_non_null(strstr(row(w, yf + 2), "parse_factor"));
		tree_view_key(&tv, KEY_DOWN);
		tree_view_key(&tv, KEY_DOWN);
		tree_view_key(&tv, 'z');
		tree_view_draw(&tv, w, true);
		assert_int_equal(2 + tv.cursor_row, yf);
		assert_non_null(strstr(row(w, yf), "\u00d7100"));
		/* C folds what z opened */
		tree_view_key(&tv, 'z');
		tree_view_key(&tv, 'C');
		tree_view_key(&tv, '*');
		tree_view_draw(&tv, w, true);
		assert_true(find_row(w, "\u00d7100") > 0);
		/* direct recursion 10,000 deep: one row; the leaf below at its level */
		tree_view_set_query(&tv, "leaf");
		tree_view_draw(&tv, w, true);
		assert_non_null(strstr(row(w, 2 + tv.cursor_row), "\u00b710000 leaf"));
		assert_non_null(strstr(row(w, 1 + tv.cursor_row), "fact \u00d710000 (10000 levels)"));
		/* a search inside a fold opens it and lands on a named row */
		tree_view_set_query(&tv, "emit");
		tree_view_draw(&tv, w, true);
		assert_non_null(strstr(row(w, 2 + tv.cursor_row), "emit"));
		tree_view_set_query(&tv, "lex_next");
		tree_view_draw(&tv, w, true);
		assert_non_null(strstr(row(w, 2 + tv.cursor_row), "lex_next"));
		tree_view_next_match(&tv, false);
		tree_view_next_match(&tv, false);
		tree_view_draw(&tv, w, true);
		assert_non_null(strstr(row(w, 2 + tv.cursor_row), "lex_next"));
		assert_non_null(strstr(tv.message, "match 3 of 200"));
		assert_int_equal(tree_real_depth(&tv, tree_view_cursor(&tv)), 2 + 4);
		tree_done(&tv, w, m);
	}
}

/* The calls pane's filters (F t, F h) apply to the profile too. */
static void test_profile_follows_filter(void **state)
{
	struct model *m = recursive_model();
	struct ui *u = profile_ui(m);
	WINDOW *w = u->win[PANE_TREE];

	(void)state;
	while (!strstr(row(w, 2 + u->tv.cursor_row), "101 worker-1")) {
		ui_key(u, KEY_DOWN);
		ui_draw(u);
	}
	ui_key(u, 'F');
	ui_key(u, 't');
	ui_key(u, 't');
	ui_draw(u);
	assert_non_null(strstr(row(w, 0), "Profile: thread 101 worker-1"));
	assert_non_null(strstr(row(w, find_row(w, " fib ")), " 3 "));
	/* everything again: the table follows at once */
	ui_key(u, 'F');
	ui_key(u, 'a');
	ui_draw(u);
	assert_non_null(strstr(row(w, 0), "Profile: all processes"));
	assert_non_null(strstr(row(w, find_row(w, " fib ")), " 4 "));
	/* a hidden function has no row */
	ui_key(u, 't');
	ui_key(u, 'j');
	ui_key(u, 'l');     /* main */
	ui_key(u, 'j');     /* main > fib */
	ui_draw(u);
	assert_non_null(strstr(row(w, 2 + u->tv.cursor_row), "fib"));
	ui_key(u, 'F');
	ui_key(u, 'h');
	ui_key(u, 't');
	ui_draw(u);
	assert_int_equal(find_row(w, " fib "), -1);
	assert_true(find_row(w, " main ") > 0);
	ui_state_free(u);
	model_free(m);
}

/* ---- time in the calls view ---------------------------------------------------- */

/* The call node drawn on row y of w (rows of the last frame). */
static const struct mcall *call_on_row(struct tree_view *tv, int y)
{
	const struct mnode *n = model_find(tv->m, tv->rows[y - 2].id);

	assert_non_null(n);
	assert_int_equal(mnode_kind(n), MN_CALL);
	return (const struct mcall *)n;
}

/* Column of the first timeline cell lit on row y, -1 when none. */
static int lit_from(WINDOW *w, int y)
{
	return col_of(row(w, y), "\u2588");
}

static void test_calls_time_columns(void **state)
{
	struct model *m = sample_model();
	struct tree_view tv;
	WINDOW *w = newwin(30, 100, 0, 0);
	char want[64];
	int y[3], k = 0;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	tree_fit(&tv, m, w);
	tree_view_key(&tv, 'v');
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 1), "start"));
	assert_non_null(strstr(row(w, 1), "timeline"));
	for (int i = 2; i < 30 && k < 3; i++)
		if (strstr(row(w, i), "handle_request"))
			y[k++] = i;
	assert_int_equal(k, 3);
	for (int i = 0; i < 3; i++) {
		const struct mcall *c = call_on_row(&tv, y[i]);
		long long d = c->start_ts - 1;   /* since the hello, at ts 1 */

		snprintf(want, sizeof(want), "+%lld.%06llds", d / 1000000000, d % 1000000000 / 1000);
		assert_non_null(strstr(row(w, y[i]), want));
	}
	/* three calls one after the other: their cells move right, the first
	 * starts the window and the last (running serve_forever) ends it */
	assert_true(lit_from(w, y[0]) < lit_from(w, y[1]));
	assert_true(lit_from(w, y[1]) < lit_from(w, y[2]));
	assert_int_equal(lit_from(w, y[0]), col_of(row(w, 1), "timeline") - 2);
	/* T: the wall clock from the hello (process 100); the child sent none */
	tree_view_key(&tv, 'T');
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 1), "wall clock"));
	const struct mcall *c = call_on_row(&tv, y[1]);
	long long wall = 1764100000000000000ll + (c->start_ts - 1);

	snprintf(want, sizeof(want), "19:46:%02lld.%06lld", wall / 1000000000 % 60 , wall % 1000000000 / 1000);
	assert_non_null(strstr(row(w, y[1]), want));
	int yc = find_row(w, "child_task");
	assert_non_null(strstr(row(w, yc), "+0."));
	assert_null(strstr(row(w, yc), "19:46:"));
	tree_view_key(&tv, 'T');
	tree_view_draw(&tv, w, true);
	snprintf(want, sizeof(want), "+%lld.%06llds", (long long)(c->start_ts - 1) / 1000000000,
		 (long long)(c->start_ts - 1) % 1000000000 / 1000);
	assert_non_null(strstr(row(w, y[1]), want));
	tree_done(&tv, w, m);
}

/* Thread 501: `n` calls of work, 1 us each, but for a few slow ones
 * (slow[i] at call slow_at[i]); then other calls. */
static struct model *work_model(const struct model_config *cfg, int n, const int *slow_at,
				const long *slow, int nslow)
{
	struct model *m = model_create(cfg);

	memset(seq, 0, sizeof(seq));
	feed(m, "{\"ev\":\"hello\",\"ts\":1,\"pid\":500,\"v\":1,\"ppid\":1,\"prog\":\"w\",\"wall\":0,\"lib\":\"x\"}");
	for (int i = 0; i < n; i++) {
		long d = 1000;

		for (int k = 0; k < nslow; k++)
			if (slow_at[k] == i)
				d = slow[k];
		call(m, 500, 501, 0, "work", d);
		call(m, 500, 501, 0, "other", 50);
	}
	return m;
}

static long cursor_dur(struct tree_view *tv)
{
	const struct mnode *n = tree_view_cursor(tv);

	assert_int_equal(mnode_kind(n), MN_CALL);
	assert_string_equal(((const struct mcall *)n)->path->fn->name, "work");
	return (long)((const struct mcall *)n)->dur_ns;
}

static void test_slowest_and_p99_steps(void **state)
{
	static const int at[] = { 50, 120, 380 };
	static const long dur[] = { 700000, 2000000, 900000 };
	struct model *m = work_model(NULL, 400, at, dur, 3);
	struct tree_view tv;
	WINDOW *w = newwin(30, 100, 0, 0);
	char d[24];

	(void)state;
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	cursor_to(&tv, w, "work");          /* the path, in the paths view */
	tree_view_key(&tv, 'M');
	tree_view_draw(&tv, w, true);
	assert_int_equal(tv.view, VIEW_CALLS);
	assert_int_equal(cursor_dur(&tv), 2000000);
	hist_format_ns(2000000, d, sizeof(d));
	assert_non_null(strstr(tv.message, "slowest call kept"));
	assert_non_null(strstr(tv.message, d));
	assert_null(strstr(tv.message, "not kept"));
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "work"));
	/* } { step through the calls slower than p99, in time order, wrapping */
	tree_view_key(&tv, '}');
	assert_int_equal(cursor_dur(&tv), 900000);
	assert_non_null(strstr(tv.message, "3 of 3"));
	tree_view_key(&tv, '}');
	assert_int_equal(cursor_dur(&tv), 700000);
	assert_non_null(strstr(tv.message, "1 of 3"));
	tree_view_key(&tv, '}');
	assert_int_equal(cursor_dur(&tv), 2000000);
	tree_view_key(&tv, '{');
	assert_int_equal(cursor_dur(&tv), 700000);
	tree_view_key(&tv, '{');
	assert_int_equal(cursor_dur(&tv), 900000);
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, 2 + tv.cursor_row), "work"));
	tree_done(&tv, w, m);

	/* the slowest call retired (only the newest calls kept): said so,
	 * with the path's max */
	struct model_config cfg = { .max_calls = 300 };
	static const int at2[] = { 3, 390 };
	static const long dur2[] = { 5000000, 40000 };

	m = work_model(&cfg, 400, at2, dur2, 2);
	w = newwin(30, 100, 0, 0);
	tree_fit(&tv, m, w);
	tree_view_key(&tv, 'v');
	tree_view_draw(&tv, w, true);
	cursor_to(&tv, w, "work");
	tree_view_key(&tv, 'M');
	assert_int_equal(cursor_dur(&tv), 40000);
	hist_format_ns(5000000, d, sizeof(d));
	assert_non_null(strstr(tv.message, "not kept"));
	assert_non_null(strstr(tv.message, d));
	tree_done(&tv, w, m);
}

/* Events dropped: the slowest call is the slowest received; with the
 * writer's exact stats, the path's exact max is said beside it. */
static void test_slowest_when_dropped(void **state)
{
	static const char *const lines[] = {
		"{\"ev\":\"hello\",\"ts\":1,\"pid\":6,\"v\":1,\"ppid\":1,\"prog\":\"p\"%s}",
		"{\"ev\":\"enter\",\"ts\":10,\"pid\":6,\"tid\":6,\"seq\":1,\"depth\":0,\"fn\":\"work\"}",
		"{\"ev\":\"exit\",\"ts\":30,\"pid\":6,\"tid\":6,\"seq\":2,\"depth\":0,\"fn\":\"work\",\"dur\":20}",
		"{\"ev\":\"drop\",\"ts\":31,\"pid\":6,\"tid\":6,\"count\":2}",
		"{\"ev\":\"enter\",\"ts\":90,\"pid\":6,\"tid\":6,\"seq\":5,\"depth\":0,\"fn\":\"work\"}",
		"{\"ev\":\"exit\",\"ts\":120,\"pid\":6,\"tid\":6,\"seq\":6,\"depth\":0,\"fn\":\"work\",\"dur\":30}",
		/* the dropped call (seq 3, 4) took 50 ns: only the stats know */
		"{\"ev\":\"stats\",\"ts\":130,\"pid\":6,\"tid\":6,\"nodes\":["
		"{\"id\":1,\"parent\":0,\"fn\":\"work\",\"count\":3,\"total\":100,\"self\":100,\"max\":50,"
		"\"hist\":[[4,1],[5,2]]}]}",
	};

	(void)state;
	for (int exact = 0; exact < 2; exact++) {
		struct model *m = model_create(NULL);
		struct tree_view tv;
		WINDOW *w = newwin(20, 100, 0, 0);

		feed(m, lines[0], exact ? ",\"stats_ms\":200" : "");
		for (size_t i = 1; i < sizeof(lines) / sizeof(lines[0]) - !exact; i++)
			feed(m, "%s", lines[i]);
		tree_fit(&tv, m, w);
		tree_view_draw(&tv, w, true);
		cursor_to(&tv, w, "work");
		tree_view_key(&tv, 'M');
		assert_int_equal(cursor_dur(&tv), 30);
		assert_non_null(strstr(tv.message, "slowest call received and kept: 30 ns"));
		if (exact)
			assert_non_null(strstr(tv.message, "the path's exact max 50 ns is a call lost or not kept"));
		else
			assert_non_null(strstr(tv.message, "% of events"));
		tree_done(&tv, w, m);
	}
}

/* ---- mouse ------------------------------------------------------------------- */

/* A mouse event through ncurses's own queue, as a terminal's would come. */
static void mouse(struct ui *u, int y, int x, mmask_t b)
{
	MEVENT me = { .id = 0, .x = x, .y = y, .z = 0, .bstate = b };

	assert_int_equal(ungetmouse(&me), OK);
	ui_key(u, KEY_MOUSE);
	ui_draw(u);
}

static void test_mouse(void **state)
{
	struct model *m = sample_model();
	struct ui u;
	WINDOW *w;
	int y, x;

	(void)state;
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	ui_state_init(&u, NULL, m);
	resizeterm(45, 160);
	ui_layout(&u);
	ui_draw(&u);
	w = u.win[PANE_TREE];
	/* a click on a row puts the cursor there */
	y = find_row(w, "handle_request");
	mouse(&u, getbegy(w) + y, getbegx(w) + 30, BUTTON1_PRESSED);
	assert_non_null(strstr(row(w, 2 + u.tv.cursor_row), "handle_request"));
	assert_int_equal(find_row(w, "db_query"), -1);
	/* a click on its mark opens it, another closes it */
	x = col_of(row(w, y), "\u25b8 handle_request");
	mouse(&u, getbegy(w) + y, getbegx(w) + x, BUTTON1_PRESSED);
	assert_int_equal(find_row(w, "db_query"), y + 1);
	assert_non_null(strstr(row(w, y), "\u25be handle_request"));
	mouse(&u, getbegy(w) + y, getbegx(w) + x, BUTTON1_PRESSED);
	assert_int_equal(find_row(w, "db_query"), -1);
	/* the wheel moves the cursor three rows */
	int before = u.tv.cursor_row;

	mouse(&u, getbegy(w) + 5, getbegx(w) + 10, BUTTON5_PRESSED);
	assert_int_equal(u.tv.cursor_row, before + 3);
	mouse(&u, getbegy(w) + 5, getbegx(w) + 10, BUTTON4_PRESSED);
	assert_int_equal(u.tv.cursor_row, before);
	/* a click in the exceptions pane focuses it and selects the row */
	WINDOW *ew = u.win[PANE_EXC];

	feed(m, "{\"ev\":\"exception\",\"ts\":%ld,\"pid\":100,\"tid\":102,\"seq\":%u,\"depth\":0,"
	     "\"fn\":\"serve_forever\",\"type\":\"Newer\",\"msg\":\"m\"}", ts++, ++seq[102]);
	ui_poll_model(&u);
	ui_draw(&u);
	assert_int_equal(u.focus, PANE_TREE);
	mouse(&u, getbegy(ew) + 3, getbegx(ew) + 5, BUTTON1_PRESSED);
	assert_int_equal(u.focus, PANE_EXC);
	assert_non_null(strstr(row(ew, 0), "1 newer"));
	assert_non_null(strstr(row(ew, 3), "db_query"));
	/* the profile view: a click on a column's header sorts by it */
	ui_key(&u, 't');
	ui_draw(&u);
	assert_non_null(strstr(row(w, 0), "by total"));
	x = col_of(row(w, 1), "calls");
	mouse(&u, getbegy(w) + 1, getbegx(w) + x + 1, BUTTON1_PRESSED);
	assert_non_null(strstr(row(w, 0), "by calls"));
	assert_non_null(strstr(row(w, 1), "calls\u25be"));
	/* and on a row selects it */
	y = find_row(w, " log_line ");
	mouse(&u, getbegy(w) + y, getbegx(w) + 4, BUTTON1_PRESSED);
	assert_int_equal(u.focus, PANE_TREE);
	assert_string_equal(profile_view_selected(&u.pv, &(const struct mnode *){ NULL })->fn->name, "log_line");
	ui_state_free(&u);
	model_free(m);
}

/* htop's and less's keys: F3 search, F5 profile, F10 quit; Space pages
 * in the list panes (exceptions, help), Enter folds in the tree. */
static void test_habit_keys(void **state)
{
	struct model *m = sample_model();
	struct ui u;

	(void)state;
	for (int i = 0; i < 30; i++)
		feed(m, "{\"ev\":\"exception\",\"ts\":%ld,\"pid\":100,\"tid\":102,\"seq\":%u,\"depth\":0,"
		     "\"fn\":\"serve_forever\",\"type\":\"E%d\",\"msg\":\"m\"}", ts++, ++seq[102], i);
	ui_state_init(&u, NULL, m);
	resizeterm(45, 160);
	ui_layout(&u);
	ui_draw(&u);
	ui_key(&u, KEY_F(3));
	assert_true(u.prompt);
	ui_key(&u, 'w');
	ui_key(&u, '\r');
	assert_false(u.prompt);
	assert_string_equal(u.tv.message, "match 1 of 3");   /* worker-1, worker-2, "no answer" */
	ui_key(&u, KEY_F(5));
	assert_true(u.pv.on);
	ui_key(&u, KEY_F(5));
	assert_false(u.pv.on);
	/* Space: a page down in the exceptions pane */
	ui_key(&u, '\t');
	ui_key(&u, '\t');
	assert_int_equal(u.focus, PANE_EXC);
	ui_draw(&u);
	ui_key(&u, ' ');
	ui_draw(&u);
	assert_non_null(strstr(row(u.win[PANE_EXC], 0), "newer"));
	size_t newer = exc_view_newer(&u.ev, m);

	assert_true(newer > 3);
	/* in the help, Space pages too */
	ui_key(&u, KEY_F(1));
	ui_key(&u, ' ');
	assert_true(u.help_scroll > 10);
	ui_key(&u, 'x');
	assert_int_equal(u.overlay, OV_NONE);
	/* F10 quits */
	ui_key(&u, KEY_F(10));
	assert_true(u.quit);
	ui_state_free(&u);
	model_free(m);
}

/* ---- safe drawing ----------------------------------------------------------- */

static void test_hostile_names(void **state)
{
	WINDOW *w = newwin(3, 40, 0, 0);
	const char *r;

	(void)state;
	werase(w);
	/* ESC, BEL, a C1 control, invalid UTF-8 */
	draw_text(w, 0, 0, 40, "a\x1b[31mb\x07" "c\xc2\x9b" "d\xff\xfe" "e", draw_attr(COL_NORMAL));
	r = row(w, 0);
	assert_null(strchr(r, '\x1b'));
	assert_null(strchr(r, '\x07'));
	assert_memory_equal(r, "a?[31mb?c?d\xef\xbf\xbd\xef\xbf\xbd" "e", strlen("a?[31mb?c?d") + 7);
	/* wide characters count two columns: the text after them lines up */
	werase(w);
	int used = draw_text(w, 1, 0, 40, "\u95a2\u6570x", draw_attr(COL_NORMAL));

	assert_int_equal(used, 5);
	assert_int_equal(draw_width("\u95a2\u6570x"), 5);
	/* too long: cut with an ellipsis inside the width */
	used = draw_text(w, 2, 0, 10, "abcdefghijklmnop", draw_attr(COL_NORMAL));
	assert_int_equal(used, 10);
	assert_non_null(strstr(row(w, 2), "abcdefghi\u2026"));
	delwin(w);
}

static void test_ascii_fallback(void **state)
{
	struct model *m = sample_model();
	struct tree_view tv;
	WINDOW *w = newwin(20, 100, 0, 0);

	(void)state;
	draw_force(false, false);
	tree_fit(&tv, m, w);
	tree_view_draw(&tv, w, true);
	assert_non_null(strstr(row(w, find_row(w, "100 demo")), "- 100 demo"));
	assert_non_null(strstr(row(w, find_row(w, "handle_request")), "+ handle_request"));
	for (int y = 0; y < 20; y++)
		for (const unsigned char *p = (const unsigned char *)row(w, y); *p; p++)
			if (*p >= 0x80 && y >= 2)
				fail_msg("non-ASCII byte in row %d: %s", y, row(w, y));
	tree_done(&tv, w, m);
}

/* NO_COLOR picks the monochrome row of the colour table. */
static void test_no_color(void **state)
{
	(void)state;
	unsetenv("NO_COLOR");
	draw_init_locale();
	draw_init_colours();
	assert_int_not_equal(PAIR_NUMBER(draw_attr(COL_CURSOR)), 0);   /* xterm-256color has colours */
	setenv("NO_COLOR", "1", 1);
	draw_init_locale();
	draw_init_colours();
	assert_int_equal(PAIR_NUMBER(draw_attr(COL_CURSOR)), 0);
	assert_int_equal(draw_attr(COL_CURSOR), A_REVERSE);
	unsetenv("NO_COLOR");
	/* draw_init_locale took the environment's locale: back to the tests' one */
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "C.utf8");
	draw_force(true, false);
}

/* Messages written to stderr while the screen is up come out afterwards. */
static void test_stderr_kept_off_screen(void **state)
{
	char path[] = "/tmp/pt-render-err.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char buf[256];
	ssize_t n;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	dup2(fd, 2);                       /* "the terminal" is this file */
	ui_stderr_capture();
	fprintf(stderr, "warning while curses runs\n");
	fflush(stderr);
	assert_int_equal(lseek(fd, 0, SEEK_END), 0);   /* nothing reached it yet */
	ui_stderr_release();
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	dup2(saved, 2);
	close(saved);
	close(fd);
	assert_true(n > 0);
	buf[n] = 0;
	assert_string_equal(buf, "warning while curses runs\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_tree_rows, per_test),
		cmocka_unit_test_setup(test_tree_expand_collapse, per_test),
		cmocka_unit_test_setup(test_tree_live_update_keeps_state, per_test),
		cmocka_unit_test_setup(test_calls_view, per_test),
		cmocka_unit_test_setup(test_search, per_test),
		cmocka_unit_test_setup(test_expand_subtree_and_follow, per_test),
		cmocka_unit_test_setup(test_search_highlight, per_test),
		cmocka_unit_test_setup(test_long_sibling_lists, per_test),
		cmocka_unit_test_setup(test_sort_children, per_test),
		cmocka_unit_test_setup(test_histogram, per_test),
		cmocka_unit_test_setup(test_histogram_clock_step, per_test),
		cmocka_unit_test_setup(test_self_time, per_test),
		cmocka_unit_test_setup(test_unseen_and_longjmp, per_test),
		cmocka_unit_test_setup(test_exceptions_and_jump, per_test),
		cmocka_unit_test_setup(test_status_line, per_test),
		cmocka_unit_test_setup(test_depth_limit_shown, per_test),
		cmocka_unit_test_setup(test_filter_shown, per_test),
		cmocka_unit_test_setup(test_status_drops_and_incomplete, per_test),
		cmocka_unit_test_setup(test_sample_marked, per_test),
		cmocka_unit_test_setup(test_stats_exact_marked, per_test),
		cmocka_unit_test_setup(test_status_sample_caveats_in_calls_view, per_test),
		cmocka_unit_test_setup(test_stats_unbacked_paths_hidden, per_test),
		cmocka_unit_test_setup(test_status_narrow_keeps_losses, per_test),
		cmocka_unit_test_setup(test_collapsed_row_exceptions, per_test),
		cmocka_unit_test_setup(test_running_mark_alignment, per_test),
		cmocka_unit_test_setup(test_histogram_keeps_tail, per_test),
		cmocka_unit_test_setup(test_follow_newest_thread, per_test),
		cmocka_unit_test_setup(test_exceptions_follow_and_hold, per_test),
		cmocka_unit_test_setup(test_layouts_and_too_small, per_test),
		cmocka_unit_test_setup(test_profile_view, per_test),
		cmocka_unit_test_setup(test_profile_long_names, per_test),
		cmocka_unit_test_setup(test_profile_scope_callers, per_test),
		cmocka_unit_test_setup(test_profile_lazy_resort, per_test),
		cmocka_unit_test_setup(test_profile_save, per_test),
		cmocka_unit_test_setup(test_profile_follows_filter, per_test),
		cmocka_unit_test_setup(test_profile_exact_from_stats, per_test),
		cmocka_unit_test_setup(test_mouse, per_test),
		cmocka_unit_test_setup(test_habit_keys, per_test),
		cmocka_unit_test_setup(test_deep_rows_keep_names, per_test),
		cmocka_unit_test_setup(test_deep_rows_long_names, per_test),
		cmocka_unit_test_setup(test_recursion_folded, per_test),
		cmocka_unit_test_setup(test_calls_time_columns, per_test),
		cmocka_unit_test_setup(test_slowest_and_p99_steps, per_test),
		cmocka_unit_test_setup(test_slowest_when_dropped, per_test),
		cmocka_unit_test_setup(test_hostile_names, per_test),
		cmocka_unit_test_setup(test_ascii_fallback, per_test),
		cmocka_unit_test_setup(test_no_color, per_test),
		cmocka_unit_test_setup(test_stderr_kept_off_screen, per_test),
	};

	return cmocka_run_group_tests(tests, setup_screen, teardown_screen);
}
