/* bench_stats.c - what stats lines cost the monitor: parsing (the fast path
 * and jansson's) and model_apply, per entry, for a thread's first lines
 * (every node new: a monitor attached, or a reconnect) and for the
 * periodic ones (known nodes, figures replaced).  Thread CPU time, median
 * of 5 runs.
 *
 *   tests/bench_stats [nodes]      (default 65536: libpipetrace's cap per thread)
 *
 * The workload: one thread's call-path trie over 200 function names,
 * depth up to 30, entries as libpipetrace writes them (figures and a
 * histogram of a few buckets), about 25 to a line of at most 4096 bytes. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "xorshift.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t rnd(uint64_t n)
{
	return xorshift64(&rng) % n;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct lines {
	char *text;              /* lines, each ended by '\n' */
	size_t len, cap;
	size_t n;
};

static void put(struct lines *l, const char *s, size_t n)
{
	if (l->len + n + 1 > l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1 << 20;
		while (l->cap < l->len + n + 1)
			l->cap *= 2;
		l->text = realloc(l->text, l->cap);
		if (!l->text)
			abort();
	}
	memcpy(l->text + l->len, s, n);
	l->len += n;
}

/* The stats lines of the trie: with fn and parent (first), else without;
 * round r's figures grow with r. */
static void make_lines(struct lines *l, const uint32_t *parent, const uint32_t *fn, size_t n,
		       bool first, uint64_t r)
{
	char line[4200], ent[512];
	size_t len = 0;
	int in = 0;
	for (size_t i = 0; i <= n; i++) {
		int el = 0;
		if (i < n) {
			uint64_t c = 3 + r * 7 + i % 13;
			el = snprintf(ent, sizeof ent, "{\"id\":%zu", i + 1);
			if (first)
				el += snprintf(ent + el, sizeof ent - (size_t)el,
					       ",\"parent\":%u,\"fn\":\"module_function_%03u\",\"file\":\"src/m%u.c\",\"line\":%u",
					       parent[i], fn[i], fn[i] % 20, 10 + fn[i]);
			el += snprintf(ent + el, sizeof ent - (size_t)el,
				       ",\"count\":%llu,\"total\":%llu,\"self\":%llu,\"max\":%llu,\"exc\":0,"
				       "\"abandoned\":0,\"hist\":[[9,%llu],[10,%llu],[12,1]]}",
				       (unsigned long long)c, (unsigned long long)(c * 900 + 4096),
				       (unsigned long long)(c * 300), 4096ull,
				       (unsigned long long)(c / 2), (unsigned long long)(c - c / 2 - 1));
		}
		if (in && (i == n || len + (size_t)el + 3 > 4095)) {
			len += (size_t)snprintf(line + len, sizeof line - len, "]}\n");
			put(l, line, len);
			l->n++;
			in = 0;
		}
		if (i == n)
			break;
		if (!in)
			len = (size_t)snprintf(line, sizeof line,
					       "{\"ev\":\"stats\",\"ts\":%llu,\"pid\":7,\"tid\":7,\"nodes\":[",
					       (unsigned long long)(1000 + r));
		len += (size_t)snprintf(line + len, sizeof line - len, "%s%s", in ? "," : "", ent);
		in++;
	}
}

/* Parses every line (slow: jansson only); applies them to m unless NULL.
 * Returns CPU seconds. */
static double run(struct event_parser *p, struct event *ev, const struct lines *l,
		  struct model *m, bool slow, size_t *entries)
{
	double t0 = cpu_now();
	const char *s = l->text, *e = l->text + l->len;
	*entries = 0;
	while (s < e) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		enum event_result r = slow ? event_parse_slow(p, s, (size_t)(nl - s), ev, NULL)
					   : event_parse(p, s, (size_t)(nl - s), ev, NULL);
		if (r != EVENT_OK) {
			fprintf(stderr, "bench_stats: a line not parsed: %.80s\n", s);
			exit(1);
		}
		*entries += ev->nstats;
		if (m)
			model_apply(m, ev);
		s = nl + 1;
	}
	return cpu_now() - t0;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 65536;
	uint32_t *parent = calloc(n, sizeof(*parent)), *fn = calloc(n, sizeof(*fn));
	uint32_t *depth = calloc(n + 1, sizeof(*depth));
	size_t seen_cap = 16;
	while (seen_cap < 4 * n)
		seen_cap *= 2;
	uint64_t *seen = calloc(seen_cap, sizeof(*seen));
	for (size_t i = 0; i < n; i++) {
		/* a parent among the recent nodes (a program's stack moves little) */
		size_t back = 1 + rnd(i < 64 ? i + 1 : 64);
		parent[i] = i == 0 || rnd(50) == 0 ? 0 : (uint32_t)(i + 1 - back);
		if (parent[i] && depth[parent[i]] >= 30)
			parent[i] = 0;
		depth[i + 1] = parent[i] ? depth[parent[i]] + 1 : 0;
		/* one node per (parent, function), as in a trie */
		uint64_t key;
		size_t h;
		int tries = 0;
		do {
			/* a parent that has all 200 as children: under the top */
			if (++tries > 64)
				parent[i] = 0, depth[i + 1] = 0;
			fn[i] = (uint32_t)rnd(tries > 64 ? 1u << 20 : 200);
			key = ((uint64_t)parent[i] << 21 | fn[i]) + 1;
			for (h = (key * 0x9E3779B97F4A7C15u >> 40) & (seen_cap - 1);
			     seen[h] && seen[h] != key; h = (h + 1) & (seen_cap - 1))
				;
		} while (seen[h]);
		seen[h] = key;
	}
	struct lines first = { 0 }, later = { 0 };
	make_lines(&first, parent, fn, n, true, 0);
	make_lines(&later, parent, fn, n, false, 1);

	struct event_parser *p = event_parser_create();
	struct event *ev = calloc(1, sizeof(*ev));
	enum { RUNS = 5 };
	double parse_fast[RUNS], parse_slow[RUNS], apply_first[RUNS], apply_later[RUNS];
	size_t entries = 0;
	for (int k = 0; k < RUNS; k++) {
		parse_fast[k] = run(p, ev, &first, NULL, false, &entries);
		parse_slow[k] = run(p, ev, &first, NULL, true, &entries);
		struct model *m = model_create(NULL);
		struct event h = { .kind = EV_HELLO, .ts = 1, .pid = 7, .version = 1, .stats_ms = 200,
				   .depth = -1 };
		model_apply(m, &h);
		/* model_apply's own cost: the run less its parse */
		apply_first[k] = run(p, ev, &first, m, false, &entries) - parse_fast[k];
		double t = run(p, ev, &later, m, false, &entries);
		apply_later[k] = t - run(p, ev, &later, NULL, false, &entries);
		struct model_stats st;
		model_get_stats(m, &st);
		if (st.stats_bad || st.stats_ignored || st.stats_nodes != 2 * n) {
			fprintf(stderr, "bench_stats: %llu entries applied of %zu, %llu refused, %llu ignored\n",
				(unsigned long long)st.stats_nodes, 2 * n,
				(unsigned long long)st.stats_bad, (unsigned long long)st.stats_ignored);
			return 1;
		}
		model_free(m);
	}
	qsort(parse_fast, RUNS, sizeof(double), cmp_d);
	qsort(parse_slow, RUNS, sizeof(double), cmp_d);
	qsort(apply_first, RUNS, sizeof(double), cmp_d);
	qsort(apply_later, RUNS, sizeof(double), cmp_d);
	double e = (double)n;
	printf("stats lines: %zu entries of one thread in %zu lines (%.0f bytes a line), median of %d runs\n",
	       n, first.n, (double)first.len / (double)first.n, RUNS);
	printf("  parse, fast path: %.0f ns/entry (%.1f us/line); jansson: %.0f ns/entry\n",
	       parse_fast[RUNS / 2] * 1e9 / e, parse_fast[RUNS / 2] * 1e6 / (double)first.n,
	       parse_slow[RUNS / 2] * 1e9 / e);
	printf("  model_apply: %.0f ns/entry for new nodes, %.0f ns/entry for known ones\n",
	       apply_first[RUNS / 2] * 1e9 / e, apply_later[RUNS / 2] * 1e9 / e);
	printf("stats_parse_ns_per_entry=%.0f\n", parse_fast[RUNS / 2] * 1e9 / e);
	printf("stats_parse_jansson_ns_per_entry=%.0f\n", parse_slow[RUNS / 2] * 1e9 / e);
	printf("stats_apply_new_ns_per_entry=%.0f\n", apply_first[RUNS / 2] * 1e9 / e);
	printf("stats_apply_known_ns_per_entry=%.0f\n", apply_later[RUNS / 2] * 1e9 / e);
	free(first.text);
	free(later.text);
	free(parent);
	free(fn);
	free(depth);
	free(seen);
	free(ev);
	event_parser_free(p);
	return 0;
}
