# libpipetrace: the instrumentation library.
lib_LTLIBRARIES += lib/libpipetrace.la
include_HEADERS += lib/pipetrace.h
lib_libpipetrace_la_SOURCES = lib/pipetrace.h lib/stub.c
lib_libpipetrace_la_LDFLAGS = -version-info $(PT_LT_VERSION) -export-symbols-regex '^pt_'
pkgconfig_DATA = lib/pipetrace.pc
EXTRA_DIST += lib/pipetrace.pc.in
