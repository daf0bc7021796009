# ui part of pipetrace-tui: the full-screen interface, its tests and benchmark.
tui_libptui_a_SOURCES += tui/ui.h tui/ui_int.h tui/ui.c tui/ui_loop.c \
	tui/view.h tui/draw.h tui/draw.c tui/idset.c \
	tui/view_tree.c tui/view_tree_keys.c tui/view_depth.c tui/view_fold.c tui/view_time.c tui/view_search.c tui/view_sib.c tui/view_sort.c \
	tui/view_hist.c tui/view_exc.c tui/view_status.c tui/view_help.c
# the profile view (t, F5)
tui_libptui_a_SOURCES += tui/view_profile.h tui/view_profile.c tui/ui_profile.c
# clicks and the wheel (--no-mouse)
tui_libptui_a_SOURCES += tui/ui_mouse.c
dist_man_MANS += tui/pipetrace-tui.1
# scope filters: the pane's walk under them, the menu, save and export keys
tui_libptui_a_SOURCES += tui/view_scope.c tui/ui_scope.c tui/ui_save.c
check_PROGRAMS += tests/test_scope
TESTS += tests/test_scope
tests_test_scope_SOURCES = tests/test_scope.c tests/model_testutil.h
tests_test_scope_CPPFLAGS = $(ptui_test_cppflags)
tests_test_scope_LDADD = $(ptui_test_ldadd)
TESTS += tests/e2e-scope.sh
EXTRA_DIST += tests/e2e-scope.sh

# What a test of the curses layer links with.
ptui_test_cppflags = $(ptcore_test_cppflags) $(CURSES_CFLAGS)
ptui_test_ldadd = tui/libptui.a $(ptcore_test_ldadd) $(CURSES_LIBS)

check_PROGRAMS += tests/test_render
TESTS += tests/test_render
tests_test_render_SOURCES = tests/test_render.c
tests_test_render_CPPFLAGS = $(ptui_test_cppflags)
tests_test_render_LDADD = $(ptui_test_ldadd)

# End-to-end: the real pipetrace-tui in tmux, tracing tests/e2e_traced.
check_PROGRAMS += tests/e2e_traced
tests_e2e_traced_SOURCES = tests/e2e_traced.c
tests_e2e_traced_LDADD = lib/libpipetrace.la
TESTS += tests/e2e-tui.sh tests/e2e-views.sh tests/e2e-deep.sh
EXTRA_DIST += tests/e2e-tui.sh tests/e2e-views.sh tests/e2e-lib.sh tests/e2e-deep.sh
# The profile view and the mouse, on the demo.
TESTS += tests/e2e-profile.sh
EXTRA_DIST += tests/e2e-profile.sh
# Awkward input and commands on the full screen (endless line, empty
# recording, a command from which nothing arrives).
TESTS += tests/e2e-input.sh
EXTRA_DIST += tests/e2e-input.sh
# The original pipetrace's lines on the full screen.
TESTS += tests/e2e-orig.sh
EXTRA_DIST += tests/e2e-orig.sh

EXTRA_PROGRAMS += tests/bench_frame
benchmarks += tests/bench_frame
tests_bench_frame_SOURCES = tests/bench_frame.c
tests_bench_frame_CPPFLAGS = $(ptui_test_cppflags)
tests_bench_frame_LDADD = $(ptui_test_ldadd)
# Key latency under heavy ingest, through tmux (skipped without it).
bench_scripts += tests/bench_keys.sh
EXTRA_DIST += tests/bench_keys.sh
