/* lib_traced.c - a traced program the libpipetrace tests run as a child.
 * The first argument picks a scenario; "done"/"go" lines on stdout/stdin
 * let the test act between its phases.
 *
 *   calls N            main -> N x (mid -> leaf)
 *   paced N US         as calls, call i due at i * US microseconds
 *   pause N            as calls, then "done", waits for "go", pt_flush()
 *   twophase N         N calls, pt_flush, "phase1", waits for "go",
 *                      N more calls, pt_flush, "phase2"
 *   threads T N        T threads, each N x (mid -> leaf)
 *   fork               main -> before_fork -> fork; child: in_child; parent: after_fork
 *   forkbusy N         N forks while two threads trace; each child: in_child
 *   crash              main -> outer -> inner -> *(int *)64 = 1
 *   overflow           main -> recurse -> recurse -> ... until the stack ends
 *   closefds FILE      closes every descriptor, opens FILE on the low
 *                      numbers, goes on tracing: FILE must stay empty
 *   longjmp            main -> catcher -> skipped -> jumper -longjmp-> catcher
 *   deepjmp N D        N times: main -> descend x19 -> deep_catcher -> deep_site
 *                      -> dive x D -longjmp-> deep_catcher (depths 0, 1..19,
 *                      20, 21, 22..)
 *   until-stop         traces until "stop"; on "closed": pt_flush, "flushed"
 *   strings            exceptions and names that need escaping or cutting
 *   busy T             T threads named b0, b1... call until "stop";
 *                      "started" once each has traced
 *   rename N           N calls, pt_flush, renames itself "renamed", 10
 *                      calls, pt_flush, "flushed", waits for "go", 10 calls
 *   rename-full N      N calls, renames itself "late" (its buffer full if
 *                      nobody reads), 10 calls, "done", waits for "go"
 *   seqthreads T N [flush]  T threads one after the other, each N calls
 *                      (with flush: pt_flush after each); then pt_flush,
 *                      "done", waits for "go"
 *   recurse D R        R times: main -> rec -> rec ... (D levels)
 *   exc N              N times: main -> mid_exc -> thrower (raises
 *                      "E" in thrower, once in mid_exc after it)
 *   statsfork N        N calls and quick; fork: the child makes 3 calls,
 *                      the parent waits for it and makes 2
 *   procs P T N        P child processes, each T threads of N x (mid -> leaf)
 *   stall N            main -> stall_parent -> sleeper -> N x leaf, then
 *                      sleeper sleeps 1 ms (a slow lossless reader holds
 *                      the program up during the N calls)
 *   raise              main -> guard -> raiser (exception "ValueError") -> leaf
 *   turns N            main -> N x tok(i) -> (is_a, [is_b: i even],
 *                      [is_c: i % 3 == 0], is_a): callees in turns
 *   durations          main -> 4 x branch -> (quick, [napper: 100 ms], quick),
 *                      the third branch only calling napper
 */
#include <config.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pipetrace.h"

static volatile unsigned sink;

static void __attribute__((noinline)) leaf(int i)
{
	PT_TRACE();
	sink += (unsigned)i;
}

static void __attribute__((noinline)) mid(int i)
{
	PT_TRACE();
	leaf(i);
}

/* Its own work: n tiny calls and 1 ms of sleep; a lossless run with a
 * slow reader makes it wait for room meanwhile, which its duration must
 * leave out (the stall clock). */
static void __attribute__((noinline)) sleeper(long n)
{
	struct timespec ms = { 0, 1000000 };

	PT_TRACE();
	for (long i = 0; i < n; i++)
		leaf((int)i);
	nanosleep(&ms, NULL);
}

static void __attribute__((noinline)) stall_parent(long n)
{
	PT_TRACE();
	sleeper(n);
}

static void calls(long n)
{
	for (long i = 0; i < n; i++)
		mid((int)i);
}

/* A program whose work arrives at a fixed rate: call i of `calls` is due
 * i * us microseconds after the start; held up, it catches up at once. */
static void paced(long n, long us)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		long long due = (long long)i * us * 1000;

		do
			clock_gettime(CLOCK_MONOTONIC, &now);
		while ((now.tv_sec - t0.tv_sec) * 1000000000LL + now.tv_nsec - t0.tv_nsec < due);
		mid((int)i);
	}
}

static void say(const char *s)
{
	printf("%s\n", s);
	fflush(stdout);
}

static void await(const char *s)
{
	char line[64];

	if (!fgets(line, sizeof line, stdin) || strncmp(line, s, strlen(s)) != 0)
		exit(3);
}

static void *worker(void *arg)
{
	long n = (long)arg;
	char name[16];

	PT_TRACE_NAMED("worker");
	snprintf(name, sizeof name, "w%ld", n % 1000);
	pt_thread_name(name);
	calls(n / 1000);
	return NULL;
}

static atomic_int spin_stop, spin_started;

static void *spinner(void *arg)
{
	char name[16];

	snprintf(name, sizeof name, "b%ld", (long)(intptr_t)arg);
	pt_thread_name(name);
	calls(10);
	atomic_fetch_add(&spin_started, 1);
	while (!atomic_load(&spin_stop))
		calls(10);
	return NULL;
}

/* Equally busy threads until told to stop. */
static void busy_threads(long n)
{
	pthread_t th[64];

	if (n > 64)
		n = 64;
	for (long i = 0; i < n; i++)
		pthread_create(&th[i], NULL, spinner, (void *)(intptr_t)i);
	while (atomic_load(&spin_started) < n)
		sched_yield();
	say("started");
	await("stop");
	atomic_store(&spin_stop, 1);
	for (long i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

static void in_child(void) { PT_TRACE(); sink++; }
static void after_fork(void) { PT_TRACE(); sink++; }

static void before_fork(void)
{
	PT_TRACE();
	/* Let the flusher thread finish starting first: GCC 12's
	 * AddressSanitizer allocator is not fork-safe, and a child forked
	 * while another thread is inside it deadlocks on its next malloc.
	 * (glibc's malloc is fork-safe; this only matters under ASan.) */
	pt_flush();
	pid_t pid = fork();

	if (pid == 0) {
		in_child();
		return;
	}
	waitpid(pid, NULL, 0);
	after_fork();
}

static atomic_int busy_stop, busy_started;

static void *busy(void *arg)
{
	calls(100);
	atomic_fetch_add(&busy_started, 1);
	while (!atomic_load(&busy_stop))
		calls(100);
	return arg;
}

/* fork() again and again while other threads trace and the flusher runs:
 * no deadlock, and every child says hello. */
static void fork_busy(long n)
{
	pthread_t th[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, busy, NULL);
	/* Fork only once no thread is still starting (see before_fork). */
	while (atomic_load(&busy_started) < 2)
		sched_yield();
	pt_flush();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			in_child();
			exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	atomic_store(&busy_stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
}

static void __attribute__((noinline)) inner(void)
{
	PT_TRACE();
	/* Not NULL: UBSan would stop the program before the fault. */
	*(volatile int *)(uintptr_t)(sink + 64) = 1;
}

static void __attribute__((noinline)) outer(void)
{
	PT_TRACE();
	inner();
}

/* Unbounded recursion: the stack overflows, and the crash handler must
 * still run (on its alternate stack) and cut the huge stack to one line. */
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int __attribute__((noinline)) recurse(int n)
{
	PT_TRACE();
	volatile char buf[128];

	buf[n & 127] = (char)n;
	return recurse(n + 1) + buf[(n + 1) & 127];
}

/* Traces until told to stop; on "closed" (the test closed its reader),
 * flushes so that the library meets the closed pipe, and says so. */
static void until_stop(void)
{
	char line[64];

	for (;;) {
		struct pollfd p = { .fd = 0, .events = POLLIN };

		calls(10);
		if (poll(&p, 1, 1) <= 0)
			continue;
		if (!fgets(line, sizeof line, stdin) || strncmp(line, "stop", 4) == 0)
			return;
		if (strncmp(line, "closed", 6) == 0) {
			pt_flush();
			say("flushed");
		}
	}
}

/* longjmp out of two traced calls: their exits never come, and the exit of
 * the call that catches must still close at the right depth. */
static jmp_buf jump;

static void __attribute__((noinline)) jumper(void)
{
	PT_TRACE();
	longjmp(jump, 1);
}

static void __attribute__((noinline)) skipped(void)
{
	PT_TRACE();
	jumper();
}

static void __attribute__((noinline)) catcher(void)
{
	PT_TRACE();
	if (setjmp(jump) == 0)
		skipped();
}

/* longjmp from far deeper than the shadow stack's first size (512). */
static jmp_buf deep_jump;

static void __attribute__((noinline)) dive(long n)
{
	PT_TRACE();
	if (n <= 1)
		longjmp(deep_jump, 1);
	dive(n - 1);
	sink++;
}

static void __attribute__((noinline)) deep_site(long n)
{
	PT_TRACE();
	dive(n);
}

static void __attribute__((noinline)) deep_catcher(long n)
{
	PT_TRACE();
	if (setjmp(deep_jump) == 0)
		deep_site(n);
}

static void __attribute__((noinline)) descend(int level, long times, long n)
{
	PT_TRACE();
	if (level < 19) {
		descend(level + 1, times, n);
		return;
	}
	for (long i = 0; i < times; i++)
		deep_catcher(n);
}

static void __attribute__((noinline)) rec(long n)
{
	PT_TRACE();
	if (n > 1)
		rec(n - 1);
	sink++;
}

static void __attribute__((noinline)) thrower(int i)
{
	PT_TRACE();
	pt_exception("E", "call %d", i);
}

static void __attribute__((noinline)) mid_exc(int i)
{
	PT_TRACE();
	thrower(i);
	if (i == 0)
		pt_exception("F", "once");
}

static void quick(void);

/* A tokenizer's shape: the same callees in turns, some skipped. */
static void __attribute__((noinline)) is_a(void)
{
	PT_TRACE();
	sink++;
}

static void __attribute__((noinline)) is_b(void)
{
	PT_TRACE();
	sink += 2;
}

static void __attribute__((noinline)) is_c(void)
{
	PT_TRACE();
	sink += 3;
}

static void __attribute__((noinline)) tok(long i)
{
	PT_TRACE();
	is_a();
	if (i % 2 == 0)
		is_b();
	if (i % 3 == 0)
		is_c();
	is_a();
}

static void stats_fork(long n)
{
	pid_t pid;

	calls(n);
	quick();        /* a path of the parent's that the child never takes */
	pt_flush();     /* see before_fork() */
	pid = fork();
	if (pid == 0) {
		calls(3);
		return;
	}
	waitpid(pid, NULL, 0);
	calls(2);
}

static void __attribute__((noinline)) raiser(void)
{
	PT_TRACE();
	pt_exception("ValueError", "raised in raiser");
	leaf(1);
}

static void __attribute__((noinline)) quick(void)
{
	PT_TRACE();
	sink++;
}

static void __attribute__((noinline)) napper(void)
{
	PT_TRACE();
	struct timespec d = { 0, 100000000 };

	nanosleep(&d, NULL);
}

static void __attribute__((noinline)) branch(int slow)
{
	PT_TRACE();
	quick();
	if (slow)
		napper();
	quick();
}

static void __attribute__((noinline)) guard(void)
{
	PT_TRACE();
	raiser();
}

static void strings(void)
{
	PT_TRACE_NAMED("we\"ird\\name\x01\xff");
	char *big = malloc(10241);

	pt_exception("Quote\"Back\\slash", "ctl:\x01\x1f\x7f tab:\t nl:\n bad:\xc3\x28 \xed\xa0\x80 end");
	/* 10 KB of 3-byte characters: must be cut on a character boundary. */
	for (int i = 0; i < 10239; i += 3)
		memcpy(big + i, "\xe2\x82\xac", 3);
	big[10239] = 'x';
	big[10240] = 0;
	pt_exception("Big", "%s", big);
	free(big);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "calls";
	long n = argc > 2 ? atol(argv[2]) : 10;

	PT_TRACE();
	if (strcmp(mode, "calls") == 0) {
		calls(n);
	} else if (strcmp(mode, "paced") == 0 && argc > 3) {
		paced(n, atol(argv[3]));
	} else if (strcmp(mode, "pause") == 0) {
		calls(n);
		say("done");
		await("go");
		pt_flush();
	} else if (strcmp(mode, "twophase") == 0) {
		calls(n);
		pt_flush();
		say("phase1");
		await("go");
		calls(n);
		pt_flush();
		calls(n);
		say("phase2");
	} else if (strcmp(mode, "threads") == 0) {
		long per = argc > 3 ? atol(argv[3]) : 1000;
		pthread_t th[64];

		if (n > 64)
			n = 64;
		for (long i = 0; i < n; i++)
			pthread_create(&th[i], NULL, worker, (void *)(per * 1000 + i));
		for (long i = 0; i < n; i++)
			pthread_join(th[i], NULL);
	} else if (strcmp(mode, "fork") == 0) {
		before_fork();
	} else if (strcmp(mode, "forkbusy") == 0) {
		fork_busy(n);
	} else if (strcmp(mode, "crash") == 0) {
		outer();
	} else if (strcmp(mode, "overflow") == 0) {
		sink = (unsigned)recurse(0);
	} else if (strcmp(mode, "closefds") == 0 && argc > 2) {
		/* Like a daemon: close every descriptor, then open a file
		 * of our own on all the low numbers, the library's included. */
		int fd;

		calls(10);
		pt_flush();
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return 4;
		for (int k = fd + 1; k < 32; k++)
			dup2(fd, k);
		calls(10);
		pt_flush();
		calls(10);
	} else if (strcmp(mode, "longjmp") == 0) {
		catcher();
		leaf(1);
	} else if (strcmp(mode, "deepjmp") == 0 && argc > 3) {
		descend(1, n, atol(argv[3]));
	} else if (strcmp(mode, "until-stop") == 0) {
		until_stop();
	} else if (strcmp(mode, "busy") == 0) {
		busy_threads(n);
	} else if (strcmp(mode, "rename") == 0) {
		calls(n);
		pt_flush();
		pt_thread_name("renamed");
		calls(10);
		pt_flush();
		say("flushed");
		await("go");
		calls(10);
	} else if (strcmp(mode, "seqthreads") == 0) {
		long per = argc > 3 ? atol(argv[3]) : 10;

		for (long i = 0; i < n; i++) {
			pthread_t th;

			pthread_create(&th, NULL, worker, (void *)(per * 1000 + i % 1000));
			pthread_join(th, NULL);
			/* Each thread retired alone, while the program runs. */
			if (argc > 4 && strcmp(argv[4], "flush") == 0)
				pt_flush();
		}
		pt_flush();     /* every exit seen by the library */
		say("done");
		await("go");
	} else if (strcmp(mode, "rename-full") == 0) {
		calls(n);
		pt_thread_name("late");
		calls(10);
		say("done");
		await("go");
	} else if (strcmp(mode, "recurse") == 0 && argc > 3) {
		for (long i = 0; i < atol(argv[3]); i++)
			rec(n);
	} else if (strcmp(mode, "exc") == 0) {
		for (long i = 0; i < n; i++)
			mid_exc((int)i);
	} else if (strcmp(mode, "statsfork") == 0) {
		stats_fork(n);
	} else if (strcmp(mode, "turns") == 0) {
		for (long i = 0; i < n; i++)
			tok(i);
	} else if (strcmp(mode, "durations") == 0) {
		for (int i = 0; i < 4; i++)
			branch(i == 2);
	} else if (strcmp(mode, "raise") == 0) {
		guard();
	} else if (strcmp(mode, "strings") == 0) {
		strings();
	} else if (strcmp(mode, "procs") == 0 && argc > 4) {
		long t = atol(argv[3]), per = atol(argv[4]);

		/* The flusher started by main's event must be past its start-up
		 * (it allocates) before we fork: see before_fork(). */
		pt_flush();
		for (long i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid == 0) {
				pthread_t th[64];

				for (long k = 0; k < t && k < 64; k++)
					pthread_create(&th[k], NULL, worker, (void *)(per * 1000 + k));
				for (long k = 0; k < t && k < 64; k++)
					pthread_join(th[k], NULL);
				exit(0);
			}
		}
		int st, bad = 0;
		pid_t who;

		while ((who = wait(&st)) > 0)
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "child %d: wait status %#x\n", (int)who, st);
				bad = 1;
			}
		if (bad)
			return 5;
	} else if (strcmp(mode, "stall") == 0) {
		stall_parent(n);
	} else if (strcmp(mode, "exit") == 0) {
		/* exit() from inside a traced call, main's still open */
		calls(3);
		exit((int)n);
	} else {
		return 2;
	}
	return 0;
}
