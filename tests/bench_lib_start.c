/* bench_lib_start.c - what tracing costs a short-lived program: the time
 * from spawn to exit of a tiny traced program (tests/lib_traced calls 3)
 * with a reader attached, against the same program with PIPETRACE=0; and
 * the share of the events of a short program (lib_traced paced 5000 8:
 * 20,002 events over 40 ms) that reach an idle reader in the default
 * (lossy) mode.  Each
 * figure is the median (and worst) over RUNS fresh processes.
 */
#include <config.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 31

extern char **environ;

static char fifo[128];
static atomic_int stop_reader;
static atomic_long calls_read, byes_read;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Drains the FIFO, counting enter/exit lines and byes.  Lines may straddle
 * reads: the tail of each read is kept for the next. */
static void *reader(void *arg)
{
	int fd = open(fifo, O_RDONLY | O_NONBLOCK);
	int keep = open(fifo, O_WRONLY | O_NONBLOCK);  /* no EOF between runs */
	static char buf[1 << 17];
	size_t have = 0;

	while (!atomic_load(&stop_reader)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 20) <= 0)
			continue;
		while ((n = read(fd, buf + have, sizeof buf - have)) > 0) {
			char *q = buf, *end = buf + have + (size_t)n, *nl;

			while ((nl = memchr(q, '\n', (size_t)(end - q))) != NULL) {
				if (strncmp(q, "{\"ev\":\"enter\"", 13) == 0 ||
				    strncmp(q, "{\"ev\":\"exit\"", 12) == 0)
					atomic_fetch_add(&calls_read, 1);
				else if (strncmp(q, "{\"ev\":\"bye\"", 11) == 0)
					atomic_fetch_add(&byes_read, 1);
				q = nl + 1;
			}
			have = (size_t)(end - q);
			memmove(buf, q, have);
		}
	}
	close(fd);
	close(keep);
	return arg;
}

/* Runs lib_traced with args and extra environment; returns its wall time
 * from spawn to reaped, in ns, or -1. */
static double run(const char *prog, const char *const *args, const char *extra)
{
	char envbuf[256];
	char *argv[8], *env[256];
	int n = 0, a = 0, status;
	pid_t pid;
	double t0;

	for (char **e = environ; *e && n < 250; e++)
		if (strncmp(*e, "PIPETRACE", 9) != 0)
			env[n++] = *e;
	snprintf(envbuf, sizeof envbuf, "PIPETRACE_FIFO=%s", fifo);
	env[n++] = envbuf;
	if (extra)
		env[n++] = (char *)extra;
	env[n] = NULL;
	argv[a++] = (char *)prog;
	for (; *args && a < 7; args++)
		argv[a++] = (char *)*args;
	argv[a] = NULL;
	t0 = now_ns();
	if (posix_spawn(&pid, prog, NULL, NULL, argv, env) != 0)
		return -1;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return now_ns() - t0;
}

/* Waits (up to 2 s) until the reader has seen `byes` byes in all. */
static void await_byes(long byes)
{
	double end = now_ns() + 2e9;

	while (atomic_load(&byes_read) < byes && now_ns() < end) {
		struct timespec d = { 0, 1000000 };

		nanosleep(&d, NULL);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	const char *top = getenv("top_builddir");
	static const char *const tiny[] = { "calls", "3", NULL };
	static const char *const burst[] = { "paced", "5000", "8", NULL };
	const double burst_events = 4 * 5000 + 2;
	char dir[] = "/tmp/pt-bench-XXXXXX", prog[512];
	double off[RUNS], on[RUNS], share[RUNS];
	long byes = 0;
	pthread_t th;

	snprintf(prog, sizeof prog, "%s/tests/lib_traced", top ? top : ".");
	if (!mkdtemp(dir))
		return 1;
	snprintf(fifo, sizeof fifo, "%s/f", dir);
	if (mkfifo(fifo, 0600) != 0 || pthread_create(&th, NULL, reader, NULL) != 0)
		return 1;
	for (int i = 0; i < RUNS; i++) {
		off[i] = run(prog, tiny, "PIPETRACE=0");
		on[i] = run(prog, tiny, NULL);
		await_byes(++byes);
		long before = atomic_load(&calls_read);
		if (off[i] < 0 || on[i] < 0 || run(prog, burst, NULL) < 0) {
			fprintf(stderr, "bench_lib_start: %s failed\n", prog);
			return 1;
		}
		await_byes(++byes);
		share[i] = (double)(atomic_load(&calls_read) - before) / burst_events;
	}
	atomic_store(&stop_reader, 1);
	pthread_join(th, NULL);
	unlink(fifo);
	rmdir(dir);
	qsort(off, RUNS, sizeof *off, cmp);
	qsort(on, RUNS, sizeof *on, cmp);
	qsort(share, RUNS, sizeof *share, cmp);
	printf("start-up (median / worst of %d runs, lib_traced calls 3, reader attached):\n", RUNS);
	printf("  spawn to exit, PIPETRACE=0   %8.2f ms / %8.2f ms\n", off[RUNS / 2] / 1e6,
	       off[RUNS - 1] / 1e6);
	printf("  spawn to exit, traced        %8.2f ms / %8.2f ms\n", on[RUNS / 2] / 1e6,
	       on[RUNS - 1] / 1e6);
	printf("  %.0f events in 40 ms delivered to an idle reader: median %.1f %%, worst %.1f %%\n",
	       burst_events, 100 * share[RUNS / 2], 100 * share[0]);
	return 0;
}
