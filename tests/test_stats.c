/* test_stats.c - exact figures from stats lines, against the truth.
 *
 * A simulated writer runs random programs (threads, recursion, exceptions,
 * a tid used again after its tally) and feeds two models: one every event
 * and no stats (the lossless truth), the other a hello with stats_ms, the
 * events with most of them dropped, and stats lines as libpipetrace sends
 * them (PROTOCOL.md): a call-path trie per thread, cumulative figures of
 * the nodes changed since the last line, fn and parent only the first
 * time on a connection, everything again after a reconnect, a node's
 * first entry never before its parent's (as libpipetrace does), the rest
 * in any order, split over lines of at most 4096 bytes, parsed by
 * event_parse().  Every path, function, thread and the whole run must
 * have the same figures in both, and the second model's subtree
 * exceptions must add up. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_testutil.h"
#include "xorshift.h"

static uint64_t rs = 0x1234567;

static uint64_t rnd(uint64_t n)
{
	return n ? xorshift64(&rs) % n : 0;
}

static const char *const fnames[] = { "main", "parse", "term", "factor", "eval", "lookup",
				      "alloc", "free_", "hash" };
#define NF (sizeof fnames / sizeof fnames[0])

/* The writer's trie node: cumulative figures since its thread began. */
struct wnode {
	uint32_t parent;         /* index + 1, 0 = top */
	uint32_t fn;
	uint64_t count, total, self, max, exc;
	uint64_t hist[HIST_BUCKETS];
	bool dirty, sent;        /* changed since last sent; fn sent on this connection */
};

struct wthread {
	int32_t tid;
	struct wnode *n;
	uint32_t nn, cap;
	uint64_t seq;
	uint64_t dropped;        /* its events the other model did not get */
	/* open calls */
	struct { uint32_t node; int64_t start; uint64_t child; } st[64];
	int depth;
};

struct sim {
	struct model *truth, *exact;
	struct event_parser *p;
	struct event *ev;
	int32_t pid;
	int64_t ts;
	uint64_t dropped_run;    /* events dropped in a row, for the drop line */
};

/* `test_stats gen SEED DIR` writes what each model is fed, as lines:
 * DIR/truth.jsonl and DIR/stats.jsonl (tests/plain-stats.sh). */
static struct model *gen_truth;
static FILE *gen_out[2];

static void feed(struct model *m, struct event_parser *p, struct event *ev, const char *line)
{
	if (gen_out[0])
		fprintf(gen_out[m == gen_truth ? 0 : 1], "%s\n", line);
	struct event_error err;
	if (event_parse(p, line, strlen(line), ev, &err) != EVENT_OK)
		fail_msg("not an event (%s): %s", err.text, line);
	model_apply(m, ev);
}

static uint32_t child(struct wthread *t, uint32_t parent, uint32_t fn)
{
	for (uint32_t i = 0; i < t->nn; i++)
		if (t->n[i].parent == parent && t->n[i].fn == fn)
			return i + 1;
	if (t->nn == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->n = realloc(t->n, t->cap * sizeof(*t->n));
		assert_non_null(t->n);
	}
	memset(&t->n[t->nn], 0, sizeof(t->n[0]));
	t->n[t->nn].parent = parent;
	t->n[t->nn].fn = fn;
	/* a new node is sent even before a call of it ends (a parent of
	 * nodes that finish first) */
	t->n[t->nn].dirty = true;
	return ++t->nn;
}

/* An enter, exit or exception event: always to the truth, to the other
 * model unless dropped (then counted for a drop line). */
static void event_both(struct sim *s, struct wthread *t, const char *line, bool drop)
{
	feed(s->truth, s->p, s->ev, line);
	if (drop) {
		s->dropped_run++;
		t->dropped++;
		return;
	}
	if (s->dropped_run) {
		char d[160];
		snprintf(d, sizeof d, "{\"ev\":\"drop\",\"ts\":%lld,\"pid\":%d,\"tid\":%d,\"count\":%llu}",
			 (long long)s->ts, s->pid, t->tid, (unsigned long long)s->dropped_run);
		feed(s->exact, s->p, s->ev, d);
		s->dropped_run = 0;
	}
	feed(s->exact, s->p, s->ev, line);
}

static bool drop_now(void)
{
	return rnd(10) < 8;      /* most events lost */
}

/* Sends the thread's dirty nodes (all of them after a reconnect) in
 * lines of at most 4096 bytes, in a shuffled order. */
static void send_stats(struct sim *s, struct wthread *t, bool all)
{
	uint32_t *order = malloc((t->nn + 1) * sizeof(*order));
	uint32_t k = 0;
	for (uint32_t i = 0; i < t->nn; i++)
		if (t->n[i].dirty || all)
			order[k++] = i;
	/* Parent-first, as libpipetrace sends them: no node's first entry
	 * goes before its parent's.  The nodes sent before may come in any
	 * order (shuffled at times); the new ones last, in creation order. */
	if (rnd(3) == 0 && !all) {
		uint32_t old = 0;
		for (uint32_t i = 0; i < k; i++)
			if (t->n[order[i]].sent) {
				uint32_t x = order[i];
				memmove(order + old + 1, order + old, (i - old) * sizeof(*order));
				order[old++] = x;
			}
		for (uint32_t i = old; i > 1; i--) {
			uint32_t j = (uint32_t)rnd(i), x = order[i - 1];
			order[i - 1] = order[j];
			order[j] = x;
		}
	}
	char line[4200];
	size_t len = 0;
	int in_line = 0;
	for (uint32_t q = 0; q <= k; q++) {
		char node[1024];
		int nl = 0;
		if (q < k) {
			struct wnode *w = &t->n[order[q]];
			nl = snprintf(node, sizeof node, "{\"id\":%u", order[q] + 1);
			if (!w->sent || all)
				nl += snprintf(node + nl, sizeof node - (size_t)nl,
					       ",\"parent\":%u,\"fn\":\"%s\",\"file\":\"t.c\",\"line\":%u",
					       w->parent, fnames[w->fn], w->fn + 1);
			nl += snprintf(node + nl, sizeof node - (size_t)nl,
				       ",\"count\":%llu,\"total\":%llu,\"self\":%llu,\"max\":%llu,\"exc\":%llu,"
				       "\"abandoned\":0,\"hist\":[", (unsigned long long)w->count,
				       (unsigned long long)w->total, (unsigned long long)w->self,
				       (unsigned long long)w->max, (unsigned long long)w->exc);
			bool first = true;
			for (int b = 0; b < HIST_BUCKETS; b++)
				if (w->hist[b]) {
					nl += snprintf(node + nl, sizeof node - (size_t)nl, "%s[%d,%llu]",
						       first ? "" : ",", b, (unsigned long long)w->hist[b]);
					first = false;
				}
			nl += snprintf(node + nl, sizeof node - (size_t)nl, "]}");
			w->dirty = false;
			w->sent = true;
		}
		/* flush the line when this node would not fit, or at the end */
		if (in_line && (q == k || len + (size_t)nl + 4 > 4095 || rnd(6) == 0)) {
			len += (size_t)snprintf(line + len, sizeof line - len, "]}");
			assert_true(len <= 4095);
			feed(s->exact, s->p, s->ev, line);
			in_line = 0;
		}
		if (q == k)
			break;
		if (!in_line)
			len = (size_t)snprintf(line, sizeof line,
					       "{\"ev\":\"stats\",\"ts\":%lld,\"pid\":%d,\"tid\":%d,\"nodes\":[",
					       (long long)s->ts, s->pid, t->tid);
		len += (size_t)snprintf(line + len, sizeof line - len, "%s%s", in_line ? "," : "", node);
		in_line++;
	}
	free(order);
}

static void call(struct sim *s, struct wthread *t, int depth)
{
	char line[512];
	uint32_t parent = t->depth ? t->st[t->depth - 1].node : 0;
	/* recursion: the same few names again and again */
	uint32_t fn = depth == 0 ? 0 : (uint32_t)(1 + rnd(depth > 6 ? 3 : NF - 1));
	uint32_t node = child(t, parent, fn);
	snprintf(line, sizeof line, "{\"ev\":\"enter\",\"ts\":%lld,\"pid\":%d,\"tid\":%d,\"seq\":%llu,"
		 "\"depth\":%d,\"fn\":\"%s\"}", (long long)++s->ts, s->pid, t->tid,
		 (unsigned long long)++t->seq, depth, fnames[fn]);
	event_both(s, t, line, depth > 0 && drop_now());
	t->st[t->depth].node = node;
	t->st[t->depth].start = s->ts;
	t->st[t->depth].child = 0;
	t->depth++;
	int kids = depth < 9 ? (int)rnd(4) : 0;
	for (int i = 0; i < kids; i++)
		call(s, t, depth + 1);
	s->ts += (int64_t)rnd(rnd(4) ? 50 : 100000);
	if (rnd(12) == 0) {
		snprintf(line, sizeof line, "{\"ev\":\"exception\",\"ts\":%lld,\"pid\":%d,\"tid\":%d,"
			 "\"seq\":%llu,\"depth\":%d,\"fn\":\"%s\",\"type\":\"E\",\"msg\":\"m\"}",
			 (long long)++s->ts, s->pid, t->tid, (unsigned long long)++t->seq, depth,
			 fnames[fn]);
		event_both(s, t, line, drop_now());
		t->n[node - 1].exc++;
		t->n[node - 1].dirty = true;
	}
	t->depth--;
	uint64_t dur = (uint64_t)(++s->ts - t->st[t->depth].start);
	struct wnode *w = &t->n[node - 1];
	w->count++;
	w->total += dur;
	w->self += dur - t->st[t->depth].child;
	if (dur > w->max)
		w->max = dur;
	w->hist[hist_bucket_of(dur)]++;
	w->dirty = true;
	if (t->depth)
		t->st[t->depth - 1].child += dur;
	snprintf(line, sizeof line, "{\"ev\":\"exit\",\"ts\":%lld,\"pid\":%d,\"tid\":%d,\"seq\":%llu,"
		 "\"depth\":%d,\"fn\":\"%s\",\"dur\":%llu}", (long long)s->ts, s->pid, t->tid,
		 (unsigned long long)++t->seq, depth, fnames[fn], (unsigned long long)dur);
	event_both(s, t, line, depth > 0 && drop_now());
	/* a stats period ends now and then, in the middle of things */
	if (rnd(40) == 0)
		send_stats(s, t, false);
}

struct labelled {
	char label[256];
	const struct mnode *n;
};

static int by_label(const void *x, const void *y)
{
	return strcmp(((const struct labelled *)x)->label, ((const struct labelled *)y)->label);
}

/* Every path of the truth has its twin (same chain of names) with the
 * same figures; and it shows no other: the wrong ones lost events made
 * (a callee put under the wrong caller) are left out of its walk. */
static void compare_paths(const struct model *a, const struct model *b)
{
	struct labelled *lb = NULL;
	size_t nb = 0, cap = 0, paths = 0;
	for (const struct mnode *y = model_next_preorder(b, VIEW_PATHS, NULL, NULL); y;
	     y = model_next_preorder(b, VIEW_PATHS, y, NULL)) {
		if (mnode_kind(y) != MN_PATH)
			continue;
		if (nb == cap) {
			cap = cap ? 2 * cap : 256;
			lb = realloc(lb, cap * sizeof(*lb));
			assert_non_null(lb);
		}
		model_node_label(b, y, lb[nb].label, sizeof lb[nb].label);
		lb[nb++].n = y;
	}
	qsort(lb, nb, sizeof(*lb), by_label);
	bool *matched = calloc(nb ? nb : 1, sizeof(*matched));
	for (const struct mnode *x = model_next_preorder(a, VIEW_PATHS, NULL, NULL); x;
	     x = model_next_preorder(a, VIEW_PATHS, x, NULL)) {
		if (mnode_kind(x) == MN_THREAD) {
			const struct mthread *ta = (const struct mthread *)x;
			const struct mthread *tb = model_thread_find(b, ta->proc->pid, ta->tid);
			assert_non_null(tb);
			const struct hist *ha = model_thread_hist(a, ta), *hb = model_thread_hist(b, tb);
			assert_int_equal(ha->n, hb->n);
			assert_int_equal(ha->sum_ns, hb->sum_ns);
			assert_int_equal(ha->max_ns, hb->max_ns);
			assert_memory_equal(ha->bucket, hb->bucket, sizeof ha->bucket);
			assert_int_equal(model_subtree_exceptions(a, x), model_subtree_exceptions(b, &tb->node));
		}
		if (mnode_kind(x) != MN_PATH)
			continue;
		struct labelled key;
		model_node_label(a, x, key.label, sizeof key.label);
		struct labelled *hit = bsearch(&key, lb, nb, sizeof(*lb), by_label);
		if (!hit)
			fail_msg("no path %s in the model with stats", key.label);
		matched[hit - lb] = true;
		const struct mpath *p = (const struct mpath *)x, *q = (const struct mpath *)hit->n;
		if (p->count != q->count || p->total_ns != q->total_ns || p->self_ns != q->self_ns ||
		    p->max_ns != q->max_ns || p->exceptions != q->exceptions)
			fail_msg("%s: n %llu/%llu total %llu/%llu self %llu/%llu max %llu/%llu exc %u/%u",
				 key.label, (unsigned long long)p->count, (unsigned long long)q->count,
				 (unsigned long long)p->total_ns, (unsigned long long)q->total_ns,
				 (unsigned long long)p->self_ns, (unsigned long long)q->self_ns,
				 (unsigned long long)p->max_ns, (unsigned long long)q->max_ns,
				 p->exceptions, q->exceptions);
		struct hist ha, hb;
		model_path_hist(a, p, &ha);
		model_path_hist(b, q, &hb);
		assert_memory_equal(ha.bucket, hb.bucket, sizeof ha.bucket);
		assert_int_equal(model_subtree_exceptions(a, x), model_subtree_exceptions(b, hit->n));
		paths++;
	}
	for (size_t i = 0; i < nb; i++) {
		const struct mpath *q = (const struct mpath *)lb[i].n;
		if (!matched[i])
			fail_msg("%s (%llu calls) shown, a path the truth has not", lb[i].label,
				 (unsigned long long)q->count);
	}
	assert_true(paths > 20);
	free(matched);
	free(lb);
}

static void compare_funcs(const struct model *a, const struct model *b)
{
	assert_int_equal(model_func_count(a), model_func_count(b));
	for (size_t i = 0; i < model_func_count(a); i++) {
		const struct mfunc *f = model_func_at(a, i);
		const struct mfunc *g = model_func_find(b, f->name);
		assert_non_null(g);
		if (f->calls != g->calls || f->total_ns != g->total_ns || f->self_ns != g->self_ns ||
		    f->exceptions != g->exceptions || f->hist.max_ns != g->hist.max_ns)
			fail_msg("%s: calls %llu/%llu total %llu/%llu self %llu/%llu exc %llu/%llu", f->name,
				 (unsigned long long)f->calls, (unsigned long long)g->calls,
				 (unsigned long long)f->total_ns, (unsigned long long)g->total_ns,
				 (unsigned long long)f->self_ns, (unsigned long long)g->self_ns,
				 (unsigned long long)f->exceptions, (unsigned long long)g->exceptions);
		assert_int_equal(f->hist.n, g->hist.n);
		assert_int_equal(f->hist.sum_ns, g->hist.sum_ns);
		assert_memory_equal(f->hist.bucket, g->hist.bucket, sizeof f->hist.bucket);
	}
	const struct hist *ha = model_all_hist(a), *hb = model_all_hist(b);
	assert_int_equal(ha->n, hb->n);
	assert_int_equal(ha->sum_ns, hb->sum_ns);
	assert_memory_equal(ha->bucket, hb->bucket, sizeof ha->bucket);
}

static void run(uint64_t seed)
{
	struct sim s = { .truth = model_create(NULL), .exact = model_create(NULL),
			 .p = event_parser_create(), .ev = malloc(sizeof(struct event)),
			 .pid = 40, .ts = 1000 };
	rs = seed;
	gen_truth = s.truth;
	char line[256], line2[256];
	snprintf(line, sizeof line, "{\"ev\":\"hello\",\"ts\":1,\"pid\":40,\"v\":1,\"ppid\":1,\"prog\":\"sim\"}");
	feed(s.truth, s.p, s.ev, line);
	snprintf(line, sizeof line, "{\"ev\":\"hello\",\"ts\":1,\"pid\":40,\"v\":1,\"ppid\":1,\"prog\":\"sim\","
		 "\"stats_ms\":200}");
	feed(s.exact, s.p, s.ev, line);
	struct wthread th[3] = { { .tid = 40 }, { .tid = 41 }, { .tid = 42 } };
	for (int round = 0; round < 60; round++) {
		struct wthread *t = &th[rnd(3)];
		call(&s, t, 0);
		if (rnd(10) == 0) {
			/* a reconnect: hello again, every node again with fn */
			feed(s.exact, s.p, s.ev, line);
			send_stats(&s, t, true);
		}
		if (t->tid == 42 && rnd(4) == 0) {
			/* the thread ends: final stats, tally; the tid comes back
			 * as a new thread with a new trie */
			send_stats(&s, t, false);
			char tl[200];
			s.ts++;
			for (int k = 0; k < 2; k++) {
				snprintf(tl, sizeof tl, "{\"ev\":\"tally\",\"ts\":%lld,\"pid\":40,"
					 "\"tid\":42,\"seq\":%llu,\"dropped\":%llu}", (long long)s.ts,
					 (unsigned long long)t->seq, k ? (unsigned long long)t->dropped : 0ull);
				feed(k ? s.exact : s.truth, s.p, s.ev, tl);
			}
			s.dropped_run = 0;
			free(t->n);
			memset(t, 0, sizeof(*t));
			t->tid = 42;
		}
		if (s.dropped_run) {
			/* the round's thread says what it dropped */
			snprintf(line2, sizeof line2, "{\"ev\":\"drop\",\"ts\":%lld,\"pid\":40,"
				 "\"tid\":%d,\"count\":%llu}", (long long)s.ts, t->tid,
				 (unsigned long long)s.dropped_run);
			feed(s.exact, s.p, s.ev, line2);
			s.dropped_run = 0;
		}
	}
	for (int i = 0; i < 3; i++)
		send_stats(&s, &th[i], false);
	tu_check_invariants(s.exact);
	compare_paths(s.truth, s.exact);
	/* the events lost did make such paths, left out of compare_paths()'s walk */
	assert_true(model_paths_hidden(s.exact) > 0);
	compare_funcs(s.truth, s.exact);
	/* the second model lost most events: its calls view is a sample */
	struct model_stats ma, mb;
	model_get_stats(s.truth, &ma);
	model_get_stats(s.exact, &mb);
	assert_true(mb.calls < ma.calls / 2);
	assert_int_equal(mb.stats_bad + mb.stats_ignored, 0);
	uint64_t received, lost;
	uint32_t exact;
	model_scope_figures(s.exact, NULL, &received, &lost, &exact);
	assert_int_equal(lost, 0);
	assert_int_equal(exact, 3);
	for (int i = 0; i < 3; i++)
		free(th[i].n);
	model_free(s.truth);
	model_free(s.exact);
	event_parser_free(s.p);
	free(s.ev);
}

static void test_stats_exact(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++)
		run(seed);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "gen")) {
		char path[4096];
		snprintf(path, sizeof path, "%s/truth.jsonl", argv[3]);
		gen_out[0] = fopen(path, "w");
		snprintf(path, sizeof path, "%s/stats.jsonl", argv[3]);
		gen_out[1] = fopen(path, "w");
		if (!gen_out[0] || !gen_out[1])
			return 2;
		run(strtoull(argv[2], NULL, 10));
		return fclose(gen_out[0]) || fclose(gen_out[1]) ? 2 : 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
