/* lib_demangle.c - a C program that looks like a C++ one to libpipetrace:
 * built with -finstrument-functions, some of its functions carry mangled
 * assembler names.  Built twice: lib_demangle_cxx is linked with libstdc++
 * (and so has __cxa_demangle, like any C++ program), lib_demangle_c is not.
 *
 * It first prints "cxa_demangle 1" or "cxa_demangle 0": whether the C++
 * demangler is in the process (a sanitizer runtime may bring libstdc++ in
 * even without -lstdc++).  Then main -> plain_c -> foo::bar(int), main ->
 * big<...>(...) (a short mangled name that demangles to some 850 bytes),
 * main -> _Zbogus (not a valid mangled name).  With the argument "crash":
 * main -> big<...> -> foo::bar(int), which flushes (so that every name is
 * resolved and cached) and dies of SIGSEGV.
 */
#include <config.h>

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pipetrace.h>

#ifdef WITH_STDCXX
/* A C++ program uses its runtime; without a reference a linker running
 * with --as-needed would drop -lstdc++. */
extern char *__cxa_demangle(const char *, char *, size_t *, int *);
char *(*volatile keep_cxa_demangle)(const char *, char *, size_t *, int *) = __cxa_demangle;
#endif

static volatile int sink;
static int crash;

__attribute__((noinline)) int cxx_like(int x) __asm__("_ZN3foo3barEi");
__attribute__((noinline)) void cxx_big(int x) __asm__(
	"_Z3bigI18VeryLongTypeNameXX"
	"S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_"
	"S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_"
	"EvT_");
__attribute__((noinline)) void not_mangled(void) __asm__("_Zbogus");

int cxx_like(int x)
{
	if (crash) {
		pt_flush();
		/* An address the compiler cannot see through. */
		*(volatile int *)(uintptr_t)(sink + 64) = x;
	}
	sink += x;
	return sink;
}

void cxx_big(int x)
{
	if (crash)
		cxx_like(x);
	sink += x;
}

void not_mangled(void)
{
	sink++;
}

static __attribute__((noinline)) void plain_c(int x)
{
	cxx_like(x);
}

int main(int argc, char **argv)
{
	crash = argc > 1 && strcmp(argv[1], "crash") == 0;
	printf("cxa_demangle %d\n", dlsym(RTLD_DEFAULT, "__cxa_demangle") != NULL);
	fflush(stdout);
	if (crash)
		pt_catch_signals();
	cxx_big(2);
	plain_c(1);
	not_mangled();
	return 0;
}
