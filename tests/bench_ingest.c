/* bench_ingest.c - how fast pipetrace-tui takes in library-format lines.
 *
 * Generates a realistic trace (two processes, several threads, nested
 * enter/exit pairs with file and line, some exceptions and drops) in the
 * library's exact output format, then measures, medians of several runs:
 *   - jansson only (event_parse_slow), the parser of record;
 *   - event_parse (the fast path, jansson for what it does not take);
 *   - event_parse + model_apply into a fresh model;
 *   - the whole ingest from a recording (reading, splitting, parsing,
 *     applying), through ingest_step;
 * and the memory the model holds per individual call kept; then the same
 * trace as libpipetrace writes it with PIPETRACE_WIRE=binary (enters and
 * exits in binary frames of one thread each, everything else as lines):
 * decoding + model_apply, and the whole ingest from such a file.  Times are the
 * thread's CPU time, so the figures are per core and hold on a busy machine.
 * The last two lines are the figures `make bench` reports. */
#include <config.h>

#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "event_bin.h"
#include "ingest.h"
#include "model.h"
#include "xorshift.h"

#define RUNS 5

static char *buf;                /* all lines, '\n'-terminated */
static size_t buflen, bufcap;
static size_t *starts;           /* offset of each line */
static size_t nlines, linecap;

/* CPU time of this thread (user + system): what one core spends, stable
 * on a machine shared with other work, where wall time is not. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void add_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add_line(const char *fmt, ...)
{
	va_list ap;

	if (bufcap - buflen < 1024) {
		bufcap = bufcap ? bufcap * 2 : 1 << 20;
		buf = realloc(buf, bufcap);
	}
	if (nlines == linecap) {
		linecap = linecap ? linecap * 2 : 1 << 16;
		starts = realloc(starts, linecap * sizeof *starts);
	}
	if (!buf || !starts) {
		fputs("bench_ingest: out of memory\n", stderr);
		exit(1);
	}
	starts[nlines++] = buflen;
	va_start(ap, fmt);
	buflen += (size_t)vsnprintf(buf + buflen, bufcap - buflen, fmt, ap);
	va_end(ap);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(xorshift64(&rng) % n);
}

/* A bounded call graph, like a real program's: functions of level k call
 * only functions of level k + 1, so call paths stay in the thousands
 * while calls go into the millions. */
static const char *const levels[4][6] = {
	{ "handle_request", "worker_loop" },
	{ "parse_header", "auth_check", "db_query", "render_page" },
	{ "cache_lookup", "hash_key", "json_encode", "compress_chunk", "validate_input",
	  "read_config" },
	{ "log_line", "send_reply", "std::vector<int>::push_back", "fib" },
};
static const int level_n[4] = { 2, 4, 6, 4 };

struct gthread {
	int pid, tid;
	uint64_t seq;
	int depth;
	const char *stack[4];
	int64_t start[4];
};

/* About n events in the library's key order and formatting. */
static void generate(size_t n)
{
	struct gthread th[8];
	int64_t ts = 5000000000LL;

	for (int p = 0; p < 2; p++)
		add_line("{\"ev\":\"hello\",\"ts\":%lld,\"pid\":%d,\"v\":1,\"ppid\":4000,"
			 "\"prog\":\"bench-%d\",\"wall\":1764100000123456789,\"lib\":\"pipetrace 0.1\"}\n",
			 (long long)ts, 4242 + p * 100, p);
	for (int t = 0; t < 8; t++) {
		th[t].pid = 4242 + (t / 4) * 100;
		th[t].tid = th[t].pid + 1 + t % 4;
		th[t].seq = 0;
		th[t].depth = 0;
		add_line("{\"ev\":\"thread\",\"ts\":%lld,\"pid\":%d,\"tid\":%d,\"name\":\"worker-%d\"}\n",
			 (long long)ts, th[t].pid, th[t].tid, t);
	}
	while (nlines < n) {
		struct gthread *g = &th[rnd(8)];
		ts += 1 + rnd(500);
		bool enter = g->depth == 0 || (g->depth < 4 && rnd(100) < 55);
		if (enter) {
			int lv = g->depth;
			int f = (int)rnd((uint32_t)level_n[lv]);
			const char *fn = levels[lv][f];
			g->stack[g->depth] = fn;
			g->start[g->depth] = ts;
			add_line("{\"ev\":\"enter\",\"ts\":%lld,\"pid\":%d,\"tid\":%d,\"seq\":%llu,"
				 "\"depth\":%d,\"fn\":\"%s\",\"file\":\"src/server/%s.c\",\"line\":%d}\n",
				 (long long)ts, g->pid, g->tid, (unsigned long long)++g->seq, g->depth,
				 fn, lv % 2 ? "net" : "core", 10 + f * 37 + lv * 300);
			g->depth++;
		} else {
			g->depth--;
			const char *fn = g->stack[g->depth];
			if (rnd(200) == 0)
				add_line("{\"ev\":\"exception\",\"ts\":%lld,\"pid\":%d,\"tid\":%d,\"seq\":%llu,"
					 "\"depth\":%d,\"fn\":\"%s\",\"type\":\"TimeoutError\","
					 "\"msg\":\"no answer in %d ms \\\"db\\\"\"}\n",
					 (long long)ts, g->pid, g->tid, (unsigned long long)++g->seq,
					 g->depth, fn, 200 + (int)rnd(100));
			add_line("{\"ev\":\"exit\",\"ts\":%lld,\"pid\":%d,\"tid\":%d,\"seq\":%llu,"
				 "\"depth\":%d,\"fn\":\"%s\",\"dur\":%lld}\n",
				 (long long)ts, g->pid, g->tid, (unsigned long long)++g->seq, g->depth,
				 fn, (long long)(ts - g->start[g->depth]));
		}
		if (rnd(100000) == 0)
			add_line("{\"ev\":\"drop\",\"ts\":%lld,\"pid\":%d,\"tid\":%d,\"count\":%u}\n",
				 (long long)ts, g->pid, g->tid, 1 + rnd(1000));
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

static size_t line_len(size_t i)
{
	size_t end = i + 1 < nlines ? starts[i + 1] : buflen;
	return end - starts[i] - 1;
}

static struct event ev;

/* Lines per second parsing the first `n` lines; `slow` for jansson only. */
static double bench_parse(size_t n, bool slow, size_t *bad)
{
	struct event_parser *p = event_parser_create();
	double t0 = now_s();

	*bad = 0;
	for (size_t i = 0; i < n; i++) {
		const char *l = buf + starts[i];
		enum event_result r = slow ? event_parse_slow(p, l, line_len(i), &ev, NULL)
					   : event_parse(p, l, line_len(i), &ev, NULL);
		*bad += r != EVENT_OK;
	}
	double dt = now_s() - t0;
	event_parser_free(p);
	return (double)n / dt;
}

static double bench_apply(struct model_stats *ms, size_t *heap)
{
	struct event_parser *p = event_parser_create();
	struct mallinfo2 before = mallinfo2();
	struct model *m = model_create(NULL);
	double t0 = now_s();

	for (size_t i = 0; i < nlines; i++)
		if (event_parse(p, buf + starts[i], line_len(i), &ev, NULL) == EVENT_OK)
			model_apply(m, &ev);
	double dt = now_s() - t0;
	struct mallinfo2 after = mallinfo2();
	model_get_stats(m, ms);
	*heap = after.uordblks + after.hblkhd - before.uordblks - before.hblkhd;
	model_free(m);
	event_parser_free(p);
	return (double)nlines / dt;
}

static double bench_ingest(const char *path, uint64_t keep_max)
{
	struct ingest_config cfg = { .replay_path = path, .keep_max = keep_max };
	struct model *m = model_create(NULL);
	char err[256];
	struct ingest *ing = ingest_create(&cfg, m, err, sizeof err);

	if (!ing) {
		fprintf(stderr, "bench_ingest: %s\n", err);
		exit(1);
	}
	const struct ingest_status *st = ingest_get_status(ing);
	double t0 = now_s();
	while (!st->input_ended)
		ingest_step(ing, 4096);
	double dt = now_s() - t0;
	uint64_t events = st->events;
	ingest_free(ing);
	model_free(m);
	return (double)events / dt;
}

/* ---- the same trace in binary frames ------------------------------------ */

static char *bbuf;               /* the binary stream: frames and lines */
static size_t bbuflen;
static uint64_t bevents;         /* events in it */

static void bput(const void *p, size_t n)
{
	memcpy(bbuf + bbuflen, p, n);
	bbuflen += n;
}

static void bvar(unsigned char **q, uint64_t v)
{
	while (v >= 0x80) {
		*(*q)++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*(*q)++ = (unsigned char)v;
}

/* A thread's frame being filled, as the library's flusher fills it. */
struct bframe {
	int32_t pid, tid;
	unsigned char b[EVENT_LINE_MAX];
	size_t len;
	uint64_t seq, ts;        /* of its last event */
	char names[32][64];      /* this process's defined functions: id = index + 1 */
	int nnames;
};

static void bflush(struct bframe *f)
{
	if (!f->len)
		return;
	f->b[2] = (unsigned char)(f->len & 0xff);
	f->b[3] = (unsigned char)(f->len >> 8);
	bput(f->b, f->len);
	f->len = 0;
}

/* Converts the generated lines: enters and exits into frames (at most
 * 4096 bytes, as each write), the rest as they are, in each thread's
 * order. */
static void make_binary(void)
{
	struct event_parser *p = event_parser_create();
	struct bframe *fr = calloc(16, sizeof *fr);
	int nfr = 0;

	bbuf = malloc(buflen + 1024);
	if (!p || !fr || !bbuf) {
		fputs("bench_ingest: out of memory\n", stderr);
		exit(1);
	}
	for (size_t i = 0; i < nlines; i++) {
		const char *l = buf + starts[i];
		struct bframe *f = NULL;

		if (event_parse(p, l, line_len(i), &ev, NULL) != EVENT_OK)
			continue;
		for (int k = 0; k < nfr; k++)
			if (fr[k].pid == ev.pid && fr[k].tid == ev.tid)
				f = &fr[k];
		if (!f && ev.tid && nfr < 16) {
			f = &fr[nfr++];
			f->pid = ev.pid;
			f->tid = ev.tid;
			/* names are defined per process: share the table */
			for (int k = 0; k < nfr - 1; k++)
				if (fr[k].pid == ev.pid)
					f->nnames = -1 - k;
		}
		if (ev.kind != EV_ENTER && ev.kind != EV_EXIT) {
			if (f)
				bflush(f);
			bput(l, line_len(i) + 1);
			continue;
		}
		struct bframe *nt = f->nnames < 0 ? &fr[-1 - f->nnames] : f;
		int id = 0;
		for (int k = 0; k < nt->nnames; k++)
			if (!strcmp(nt->names[k], ev.fn.s))
				id = k + 1;
		unsigned char rec[256], *q = rec;
		if (!id) {
			char def[200];
			int dl = snprintf(def, sizeof def, "\"fn\":\"%s\",\"file\":\"%s\",\"line\":%d",
					  ev.fn.s, ev.file.s ? ev.file.s : "", ev.line);
			snprintf(nt->names[nt->nnames], sizeof nt->names[0], "%s", ev.fn.s);
			id = ++nt->nnames;
			*q++ = 2;
			bvar(&q, (uint64_t)id);
			bvar(&q, (uint64_t)dl);
			memcpy(q, def, (size_t)dl);
			q += dl;
		}
		if (f->len && f->len + 256 > EVENT_LINE_MAX)
			bflush(f);
		if (!f->len) {
			unsigned char *h = f->b;
			*h++ = BIN_MAGIC;
			*h++ = BIN_VERSION;
			h += 2;
			bvar(&h, (uint64_t)ev.pid);
			bvar(&h, (uint64_t)ev.tid);
			bvar(&h, ev.seq);
			bvar(&h, (uint64_t)ev.ts);
			f->len = (size_t)(h - f->b);
			f->seq = ev.seq - 1;
			f->ts = (uint64_t)ev.ts;
		}
		if (ev.seq != f->seq + 1) {
			*q++ = 3;
			bvar(&q, ev.seq - f->seq - 1);
		}
		*q++ = (unsigned char)((ev.kind == EV_EXIT) | (ev.depth < 63 ? ev.depth : 63) << 2);
		if (ev.depth >= 63)
			bvar(&q, (uint64_t)ev.depth - 63);
		bvar(&q, (uint64_t)id);
		bvar(&q, (uint64_t)ev.ts - f->ts);
		if (ev.kind == EV_EXIT)
			bvar(&q, (uint64_t)ev.dur);
		memcpy(f->b + f->len, rec, (size_t)(q - rec));
		f->len += (size_t)(q - rec);
		f->seq = ev.seq;
		f->ts = (uint64_t)ev.ts;
		bevents++;
	}
	for (int k = 0; k < nfr; k++)
		bflush(&fr[k]);
	free(fr);
	event_parser_free(p);
}

static void apply_bin_event(void *ctx, const struct event *e)
{
	model_apply(ctx, e);
}

/* Decoding the binary stream (lines parsed as usual) into a fresh model:
 * events per second. */
static double bench_apply_bin(void)
{
	struct event_parser *p = event_parser_create();
	struct bin_decoder *d = bin_decoder_create();
	struct model *m = model_create(NULL);
	uint64_t events = 0;
	double t0 = now_s();

	for (size_t i = 0; i < bbuflen;) {
		const unsigned char *u = (const unsigned char *)bbuf + i;
		size_t n;

		if (u[0] == BIN_MAGIC) {
			size_t len = bin_frame_len(u);

			bin_decode(d, u, len, apply_bin_event, m, &n, NULL);
			events += n;
			i += len;
		} else {
			const char *nl = memchr(bbuf + i, '\n', bbuflen - i);

			if (event_parse(p, bbuf + i, (size_t)(nl - (bbuf + i)), &ev, NULL) == EVENT_OK) {
				model_apply(m, &ev);
				events++;
			}
			i = (size_t)(nl - bbuf) + 1;
		}
	}
	double dt = now_s() - t0;
	model_free(m);
	bin_decoder_free(d);
	event_parser_free(p);
	return (double)events / dt;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	double v[RUNS];
	size_t bad;

	generate(n);
	printf("trace: %zu lines, %.1f MB, %.0f bytes/line; rates per CPU second of one thread, "
	       "median of %d runs\n", nlines, (double)buflen / 1e6, (double)buflen / (double)nlines, RUNS);

	/* jansson first: the figure that decided the fast path */
	size_t njs = nlines < 200000 ? nlines : 200000;
	for (int r = 0; r < RUNS; r++)
		v[r] = bench_parse(njs, true, &bad);
	double js = median(v, RUNS);
	printf("jansson only (event_parse_slow, %zu lines): %.3f M lines/s (%.0f ns/line), bad %zu\n",
	       njs, js / 1e6, 1e9 / js, bad);

	for (int r = 0; r < RUNS; r++)
		v[r] = bench_parse(nlines, false, &bad);
	double fast = median(v, RUNS);
	printf("event_parse (fast path + fallback): %.3f M lines/s (%.0f ns/line), bad %zu, %.1fx jansson\n",
	       fast / 1e6, 1e9 / fast, bad, fast / js);

	struct model_stats ms;
	size_t heap = 0;
	for (int r = 0; r < RUNS; r++)
		v[r] = bench_apply(&ms, &heap);
	double apply = median(v, RUNS);
	printf("event_parse + model_apply: %.3f M events/s (%.0f ns/event)\n", apply / 1e6, 1e9 / apply);

	char path[] = "/tmp/pt-bench-ingest-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, buf, buflen) != (ssize_t)buflen) {
		perror("bench_ingest: temporary recording");
		return 1;
	}
	close(fd);
	/* the full screen keeps every line for its save and export keys
	 * (keep.c): measured in turns with the plain ingest, 1 GiB bound so
	 * that nothing is let go */
	double vk[RUNS];
	for (int r = 0; r < RUNS; r++) {
		v[r] = bench_ingest(path, 0);
		vk[r] = bench_ingest(path, (uint64_t)1 << 30);
	}
	unlink(path);
	printf("whole ingest from a recording (read, split, parse, apply): %.3f M events/s\n",
	       median(v, RUNS) / 1e6);
	printf("the same keeping every line for the S and X keys: %.3f M events/s (%.0f ns/event more)\n",
	       median(vk, RUNS) / 1e6, 1e9 / median(vk, RUNS) - 1e9 / median(v, RUNS));

	double per_call = ms.calls_kept ? (double)heap / (double)ms.calls_kept : 0;
	printf("model: %llu calls kept, %llu paths, model_stats.bytes %zu (%.1f B/call), "
	       "heap growth %zu (%.1f B/call)\n",
	       (unsigned long long)ms.calls_kept, (unsigned long long)ms.paths, ms.bytes,
	       ms.calls_kept ? (double)ms.bytes / (double)ms.calls_kept : 0.0, heap, per_call);

	make_binary();
	printf("binary (PIPETRACE_WIRE=binary): %.1f MB, %.1f bytes/event; %llu enters and exits "
	       "in frames\n", (double)bbuflen / 1e6, (double)bbuflen / (double)nlines,
	       (unsigned long long)bevents);
	for (int r = 0; r < RUNS; r++)
		v[r] = bench_apply_bin();
	double apply_bin = median(v, RUNS);
	printf("bin_decode + model_apply: %.3f M events/s (%.0f ns/event), %.1fx JSON\n",
	       apply_bin / 1e6, 1e9 / apply_bin, apply_bin / apply);
	char bpath[] = "/tmp/pt-bench-ingest-XXXXXX";
	fd = mkstemp(bpath);
	if (fd < 0 || write(fd, bbuf, bbuflen) != (ssize_t)bbuflen) {
		perror("bench_ingest: temporary binary stream");
		return 1;
	}
	close(fd);
	for (int r = 0; r < RUNS; r++) {
		v[r] = bench_ingest(bpath, 0);
		vk[r] = bench_ingest(bpath, (uint64_t)1 << 30);
	}
	unlink(bpath);
	printf("whole ingest of the binary stream (read, split, decode, apply): %.3f M events/s\n",
	       median(v, RUNS) / 1e6);
	printf("the same keeping every event's line for the S and X keys: %.3f M events/s "
	       "(%.0f ns/event more)\n", median(vk, RUNS) / 1e6,
	       1e9 / median(vk, RUNS) - 1e9 / median(v, RUNS));
	printf("tui_ingest_events_per_s=%.0f\n", apply);
	printf("tui_ingest_bin_events_per_s=%.0f\n", apply_bin);
	printf("tui_bytes_per_call=%.0f\n", per_call);
	return 0;
}
