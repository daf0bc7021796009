# model part of pipetrace-tui: sources, tests and benchmarks.
tui_libptcore_a_SOURCES += tui/hist.h tui/model.h tui/search.h \
	tui/hist.c tui/model.c tui/model_calls.c tui/model_dump.c tui/model_priv.h \
	tui/search.c
