# Demo programs and short examples, their tests, and the targets that show
# pipetrace live:
#   make demo      pipetrace-tui running pipetrace-demo (one terminal)
#   make monitor   pipetrace-tui on the default FIFO   } in two terminals
#   make run       pipetrace-demo writing into it      }

# Built by plain `make` (the examples are meant to be run by hand), never
# installed.  -no-install: libtool links them straight against the
# uninstalled library instead of hiding each behind a wrapper script, so
# the traced process is named after the program itself.
noinst_PROGRAMS += demo/pipetrace-demo demo/hello demo/auto demo/threads demo/crash
demo_ldflags = $(AM_LDFLAGS) -no-install

# The -finstrument-functions part of pipetrace-demo, in a library of its own
# because the flag must reach only this object.
noinst_LIBRARIES += demo/libdemoauto.a
demo_libdemoauto_a_SOURCES = demo/demo_auto.c demo/demo.h
demo_libdemoauto_a_CFLAGS = $(AM_CFLAGS) -finstrument-functions

demo_pipetrace_demo_SOURCES = demo/demo.c demo/demo_parse.c demo/demo.h
demo_pipetrace_demo_LDFLAGS = $(demo_ldflags)
demo_pipetrace_demo_LDADD = demo/libdemoauto.a lib/libpipetrace.la -lm

demo_hello_SOURCES = demo/hello.c
demo_hello_LDFLAGS = $(demo_ldflags)
demo_hello_LDADD = lib/libpipetrace.la

demo_auto_SOURCES = demo/auto.c
demo_auto_CFLAGS = $(AM_CFLAGS) -finstrument-functions
demo_auto_LDFLAGS = $(demo_ldflags)
demo_auto_LDADD = lib/libpipetrace.la

demo_threads_SOURCES = demo/threads.c
demo_threads_LDFLAGS = $(demo_ldflags)
demo_threads_LDADD = lib/libpipetrace.la

demo_crash_SOURCES = demo/crash.c
# In --enable-sanitizers builds UBSan would stop the program at the null
# load, before the SIGSEGV this example is about (a no-op otherwise).
demo_crash_CFLAGS = $(AM_CFLAGS) -fno-sanitize=null
demo_crash_LDFLAGS = $(demo_ldflags)
demo_crash_LDADD = lib/libpipetrace.la

# Each program runs briefly under `pipetrace-tui --plain`; the install test
# builds demo/hello.c against an installed copy through pkg-config.
demo_tests = tests/demo-hello.sh tests/demo-auto.sh tests/demo-threads.sh \
	tests/demo-crash.sh tests/demo-service.sh tests/demo-monitor.sh \
	tests/demo-make.sh \
	tests/install.sh
# Every example of README.org, the man pages and --help, run.
demo_tests += tests/docs-examples.sh
# A reader stopped while the demo ends: the trace is called incomplete.
demo_tests += tests/demo-suspended.sh
TESTS += $(demo_tests)
EXTRA_DIST += $(demo_tests) tests/demo-common.sh

# Options for the demo, e.g. make demo DEMO_ARGS='--rate 2000'
DEMO_ARGS =
demo: demo/pipetrace-demo tui/pipetrace-tui
	tui/pipetrace-tui -- demo/pipetrace-demo $(DEMO_ARGS)
monitor: tui/pipetrace-tui
	tui/pipetrace-tui
run: demo/pipetrace-demo
	demo/pipetrace-demo $(DEMO_ARGS)
.PHONY: demo monitor run
