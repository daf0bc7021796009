#!/bin/sh
# demo-python.sh - demo/threads.py under the real monitor: its Python
# functions with the right call and exception counts in --summary, its
# threads and forked child; and beside the C demo/threads in one trace.
. "${top_srcdir:-.}/tests/demo-common.sh"
# No __pycache__ left in the source tree by the runs.
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE

case ${PYTHON:-python3} in ''|:) skip_all "no Python 3.9 or later found by configure" ;; esac
py=${PYTHON:-python3}
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null ||
	skip_all "$py is not Python 3.9 or later"
PYTHONPATH=$top_srcdir/lib/python; export PYTHONPATH
demo_py=$top_srcdir/demo/threads.py

calls() {    # calls FUNCTION: its call count in the summary table
	awk -v f="$1" 'table && $1 == f { print $2 } $1 == "function" { table = 1 }' "$tmp/sum"
}
excs() {     # excs FUNCTION: its exception count in the summary table
	awk -v f="$1" 'table && $1 == f { print $NF } $1 == "function" { table = 1 }' "$tmp/sum"
}

timeout 120 "$tui" --plain --summary -- "$py" "$demo_py" >"$tmp/sum" 2>"$tmp/err"
check "pipetrace-tui exits 0 like the program" [ $? = 0 ]
check "the summary counts 2 processes and 7 threads" \
	grep -q '2 processes, 7 threads, 5 exceptions, 0 dropped, 0 bad lines' "$tmp/sum"
check "handle: 25 calls (5 workers x 5 jobs)" [ "$(calls handle)" = 25 ]
check "lookup: 50 calls, 5 exceptions" [ "$(calls lookup)/$(excs lookup)" = 50/5 ]
check "handle: no exception of its own (recorded once, in lookup)" [ "$(excs handle)" = 0 ]
check "store (trace_block): 25 calls" [ "$(calls store)" = 25 ]
check "items (generator): 70 resumptions" [ "$(calls items)" = 70 ]
check "fetch_all (coroutine): 2 calls, each resumed twice" \
	[ "$(calls fetch_all)" = 4 ]
check "run: 2 calls, one per process" [ "$(calls run)" = 2 ]
check "the processes say they are Python" grep -q 'pipetrace-python 0\.1)' "$tmp/sum"
for name in py-parent-main py-child-main parent-worker-3 child-worker-2; do
	check "thread named $name" grep -q "thread named $name\$" "$tmp/sum"
done
check "exceptions shown with type and message" \
	grep -q "✗ lookup KeyError: 'durian'" "$tmp/sum"

# The README's way to run it: make run-python (and the monitor).
(unset MAKEFLAGS MFLAGS MAKELEVEL
 timeout 120 "$tui" --plain --summary -- make -s -C "$top_builddir" run-python) \
	>"$tmp/sum" 2>"$tmp/err"
check "make run-python under the monitor: handle, 25 calls" [ "$(calls handle)" = 25 ]

# A filter at the source (PIPETRACE_FILTER, read by pipetrace.py): the
# monitor says which, counts nothing as lost, and lookup's exceptions go to
# the traced call they left.
PIPETRACE_FILTER=-lookup timeout 120 "$tui" --plain --summary -- "$py" "$demo_py" \
	>"$tmp/sum" 2>"$tmp/err"
check "filtered: lookup left out, handle still 25 calls" \
	[ "$(calls lookup)/$(calls handle)" = /25 ]
check "filtered: lookup's 5 exceptions recorded in handle" [ "$(excs handle)" = 5 ]
check "filtered: the monitor says so for both processes" \
	[ "$(grep -c 'traced with PIPETRACE_FILTER=-lookup: calls it leaves out are not events, not lost' "$tmp/sum")" = 2 ]
check "filtered: nothing counted lost" grep -q ' 5 exceptions, 0 dropped, 0 bad lines' "$tmp/sum"

# The C demo and the Python demo into one monitor.
[ -x "$top_builddir/demo/threads" ] || skip_all "demo/threads not built"
timeout 120 "$tui" --plain --summary -- sh -c '"$1" & "$2" "$3"; wait' - \
	"$top_builddir/demo/threads" "$py" "$demo_py" >"$tmp/sum" 2>"$tmp/err"
check "C and Python: pipetrace-tui exits 0" [ $? = 0 ]
check "C and Python: 4 processes" grep -q ' 4 processes, 14 threads, ' "$tmp/sum"
check "C and Python: step (C) 25 calls" [ "$(calls step)" = 25 ]
check "C and Python: handle (Python) 25 calls" [ "$(calls handle)" = 25 ]
check "C and Python: both libraries said hello" \
	sh -c 'grep -q "pipetrace 0\.1)" "$1" && grep -q "pipetrace-python 0\.1)" "$1"' - "$tmp/sum"
cp "$tmp/sum" "$tmp/plain"      # shown by finish() on failure
finish
