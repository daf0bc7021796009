/* lib_instr.c - a program built with -finstrument-functions and linked with
 * libpipetrace, with no tracing in its source: the tests check that its
 * static functions come out by name. */
#include <stdlib.h>

static volatile unsigned sink;

static __attribute__((noinline)) void static_inner(int i)
{
	sink += (unsigned)i;
}

static __attribute__((noinline)) void static_outer(int i)
{
	static_inner(i);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;

	for (int i = 0; i < n; i++)
		static_outer(i);
	return 0;
}
