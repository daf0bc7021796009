/* bench_lib_pg.c - bench_lib's workload for `uftrace record`: built with -pg
 * and not linked with libpipetrace.  Prints wall, process CPU and thread CPU
 * per call of its loop, as bench_lib's own children do. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static volatile long sink;

static __attribute__((noinline)) void plain_tiny(long i)
{
	sink += i;
}

static double cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	struct timespec a, b, ta, tb;
	double c0 = cpu_ns();

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ta);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		plain_tiny(i);
	clock_gettime(CLOCK_MONOTONIC, &b);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &tb);
	printf("%.3f %.3f %.3f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n,
	       (cpu_ns() - c0) / n,
	       ((tb.tv_sec - ta.tv_sec) * 1e9 + (tb.tv_nsec - ta.tv_nsec)) / n);
	return 0;
}
