# pipetrace.py: the Python emitter of the wire protocol (one file, standard
# library only), installed into Python's site directory when configure
# found Python 3.9 or later; its tests skip themselves without one.
if HAVE_PYTHON
python_PYTHON = lib/python/pipetrace.py
endif
EXTRA_DIST += lib/python/pipetrace.py

AM_TESTS_ENVIRONMENT += PYTHON='$(PYTHON)'; export PYTHON;
python_tests = tests/python-wire.sh tests/demo-python.sh
TESTS += $(python_tests)
EXTRA_DIST += $(python_tests) tests/python_wire.py tests/python_traced.py \
	demo/threads.py tests/bench_python.py tests/bench_python.sh
bench_scripts += tests/bench_python.sh

# demo/threads.py writing into the default FIFO (pipetrace-tui in another
# terminal), or under the monitor in this one.
run-python:
	PYTHONPATH=$(srcdir)/lib/python $(PYTHON) $(srcdir)/demo/threads.py
demo-python: tui/pipetrace-tui
	tui/pipetrace-tui -- env PYTHONPATH=$(srcdir)/lib/python $(PYTHON) $(srcdir)/demo/threads.py
.PHONY: run-python demo-python
# For tests/install.sh: where `make install` puts pipetrace.py.
print-pythondir:
	@echo '$(pythondir)'
.PHONY: print-pythondir
