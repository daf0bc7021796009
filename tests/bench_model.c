/* bench_model.c - cost of model_apply alone (events already parsed) and the
 * memory per kept call, measured two ways: the model's own stats.bytes and
 * mallinfo2() around the run.  Prints medians of several runs, in thread
 * CPU time (page faults of fresh memory included).
 *
 *   tests/bench_model [calls-per-run]      (default 2,000,000 calls)
 *
 * The workload: 4 threads of one process, calls nested up to depth 6 over
 * 24 function names, with a loop that repeats the same callee, as traced
 * programs do. */
#include <config.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "search.h"
#include "xorshift.h"

struct rec {                     /* a compact pre-generated event */
	uint8_t kind;
	uint8_t tid;
	uint8_t depth;
	uint8_t fn;
	int64_t ts;
	int64_t dur;
	uint64_t seq;
};

static char names[24][24];

static uint64_t rng = 0x243F6A8885A308D3u;
static uint64_t rnd(void)
{
	return xorshift64(&rng);
}

/* `burst`: events come in runs of one thread (as the library's per-thread
 * buffers deliver them) instead of switching threads at every event. */
static struct rec *generate(size_t calls, size_t *nrec, bool burst)
{
	struct rec *r = malloc(calls * 2 * sizeof(*r) + 64 * sizeof(*r));
	if (!r)
		abort();
	size_t n = 0;
	int depth[4] = { 0 };
	uint8_t open[4][8];
	int64_t start[4][8];
	uint64_t seq[4] = { 0 };
	int64_t ts = 1000;
	size_t entered = 0;
	int t = 0;
	while (entered < calls || depth[0] + depth[1] + depth[2] + depth[3]) {
		if (!burst || rnd() % 64 == 0 || (entered >= calls && depth[t] == 0))
			t = (int)(rnd() % 4);
		ts += 1 + (int64_t)(rnd() % 200);
		bool enter = entered < calls && (depth[t] == 0 || (depth[t] < 6 && rnd() % 2));
		if (!enter && depth[t] == 0)
			continue;
		struct rec *e = &r[n++];
		e->tid = (uint8_t)t;
		e->ts = ts;
		e->seq = ++seq[t];
		if (enter) {
			uint8_t fn = (uint8_t)(depth[t] * 4 + rnd() % 4);
			e->kind = EV_ENTER;
			e->depth = (uint8_t)depth[t];
			e->fn = fn;
			open[t][depth[t]] = fn;
			start[t][depth[t]] = ts;
			depth[t]++;
			entered++;
		} else {
			depth[t]--;
			e->kind = EV_EXIT;
			e->depth = (uint8_t)depth[t];
			e->fn = open[t][depth[t]];
			e->dur = ts - start[t][depth[t]];
		}
	}
	*nrec = n;
	return r;
}

/* CPU time of this thread: the machine is shared, and time spent
 * descheduled is not the model's cost. */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Applies the records; returns seconds spent. */
static double run(struct model *m, const struct rec *r, size_t n, struct event *ev)
{
	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		ev->kind = (enum event_kind)r[i].kind;
		ev->ts = r[i].ts;
		ev->tid = 100 + r[i].tid;
		ev->seq = r[i].seq;
		ev->depth = r[i].depth;
		ev->fn.s = names[r[i].fn];
		ev->fn.len = strlen(names[r[i].fn]);
		ev->dur = r[i].dur;
		model_apply(m, ev);
	}
	return now() - t0;
}

/* Memory per merged path: 100000 distinct paths (1000 functions at the
 * root of 100 threads), few calls kept.  Each path gets `per` finished
 * calls whose durations step by a factor `step` from 100 ns, so that its
 * histogram spans that many log2 buckets (step 1: one bucket). */
static double path_bytes(struct event *ev, int per, uint64_t step, uint64_t *npaths)
{
	struct model_config few = { .max_calls = 100 };
	struct model *pm = model_create(&few);
	struct model_stats st0, st1;
	model_get_stats(pm, &st0);
	char name[32];
	int64_t ts = 0;
	for (int i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "f%d", i % 1000);
		ev->tid = 1 + i / 1000;
		ev->fn.s = name;
		ev->fn.len = strlen(name);
		ev->depth = 0;
		uint64_t dur = step == 1 ? 1 : 100;
		for (int k = 0; k < per; k++, dur *= step) {
			ev->kind = EV_ENTER;
			ev->ts = ts;
			model_apply(pm, ev);
			ev->kind = EV_EXIT;
			ev->dur = (int64_t)dur;
			ts += (int64_t)dur;
			ev->ts = ts++;
			model_apply(pm, ev);
		}
	}
	model_get_stats(pm, &st1);
	*npaths = st1.paths;
	double b = (double)(st1.bytes - st0.bytes - st1.calls_kept * sizeof(struct mcall)) / (double)st1.paths;
	model_free(pm);
	return b;
}

int main(int argc, char **argv)
{
	size_t calls = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	for (int i = 0; i < 24; i++)
		snprintf(names[i], sizeof(names[i]), "module_function_%02d", i);
	struct event *ev = calloc(1, sizeof(*ev));
	ev->pid = 4242;
	for (int burst = 1; burst >= 0; burst--) {
	size_t n;
	struct rec *r = generate(calls, &n, burst);

	enum { RUNS = 5 };
	double ns_per_ev[RUNS];
	double stat_bytes = 0, real_bytes = 0;
	size_t kept = 0;
	for (int k = 0; k < RUNS; k++) {
		struct mallinfo2 before = mallinfo2();
		struct model *m = model_create(NULL);
		double s = run(m, r, n, ev);
		struct mallinfo2 after = mallinfo2();
		struct model_stats st;
		model_get_stats(m, &st);
		ns_per_ev[k] = s * 1e9 / (double)n;
		kept = st.calls_kept;
		stat_bytes = (double)st.bytes / (double)st.calls_kept;
		real_bytes = (double)((after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd)) /
			     (double)st.calls_kept;
		if (k == 0 && burst) {
			/* search_collect over the whole calls view, as n/N do */
			struct search *q = search_create("function_1");
			double t0 = now();
			size_t hits = search_collect(q, m, VIEW_CALLS, NULL, 0);
			double t1 = now();
			printf("search_collect over %llu kept calls: %zu matches in %.1f ms\n",
			       (unsigned long long)st.calls_kept, hits, (t1 - t0) * 1e3);
			search_free(q);
		}
		model_free(m);
	}
	qsort(ns_per_ev, RUNS, sizeof(double), cmp_d);
	double med = ns_per_ev[RUNS / 2];
	printf("model_apply, %s: %zu events (%zu calls kept), median of %d runs\n",
	       burst ? "threads in bursts of ~64 events" : "thread switch at every event",
	       n, kept, RUNS);
	printf("  ns/event %.1f, events/s %.0f, bytes/call %.1f (stats) %.1f (mallinfo2)\n",
	       med, 1e9 / med, stat_bytes, real_bytes);
	if (burst) {
		printf("model_apply_ns_per_event=%.1f\n", med);
		printf("model_apply_events_per_s=%.0f\n", 1e9 / med);
		printf("model_bytes_per_call_stats=%.1f\n", stat_bytes);
		printf("model_bytes_per_call_mallinfo=%.1f\n", real_bytes);
	}

	/* With retirement: a run three times longer than max_calls. */
	struct model_config cfg = { .max_calls = calls / 3 ? calls / 3 : 1 };
	struct model *m = model_create(&cfg);
	double s = run(m, r, n, ev);
	struct model_stats st;
	model_get_stats(m, &st);
	printf("with max_calls=%llu: %.1f ns/event, kept %llu, retired %llu, %.1f MB\n",
	       (unsigned long long)cfg.max_calls, s * 1e9 / (double)n,
	       (unsigned long long)st.calls_kept, (unsigned long long)st.calls_retired,
	       (double)st.bytes / 1e6);
	model_free(m);
	free(r);
	}
	/* Memory per merged path: many distinct paths, few calls kept.  A
	 * path keeps a histogram from its third call on; 5 buckets fit in
	 * that histogram, wider spans take a block. */
	uint64_t np;
	double b1 = path_bytes(ev, 1, 1, &np);
	printf("paths: %llu finished paths of one call, %.0f bytes per path\n",
	       (unsigned long long)np, b1);
	double b3 = path_bytes(ev, 3, 1, &np);
	printf("paths: of three calls (with a histogram), %.0f bytes per path\n", b3);
	double b5 = path_bytes(ev, 5, 2, &np);
	double b8 = path_bytes(ev, 8, 2, &np);
	double b24 = path_bytes(ev, 24, 2, &np);
	printf("paths: histograms over 5, 8, 24 buckets: %.0f, %.0f, %.0f bytes per path\n", b5, b8,
	       b24);
	printf("model_bytes_per_path=%.0f\n", b1);
	free(ev);
	return 0;
}
