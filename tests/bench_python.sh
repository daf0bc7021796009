#!/bin/sh
# bench_python.sh - runs tests/bench_python.py (what the Python emitter
# costs per traced call, beside the original open/write/close per event)
# with the Python that configure found.
: "${top_srcdir:=.}"
# No __pycache__ left in the source tree by the runs.
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE
py=${PYTHON:-python3}
if [ "$py" = : ] || ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
	echo "bench_python: needs Python 3.9 or later; skipped"
	exit 0
fi
exec "$py" "$top_srcdir/tests/bench_python.py"
