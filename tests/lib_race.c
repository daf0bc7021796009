/* lib_race.c - eight threads whose first traced calls all come at once,
 * while the library is still initialising: the first of them starts it,
 * the others must wait for it, not go on untraced.  Built three times:
 * with PT_TRACE() (lib_race), with -finstrument-functions (lib_race_instr,
 * RACE_INSTR defined), and that with an instrumented malloc of its own
 * (lib_race_malloc, RACE_MALLOC too), which the library itself calls while
 * it initialises.  main and the thread bodies are not traced, so that no
 * event comes before the race (but main's malloc calls are, with
 * RACE_MALLOC).
 *
 *   lib_race [CALLS [fork]]
 *       8 threads named race0..race7, each: work -> CALLS x leaf (default
 *       1000).  fork: main also forks as the threads start (the library
 *       initialising meanwhile); the child runs work and exits.
 */
#include <config.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipetrace.h"

#ifdef RACE_INSTR
#define TRACE() ((void)0)
#else
#define TRACE() PT_TRACE()
#endif
#define UNTRACED __attribute__((no_instrument_function))

/* AddressSanitizer has its own malloc, and its allocator is not fork-safe
 * (a child forked while another thread allocates may hang): no malloc of
 * our own then, and the fork comes after the race. */
#if defined(__SANITIZE_ADDRESS__)
#define RACE_ASAN 1
#undef RACE_MALLOC
#else
#define RACE_ASAN 0
#endif

#ifdef RACE_MALLOC
/* Instrumented: each call is an event of the calling thread. */
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void __libc_free(void *p);

void *malloc(size_t size)
{
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	return __libc_realloc(p, size);
}

void free(void *p)
{
	__libc_free(p);
}
#endif

#define THREADS 8

static volatile unsigned sink;
static pthread_barrier_t start;
static long calls = 1000;

static void __attribute__((noinline)) leaf(long i)
{
	TRACE();
	sink += (unsigned)i;
}

static void __attribute__((noinline)) work(void)
{
	TRACE();
	for (long i = 0; i < calls; i++)
		leaf(i);
}

static UNTRACED void *body(void *arg)
{
	char name[16];

	snprintf(name, sizeof name, "race%ld", (long)arg);
	pthread_setname_np(pthread_self(), name);
	pthread_barrier_wait(&start);
	work();
	return NULL;
}

static UNTRACED void fork_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		work();
		exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

UNTRACED int main(int argc, char **argv)
{
	int with_fork = argc > 2 && strcmp(argv[2], "fork") == 0;
	pthread_t th[THREADS];

	if (argc > 1)
		calls = atol(argv[1]);
	pthread_barrier_init(&start, NULL, THREADS + (with_fork && !RACE_ASAN));
	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, body, (void *)i) != 0)
			return 1;
	if (with_fork && !RACE_ASAN) {
		pthread_barrier_wait(&start);
		fork_child();
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	if (with_fork && RACE_ASAN)
		fork_child();
	return 0;
}
