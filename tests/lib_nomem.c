/* lib_nomem.c - a traced program whose own malloc fails, in the traced
 * thread, for blocks of 16 KiB and more while `starved` is set: the
 * library's shadow stack (512 open calls at first, 16 bytes each) then
 * cannot grow.  (Without AddressSanitizer, which brings its own malloc.)
 *
 *   lib_nomem DEPTH    main -> nest x DEPTH, starved; then main -> after
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "pipetrace.h"

#if !defined(__SANITIZE_ADDRESS__)
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void __libc_free(void *p);

static __thread int starved;

void *malloc(size_t size)
{
	return starved && size >= 16384 ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	return starved && n * size >= 16384 ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	return starved && size >= 16384 ? NULL : __libc_realloc(p, size);
}

void free(void *p)
{
	__libc_free(p);
}
#define STARVE(on) (starved = (on))
#else
#define STARVE(on) ((void)0)
#endif

static volatile unsigned sink;

static void __attribute__((noinline)) nest(long n)
{
	PT_TRACE();
	if (n > 1)
		nest(n - 1);
	sink++;
}

static void __attribute__((noinline)) after(void)
{
	PT_TRACE();
	sink++;
}

int main(int argc, char **argv)
{
	long depth = argc > 1 ? atol(argv[1]) : 600;

	PT_TRACE();
	STARVE(1);
	nest(depth);
	STARVE(0);
	after();
	return 0;
}
