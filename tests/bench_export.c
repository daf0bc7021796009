/* bench_export.c - cost of --export alone (events already parsed and
 * applied): export_event() on a generated trace, then export_finish(),
 * writing both formats to files in $TMPDIR.  Prints wall time, events/s,
 * the files' sizes and the peak memory growth (the exporter keeps open
 * calls and call paths only, so it must not grow with the trace).
 *
 *   tests/bench_export [events]      (default 10,000,000)
 *
 * The workload: 4 threads of one process, calls nested up to depth 8 over
 * 32 function names, each calling one of 3 others (at most 4 * 3^7 paths
 * per thread); about 1 exception per 1000 events. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "export.h"
#include "xorshift.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long max_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (long long)st.st_size;
}

int main(int argc, char **argv)
{
	size_t total = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char chrome[4096], folded[4096], spec[4200], err[1200];
	char names[32][32];
	uint64_t rng = 0x243F6A8885A308D3u;
	struct {
		int64_t ts;
		int64_t enter_ts[16];
		int depth;
		int fn[16];
		uint64_t seq;
	} th[4] = { { 0 } };

	for (int i = 0; i < 32; i++)
		snprintf(names[i], sizeof names[i], "module_function_%02d", i);
	snprintf(chrome, sizeof chrome, "%s/pt-bench-export-%ld.json", tmp, (long)getpid());
	snprintf(folded, sizeof folded, "%s/pt-bench-export-%ld.folded", tmp, (long)getpid());

	struct export *x = export_create();
	snprintf(spec, sizeof spec, "chrome:%s", chrome);
	if (!x || !export_add_spec(x, spec, err, sizeof err))
		return 1;
	snprintf(spec, sizeof spec, "collapsed:%s", folded);
	if (!export_add_spec(x, spec, err, sizeof err) || !export_open(x, err, sizeof err)) {
		fprintf(stderr, "bench_export: %s\n", err);
		return 1;
	}
	long rss0 = max_rss_kb();
	double t0 = now();
	struct event ev;
	size_t n = 0;
	while (n < total) {
		int t = (int)(xorshift64(&rng) % 4);
		memset(&ev, 0, sizeof ev);
		ev.pid = 1000;
		ev.tid = 1000 + t;
		th[t].ts += 1 + (int64_t)(xorshift64(&rng) % 200);
		ev.ts = th[t].ts;
		ev.seq = ++th[t].seq;
		uint64_t r = xorshift64(&rng);
		if (th[t].depth < 8 && (th[t].depth == 0 || r % 2)) {
			int d = th[t].depth++;
			/* each function calls a few others, as programs do */
			th[t].fn[d] = d ? (th[t].fn[d - 1] * 5 + 1 + (int)((r >> 8) % 3)) % 32
					: (int)((r >> 8) % 4);
			th[t].enter_ts[d] = ev.ts;
			ev.kind = EV_ENTER;
			ev.depth = d;
			ev.fn.s = names[th[t].fn[d]];
		} else if (r % 1000 == 1) {
			int d = th[t].depth - 1;
			ev.kind = EV_EXCEPTION;
			ev.depth = d;
			ev.fn.s = names[th[t].fn[d]];
			ev.type.s = "BenchError";
			ev.msg.s = "a message with \"quotes\"";
			ev.type.len = strlen(ev.type.s);
			ev.msg.len = strlen(ev.msg.s);
		} else {
			int d = --th[t].depth;
			ev.kind = EV_EXIT;
			ev.depth = d;
			ev.fn.s = names[th[t].fn[d]];
			ev.dur = ev.ts - th[t].enter_ts[d];
		}
		ev.fn.len = strlen(ev.fn.s);
		export_event(x, &ev, NULL);
		n++;
	}
	double t1 = now();
	bool ok = export_finish(x, NULL, err, sizeof err);
	double t2 = now();
	long rss1 = max_rss_kb();
	export_free(x);
	if (!ok) {
		fprintf(stderr, "bench_export: %s\n", err);
		return 1;
	}
	printf("export (chrome + collapsed) of %zu events: %.2f s streaming + %.3f s at the end\n",
	       n, t1 - t0, t2 - t1);
	printf("  events/s %.0f, chrome %.1f MB, collapsed %.1f KB, peak RSS growth %ld KB\n",
	       (double)n / (t2 - t0), (double)file_size(chrome) / 1e6,
	       (double)file_size(folded) / 1e3, rss1 - rss0);
	printf("export_events_per_s=%.0f\n", (double)n / (t2 - t0));
	unlink(chrome);
	unlink(folded);
	return 0;
}
