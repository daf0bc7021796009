# libpipetrace: the instrumentation library.
lib_LTLIBRARIES += lib/libpipetrace.la
include_HEADERS += lib/pipetrace.h
lib_libpipetrace_la_SOURCES = lib/pipetrace.h lib/internal.h lib/stats.h \
	lib/addrmap.c lib/capture.c lib/clock.c lib/encode.c lib/fifo.c \
	lib/filter.c lib/flush.c lib/signals.c lib/stats.c lib/symbols.c
lib_libpipetrace_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBDW_CFLAGS)
lib_libpipetrace_la_LIBADD = $(LIBDW_LIBS)
# Only the API is exported, plus the two -finstrument-functions hooks: the
# compiler emits calls to __cyg_profile_func_enter/exit in every instrumented
# function, so a program built with -finstrument-functions must be able to
# resolve them in the shared library.
lib_libpipetrace_la_LDFLAGS = -version-info $(PT_LT_VERSION) \
	-export-symbols-regex '^(pt_|__cyg_profile_func_(enter|exit)$$)'
pkgconfig_DATA = lib/pipetrace.pc
dist_man_MANS += lib/pipetrace.3
EXTRA_DIST += lib/pipetrace.pc.in lib/PROTOCOL.md

# ---- tests -----------------------------------------------------------------
# Traced helper programs the tests run as children; -no-install links them
# straight to the uninstalled library (no libtool wrapper script).
check_PROGRAMS += tests/lib_traced
tests_lib_traced_SOURCES = tests/lib_traced.c
tests_lib_traced_LDADD = lib/libpipetrace.la
tests_lib_traced_LDFLAGS = -no-install

# Threads racing the library's start-up, traced by PT_TRACE(), by
# -finstrument-functions, and by that with an instrumented malloc.
check_PROGRAMS += tests/lib_race tests/lib_race_instr tests/lib_race_malloc
tests_lib_race_SOURCES = tests/lib_race.c
tests_lib_race_LDADD = lib/libpipetrace.la
tests_lib_race_LDFLAGS = -no-install
tests_lib_race_instr_SOURCES = tests/lib_race.c
tests_lib_race_instr_CPPFLAGS = $(AM_CPPFLAGS) -DRACE_INSTR
tests_lib_race_instr_CFLAGS = $(AM_CFLAGS) -finstrument-functions
tests_lib_race_instr_LDADD = lib/libpipetrace.la
tests_lib_race_instr_LDFLAGS = -no-install
tests_lib_race_malloc_SOURCES = tests/lib_race.c
tests_lib_race_malloc_CPPFLAGS = $(AM_CPPFLAGS) -DRACE_INSTR -DRACE_MALLOC
tests_lib_race_malloc_CFLAGS = $(AM_CFLAGS) -finstrument-functions
tests_lib_race_malloc_LDADD = lib/libpipetrace.la
tests_lib_race_malloc_LDFLAGS = -no-install

# Its malloc fails: the shadow stack cannot grow.
check_PROGRAMS += tests/lib_nomem
tests_lib_nomem_SOURCES = tests/lib_nomem.c
tests_lib_nomem_LDADD = lib/libpipetrace.la
tests_lib_nomem_LDFLAGS = -no-install

# Reads the flusher's counters (internal.h): linked with the static library,
# since the shared one exports only the API.
check_PROGRAMS += tests/lib_wake
tests_lib_wake_SOURCES = tests/lib_wake.c
tests_lib_wake_LDADD = lib/libpipetrace.la
tests_lib_wake_LDFLAGS = -static

# tui/libptcore.a: lib_harness reads binary frames with the monitor's decoder.
lib_test_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/tui $(JANSSON_CFLAGS) $(CMOCKA_CFLAGS)
lib_test_ldadd = tui/libptcore.a $(JANSSON_LIBS) $(CMOCKA_LIBS) -lm

check_PROGRAMS += tests/test_lib_wire
TESTS += tests/test_lib_wire
tests_test_lib_wire_SOURCES = tests/test_lib_wire.c tests/lib_harness.c tests/lib_harness.h
tests_test_lib_wire_CPPFLAGS = $(lib_test_cppflags)
tests_test_lib_wire_LDADD = $(lib_test_ldadd)

# Built with -finstrument-functions: every function traced, none named in
# the source; the static ones must still be named.
check_PROGRAMS += tests/lib_instr
tests_lib_instr_SOURCES = tests/lib_instr.c
tests_lib_instr_CFLAGS = $(AM_CFLAGS) -finstrument-functions
tests_lib_instr_LDADD = lib/libpipetrace.la
tests_lib_instr_LDFLAGS = -no-install

# Stand-ins for a C++ program, with mangled assembler names: one linked
# with libstdc++ (so __cxa_demangle is there at run time), one without.
# -export-dynamic lets dladdr name them too in a build without libdw.
check_PROGRAMS += tests/lib_demangle_c
tests_lib_demangle_c_SOURCES = tests/lib_demangle.c
tests_lib_demangle_c_CFLAGS = $(AM_CFLAGS) -finstrument-functions
tests_lib_demangle_c_LDADD = lib/libpipetrace.la
tests_lib_demangle_c_LDFLAGS = -no-install -export-dynamic
if HAVE_LIBSTDCXX
check_PROGRAMS += tests/lib_demangle_cxx
tests_lib_demangle_cxx_SOURCES = tests/lib_demangle.c
tests_lib_demangle_cxx_CPPFLAGS = $(AM_CPPFLAGS) -DWITH_STDCXX
tests_lib_demangle_cxx_CFLAGS = $(AM_CFLAGS) -finstrument-functions
tests_lib_demangle_cxx_LDADD = lib/libpipetrace.la -lstdc++
tests_lib_demangle_cxx_LDFLAGS = -no-install -export-dynamic
endif

check_PROGRAMS += tests/test_lib_filter
TESTS += tests/test_lib_filter
tests_test_lib_filter_SOURCES = tests/test_lib_filter.c tests/lib_harness.c tests/lib_harness.h
tests_test_lib_filter_CPPFLAGS = $(lib_test_cppflags)
tests_test_lib_filter_LDADD = $(lib_test_ldadd)

check_PROGRAMS += tests/test_lib_demangle
TESTS += tests/test_lib_demangle
tests_test_lib_demangle_SOURCES = tests/test_lib_demangle.c tests/lib_harness.c tests/lib_harness.h
tests_test_lib_demangle_CPPFLAGS = $(lib_test_cppflags)
tests_test_lib_demangle_LDADD = $(lib_test_ldadd)

check_PROGRAMS += tests/test_lib_robust
TESTS += tests/test_lib_robust
tests_test_lib_robust_SOURCES = tests/test_lib_robust.c tests/lib_harness.c tests/lib_harness.h
tests_test_lib_robust_CPPFLAGS = $(lib_test_cppflags)
tests_test_lib_robust_LDADD = $(lib_test_ldadd)

check_PROGRAMS += tests/test_lib_account
TESTS += tests/test_lib_account
tests_test_lib_account_SOURCES = tests/test_lib_account.c tests/lib_harness.c tests/lib_harness.h
tests_test_lib_account_CPPFLAGS = $(lib_test_cppflags)
tests_test_lib_account_LDADD = $(lib_test_ldadd)

check_PROGRAMS += tests/test_lib_stats
TESTS += tests/test_lib_stats
tests_test_lib_stats_SOURCES = tests/test_lib_stats.c tests/lib_harness.c tests/lib_harness.h
tests_test_lib_stats_CPPFLAGS = $(lib_test_cppflags)
tests_test_lib_stats_LDADD = $(lib_test_ldadd)

TESTS += tests/check-exports.sh
EXTRA_DIST += tests/check-exports.sh

# ---- benchmark (make bench) -------------------------------------------------
EXTRA_PROGRAMS += tests/bench_lib tests/bench_lib_pg
benchmarks += tests/bench_lib
tests_bench_lib_SOURCES = tests/bench_lib.c
tests_bench_lib_CPPFLAGS = $(AM_CPPFLAGS) -DUFTRACE_PATH='"$(UFTRACE)"'
tests_bench_lib_LDADD = lib/libpipetrace.la
tests_bench_lib_LDFLAGS = -no-install
EXTRA_tests_bench_lib_DEPENDENCIES = tests/bench_lib_pg$(EXEEXT)
# The same workload for uftrace, which needs -pg (mcount) instrumentation.
tests_bench_lib_pg_SOURCES = tests/bench_lib_pg.c
tests_bench_lib_pg_CFLAGS = $(AM_CFLAGS) -pg
# The same child under callgrind: instructions per call, stats on and off.
bench_scripts += tests/bench_callgrind.sh
EXTRA_DIST += tests/bench_callgrind.sh
# A real program's load (tests/bench_real.sh): an interpreter-like workload
# built with -finstrument-functions, plain, and with -pg for uftrace.
EXTRA_PROGRAMS += tests/bench_interp tests/bench_interp_plain tests/bench_interp_pg
bench_programs += tests/bench_interp tests/bench_interp_plain tests/bench_interp_pg
bench_scripts += tests/bench_real.sh
EXTRA_DIST += tests/bench_real.sh
tests_bench_interp_SOURCES = tests/bench_interp.c
tests_bench_interp_CFLAGS = $(AM_CFLAGS) -finstrument-functions
tests_bench_interp_LDADD = lib/libpipetrace.la
tests_bench_interp_LDFLAGS = -no-install
tests_bench_interp_plain_SOURCES = tests/bench_interp.c
tests_bench_interp_pg_SOURCES = tests/bench_interp.c
tests_bench_interp_pg_CFLAGS = $(AM_CFLAGS) -pg
# Start-up and exit of short traced programs (runs tests/lib_traced).
EXTRA_PROGRAMS += tests/bench_lib_start
benchmarks += tests/bench_lib_start
tests_bench_lib_start_SOURCES = tests/bench_lib_start.c
tests_bench_lib_start_LDADD = -lpthread
EXTRA_tests_bench_lib_start_DEPENDENCIES = tests/lib_traced$(EXEEXT)

# The encoders alone: linked statically, since the shared library exports
# only the API.
check_PROGRAMS += tests/test_lib_encode
TESTS += tests/test_lib_encode
tests_test_lib_encode_SOURCES = tests/test_lib_encode.c
tests_test_lib_encode_CPPFLAGS = $(lib_test_cppflags)
tests_test_lib_encode_LDADD = lib/libpipetrace.la $(lib_test_ldadd)
tests_test_lib_encode_LDFLAGS = -static
