# model part of pipetrace-tui: sources, tests and benchmarks.
tui_libptcore_a_SOURCES += tui/grow.h tui/hist.h tui/model.h tui/search.h \
	tui/hist.c tui/model.c tui/model_calls.c tui/model_dump.c tui/model_excsum.c tui/model_index.c \
	tui/model_tree.c tui/model_priv.h \
	tui/search.c
# what the monitor shows of the model (no curses)
tui_libptcore_a_SOURCES += tui/scope.h tui/scope.c
# clearing ended processes
tui_libptcore_a_SOURCES += tui/model_forget.c
# recursion: which calls count in a function's inclusive time
tui_libptcore_a_SOURCES += tui/model_nest.c
# exact figures from the writers' stats lines
tui_libptcore_a_SOURCES += tui/model_stats.c
# per-function figures over a scope: the profile view's table
tui_libptcore_a_SOURCES += tui/model_profile.h tui/model_profile.c

check_PROGRAMS += tests/test_hist tests/test_model tests/test_search
TESTS += tests/test_hist tests/test_model tests/test_search
tests_test_hist_SOURCES = tests/test_hist.c
tests_test_hist_CPPFLAGS = $(ptcore_test_cppflags)
tests_test_hist_LDADD = $(ptcore_test_ldadd)
tests_test_model_SOURCES = tests/test_model.c tests/model_testutil.h tests/xorshift.h
tests_test_model_CPPFLAGS = $(ptcore_test_cppflags)
tests_test_model_LDADD = $(ptcore_test_ldadd)
tests_test_search_SOURCES = tests/test_search.c tests/model_testutil.h
tests_test_search_CPPFLAGS = $(ptcore_test_cppflags)
tests_test_search_LDADD = $(ptcore_test_ldadd)
# make bench: what stats lines cost the monitor (parse, model_apply per entry)
EXTRA_PROGRAMS += tests/bench_stats
benchmarks += tests/bench_stats
tests_bench_stats_SOURCES = tests/bench_stats.c tests/xorshift.h
tests_bench_stats_CPPFLAGS = $(ptcore_test_cppflags)
tests_bench_stats_LDADD = $(ptcore_test_ldadd)
# exact figures from stats lines against a lossless model of the same run
check_PROGRAMS += tests/test_stats
TESTS += tests/test_stats
tests_test_stats_SOURCES = tests/test_stats.c tests/model_testutil.h tests/xorshift.h
tests_test_stats_CPPFLAGS = $(ptcore_test_cppflags)
tests_test_stats_LDADD = $(ptcore_test_ldadd)
# data-driven model cases: tests/data/model/<case>/{input,expected}
EXTRA_DIST += tests/data/model

# make bench: model_apply alone, bytes per kept call
EXTRA_PROGRAMS += tests/bench_model
benchmarks += tests/bench_model
tests_bench_model_SOURCES = tests/bench_model.c tests/xorshift.h
tests_bench_model_CPPFLAGS = $(ptcore_test_cppflags)
tests_bench_model_LDADD = $(ptcore_test_ldadd)

# The differential check of --summary against an independent computation
# from the same recording (jansson, nothing of the model).
check_PROGRAMS += tests/summary_ref
tests_summary_ref_SOURCES = tests/summary_ref.c
tests_summary_ref_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS)
tests_summary_ref_LDADD = $(JANSSON_LIBS) -lm
TESTS += tests/summary-diff.sh tests/plain-analysis.sh
EXTRA_DIST += tests/summary-diff.sh tests/plain-analysis.sh
# the flat profile over the whole run, a process, a thread
check_PROGRAMS += tests/test_profile
TESTS += tests/test_profile
tests_test_profile_SOURCES = tests/test_profile.c tests/model_testutil.h tests/xorshift.h
tests_test_profile_CPPFLAGS = $(ptcore_test_cppflags)
tests_test_profile_LDADD = $(ptcore_test_ldadd)
