/* test_lib_demangle.c - C++ names of -finstrument-functions programs come
 * out demangled when the program has a C++ runtime, and mangled (without a
 * crash) when it has none or PIPETRACE_DEMANGLE=0; a long demangled name
 * stays within the library's bound on a name.  The helper lib_demangle is a
 * C program with mangled assembler names (see there), so no C++ compiler is
 * needed; lib_demangle_cxx is linked with libstdc++, lib_demangle_c is not.
 * Without libstdc++ at configure time the test is skipped (exit 77).
 */
#include <config.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "lib_harness.h"

/* The sanitizer runtimes (libubsan) bring libstdc++, and so a demangler,
 * into every program of a sanitizer build. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif
#ifndef SANITIZER_BUILD
#define SANITIZER_BUILD 0
#endif

/* The library's bound on a name: 512 bytes escaped, quotes included. */
#define NAME_MAX_BYTES 510

#define BIG_MANGLED "_Z3bigI18VeryLongTypeNameXX" \
	"S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_" \
	"S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_S0_" \
	"EvT_"
#define BIG_ARGS 41

/* What c++filt makes of BIG_MANGLED: 848 bytes. */
static char big_demangled[1024];

static void make_big_demangled(void)
{
	char *p = big_demangled;

	p += sprintf(p, "void big<");
	for (int i = 0; i < BIG_ARGS; i++)
		p += sprintf(p, "%sVeryLongTypeNameXX", i ? ", " : "");
	sprintf(p, ">(VeryLongTypeNameXX)");
	assert_int_equal(strlen(big_demangled), 848);
}

/* The cut form of a name longer than the bound: a prefix of it, then "…". */
static void assert_cut_of(const char *got, const char *full)
{
	size_t n = strlen(got);

	assert_true(n <= NAME_MAX_BYTES);
	assert_true(n > 400 + 3);       /* not cut to nothing */
	assert_string_equal(got + n - 3, "\xe2\x80\xa6");
	assert_memory_equal(got, full, n - 3);
}

/* The names the helper's functions come out with. */
struct names {
	const char *bar;        /* _ZN3foo3barEi */
	const char *big;        /* BIG_MANGLED, NULL: its demangled form, cut */
	const char *plain;      /* plain_c, NULL: any (a static function
				   without libdw has no name) */
	const char *bogus;      /* _Zbogus */
};

static const struct names demangled = { "foo::bar(int)", NULL, "plain_c", "_Zbogus" };
static const struct names mangled = { "_ZN3foo3barEi", BIG_MANGLED, "plain_c", "_Zbogus" };

/* Checks one event against what is expected (fn NULL: see struct names). */
static void check_ev(json_t *o, const char *ev, int depth, const char *fn,
		     int is_big)
{
	const char *got;

	assert_non_null(o);
	ev_check_schema(o);
	assert_string_equal(ev_kind(o), ev);
	assert_int_equal(ev_int(o, "depth"), depth);
	got = ev_str(o, "fn");
	if (fn)
		assert_string_equal(got, fn);
	else if (is_big)
		assert_cut_of(got, big_demangled);
}

/* Runs helper and checks every enter and exit, in order, with its name. */
static void run_calls(const char *helper, const char *const *env, int has_demangler,
		      const struct names *want)
{
	struct cap c;
	json_t *o, *evs = json_array();
	const char *plain = want->plain;
	size_t i;

#ifndef HAVE_LIBDW
	plain = NULL;
#endif
	make_big_demangled();
	cap_start(&c, helper, NULL, env);
	cap_expect(&c, has_demangler ? "cxa_demangle 1" : "cxa_demangle 0");
	cap_done(&c);
	assert_int_equal(c.bad, 0);     /* lines parse, none over 4096 bytes */
	json_array_foreach(c.lines, i, o)
		if (strcmp(ev_kind(o), "enter") == 0 || strcmp(ev_kind(o), "exit") == 0)
			json_array_append(evs, o);
	assert_int_equal(json_array_size(evs), 10);
	check_ev(json_array_get(evs, 0), "enter", 0, "main", 0);
	check_ev(json_array_get(evs, 1), "enter", 1, want->big, 1);
	check_ev(json_array_get(evs, 2), "exit", 1, want->big, 1);
	/* enter and exit carry the very same name */
	assert_string_equal(ev_str(json_array_get(evs, 1), "fn"),
			    ev_str(json_array_get(evs, 2), "fn"));
	check_ev(json_array_get(evs, 3), "enter", 1, plain, 0);
	check_ev(json_array_get(evs, 4), "enter", 2, want->bar, 0);
	check_ev(json_array_get(evs, 5), "exit", 2, want->bar, 0);
	check_ev(json_array_get(evs, 6), "exit", 1, plain, 0);
	check_ev(json_array_get(evs, 7), "enter", 1, want->bogus, 0);
	check_ev(json_array_get(evs, 8), "exit", 1, want->bogus, 0);
	check_ev(json_array_get(evs, 9), "exit", 0, "main", 0);
	json_decref(evs);
	cap_free(&c);
}

/* A C++ program: demangled names, in both modes (async: the flusher
 * demangles; sync: the traced thread itself, inside the library). */
static void test_cxx_async(void **state)
{
	const char *env[] = { "PIPETRACE_MODE=async", NULL };

	run_calls("lib_demangle_cxx", env, 1, &demangled);
}

static void test_cxx_sync(void **state)
{
	const char *env[] = { "PIPETRACE_MODE=sync", NULL };

	run_calls("lib_demangle_cxx", env, 1, &demangled);
}

/* PIPETRACE_DEMANGLE=0: the names as nm shows them. */
static void test_cxx_off(void **state)
{
	const char *env[] = { "PIPETRACE_DEMANGLE=0", NULL };

	run_calls("lib_demangle_cxx", env, 1, &mangled);
}

/* No C++ runtime, so no __cxa_demangle: mangled names, and no harm.  (In a
 * sanitizer build the runtime brings one in: demangled then.) */
static void test_c_program(void **state)
{
	run_calls("lib_demangle_c", NULL, SANITIZER_BUILD,
		  SANITIZER_BUILD ? &demangled : &mangled);
}

/* A crash: the signal handler may not demangle (it would allocate), but it
 * shows the names the flusher cached, demangled, the long one cut exactly
 * as on its enter line. */
static void test_crash(void **state)
{
	const char *args[] = { "crash", NULL };
	/* Under AddressSanitizer, death by SIGSEGV rather than ASan's report. */
	const char *env[] = { "ASAN_OPTIONS=handle_segv=0", NULL };
	struct cap c;
	json_t *o, *stack, *big;

#ifndef HAVE_LIBDW
	skip();         /* the addresses inside functions need the symbol table */
#endif
	make_big_demangled();
	cap_start(&c, "lib_demangle_cxx", args, env);
	cap_expect(&c, "cxa_demangle 1");
	o = need_segv_exception(&c);
	assert_string_equal(ev_str(o, "fn"), "foo::bar(int)");
	stack = json_object_get(o, "stack");
	assert_int_equal(json_array_size(stack), 3);
	assert_string_equal(json_string_value(json_array_get(stack, 0)), "main");
	assert_cut_of(json_string_value(json_array_get(stack, 1)), big_demangled);
	assert_string_equal(json_string_value(json_array_get(stack, 2)), "foo::bar(int)");
	/* The same string as the enter line of that call. */
	big = NULL;
	for (size_t i = 0; i < json_array_size(c.lines) && !big; i++) {
		json_t *e = json_array_get(c.lines, i);

		if (strcmp(ev_kind(e), "enter") == 0 && ev_int(e, "depth") == 1)
			big = e;
	}
	assert_non_null(big);
	assert_string_equal(ev_str(big, "fn"), json_string_value(json_array_get(stack, 1)));
	cap_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cxx_async),
		cmocka_unit_test(test_cxx_sync),
		cmocka_unit_test(test_cxx_off),
		cmocka_unit_test(test_c_program),
		cmocka_unit_test(test_crash),
	};

#ifndef HAVE_LIBSTDCXX
	fprintf(stderr, "no libstdc++ at configure time: skipped\n");
	return 77;
#endif
	return cmocka_run_group_tests(tests, NULL, NULL);
}
