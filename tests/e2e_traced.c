/* e2e_traced.c - a small, deterministic traced program for the end-to-end
 * tests of pipetrace-tui: two processes (it forks), named threads, nested
 * calls, a search target in two threads, and exceptions.
 *
 * Usage: e2e_traced [SECONDS]   (default 6): keeps producing calls at a
 * steady, slow rate for that long, so a test can pause the view while it
 * runs, then exits 0. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pipetrace.h"

static double seconds = 6;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nap_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static void db_query(int i)
{
	PT_TRACE();
	nap_us(200 + (i % 4) * 300);
	if (i % 5 == 4)
		pt_exception("TimeoutError", "no answer in %d ms (query %d)", 200, i);
}

static void search_target_alpha(void)
{
	PT_TRACE();
	nap_us(100);
}

static void handle_request(int i)
{
	PT_TRACE();
	db_query(i);
	search_target_alpha();
}

struct worker {
	const char *name;
	int offset;
};

static void *worker_main(void *arg)
{
	const struct worker *w = arg;
	double end = now_s() + seconds;

	pt_thread_name(w->name);
	for (int i = w->offset; now_s() < end; i++) {
		handle_request(i);
		nap_us(40000);
	}
	pt_flush();
	return NULL;
}

static void child_task(void)
{
	PT_TRACE();
	nap_us(500);
}

static void child_main(void)
{
	double end = now_s() + seconds;

	pt_thread_name("child-main");
	while (now_s() < end) {
		child_task();
		nap_us(60000);
	}
	pt_flush();
}

int main(int argc, char **argv)
{
	static struct worker workers[] = { { "worker-1", 0 }, { "worker-2", 2 } };
	pthread_t th[2];
	pid_t child;

	if (argc > 1)
		seconds = atof(argv[1]);
	if (seconds <= 0)
		seconds = 6;
	child = fork();
	if (child == 0) {
		child_main();
		return 0;
	}
	pt_thread_name("main");
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, worker_main, &workers[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	if (child > 0)
		waitpid(child, NULL, 0);
	printf("e2e_traced: done\n");
	return 0;
}
