/* bench_frame.c - the cost of one frame of pipetrace-tui on a big model.
 *
 * Builds a calls-view model of about 1,000,000 nodes (4 threads x 2,500
 * root calls x 99 children; every other root call expanded), then times
 * whole frames - placing the rows, walking them, drawing every pane into a
 * headless curses screen and sending it to /dev/null - while paging down
 * through the tree and jumping around it.  A second model holds one
 * thread with 1,000,000 collapsed root calls: the worst case for moving up
 * (sibling lists have no back links).  A third holds 100 recursions
 * 10,000 levels deep: frames with them folded, and deep inside one
 * unfolded, the model changing between frames.  Prints medians; the last
 * line is tui_frame_ms=<median>. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "model.h"
#include "ui_int.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of this thread: the machine's load does not add to it. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static double p90(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n * 9 / 10];
}

static void ev_call(struct model *m, int tid, int depth, const char *fn, int64_t *ts, uint64_t *seq,
		    bool leave, int64_t dur)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.pid = 1000;
	e.tid = tid;
	e.fn.s = fn;
	e.fn.len = strlen(fn);
	e.depth = depth;
	e.kind = leave ? EV_EXIT : EV_ENTER;
	e.ts = (*ts += 10);
	e.seq = ++*seq;
	e.dur = dur;
	model_apply(m, &e);
}

static void hello(struct model *m)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.kind = EV_HELLO;
	e.pid = 1000;
	e.ts = 1;
	e.version = 1;
	e.prog.s = "bench";
	e.prog.len = 5;
	e.depth = -1;
	model_apply(m, &e);
}

/* threads x roots x (1 + children) calls. */
static struct model *build(int threads, int roots, int children)
{
	static const char *const names[] = { "parse", "lookup", "render", "db_query", "log_line",
					     "compress", "encode", "send" };
	struct model_config cfg = { .max_calls = 4000000 };
	struct model *m = model_create(&cfg);
	int64_t ts = 100;

	hello(m);
	for (int t = 0; t < threads; t++) {
		uint64_t seq = 0;

		for (int r = 0; r < roots; r++) {
			ev_call(m, 1001 + t, 0, "handle_request", &ts, &seq, false, 0);
			for (int c = 0; c < children; c++) {
				const char *fn = names[(r + c) % 8];

				ev_call(m, 1001 + t, 1, fn, &ts, &seq, false, 0);
				ev_call(m, 1001 + t, 1, fn, &ts, &seq, true, 1000 + (c * 7919) % 100000);
			}
			ev_call(m, 1001 + t, 0, "handle_request", &ts, &seq, true, 200000 + r);
		}
	}
	return m;
}

static int64_t deep_ts = 100;
static uint64_t deep_seq;

/* `roots` calls of main, each a parse_term > parse_factor chain `levels`
 * deep with a lex_next call at every level (calls view). */
static struct model *build_deep(int roots, int levels)
{
	struct model_config cfg = { .max_calls = 4000000 };
	struct model *m = model_create(&cfg);

	hello(m);
	for (int r = 0; r < roots; r++) {
		ev_call(m, 1, 0, "main", &deep_ts, &deep_seq, false, 0);
		for (int d = 1; d <= levels; d++) {
			ev_call(m, 1, d, d % 2 ? "parse_term" : "parse_factor", &deep_ts, &deep_seq, false, 0);
			ev_call(m, 1, d + 1, "lex_next", &deep_ts, &deep_seq, false, 0);
			ev_call(m, 1, d + 1, "lex_next", &deep_ts, &deep_seq, true, 10);
		}
		for (int d = levels; d >= 1; d--)
			ev_call(m, 1, d, d % 2 ? "parse_term" : "parse_factor", &deep_ts, &deep_seq, true,
				10 * (levels - d + 1));
		ev_call(m, 1, 0, "main", &deep_ts, &deep_seq, true, 10 * levels + 10);
	}
	return m;
}

/* One thread: main calling n distinct functions once each, every one of
 * them calling a shared leaf. */
static struct model *build_funcs(int n)
{
	struct model *m = model_create(NULL);
	int64_t ts = 100;
	uint64_t seq = 0;
	char fn[32];

	hello(m);
	ev_call(m, 1001, 0, "main", &ts, &seq, false, 0);
	for (int i = 0; i < n; i++) {
		snprintf(fn, sizeof(fn), "fn_%06d", i);
		ev_call(m, 1001, 1, fn, &ts, &seq, false, 0);
		ev_call(m, 1001, 2, "leaf", &ts, &seq, false, 0);
		ev_call(m, 1001, 2, "leaf", &ts, &seq, true, 10 + i % 7);
		ev_call(m, 1001, 1, fn, &ts, &seq, true, 100 + (i * 7919) % 100000);
	}
	ev_call(m, 1001, 0, "main", &ts, &seq, true, ts - 100);
	return m;
}

static double frame(struct ui *u)
{
	double t0 = now_ms();

	u->dirty |= DIRTY_ALL & ~DIRTY_LAYOUT;
	ui_draw(u);
	return now_ms() - t0;
}

int main(void)
{
	enum { FRAMES = 300 };
	static double t[FRAMES];
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *scr;
	struct model_stats ms;
	struct model *m;
	struct ui u;
	double t0, build_ms;

	setlocale(LC_ALL, "C.UTF-8");
	scr = out && in ? newterm("xterm-256color", out, in) : NULL;
	if (!scr) {
		fprintf(stderr, "bench_frame: no headless screen (terminfo for xterm-256color?)\n");
		return 1;
	}
	resizeterm(50, 200);
	draw_force(true, true);

	t0 = now_ms();
	m = build(4, 2500, 99);
	build_ms = now_ms() - t0;
	model_get_stats(m, &ms);
	printf("model: %llu calls kept, %llu paths, %.0f MiB, built in %.0f ms\n",
	       (unsigned long long)ms.calls_kept, (unsigned long long)ms.paths, ms.bytes / 1048576.0, build_ms);

	ui_state_init(&u, NULL, m);
	ui_layout(&u);
	ui_key(&u, 'v');   /* calls view: one node per call */
	frame(&u);
	/* expand every other root call of every thread */
	for (const struct mnode *p = model_first_child(m, VIEW_CALLS, NULL); p; p = model_next_sibling(m, VIEW_CALLS, p))
		for (const struct mnode *th = model_first_child(m, VIEW_CALLS, p); th;
		     th = model_next_sibling(m, VIEW_CALLS, th)) {
			int i = 0;

			for (const struct mnode *c = model_first_child(m, VIEW_CALLS, th); c;
			     c = model_next_sibling(m, VIEW_CALLS, c), i++)
				if (i % 2 == 0)
					idset_put(&u.tv.toggled, c->id);
		}

	/* paging down: each frame is a fresh place + walk + draw of all panes */
	for (int i = 0; i < FRAMES; i++) {
		ui_key(&u, KEY_NPAGE);
		t[i] = frame(&u);
	}
	double page_med = median(t, FRAMES), page_p90 = p90(t, FRAMES);

	/* a frame with nothing moved (the cost of a data-driven redraw) */
	for (int i = 0; i < FRAMES; i++)
		t[i] = frame(&u);
	double still_med = median(t, FRAMES);

	/* deep in the tree: search jumps to the last match, then frames there */
	double search_ms = now_ms();

	ui_key(&u, '/');
	ui_key(&u, 's');
	ui_key(&u, 'e');
	ui_key(&u, 'n');
	ui_key(&u, 'd');
	ui_key(&u, '\r');
	search_ms = (now_ms() - search_ms) / 4;   /* one full search per typed letter */
	ui_key(&u, 'N');
	frame(&u);
	for (int i = 0; i < FRAMES; i++) {
		ui_key(&u, i % 2 ? KEY_PPAGE : KEY_UP);
		t[i] = frame(&u);
	}
	double up_med = median(t, FRAMES);

	/* follow mode: the cursor goes to the last row every frame */
	ui_key(&u, VIEW_KEY_ESC);
	ui_key(&u, 'G');
	for (int i = 0; i < FRAMES; i++) {
		ui_poll_model(&u);
		u.tv.follow = true;
		tree_view_follow(&u.tv);
		t[i] = frame(&u);
	}
	double follow_med = median(t, FRAMES);

	/* filtered (F): one function hidden (its rows replaced by their
	 * children), calls under 50 us left out; the status line's count
	 * walks every kept call (once a second while the model changes) */
	u.tv.follow = false;
	ui_key(&u, 'g');
	u.tv.scope.min_ns = 50000;
	scope_toggle_hidden(&u.tv.scope, model_func_find(m, "handle_request"));
	u.tv.scope_stamp++;
	double recount_ms = now_ms();
	ui_scope_recount(&u);
	recount_ms = now_ms() - recount_ms;
	frame(&u);
	for (int i = 0; i < FRAMES; i++) {
		ui_key(&u, KEY_NPAGE);
		t[i] = frame(&u);
	}
	double filt_med = median(t, FRAMES), filt_p90 = p90(t, FRAMES);
	memset(&u.tv.scope, 0, sizeof(u.tv.scope));
	u.tv.scope_stamp++;

	/* sorted by duration (s): the key's frame sorts every list it walks;
	 * then paging down, and a frame after the once-a-second re-sort */
	u.tv.follow = false;
	ui_key(&u, 'g');
	frame(&u);
	double sort_key = now_ms();

	ui_key(&u, 's');
	frame(&u);
	sort_key = now_ms() - sort_key;
	for (int i = 0; i < FRAMES; i++) {
		ui_key(&u, KEY_NPAGE);
		t[i] = frame(&u);
	}
	double sorted_med = median(t, FRAMES), sorted_p90 = p90(t, FRAMES);

	for (int i = 0; i < 50; i++) {
		u.tv.sort_epoch++;   /* what tree_view_resort does when the model moved */
		t[i] = frame(&u);
	}
	double resort_med = median(t, 50);
	ui_state_free(&u);
	model_free(m);

	/* one thread with a million collapsed root calls: moving up */
	m = build(1, 1000000, 0);
	ui_state_init(&u, NULL, m);
	ui_layout(&u);
	ui_key(&u, 'v');
	ui_key(&u, 'G');
	frame(&u);
	for (int i = 0; i < 50; i++) {
		double s = now_ms();

		ui_key(&u, KEY_PPAGE);
		frame(&u);
		t[i] = now_ms() - s;
	}
	double flat_up = median(t, 50);

	for (int i = 0; i < 50; i++) {
		double s = now_ms();

		u.tv.follow = true;
		tree_view_follow(&u.tv);
		frame(&u);
		t[i] = now_ms() - s;
	}
	double flat_follow = median(t, 50);

	/* filtered to the thread (F t): the same moves up */
	u.tv.follow = false;
	u.tv.scope.only = model_first_child(m, VIEW_CALLS, model_first_child(m, VIEW_CALLS, NULL))->id;
	u.tv.scope_stamp++;
	ui_key(&u, 'G');
	frame(&u);
	for (int i = 0; i < 50; i++) {
		double s = now_ms();

		ui_key(&u, KEY_PPAGE);
		frame(&u);
		t[i] = now_ms() - s;
	}
	double flat_filt_up = median(t, 50);
	memset(&u.tv.scope, 0, sizeof(u.tv.scope));
	u.tv.scope_stamp++;

	/* the same million root calls sorted: one sort of the whole list */
	double flat_sort = now_ms();

	ui_key(&u, 's');
	frame(&u);
	flat_sort = now_ms() - flat_sort;
	ui_key(&u, 'G');
	frame(&u);
	for (int i = 0; i < 20; i++) {
		double s = now_ms();

		ui_key(&u, KEY_PPAGE);
		frame(&u);
		t[i] = now_ms() - s;
	}
	double flat_sorted_up = median(t, 20);

	for (int i = 0; i < 20; i++) {
		double s = now_ms();

		u.tv.follow = true;
		tree_view_follow(&u.tv);
		frame(&u);
		t[i] = now_ms() - s;
	}
	double flat_sorted_follow = median(t, 20);

	ui_state_free(&u);
	model_free(m);

	/* deep recursion: 100 calls of main, each a parse_term > parse_factor
	 * chain 10,000 levels deep (a lex_next call at every level), 2M nodes;
	 * paths view, every chain folded into one row */
	double deep_page, deep_unfold, deep_inside, deep_live;

	m = build_deep(100, 10000);
	ui_state_init(&u, NULL, m);
	ui_layout(&u);
	ui_key(&u, 'v');
	ui_key(&u, '*');
	frame(&u);
	for (int i = 0; i < 50; i++) {
		ui_key(&u, i < 25 ? KEY_NPAGE : KEY_PPAGE);
		t[i] = frame(&u);
	}
	deep_page = median(t, 50);
	/* as above, with the model changing before every frame (live data:
	 * what the pane keeps about folds is recomputed) */
	for (int i = 0; i < 50; i++) {
		ev_call(m, 2, 0, "tick", &deep_ts, &deep_seq, false, 0);
		ev_call(m, 2, 0, "tick", &deep_ts, &deep_seq, true, 5);
		ui_key(&u, i < 25 ? KEY_NPAGE : KEY_PPAGE);
		t[i] = frame(&u);
	}
	deep_live = median(t, 50);
	/* unfolded (z), every level open: the frames deep in the chain */
	ui_key(&u, 'g');
	ui_key(&u, 'j');
	ui_key(&u, 'j');
	ui_key(&u, 'j');
	deep_unfold = now_ms();
	ui_key(&u, 'z');
	ui_key(&u, '*');
	frame(&u);
	deep_unfold = now_ms() - deep_unfold;
	for (int i = 0; i < 50; i++) {
		ev_call(m, 2, 0, "tick", &deep_ts, &deep_seq, false, 0);
		ev_call(m, 2, 0, "tick", &deep_ts, &deep_seq, true, 5);
		for (int k = 0; k < 40; k++)
			ui_key(&u, KEY_NPAGE);
		t[i] = frame(&u);
	}
	deep_inside = median(t, 50);
	ui_state_free(&u);
	model_free(m);

	/* the profile view over 100,000 distinct functions, each called under
	 * main (and calling a shared leaf) on one thread: the table made again
	 * and sorted (what happens about once a second while data arrives),
	 * for the whole run (the model's per-function figures) and for the
	 * thread (its 200,001 paths added up); frames while paging.  The
	 * re-sorts in CPU time (this thread's), as the machine may be busy */
	double prof_all, prof_thread, prof_key, prof_page, prof_live;

	m = build_funcs(100000);
	ui_state_init(&u, NULL, m);
	ui_layout(&u);
	ui_key(&u, 't');
	frame(&u);
	for (int i = 0; i < 20; i++) {
		double s = cpu_ms();

		profile_view_refresh(&u.pv, true);
		t[i] = cpu_ms() - s;
	}
	prof_all = median(t, 20);
	for (int i = 0; i < FRAMES; i++) {
		ui_key(&u, KEY_NPAGE);
		t[i] = frame(&u);
	}
	prof_page = median(t, FRAMES);
	/* the same with the model changed before every frame (live data:
	 * the shares' whole is summed again) */
	int64_t fts = 1000000000;
	uint64_t fseq = 10000000;

	for (int i = 0; i < 50; i++) {
		ev_call(m, 1002, 0, "tick", &fts, &fseq, false, 0);
		ev_call(m, 1002, 0, "tick", &fts, &fseq, true, 5);
		ui_poll_model(&u);
		ui_key(&u, i < 25 ? KEY_NPAGE : KEY_PPAGE);
		t[i] = frame(&u);
	}
	prof_live = median(t, 50);
	prof_key = cpu_ms();
	ui_key(&u, '>');
	frame(&u);
	prof_key = cpu_ms() - prof_key;
	ui_key(&u, 'a');    /* the cursor's process */
	ui_key(&u, 'a');    /* its thread */
	frame(&u);
	for (int i = 0; i < 10; i++) {
		double s = cpu_ms();

		profile_view_refresh(&u.pv, true);
		t[i] = cpu_ms() - s;
	}
	prof_thread = median(t, 10);
	ui_state_free(&u);
	model_free(m);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);

	printf("frame, paging down (1M nodes, half expanded): median %.3f ms, p90 %.3f ms\n", page_med, page_p90);
	printf("frame, redraw in place:                       median %.3f ms\n", still_med);
	printf("frame, up/PgUp deep in the tree:              median %.3f ms\n", up_med);
	printf("frame, follow mode (cursor to last row):      median %.3f ms\n", follow_med);
	printf("search keystroke (all matches of 1M nodes):   mean %.1f ms\n", search_ms);
	printf("PgUp + frame, 1M collapsed siblings:          median %.3f ms\n", flat_up);
	printf("follow + frame, 1M collapsed siblings:        median %.3f ms\n", flat_follow);
	printf("filtered to the thread: PgUp + frame, 1M sibl.: median %.3f ms\n", flat_filt_up);
	printf("filtered (a function hidden, calls < 50 us): frame, paging: median %.3f ms, p90 %.3f ms\n",
	       filt_med, filt_p90);
	printf("filtered: count of the calls hidden (1M calls walked):        %.1f ms\n", recount_ms);
	printf("sorted by duration: s key + frame (1M nodes): %.3f ms\n", sort_key);
	printf("sorted: frame, paging down:                   median %.3f ms, p90 %.3f ms\n", sorted_med, sorted_p90);
	printf("sorted: frame after a re-sort (1 a second):   median %.3f ms\n", resort_med);
	printf("sorted: s key + frame, 1M collapsed siblings: %.1f ms\n", flat_sort);
	printf("sorted: PgUp + frame at the end of 1M sibl.:  median %.1f ms\n", flat_sorted_up);
	printf("sorted: follow + frame, 1M collapsed sibl.:   median %.1f ms\n", flat_sorted_follow);
	printf("deep recursion (2M nodes, chains 10k deep): frame, folded, paging:      median %.3f ms\n", deep_page);
	printf("deep recursion: frame, folded, paging, model changed before each frame: median %.3f ms\n", deep_live);
	printf("deep recursion: z + * + frame (unfold a 10k chain, open every level):  %.1f ms\n", deep_unfold);
	printf("deep recursion: frame 1,000-odd levels down an unfolded chain, live:   median %.3f ms\n", deep_inside);
	printf("profile view, 100k functions: table made and sorted, whole run: median %.1f ms CPU\n", prof_all);
	printf("profile view, 100k functions: the same for one thread (200k paths): median %.1f ms CPU\n", prof_thread);
	printf("profile view, 100k functions: > key (sort by the next column) + frame: %.1f ms CPU\n", prof_key);
	printf("profile view, 100k functions: frame, paging down:                  median %.3f ms\n", prof_page);
	printf("profile view, 100k functions: frame, paging, model changed before each: median %.3f ms\n", prof_live);
	printf("tui_profile_resort_ms=%.1f\n", prof_all);
	printf("tui_frame_ms=%.3f\n", page_med);
	return 0;
}
