# ingest part of pipetrace-tui: sources, tests and benchmarks.
tui_libptcore_a_SOURCES += tui/event.h tui/ingest.h
