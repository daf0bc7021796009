/* bench_lib.c - what tracing costs: a tiny function called millions of
 * times, uninstrumented, traced with PT_TRACE() in async and sync mode (a
 * reader thread draining the FIFO), and under `uftrace record` built with
 * -pg (tests/bench_lib_pg) when uftrace is installed.  Each figure is the
 * median of several runs, each run a fresh child process (the library reads
 * its environment once per process).
 *
 * Besides, the floor of any tracer that timestamps each enter and exit: the
 * tiny function with two TSC reads around its body and nothing else; and
 * the traced run again without the exact statistics (PIPETRACE_STATS_MS=0),
 * so that their cost shows on its own.  Instruction counts, which do not
 * depend on the machine's load, come from callgrind (tests/bench_callgrind.sh).
 *
 * Per call means one call of the tiny function: its enter and its exit.
 * "traced thread" is wall time in the calling thread's loop; "process CPU"
 * is the CPU time of the whole process (flusher included) from the start of
 * the loop until everything is flushed.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pipetrace.h"

#define REPS 5
#define N_ASYNC 5000000L
#define N_SYNC 200000L
#define N_UFTRACE 2000000L
#define N_LOSSLESS 1000000L

extern char **environ;

static volatile long sink;

static __attribute__((noinline)) void plain_tiny(long i)
{
	sink += i;
}

static __attribute__((noinline)) void traced_tiny(long i)
{
	PT_TRACE();
	sink += i;
}

static double now_ns(void);

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define FLOOR_CLOCK() __rdtsc()
#else
#define FLOOR_CLOCK() (uint64_t)now_ns()
#endif
static volatile uint64_t floor_sink;

/* What a tracer cannot do without: a clock read at the enter and at the
 * exit. */
static __attribute__((noinline)) void floor_tiny(long i)
{
	uint64_t t0 = FLOOR_CLOCK();

	sink += i;
	floor_sink += FLOOR_CLOCK() - t0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double cpu_ns(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* In the child: run the loop, print "wall cpu thread_cpu", each in ns per
 * call: wall time and CPU time of the loop in the calling thread, and CPU
 * time of the whole process until everything is flushed. */
static int child(const char *what, long n)
{
	int traced = strcmp(what, "traced") == 0;
	int flr = strcmp(what, "floor") == 0;
	double t0, c0, t1, c1, th0, th1;

	if (traced)
		traced_tiny(-1);        /* start-up (thread record, flusher) */
	c0 = cpu_ns(RUSAGE_SELF);
	th0 = thread_cpu_ns();
	t0 = now_ns();
	if (traced)
		for (long i = 0; i < n; i++)
			traced_tiny(i);
	else if (flr)
		for (long i = 0; i < n; i++)
			floor_tiny(i);
	else
		for (long i = 0; i < n; i++)
			plain_tiny(i);
	t1 = now_ns();
	th1 = thread_cpu_ns();
	pt_flush();
	c1 = cpu_ns(RUSAGE_SELF);
	printf("%.3f %.3f %.3f\n", (t1 - t0) / n, (c1 - c0) / n, (th1 - th0) / n);
	return 0;
}

/* ---- the parent: a reader, and the runs -------------------------------- */

static char fifo[128];
static atomic_int stop_reader;
static atomic_long bytes_read, lines_read;

static void *reader(void *arg)
{
	int fd = open(fifo, O_RDONLY | O_NONBLOCK);
	int keep = open(fifo, O_WRONLY | O_NONBLOCK);  /* no EOF between runs */
	static char buf[1 << 16];

	while (!atomic_load(&stop_reader)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		while ((n = read(fd, buf, sizeof buf)) > 0) {
			long l = 0;
			char *q = buf, *end = buf + n;

			while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
				l++;
				q++;
			}
			atomic_fetch_add(&bytes_read, n);
			atomic_fetch_add(&lines_read, l);
		}
	}
	close(fd);
	close(keep);
	return arg;
}

/* Runs argv with extra environment, returns its stdout's two figures and
 * the CPU its process tree used. */
static int run(char *const argv[], const char *mode, double *wall, double *cpu,
	       double *thr, double *tree_cpu)
{
	int out[2];
	pid_t pid;
	posix_spawn_file_actions_t fa;
	char envbuf[4][256];
	char *env[256];
	int n = 0, status;
	double c0 = cpu_ns(RUSAGE_CHILDREN);
	char line[128] = "";
	FILE *f;

	for (char **e = environ; *e && n < 250; e++)
		if (strncmp(*e, "PIPETRACE", 9) != 0)
			env[n++] = *e;
	snprintf(envbuf[0], sizeof envbuf[0], "PIPETRACE_FIFO=%s", fifo);
	snprintf(envbuf[1], sizeof envbuf[1], "PIPETRACE_MODE=%.*s", (int)strcspn(mode, "-"), mode);
	env[n++] = envbuf[0];
	env[n++] = envbuf[1];
	if (strstr(mode, "lossless"))
		env[n++] = "PIPETRACE_LOSSLESS=1";
	if (strstr(mode, "nostats"))
		env[n++] = "PIPETRACE_STATS_MS=0";
	env[n++] = strstr(mode, "binary") ? "PIPETRACE_WIRE=binary" : "PIPETRACE_WIRE=json";
	env[n] = NULL;
	if (pipe(out) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, env) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	f = fdopen(out[0], "r");
	/* uftrace prints nothing else on stdout while recording. */
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "%lf %lf %lf", wall, cpu, thr) >= 2)
			break;
	while (f && fgetc(f) != EOF)
		;
	if (f)
		fclose(f);
	waitpid(pid, &status, 0);
	*tree_cpu = cpu_ns(RUSAGE_CHILDREN) - c0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/pt-bench-XXXXXX", self[512], nbuf[32], cmd[1024];
	double plain[REPS], async[REPS], async_cpu[REPS], sync[REPS], sync_cpu[REPS];
	double uft[REPS], uft_cpu[REPS], over[REPS], dummy, tree;
	double ll[REPS], ll_cpu[REPS], plain_thr[REPS], async_thr[REPS], uft_thr[REPS];
	double flr[REPS], flr_thr[REPS], flr_over[REPS], ns_thr[REPS], ns_over[REPS], ns_wall[REPS];
	double uft_over[REPS];
	double llb[REPS], llb_cpu[REPS];
	const char *uftrace = getenv("UFTRACE") ? getenv("UFTRACE") : UFTRACE_PATH;
	long lines_async = 0;
	int have_uftrace, r;
	pthread_t th;

	if (argc == 4 && strcmp(argv[1], "--child") == 0)
		return child(argv[2], atol(argv[3]));

	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len <= 0 || !mkdtemp(dir))
		return 1;
	self[len] = 0;
	snprintf(fifo, sizeof fifo, "%s/bench.fifo", dir);
	if (mkfifo(fifo, 0600) != 0)
		return 1;
	pthread_create(&th, NULL, reader, NULL);

	char pg[600];
	snprintf(pg, sizeof pg, "%s_pg", self);
	have_uftrace = uftrace[0] && access(uftrace, X_OK) == 0 && access(pg, X_OK) == 0;

	for (r = 0; r < REPS; r++) {
		double thr;

		char *a_plain[] = { self, "--child", "plain", nbuf, NULL };
		char *a_traced[] = { self, "--child", "traced", nbuf, NULL };
		char *a_floor[] = { self, "--child", "floor", nbuf, NULL };

		snprintf(nbuf, sizeof nbuf, "%ld", N_ASYNC);
		if (run(a_plain, "async", &plain[r], &dummy, &plain_thr[r], &tree) != 0)
			return 1;
		long before = atomic_load(&lines_read);
		if (run(a_traced, "async", &async[r], &async_cpu[r], &async_thr[r], &tree) != 0)
			return 1;
		/* Let the reader finish the run's lines before counting. */
		usleep(100000);
		lines_async += atomic_load(&lines_read) - before;
		over[r] = async_thr[r] - plain_thr[r];
		/* The floor and the run without statistics, in the same round. */
		if (run(a_floor, "async", &flr[r], &dummy, &flr_thr[r], &tree) != 0)
			return 1;
		flr_over[r] = flr_thr[r] - plain_thr[r];
		if (run(a_traced, "async-nostats", &ns_wall[r], &dummy, &ns_thr[r], &tree) != 0)
			return 1;
		ns_over[r] = ns_thr[r] - plain_thr[r];
		snprintf(nbuf, sizeof nbuf, "%ld", N_SYNC);
		if (run(a_traced, "sync", &sync[r], &sync_cpu[r], &thr, &tree) != 0)
			return 1;
		snprintf(nbuf, sizeof nbuf, "%ld", N_LOSSLESS);
		if (run(a_traced, "async-lossless", &ll[r], &ll_cpu[r], &thr, &tree) != 0)
			return 1;
		if (run(a_traced, "async-lossless-binary", &llb[r], &llb_cpu[r], &thr, &tree) != 0)
			return 1;
		if (have_uftrace) {
			char data[160], *a_uft[] = { (char *)uftrace, "record", "-d", data,
						     "--no-libcall", pg, nbuf, NULL };

			snprintf(data, sizeof data, "%s/uftrace.data", dir);
			snprintf(nbuf, sizeof nbuf, "%ld", N_UFTRACE);
			if (run(a_uft, "async", &uft[r], &dummy, &uft_thr[r], &tree) != 0) {
				have_uftrace = 0;
				continue;
			}
			uft_cpu[r] = tree / N_UFTRACE;
			uft_over[r] = uft_thr[r] - plain_thr[r];
			snprintf(cmd, sizeof cmd, "rm -rf '%s'", data);
			if (system(cmd) != 0)
				return 1;
		}
	}
	atomic_store(&stop_reader, 1);
	pthread_join(th, NULL);
	unlink(fifo);
	rmdir(dir);

	printf("bench_lib: tiny function, median of %d runs, ns per call (enter+exit)\n", REPS);
	printf("  uninstrumented           %8.2f ns/call wall  %8.2f thread CPU   (%ld calls)\n",
	       median(plain, REPS), median(plain_thr, REPS), N_ASYNC);
	printf("  pipetrace async          %8.2f ns/call wall  %8.2f thread CPU   traced thread, reader attached\n",
	       median(async, REPS), median(async_thr, REPS));
	printf("  pipetrace async overhead %8.2f ns/call      thread CPU, async minus uninstrumented (wall on a busy machine counts other programs' time)\n",
	       median(over, REPS));
	printf("  pipetrace, no stats      %8.2f ns/call wall  %8.2f thread CPU   PIPETRACE_STATS_MS=0; overhead %.2f ns/call\n",
	       median(ns_wall, REPS), median(ns_thr, REPS), median(ns_over, REPS));
	printf("  floor: two TSC reads     %8.2f ns/call wall  %8.2f thread CPU   overhead %.2f ns/call\n",
	       median(flr, REPS), median(flr_thr, REPS), median(flr_over, REPS));
	printf("  pipetrace async CPU      %8.2f ns/call      whole process incl. flusher; %.1f%% of events reached the reader\n",
	       median(async_cpu, REPS), 100.0 * lines_async / (REPS * (2.0 * N_ASYNC + 2)));
	printf("  pipetrace async lossless %8.2f ns/call      (%ld calls) every event formatted and read; process CPU %.2f ns/call\n",
	       median(ll, REPS), N_LOSSLESS, median(ll_cpu, REPS));
	printf("  pipetrace lossless binary%8.2f ns/call      the same in binary frames (PIPETRACE_WIRE=binary); process CPU %.2f ns/call\n",
	       median(llb, REPS), median(llb_cpu, REPS));
	printf("  pipetrace sync           %8.2f ns/call      (%ld calls), CPU %.2f ns/call\n",
	       median(sync, REPS), N_SYNC, median(sync_cpu, REPS));
	if (have_uftrace) {
		printf("  uftrace record -pg       %8.2f ns/call wall  %8.2f thread CPU   traced thread (%ld calls)\n",
		       median(uft, REPS), median(uft_thr, REPS), N_UFTRACE);
		printf("  uftrace record CPU       %8.2f ns/call      whole process tree incl. start-up\n",
		       median(uft_cpu, REPS));
	} else {
		printf("  uftrace                  not run (not installed or -pg build missing)\n");
	}
	/* The budget of issue 10.1, from medians of the same rounds. */
	printf("  overhead / floor         %8.2f            stats on (%.2f without stats); budget 1.5\n",
	       median(over, REPS) / median(flr_over, REPS),
	       median(ns_over, REPS) / median(flr_over, REPS));
	if (have_uftrace)
		printf("  overhead / uftrace's     %8.2f            stats on, thread CPU over uninstrumented; budget 0.33\n",
		       median(over, REPS) / median(uft_over, REPS));
	if (have_uftrace)
		printf("  lossless process CPU / uftrace record CPU: JSON %.2fx, binary %.2fx (same loop, this run)\n",
		       median(ll_cpu, REPS) / median(uft_cpu, REPS),
		       median(llb_cpu, REPS) / median(uft_cpu, REPS));
	printf("lib_overhead_ns_per_call=%.2f\n", median(over, REPS));
	printf("lib_overhead_nostats_ns_per_call=%.2f\n", median(ns_over, REPS));
	printf("floor_overhead_ns_per_call=%.2f\n", median(flr_over, REPS));
	return 0;
}
