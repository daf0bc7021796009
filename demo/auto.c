/* auto.c - traced with no tracing code at all.
 *
 * Built with -finstrument-functions and linked with libpipetrace, every
 * function of this file, static ones included, is traced under its own
 * name (the library reads the symbol table; see demo/local.mk):
 *
 *   cc -finstrument-functions auto.c $(pkg-config --cflags --libs pipetrace) -o auto
 *   pipetrace-tui -- ./auto
 */
#include <stdio.h>
#include <stdlib.h>

static int fib(int n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static int collatz_steps(unsigned long n)
{
	int steps = 0;

	while (n != 1) {
		n = n % 2 ? 3 * n + 1 : n / 2;
		steps++;
	}
	return steps;
}

static unsigned long longest_collatz(unsigned long limit)
{
	unsigned long best = 1;
	int best_steps = 0;

	for (unsigned long n = 1; n <= limit; n++) {
		int s = collatz_steps(n);
		if (s > best_steps) {
			best_steps = s;
			best = n;
		}
	}
	return best;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 12;

	if (n < 0 || n > 30)
		n = 12;
	printf("fib(%d) = %d\n", n, fib(n));
	printf("longest Collatz chain below 100 starts at %lu\n", longest_collatz(100));
	return 0;
}
