# ingest part of pipetrace-tui: parsing, sources, ingest, plain mode; tests
# and the ingest benchmark.
tui_libptcore_a_SOURCES += tui/event.h tui/ingest.h \
	tui/event_int.h tui/event.c tui/event_fast.c tui/event_stats.c \
	tui/event_orig.h tui/event_orig.c tui/event_bin.h tui/event_bin.c \
	tui/fifo.h tui/fifo.c tui/source.h tui/source.c \
	tui/ingest.c tui/plain.h tui/plain.c
# the lines kept for the full screen's save and export keys
tui_libptcore_a_SOURCES += tui/keep.h tui/keep.c
check_PROGRAMS += tests/test_keep
TESTS += tests/test_keep
tests_test_keep_SOURCES = tests/test_keep.c
tests_test_keep_CPPFLAGS = $(ptcore_test_cppflags)
tests_test_keep_LDADD = $(ptcore_test_ldadd)

check_PROGRAMS += tests/test_event tests/test_ingest tests/test_event_bin
TESTS += tests/test_event tests/test_ingest tests/test_event_bin
tests_test_event_bin_SOURCES = tests/test_event_bin.c tests/xorshift.h
tests_test_event_bin_CPPFLAGS = $(ptcore_test_cppflags)
tests_test_event_bin_LDADD = $(ptcore_test_ldadd)
tests_test_event_SOURCES = tests/test_event.c tests/xorshift.h
tests_test_event_CPPFLAGS = $(ptcore_test_cppflags)
tests_test_event_LDADD = $(ptcore_test_ldadd)
# The ingest tests use a recording stand-in for the model (tests/fake_model.c)
# so that they check exactly which events reach it, in which order.
tests_test_ingest_SOURCES = tests/test_ingest.c tests/fake_model.c tests/fake_model.h
tests_test_ingest_CPPFLAGS = $(ptcore_test_cppflags) -DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_test_ingest_LDADD = $(ptcore_test_ldadd)
# A process that dies without bye, found gone while the command runs (real model).
check_PROGRAMS += tests/test_vanish
TESTS += tests/test_vanish
tests_test_vanish_SOURCES = tests/test_vanish.c
tests_test_vanish_CPPFLAGS = $(ptcore_test_cppflags)
tests_test_vanish_LDADD = $(ptcore_test_ldadd)

TESTS += tests/plain-fifo.sh tests/plain-cmd.sh tests/plain-replay.sh tests/plain-lib.sh \
	tests/plain-bad.sh tests/plain-fifo-gone.sh tests/plain-grandchild.sh
TESTS += tests/plain-endless.sh tests/plain-args.sh
EXTRA_DIST += tests/plain-endless.sh tests/plain-args.sh
# lost events: drops, incomplete traces, the summary's caveats
TESTS += tests/plain-accounting.sh
EXTRA_DIST += tests/plain-accounting.sh
# the original pipetrace's lines, written as it writes them
TESTS += tests/plain-orig.sh
EXTRA_DIST += tests/plain-orig.sh
# PIPETRACE_DEPTH: the filter is shown, nothing counted lost
TESTS += tests/plain-depth.sh
EXTRA_DIST += tests/plain-depth.sh
# stats lines: exact figures in --summary whatever events were dropped
TESTS += tests/plain-stats.sh
EXTRA_DIST += tests/plain-stats.sh
# and from libpipetrace through a reader that falls behind (tests/lib_traced)
TESTS += tests/e2e-stats.sh
EXTRA_DIST += tests/e2e-stats.sh
# PIPETRACE_FILTER: the same
TESTS += tests/plain-filter.sh
EXTRA_DIST += tests/plain-filter.sh
EXTRA_DIST += tests/plain-common.sh tests/plain-fifo.sh tests/plain-cmd.sh tests/plain-replay.sh \
	tests/plain-lib.sh tests/plain-bad.sh tests/plain-fifo-gone.sh tests/plain-grandchild.sh \
	tests/data/bad
# A real program traced with libpipetrace, for tests/plain-lib.sh and
# tests/plain-grandchild.sh.
check_PROGRAMS += tests/plain_traced
tests_plain_traced_SOURCES = tests/plain_traced.c
tests_plain_traced_LDADD = lib/libpipetrace.la
tests_plain_traced_LDFLAGS = -no-install

EXTRA_PROGRAMS += tests/bench_ingest
benchmarks += tests/bench_ingest
tests_bench_ingest_SOURCES = tests/bench_ingest.c tests/xorshift.h
tests_bench_ingest_CPPFLAGS = $(ptcore_test_cppflags)
tests_bench_ingest_LDADD = $(ptcore_test_ldadd)

# Hostile input soak (seeded, short under make check; SOAK_SEEDS and
# SOAK_LINES make it longer): tests/hostile_gen writes the streams and
# checks the output.
check_PROGRAMS += tests/hostile_gen
tests_hostile_gen_SOURCES = tests/hostile_gen.c tests/xorshift.h
TESTS += tests/soak-hostile.sh
EXTRA_DIST += tests/soak-hostile.sh
# --export: Chrome trace JSON and collapsed stacks, streamed
tui_libptcore_a_SOURCES += tui/export.h tui/export.c
TESTS += tests/export.sh
EXTRA_DIST += tests/export.sh tests/export_check.py
EXTRA_PROGRAMS += tests/bench_export
benchmarks += tests/bench_export
tests_bench_export_SOURCES = tests/bench_export.c
tests_bench_export_CPPFLAGS = $(ptcore_test_cppflags)
tests_bench_export_LDADD = $(ptcore_test_ldadd)
TESTS += tests/e2e-export.sh
EXTRA_DIST += tests/e2e-export.sh
# the demo's exports opened in speedscope in headless Chromium (skipped
# without them; .ci/run installs both)
TESTS += tests/viewer-speedscope.sh
EXTRA_DIST += tests/viewer-speedscope.sh tests/viewer_speedscope.py
