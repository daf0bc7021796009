/* hello.c - the smallest traced program: three functions marked PT_TRACE.
 *
 * PT_TRACE(); as the first statement of a function sends an "enter" event
 * when the call starts and an "exit" event, with its duration, on every
 * return path.  Build and watch it with:
 *
 *   cc hello.c $(pkg-config --cflags --libs pipetrace) -o hello
 *   pipetrace-tui -- ./hello
 */
#include <stdio.h>

#include <pipetrace.h>

static long square(long x)
{
	PT_TRACE();
	return x * x;
}

static long sum_of_squares(int n)
{
	PT_TRACE();
	long sum = 0;

	for (int i = 1; i <= n; i++)
		sum += square(i);
	return sum;
}

static void greet(const char *who)
{
	PT_TRACE();
	printf("hello, %s: 1² + … + 10² = %ld\n", who, sum_of_squares(10));
}

int main(int argc, char **argv)
{
	greet(argc > 1 ? argv[1] : "world");
	return 0;
}
