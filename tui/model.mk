# model part of pipetrace-tui: sources, tests and benchmarks.
tui_libptcore_a_SOURCES += tui/hist.h tui/model.h tui/search.h
