#!/bin/sh
# python-wire.sh - runs tests/python_wire.py (the Python emitter against
# the protocol) with the Python that configure found; skipped without one.
: "${top_srcdir:=.}"
# No __pycache__ left in the source tree by the runs.
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE
case ${PYTHON:-python3} in
''|:) echo "1..0 # SKIP no Python 3.9 or later found by configure"; exit 77 ;;
esac
"${PYTHON:-python3}" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null ||
	{ echo "1..0 # SKIP ${PYTHON:-python3} is not Python 3.9 or later"; exit 77; }
top_srcdir=$top_srcdir exec "${PYTHON:-python3}" "$top_srcdir/tests/python_wire.py"
