# pipetrace-tui: a curses-free core (libptcore.a: parsing, ingest, model,
# search, plain mode) that the tests link directly, and the curses layer.
noinst_LIBRARIES += tui/libptcore.a tui/libptui.a
tui_libptcore_a_SOURCES =
tui_libptcore_a_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS)
tui_libptui_a_SOURCES =
tui_libptui_a_CPPFLAGS = $(AM_CPPFLAGS) $(CURSES_CFLAGS) $(JANSSON_CFLAGS)

bin_PROGRAMS += tui/pipetrace-tui
tui_pipetrace_tui_SOURCES = tui/main.c
tui_pipetrace_tui_CPPFLAGS = $(AM_CPPFLAGS) $(CURSES_CFLAGS) $(JANSSON_CFLAGS)
tui_pipetrace_tui_LDADD = tui/libptui.a tui/libptcore.a $(CURSES_LIBS) $(JANSSON_LIBS) -lm

# What a test of the core links with.
ptcore_test_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/tui $(JANSSON_CFLAGS) $(CMOCKA_CFLAGS)
ptcore_test_ldadd = tui/libptcore.a $(JANSSON_LIBS) $(CMOCKA_LIBS) -lm
