# ui part of pipetrace-tui: sources, tests and benchmarks.
tui_libptui_a_SOURCES += tui/ui.h
