/* test_model.c - the trace model: data-driven cases from tests/data/model
 * (a folder per case: `input` event lines read with event_parse,
 * `expected` dump) and cmocka tests
 * of what is easier to state in C (retirement against an unbounded model,
 * random event soup, memory per call, model_find of retired calls).
 *
 * Input lines starting with '#' are directives:
 *   #max_calls N / #max_exceptions N / #max_paths N  (before the first event)
 *   #vanish PID   #end                 model_process_vanished / end_of_input
 *   #search paths|calls QUERY          prints the matches in tree order
 *   # anything else                    a comment
 * Set MODEL_UPDATE_EXPECTED=1 to (re)write the expected files; read them
 * before committing. */
#include <config.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_testutil.h"
#include "search.h"
#include "xorshift.h"

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t r = fread(buf + n, 1, 4096, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void run_search(struct model *m, const char *args, FILE *out)
{
	enum model_view view = VIEW_PATHS;
	if (!strncmp(args, "calls ", 6)) {
		view = VIEW_CALLS;
		args += 6;
	} else if (!strncmp(args, "paths ", 6)) {
		args += 6;
	}
	struct search *s = search_create(args);
	assert_non_null(s);
	node_id ids[256];
	size_t n = search_collect(s, m, view, ids, 256);
	fprintf(out, "search %s \"%s\": %zu\n", view == VIEW_PATHS ? "paths" : "calls", args, n);
	char label[512];
	for (size_t i = 0; i < n && i < 256; i++) {
		const struct mnode *node = model_find(m, ids[i]);
		assert_non_null(node);
		assert_true(search_node_matches(s, m, node));
		fprintf(out, "  %s\n", model_node_label(m, node, label, sizeof(label)));
	}
	search_free(s);
}

/* Applies a case's input and returns the text to compare. */
static char *run_input(char *input, size_t *outlen)
{
	struct model_config cfg = { 0 };
	struct model *m = NULL;
	char *text = NULL;
	FILE *out = open_memstream(&text, outlen);
	assert_non_null(out);
	struct event_parser *parser = event_parser_create();
	struct event *ev = malloc(sizeof(*ev));  /* large: EVENT_STACK_MAX strings */
	assert_non_null(parser);
	assert_non_null(ev);
	for (char *line = strtok(input, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#') {
			unsigned long long v;
			if (sscanf(line, "#max_calls %llu", &v) == 1) {
				assert_null(m);
				cfg.max_calls = v;
			} else if (sscanf(line, "#max_exceptions %llu", &v) == 1) {
				assert_null(m);
				cfg.max_exceptions = v;
			} else if (sscanf(line, "#max_paths %llu", &v) == 1) {
				assert_null(m);
				cfg.max_paths = (uint32_t)v;
			} else if (sscanf(line, "#vanish %llu", &v) == 1) {
				model_process_vanished(m, (int32_t)v);
			} else if (!strcmp(line, "#end")) {
				model_end_of_input(m);
			} else if (!strncmp(line, "#search ", 8)) {
				run_search(m, line + 8, out);
			}
			continue;
		}
		if (!m)
			m = model_create(&cfg);
		struct event_error err;
		if (event_parse(parser, line, strlen(line), ev, &err) != EVENT_OK) {
			fprintf(out, "not an event (%s): %s\n", err.text, line);
			continue;
		}
		model_apply(m, ev);
		tu_check_invariants(m);
	}
	if (!m)
		m = model_create(&cfg);
	fputs("== paths\n", out);
	model_dump(m, VIEW_PATHS, out);
	fputs("== calls\n", out);
	model_dump(m, VIEW_CALLS, out);
	fputs("== summary\n", out);
	model_dump_summary(m, out);
	fclose(out);
	model_free(m);
	event_parser_free(parser);
	free(ev);
	return text;
}

static void test_case(void **state)
{
	const char *dir = *state;
	char path[4096];
	size_t inlen, outlen, explen = 0;
	snprintf(path, sizeof(path), "%s/input", dir);
	char *input = read_file(path, &inlen);
	assert_non_null(input);
	char *got = run_input(input, &outlen);
	snprintf(path, sizeof(path), "%s/expected", dir);
	if (getenv("MODEL_UPDATE_EXPECTED")) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fwrite(got, 1, outlen, f);
		fclose(f);
	}
	char *want = read_file(path, &explen);
	if (!want || explen != outlen || memcmp(want, got, outlen)) {
		/* Show the first line that differs, and keep the whole output. */
		size_t i = 0, lstart = 0, lineno = 1;
		while (want && i < explen && i < outlen && want[i] == got[i]) {
			if (got[i] == '\n') {
				lstart = i + 1;
				lineno++;
			}
			i++;
		}
		const char *slash = strrchr(dir, '/');
		char actual[4096];
		snprintf(actual, sizeof(actual), "%s/tests/model-%s.actual",
			 getenv("top_builddir") ? getenv("top_builddir") : ".", slash ? slash + 1 : dir);
		FILE *f = fopen(actual, "w");
		if (f) {
			fwrite(got, 1, outlen, f);
			fclose(f);
		}
		print_error("%s: differs at line %zu:\n  got:  %.*s\n  want: %.*s\n  (full output in %s)\n",
			    dir, lineno, (int)strcspn(got + lstart, "\n"), got + lstart,
			    want ? (int)strcspn(want + lstart, "\n") : 0, want ? want + lstart : "",
			    actual);
		fail();
	}
	free(want);
	free(got);
	free(input);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- tests stated in C ----------------------------------------------- */

static uint64_t rnd_state = 88172645463325252u;
static uint64_t rnd(void)
{
	return xorshift64(&rnd_state);
}

/* A well-formed nested workload on a few threads, fed to two models. */
static void feed_workload(struct model **ms, size_t nm, int ncalls)
{
	static const char *fns[] = { "main", "parse", "lex", "emit", "alloc", "free" };
	int64_t ts = 1000;
	uint64_t seq[4] = { 0 };
	int depth[4] = { 0 };
	const char *open[4][16];
	int64_t start[4][16];
	for (int i = 0; i < ncalls * 2; i++) {
		int t = (int)(rnd() % 4);
		ts += (int64_t)(rnd() % 5000);
		bool enter = depth[t] == 0 || (depth[t] < 15 && rnd() % 2);
		for (size_t k = 0; k < nm; k++) {
			if (enter)
				tu_enter(ms[k], ts, 100, 100 + t, seq[t] + 1, depth[t], fns[i % 6]);
			else
				tu_exit(ms[k], ts, 100, 100 + t, seq[t] + 1, depth[t] - 1,
					open[t][depth[t] - 1], ts - start[t][depth[t] - 1]);
		}
		seq[t]++;
		if (enter) {
			open[t][depth[t]] = fns[i % 6];
			start[t][depth[t]] = ts;
			depth[t]++;
		} else {
			depth[t]--;
		}
	}
}

/* Retirement bounds the calls kept and changes nothing in the merged view,
 * the function figures or the histograms. */
static void test_retire_keeps_figures(void **state)
{
	struct model_config small = { .max_calls = 100 };
	struct model *ms[2] = { model_create(NULL), model_create(&small) };
	feed_workload(ms, 2, 50000);
	struct model_stats a, b;
	model_get_stats(ms[0], &a);
	model_get_stats(ms[1], &b);
	assert_int_equal(a.calls, b.calls);
	assert_int_equal(a.calls_retired, 0);
	assert_true(b.calls_retired > 0);
	/* Open calls cannot be retired: at most 4 threads x 16 deep. */
	assert_true(b.calls_kept <= 100 + 64);
	assert_int_equal(tu_check_invariants(ms[1]), b.calls_kept);

	char *ta = NULL, *tb = NULL;
	size_t la, lb;
	FILE *fa = open_memstream(&ta, &la), *fb = open_memstream(&tb, &lb);
	model_dump(ms[0], VIEW_PATHS, fa);
	model_dump(ms[1], VIEW_PATHS, fb);
	fclose(fa);
	fclose(fb);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
	for (size_t i = 0; i < model_func_count(ms[0]); i++) {
		const struct mfunc *fa1 = model_func_at(ms[0], i), *fb1 = model_func_at(ms[1], i);
		assert_string_equal(fa1->name, fb1->name);
		assert_memory_equal(&fa1->hist, &fb1->hist, sizeof(fa1->hist));
	}
	assert_memory_equal(model_all_hist(ms[0]), model_all_hist(ms[1]), sizeof(struct hist));

	/* The kept calls are the newest: each thread's kept root calls are
	 * the tail of the unbounded model's. */
	const struct mthread *ta1 = ((const struct mprocess *)model_first_child(ms[0], VIEW_CALLS, NULL))->threads;
	const struct mthread *tb1 = ((const struct mprocess *)model_first_child(ms[1], VIEW_CALLS, NULL))->threads;
	int threads = 0;
	for (; ta1 && tb1; ta1 = ta1->next, tb1 = tb1->next, threads++) {
		size_t na = 0, nb = 0;
		for (const struct mcall *c = ta1->calls; c; c = c->next)
			na++;
		for (const struct mcall *c = tb1->calls; c; c = c->next)
			nb++;
		assert_true(nb < na);
		const struct mcall *ca = ta1->calls, *cb = tb1->calls;
		for (size_t i = 0; i < na - nb; i++)
			ca = ca->next;
		for (; ca && cb; ca = ca->next, cb = cb->next) {
			assert_int_equal(ca->start_ts, cb->start_ts);
			assert_int_equal(ca->dur_ns, cb->dur_ns);
		}
		assert_null(ca);
		assert_null(cb);
	}
	assert_int_equal(threads, 4);
	model_free(ms[0]);
	model_free(ms[1]);
}

/* model_find gives NULL for a retired call and the call while kept. */
static void test_find_retired(void **state)
{
	struct model_config cfg = { .max_calls = 64 };
	struct model *m = model_create(&cfg);
	node_id first = 0, last = 0;
	for (int i = 0; i < 1000; i++) {
		tu_enter(m, i * 10, 1, 1, (uint64_t)i * 2 + 1, 0, "f");
		const struct mthread *t = ((const struct mprocess *)model_first_child(m, VIEW_CALLS, NULL))->threads;
		const struct mcall *c = t->calls;
		while (c->next)
			c = c->next;
		last = c->node.id;
		if (!first)
			first = last;
		assert_ptr_equal(model_find(m, last), &c->node);
		tu_exit(m, i * 10 + 5, 1, 1, (uint64_t)i * 2 + 2, 0, "f", 5);
	}
	assert_null(model_find(m, first));
	assert_non_null(model_find(m, last));
	assert_null(model_find(m, 0));
	assert_null(model_find(m, last + 4000));  /* never existed */
	struct model_stats st;
	model_get_stats(m, &st);
	assert_true(st.calls_kept <= 64);
	assert_int_equal(st.calls_kept + st.calls_retired, 1000);
	const struct mfunc *f = model_func_find(m, "f");
	assert_non_null(f);
	assert_int_equal(f->calls, 1000);
	assert_int_equal(f->total_ns, 5000);
	model_free(m);
}

/* A long recursion (fib-like) keeps every level; unwinding and finishing
 * it gives the right self times, and an inclusive time counted once. */
static void test_deep_recursion(void **state)
{
	struct model *m = model_create(NULL);
	int depth = 5000;
	uint64_t seq = 1;
	for (int d = 0; d < depth; d++)
		tu_enter(m, d, 7, 7, seq++, d, "fib");
	for (int d = depth - 1; d >= 0; d--)
		tu_exit(m, 2 * depth - d, 7, 7, seq++, d, "fib", 2 * (depth - d) - 1);
	struct model_stats st;
	model_get_stats(m, &st);
	assert_int_equal(st.paths, depth);
	assert_int_equal(st.depth_mismatches, 0);
	const struct mfunc *f = model_func_find(m, "fib");
	assert_int_equal(f->calls, depth);
	/* each level's own time is 2 ns except the innermost (1 ns) */
	assert_int_equal(f->self_ns, 2 * (uint64_t)depth - 1);
	/* inclusive: the outermost call's time, not the sum over levels */
	assert_int_equal(f->total_ns, 2 * (uint64_t)depth - 1);
	assert_int_equal(f->hist.sum_ns, (uint64_t)depth * depth);
	tu_check_invariants(m);
	model_free(m);
}

/* A random call tree with consistent times, as event records. */
struct gen_ev {
	bool enter;
	int depth;
	int fn;
	int64_t ts, dur;
};

static int64_t gen_tree(struct gen_ev *out, size_t *n, size_t cap, int depth, int64_t ts)
{
	static const int fanout[] = { 0, 1, 2, 3 };
	size_t me = (*n)++;
	int64_t start = ts;
	ts += 1 + (int64_t)(rnd() % 10);
	int kids = depth >= 8 || *n + 64 > cap ? 0 : fanout[rnd() % 4];
	for (int k = 0; k < kids; k++)
		ts = gen_tree(out, n, cap, depth + 1, ts) + (int64_t)(rnd() % 5);
	ts += 1 + (int64_t)(rnd() % 10);
	int fn = (int)(rnd() % 5);
	out[me] = (struct gen_ev){ .enter = true, .depth = depth, .fn = fn, .ts = start };
	out[(*n)++] = (struct gen_ev){ .enter = false, .depth = depth, .fn = fn, .ts = ts,
				       .dur = ts - start };
	return ts;
}

/* Attaching in the middle of a run: whatever prefix of events is missing,
 * every call's time is counted once, so the self times of all functions
 * add up to the outermost call's duration, and each function's inclusive
 * time is that of its outermost calls; and exits without enters adopt
 * the calls that ran inside them, so the calls view has one root. */
static void test_mid_run_self_times(void **state)
{
	static const char *fns[] = { "a", "b", "c", "d", "e" };
	enum { CAP = 4096 };
	struct gen_ev *evs = malloc(CAP * sizeof(*evs));
	assert_non_null(evs);
	int unsure = 0;
	for (int round = 0; round < 200; round++) {
		size_t n = 0;
		int64_t end;
		do {
			n = 0;
			end = gen_tree(evs, &n, CAP, 0, 0);
		} while (n < 8);
		/* gen_tree wrote each exit after its children: reorder into
		 * time order (stable, ties keep generation order). */
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && evs[j - 1].ts > evs[j].ts; j--) {
				struct gen_ev tmp = evs[j];
				evs[j] = evs[j - 1];
				evs[j - 1] = tmp;
			}
		size_t cut = (size_t)(rnd() % (n - 1));
		/* half the rounds also retire calls, adopted ones included */
		struct model_config cfg = { .max_calls = round % 2 ? 5 : 0 };
		struct model *m = model_create(&cfg);
		for (size_t i = cut; i < n; i++) {
			if (evs[i].enter)
				tu_enter(m, evs[i].ts, 1, 1, 0, evs[i].depth, fns[evs[i].fn]);
			else
				tu_exit(m, evs[i].ts, 1, 1, 0, evs[i].depth, fns[evs[i].fn], evs[i].dur);
		}
		/* with everything kept, the calls view nests like the tree did:
		 * the outermost call holds every other one */
		if (!cfg.max_calls) {
			const struct mthread *th = ((const struct mprocess *)
				model_first_child(m, VIEW_CALLS, NULL))->threads;
			assert_non_null(th->calls);
			assert_null(th->calls->next);
			assert_int_equal(th->calls->dur_ns, end);
		}
		uint64_t self = 0;
		for (size_t i = 0; i < model_func_count(m); i++)
			self += model_func_at(m, i)->self_ns;
		assert_int_equal(self, (uint64_t)end);
		/* Each function's inclusive time: its calls seen (those whose
		 * exit came) that are not inside another seen call of it. */
		for (int fn = 0; fn < 5; fn++) {
			uint64_t want = 0;
			for (size_t i = cut; i < n; i++) {
				if (evs[i].enter || evs[i].fn != fn)
					continue;
				int64_t s = evs[i].ts - evs[i].dur;
				bool inside = false;
				for (size_t j = cut; j < n && !inside; j++)
					inside = j != i && !evs[j].enter && evs[j].fn == fn &&
						 evs[j].ts - evs[j].dur <= s && evs[j].ts >= evs[i].ts &&
						 evs[j].depth < evs[i].depth;
				if (!inside)
					want += (uint64_t)evs[i].dur;
			}
			const struct mfunc *f = model_func_find(m, fns[fn]);
			struct model_stats ns;
			model_get_stats(m, &ns);
			if (!ns.nest_unsure)
				assert_int_equal(f ? f->total_ns : 0, want);
			else
				unsure++;
		}
		struct model_stats st;
		model_get_stats(m, &st);
		if (cut == 0) {
			assert_int_equal(st.calls_partial, 0);
			assert_int_equal(st.depth_mismatches, 0);
		}
		tu_check_invariants(m);
		model_free(m);
	}
	print_message("inclusive times marked unsure in %d of 1000\n", unsure);
	free(evs);
}

/* Enters past MODEL_MAX_DEPTH open calls are counted and ignored, and so
 * are their exits: no partial calls appear for them. */
static void test_too_deep(void **state)
{
	struct model_config cfg = { .max_depth = 65536 };
	struct model *m = model_create(&cfg);
	int n = 65536 + 10;
	for (int d = 0; d < n; d++)
		tu_enter(m, d, 1, 1, 0, d, "r");
	for (int d = n - 1; d >= 0; d--)
		tu_exit(m, 2 * n - d, 1, 1, 0, d, "r", 2 * (n - d) - 1);
	struct model_stats st;
	model_get_stats(m, &st);
	assert_int_equal(st.too_deep, 20);
	assert_int_equal(st.calls_partial, 0);
	assert_int_equal(st.depth_mismatches, 0);
	assert_int_equal(model_func_find(m, "r")->calls, 65536);
	model_free(m);
}

/* A correct trace far deeper than the old bound of 65,536 open calls (an
 * interpreter's test suite reached 220,000): nothing ignored, every call
 * counted, the figures right. */
static void test_deep_trace_kept(void **state)
{
	struct model *m = model_create(NULL);
	int n = 200000;
	uint64_t seq = 1;
	for (int d = 0; d < n; d++)
		tu_enter(m, d, 1, 1, seq++, d, d % 2 ? "eval" : "apply");
	for (int d = n - 1; d >= 0; d--)
		tu_exit(m, 2 * n - d, 1, 1, seq++, d, d % 2 ? "eval" : "apply", 2 * (n - d) - 1);
	struct model_stats st;
	model_get_stats(m, &st);
	assert_int_equal(st.too_deep, 0);
	assert_int_equal(st.calls, n);
	assert_int_equal(st.depth_mismatches, 0);
	assert_int_equal(model_func_find(m, "eval")->calls, n / 2);
	/* inclusive: each function's outermost call only */
	assert_int_equal(model_func_find(m, "apply")->total_ns, 2 * (uint64_t)n - 1);
	assert_int_equal(model_func_find(m, "eval")->total_ns, 2 * (uint64_t)n - 3);
	model_free(m);
}

/* Past max_paths a recursion's calls share their root path: the path
 * stays running while any of them is open, and stops with the last. */
static void test_flat_paths_running(void **state)
{
	struct model_config cfg = { .max_paths = 3 };
	struct model *m = model_create(&cfg);
	for (int d = 0; d < 10; d++)
		tu_enter(m, d, 1, 1, (uint64_t)d + 1, d, "f");
	const struct mnode *root = model_first_child(m, VIEW_PATHS, model_first_child(m, VIEW_PATHS,
						      model_first_child(m, VIEW_PATHS, NULL)));
	const struct mpath *p = (const struct mpath *)root;
	assert_string_equal(p->fn->name, "f");
	assert_true(p->running);
	for (int d = 9; d >= 1; d--) {
		tu_exit(m, 20 - d, 1, 1, 20 - (uint64_t)d, d, "f", 1);
		assert_true(p->running);      /* the call at depth 0 is open */
	}
	tu_exit(m, 30, 1, 1, 30, 0, "f", 30);
	assert_false(p->running);
	/* inclusive time: the outermost call's, recursion or not */
	assert_int_equal(model_func_find(m, "f")->total_ns, 30);
	tu_check_invariants(m);
	model_free(m);
}

/* Calls that stay open (each thread's main loop, started at different
 * times) must not keep much retired memory alive around them. */
static void test_open_calls_pin_little(void **state)
{
	struct model_config cfg = { .max_calls = 1000 };
	struct model *m = model_create(&cfg);
	int64_t ts = 0;
	for (int32_t t = 1; t <= 500; t++) {
		tu_enter(m, ts++, 1, t, 1, 0, "worker_loop");
		for (int i = 0; i < 1000; i++) {
			tu_enter(m, ts++, 1, t, 0, 1, "handle");
			tu_exit(m, ts++, 1, t, 0, 1, "handle", 1);
		}
	}
	struct model_stats st;
	model_get_stats(m, &st);
	assert_int_equal(st.calls, 500 * 1001);
	assert_true(st.calls_kept <= 1000 + 500);
	print_message("500 open loops, 500k calls, max_calls 1000: %zu bytes\n", st.bytes);
	assert_true(st.bytes < 20u << 20);
	tu_check_invariants(m);
	model_free(m);
}

/* An exit without its enter adopts only the newest orphans (the walk is
 * bounded), the older ones stay where they were: under the "(callers not
 * seen)" node, as they came with nothing open. */
static void test_adoption_bounded(void **state)
{
	struct model *m = model_create(NULL);
	for (int i = 0; i < 100; i++)
		tu_exit(m, 10 + i, 1, 1, 0, 2, "leaf", 1);
	tu_exit(m, 200, 1, 1, 0, 1, "mid", 150);
	const struct mthread *t = ((const struct mprocess *)model_first_child(m, VIEW_CALLS, NULL))->threads;
	size_t roots = 0, kids = 0;
	const struct mcall *last = NULL;
	assert_non_null(t->calls);
	assert_null(t->calls->next);
	assert_true(t->calls->path->fn->marker);
	for (const struct mcall *c = t->calls->children; c; c = c->next) {
		roots++;
		last = c;
	}
	for (const struct mcall *c = last->children; c; c = c->next) {
		kids++;
		assert_ptr_equal(c->parent, last);
	}
	assert_string_equal(last->path->fn->name, "mid");
	assert_int_equal(kids, 64);
	assert_int_equal(roots, 100 - 64 + 1);
	/* its self time still takes all 100 orphans into account */
	assert_int_equal(model_func_find(m, "mid")->self_ns, 50);
	tu_check_invariants(m);
	model_free(m);
}

/* Random, mostly nonsensical sequences: nothing crashes, invariants hold. */
static void test_random_soup(void **state)
{
	static const char *fns[] = { "a", "b", "c", "", "d\x01" };
	struct model_config cfg = { .max_calls = 50, .max_exceptions = 7 };
	struct model *m = model_create(&cfg);
	for (int i = 0; i < 200000; i++) {
		int32_t pid = (int32_t)(rnd() % 3);
		int32_t tid = (int32_t)(rnd() % 4);
		int32_t depth = (int32_t)(rnd() % 6) - (rnd() % 50 == 0 ? 3 : 0);
		uint64_t seq = rnd() % 100;
		int64_t ts = (int64_t)(rnd() % 1000000) - 1000;
		const char *fn = fns[rnd() % 5];
		switch (rnd() % 12) {
		case 0: tu_hello(m, ts, pid, "p"); break;
		case 1: tu_bye(m, ts, pid); break;
		case 2: tu_thread(m, ts, pid, tid, fn); break;
		case 3: tu_exception(m, ts, pid, tid, seq, depth, fn, "T", "m"); break;
		case 4: model_process_vanished(m, pid); break;
		case 5: {
			struct event e = tu_ev(EV_DROP, ts, pid, tid);
			e.count = rnd() % 10;
			model_apply(m, &e);
			break;
		}
		case 6: case 7: case 8:
			tu_enter(m, ts, pid, tid, seq, depth, fn);
			break;
		default:
			tu_exit(m, ts, pid, tid, seq, depth, fn, (int64_t)(rnd() % 100000) - 10);
			break;
		}
		if (i % 10000 == 0)
			tu_check_invariants(m);
	}
	model_end_of_input(m);
	tu_check_invariants(m);
	assert_true(model_exception_count(m) <= 7);
	for (size_t i = 0; i + 1 < model_exception_count(m); i++)
		assert_true(model_exception_at(m, i)->id > model_exception_at(m, i + 1)->id);
	model_free(m);
}

/* What model_subtree_exceptions() must give, counted the slow way. */
static uint64_t subtree_exc_walk(const struct model *m, enum model_view v, const struct mnode *n)
{
	uint64_t sum = 0;
	if (mnode_kind(n) == MN_PATH)
		sum = ((const struct mpath *)n)->exceptions;
	else if (mnode_kind(n) == MN_CALL)
		sum = ((const struct mcall *)n)->has_exception;
	for (const struct mnode *c = model_first_child(m, v, n); c; c = model_next_sibling(m, v, c))
		sum += subtree_exc_walk(m, v, c);
	return sum;
}

static void check_subtree_exceptions(const struct model *m)
{
	for (const struct mnode *p = model_first_child(m, VIEW_PATHS, NULL); p;
	     p = model_next_sibling(m, VIEW_PATHS, p)) {
		uint64_t threads = 0;
		for (const struct mnode *t = model_first_child(m, VIEW_PATHS, p); t;
		     t = model_next_sibling(m, VIEW_PATHS, t)) {
			uint64_t te = model_subtree_exceptions(m, t);
			/* a thread also counts exceptions raised with no call open */
			assert_true(te >= subtree_exc_walk(m, VIEW_PATHS, t));
			threads += te;
		}
		assert_int_equal(model_subtree_exceptions(m, p), threads);
	}
	for (const struct mnode *n = model_next_preorder(m, VIEW_PATHS, NULL, NULL); n;
	     n = model_next_preorder(m, VIEW_PATHS, n, NULL))
		if (mnode_kind(n) == MN_PATH)
			assert_int_equal(model_subtree_exceptions(m, n), subtree_exc_walk(m, VIEW_PATHS, n));
	for (const struct mnode *n = model_next_preorder(m, VIEW_CALLS, NULL, NULL); n;
	     n = model_next_preorder(m, VIEW_CALLS, n, NULL))
		if (mnode_kind(n) == MN_CALL)
			assert_int_equal(model_subtree_exceptions(m, n),
					 subtree_exc_walk(m, VIEW_CALLS, n) > 0);
}

/* A collapsed row shows the exceptions below it: the model keeps them per
 * subtree as events arrive.  Checked against a walk of the tree while
 * calls are open and after they end, on a hand-made case and on random
 * input (lost enters and exits, exits adopting orphans or without a
 * duration, exceptions raised with nothing open or on an outer call). */
static void test_subtree_exceptions(void **state)
{
	struct model *m = model_create(NULL);
	tu_enter(m, 1, 1, 1, 1, 0, "main");
	tu_enter(m, 2, 1, 1, 2, 1, "op_report");
	tu_enter(m, 3, 1, 1, 3, 2, "db_query");
	tu_exception(m, 4, 1, 1, 4, 2, "db_query", "TimeoutError", "slow");
	const struct mthread *t = (const struct mthread *)model_first_child(m, VIEW_PATHS,
						model_first_child(m, VIEW_PATHS, NULL));
	const struct mnode *mainp = model_first_child(m, VIEW_PATHS, &t->node);
	const struct mnode *op = model_first_child(m, VIEW_PATHS, mainp);
	const struct mnode *mainc = model_first_child(m, VIEW_CALLS, &t->node);
	/* all open: the count comes from the open frames */
	assert_int_equal(model_subtree_exceptions(m, op), 1);
	assert_int_equal(model_subtree_exceptions(m, mainp), 1);
	assert_int_equal(((const struct mpath *)op)->exceptions, 0);
	assert_int_equal(model_subtree_exceptions(m, mainc), 1);
	tu_exit(m, 5, 1, 1, 5, 2, "db_query", 2);
	tu_exit(m, 6, 1, 1, 6, 1, "op_report", 4);
	for (int i = 0; i < 9; i++) {
		tu_enter(m, 10 + 4 * i, 1, 1, 7 + 4 * i, 1, "op_report");
		tu_enter(m, 11 + 4 * i, 1, 1, 8 + 4 * i, 2, "db_query");
		tu_exception(m, 12 + 4 * i, 1, 1, 9 + 4 * i, 2, "db_query", "TimeoutError", "slow");
		tu_exit(m, 13 + 4 * i, 1, 1, 10 + 4 * i, 2, "db_query", 1);
		if (i < 8)
			tu_exit(m, 13 + 4 * i, 1, 1, 11 + 4 * i, 1, "op_report", 3);
	}
	/* op_report: 9 finished calls' worth plus one open */
	assert_int_equal(model_subtree_exceptions(m, op), 10);
	assert_int_equal(model_subtree_exceptions(m, &t->node), 10);
	check_subtree_exceptions(m);
	model_end_of_input(m);
	assert_int_equal(model_subtree_exceptions(m, op), 10);
	assert_int_equal(model_subtree_exceptions(m, mainp), 10);
	check_subtree_exceptions(m);
	model_free(m);

	static const char *fns[] = { "a", "b", "c" };
	m = model_create(NULL);
	for (int i = 0; i < 60000; i++) {
		int32_t pid = 1 + (int32_t)(rnd() % 2), tid = (int32_t)(rnd() % 3);
		int32_t depth = (int32_t)(rnd() % 5);
		const char *fn = fns[rnd() % 3];
		switch (rnd() % 10) {
		case 0: case 1: tu_exception(m, i, pid, tid, 0, depth, fn, "T", "m"); break;
		case 2: case 3: case 4: case 5: tu_enter(m, i, pid, tid, 0, depth, fn); break;
		case 6: if (rnd() % 50 == 0) tu_bye(m, i, pid); break;
		default: /* some exits without a duration */
			tu_exit(m, i, pid, tid, 0, depth, fn, rnd() % 8 ? 1 + (int64_t)(rnd() % 100) : -1);
			break;
		}
		if (i % 5000 == 0)
			check_subtree_exceptions(m);
	}
	check_subtree_exceptions(m);
	model_end_of_input(m);
	check_subtree_exceptions(m);
	model_free(m);
}

/* The memory the model reports per kept call stays within the target. */
static void test_bytes_per_call(void **state)
{
	struct model *m = model_create(NULL);
	struct model_stats before, after;
	tu_enter(m, 0, 1, 1, 1, 0, "main");
	model_get_stats(m, &before);
	int n = 200000;
	for (int i = 0; i < n; i++) {
		tu_enter(m, 10 * i, 1, 1, 0, 1, (i & 1) ? "work" : "sleep");
		tu_exit(m, 10 * i + 5, 1, 1, 0, 1, (i & 1) ? "work" : "sleep", 5);
	}
	model_get_stats(m, &after);
	assert_int_equal(after.calls_kept, n + 1);
	double per = (double)(after.bytes - before.bytes) / n;
	print_message("bytes per kept call: %.1f\n", per);
	assert_true(per <= 72);
	model_free(m);
}

/* Processes are listed by pid and threads by tid, whatever order their
 * events arrive in (libpipetrace flushes the newest thread first); a pid
 * used again comes after its earlier entry. */
static void test_list_order(void **state)
{
	struct model *m = model_create(NULL);
	tu_enter(m, 1, 30, 33, 1, 0, "w");
	tu_enter(m, 2, 30, 31, 1, 0, "main");
	tu_enter(m, 3, 20, 20, 1, 0, "main");
	tu_enter(m, 4, 30, 32, 1, 0, "w");
	tu_enter(m, 5, 30, 30, 1, 0, "main");
	tu_enter(m, 6, 25, 25, 1, 0, "main");
	tu_bye(m, 7, 20);
	tu_hello(m, 8, 20, "again");
	int32_t want_pid[] = { 20, 20, 25, 30 };
	int32_t want_tid[] = { 30, 31, 32, 33 };
	size_t i = 0;
	for (const struct mnode *n = model_first_child(m, VIEW_CALLS, NULL); n;
	     n = model_next_sibling(m, VIEW_CALLS, n), i++) {
		const struct mprocess *p = (const struct mprocess *)n;
		assert_true(i < 4);
		assert_int_equal(p->pid, want_pid[i]);
		if (i == 0)
			assert_int_equal(p->state, PROC_EXITED);
		if (i == 1)
			assert_string_equal(p->prog, "again");
		if (p->pid != 30)
			continue;
		size_t k = 0;
		for (const struct mthread *t = p->threads; t; t = t->next, k++) {
			assert_true(k < 4);
			assert_int_equal(t->tid, want_tid[k]);
		}
		assert_int_equal(k, 4);
	}
	assert_int_equal(i, 4);
	tu_check_invariants(m);
	model_free(m);
}

/* A path's histogram is exact at every count: with one and two calls it is
 * read from count, total and max (no histogram kept yet), from the third
 * on from the compact histogram seeded with those two. */
static void test_path_hist_first_calls(void **state)
{
	static const int64_t durs[][4] = {
		{ 5, 5, 5, 5 },             /* equal */
		{ 3000, 7, 900000, 1 },     /* longest first, then a new minimum */
		{ 7, 3000, 2, 1 << 30 },    /* longest second, then a new maximum */
		{ 0, 0, 1, 0 },             /* zero durations */
	};
	for (size_t k = 0; k < sizeof(durs) / sizeof(durs[0]); k++) {
		struct model *m = model_create(NULL);
		struct hist want, got;
		hist_init(&want);
		int64_t ts = 0;
		node_id id = 0;
		for (int i = 0; i < 4; i++) {
			tu_enter(m, ts, 1, 1, 0, 0, "f");
			ts += durs[k][i];
			tu_exit(m, ts++, 1, 1, 0, 0, "f", durs[k][i]);
			hist_add(&want, (uint64_t)durs[k][i]);
			if (!id)
				id = model_first_child(m, VIEW_PATHS, model_first_child(m, VIEW_PATHS,
						model_first_child(m, VIEW_PATHS, NULL)))->id;
			const struct mpath *p = (const struct mpath *)model_find(m, id);
			assert_int_equal(p->count, i + 1);
			model_path_hist(m, p, &got);
			assert_memory_equal(&got, &want, sizeof(got));
		}
		model_free(m);
	}
}

/* A path's compact histogram expands to exactly the histogram of its
 * calls' durations (the same as its function's when the function is called
 * from nowhere else), whichever way its span grew, also past its inline
 * buckets.  Its span is just the buckets used. */
static void test_path_hist(void **state)
{
	struct model *m = model_create(NULL);
	enum { NF = 12 };
	struct hist want[NF];
	char fns[NF][8];
	uint64_t seed = 99;
	int64_t ts = 0;
	for (int f = 0; f < NF; f++) {
		snprintf(fns[f], sizeof(fns[f]), "f%d", f);
		hist_init(&want[f]);
	}
	tu_enter(m, ts++, 1, 1, 0, 0, "main");
	for (int i = 0; i < 20000; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		int f = (int)((seed >> 40) % NF);
		/* f's durations span f + 1 buckets around 2^(10 + f) ns */
		int b = 10 + f - (int)((seed >> 20) % (uint64_t)(f + 1)) + f / 2;
		uint64_t dur = (UINT64_C(1) << b) + (seed >> 8) % (UINT64_C(1) << b);
		tu_enter(m, ts, 1, 1, 0, 1, fns[f]);
		ts += (int64_t)dur;
		tu_exit(m, ts++, 1, 1, 0, 1, fns[f], (int64_t)dur);
		hist_add(&want[f], dur);
	}
	int n = 0;
	node_id id0 = 0;
	const struct mnode *mainp = model_first_child(m, VIEW_PATHS, model_first_child(m, VIEW_PATHS,
							model_first_child(m, VIEW_PATHS, NULL)));
	assert_non_null(mainp);
	for (const struct mnode *c = model_first_child(m, VIEW_PATHS, mainp); c;
	     c = model_next_sibling(m, VIEW_PATHS, c), n++) {
		const struct mpath *p = (const struct mpath *)c;
		int f = atoi(p->fn->name + 1);
		if (f == 0)
			id0 = c->id;
		struct hist got;
		model_path_hist(m, p, &got);
		assert_memory_equal(&got, &want[f], sizeof(got));
		assert_memory_equal(&got, &model_func_find(m, p->fn->name)->hist, sizeof(got));
	}
	assert_int_equal(n, NF);
	/* f0's one bucket, widened downward past what fits in the path. */
	tu_enter(m, ts, 1, 1, 0, 1, "f0");
	tu_exit(m, ts += 2, 1, 1, 0, 1, "f0", 1);
	hist_add(&want[0], 1);
	const struct mpath *p0 = (const struct mpath *)model_find(m, id0);
	assert_non_null(p0);
	assert_string_equal(p0->fn->name, "f0");
	struct hist got;
	model_path_hist(m, p0, &got);
	assert_memory_equal(&got, &want[0], sizeof(got));
	tu_check_invariants(m);
	model_free(m);
}

/* What a finished merged path costs, all told (the path, its share of the
 * lookup tables): a full histogram in every path made it 442 bytes, a
 * compact one inside it 218; an 80-byte path with its histogram kept apart
 * (paths of one call have none) about 87.  The functions are interned and
 * the kept calls capped beforehand, so that only the paths are measured. */
static void test_bytes_per_path(void **state)
{
	struct model_config cfg = { .max_calls = 100 };
	struct model *m = model_create(&cfg);
	struct model_stats before, after;
	char fn[16];
	int64_t ts = 0;
	for (int t = 1; t <= 11; t++) {
		if (t == 2)
			model_get_stats(m, &before);
		for (int i = 0; i < 2000; i++) {
			snprintf(fn, sizeof(fn), "g%d", i);
			tu_enter(m, ts++, 1, t, 0, 0, fn);
			tu_exit(m, ts++, 1, t, 0, 0, fn, 3 + i % 5);
		}
	}
	model_get_stats(m, &after);
	uint64_t paths = after.paths - before.paths;
	assert_int_equal(paths, 20000);
	assert_true(after.calls_kept <= 100);
	double per = (double)(after.bytes - before.bytes) / (double)paths;
	print_message("bytes per finished path: %.1f\n", per);
	assert_true(per <= 96);
	model_free(m);
}

/* A program's trace with events lost here and there, as a reader that
 * cannot keep up gets it: every lost enter or exit puts the calls after it
 * under callers they never had, so merged paths that never happened keep
 * appearing (issue 9, item 22: the monitor's memory grew while events were
 * dropped).  With the kept calls capped, memory must stop growing once the
 * paths reach max_paths too: measured with the model's own byte count. */
static void test_lossy_memory_plateau(void **state)
{
	enum { THREADS = 2, FNS = 40, MAXD = 10, EVENTS = 1500000 };
	struct model_config cfg = { .max_calls = 20000, .max_paths = 4000 };
	struct model *m = model_create(&cfg);
	char names[FNS][8];
	int fnof[THREADS][MAXD + 1], depth[THREADS] = { 0 };
	uint64_t seq[THREADS] = { 0 }, lost[THREADS] = { 0 };
	size_t bytes_at[3] = { 0 };
	int64_t ts = 1;
	(void)state;
	for (int i = 0; i < FNS; i++)
		snprintf(names[i], sizeof(names[i]), "f%d", i);
	for (long i = 0; i < EVENTS; i++) {
		int t = (int)(rnd() % THREADS), d = depth[t];
		bool enter = d == 0 || (d < MAXD && rnd() % 2);
		/* a callee depends on its caller: the program has few paths */
		int fn = enter ? (d ? (fnof[t][d - 1] * 7 + (int)(rnd() % 2)) % FNS : 0) : fnof[t][d - 1];
		ts += 10;
		if (enter)
			fnof[t][depth[t]++] = fn;
		else
			depth[t]--;
		seq[t]++;
		if (rnd() % 20 == 0) {   /* lost, and reported */
			lost[t]++;
		} else {
			if (lost[t]) {
				struct event e = tu_ev(EV_DROP, ts, 1, t + 1);
				e.count = lost[t];
				model_apply(m, &e);
				lost[t] = 0;
			}
			if (enter)
				tu_enter(m, ts, 1, t + 1, seq[t], depth[t] - 1, names[fn]);
			else
				tu_exit(m, ts, 1, t + 1, seq[t], depth[t], names[fn], 5);
		}
		/* the most held in each third (the call chunks come and go) */
		if (i % 1000 == 0) {
			struct model_stats st;
			model_get_stats(m, &st);
			size_t *b = &bytes_at[i / (EVENTS / 3)];
			if (st.bytes > *b)
				*b = st.bytes;
		}
	}
	struct model_stats st;
	model_get_stats(m, &st);
	print_message("most bytes in each third: %zu %zu %zu; paths %llu, calls put flat %llu\n",
		      bytes_at[0], bytes_at[1], bytes_at[2], (unsigned long long)st.paths,
		      (unsigned long long)st.calls_flattened);
	/* flat over the last third (without a bound on the paths: +10 %) */
	assert_true(bytes_at[2] <= bytes_at[1] + bytes_at[1] / 100);
	/* the bound: max_paths, plus one top-level path per function and thread */
	assert_true(st.paths <= cfg.max_paths + THREADS * FNS);
	assert_true(st.calls_flattened > 0);
	assert_true(st.calls_kept <= cfg.max_calls);
	/* and no event was taken for lost: the drops are the reports */
	assert_int_equal(st.unaccounted, 0);
	tu_check_invariants(m);
	model_free(m);
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/data/model", top ? top : ".");
	char *names[1024];
	size_t n = 0;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) && n < 1024) {
			if (de->d_name[0] == '.')
				continue;
			char p[4096 + 256];
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			names[n++] = strdup(p);
		}
		closedir(d);
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	enum { C_TESTS = 24 };   /* room for the tests stated in C below */
	struct CMUnitTest *tests = calloc(n + C_TESTS, sizeof(*tests));
	size_t k = 0;
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_retire_keeps_figures);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_find_retired);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_deep_recursion);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_mid_run_self_times);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_too_deep);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_deep_trace_kept);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_flat_paths_running);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_open_calls_pin_little);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_adoption_bounded);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_random_soup);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_bytes_per_call);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_path_hist);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_bytes_per_path);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_path_hist_first_calls);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_list_order);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_subtree_exceptions);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_lossy_memory_plateau);
	if (k > C_TESTS)
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(names[i], '/');
		tests[k++] = (struct CMUnitTest){ .name = slash + 1, .test_func = test_case,
						  .initial_state = names[i] };
	}
	if (n == 0)
		fprintf(stderr, "test_model: no cases found under %s\n", dir);
	int rc = _cmocka_run_group_tests("model", tests, k, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(tests);
	return rc || n == 0;
}
