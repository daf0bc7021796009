#!/bin/sh
# PIPETRACE_DEPTH end to end: tests/plain_traced run with PIPETRACE_DEPTH=1
# by pipetrace-tui --plain --summary.  Only depth 0 is traced; the monitor
# says so for the process, and counts nothing as lost.
. "${top_srcdir:-.}/tests/plain-common.sh"

prog="${top_builddir:-.}/tests/plain_traced"
if [ ! -x "$prog" ]; then
	echo "1..0 # SKIP $prog not built"
	exit 77
fi
PIPETRACE_DEPTH=1 LC_ALL=C.UTF-8 "$bin" --plain --summary -- "$prog" >"$dir/out" 2>"$dir/err"
rc=$?
check "exit status is the program's (5)" test "$rc" = 5
check "the process's depth limit is shown" \
	grep -Eq '^\[[0-9]+\] traced to depth 0 only \(PIPETRACE_DEPTH=1\): deeper calls filtered out, not lost$' "$dir/out"
check "outer (depth 0) traced" grep -Eq '^\[[0-9]+:[0-9]+\] → outer$' "$dir/out"
check "no call at depth 1 or more" sh -c "! grep -Eq '→ (leaf|parse_token)' '$dir/out'"
check "the exception of a filtered call is in the innermost traced one" \
	grep -q "✗ outer ParseError: bad token" "$dir/out"
check "both threads complete, nothing dropped" \
	test "$(grep -c '0 dropped by the writer, all accounted for$' "$dir/out")" = 2
check "summary: nothing dropped, nothing incomplete" \
	grep -Eq '^summary: [0-9]+ events, 2 calls, 1 process, 2 threads, 1 exception, 0 dropped, 0 bad lines$' "$dir/out"
check "summary: no incomplete trace" sh -c "! grep -q 'incomplete' '$dir/out'"
check "summary says the process was traced to depth 0" \
	grep -Eq '^\(process [0-9]+ plain_traced traced to depth 0 only \(PIPETRACE_DEPTH=1\): deeper calls were filtered out, not lost' "$dir/out"
check "summary: outer called once" grep -Eq '^outer +1 ' "$dir/out"
check "summary: leaf not in the table" sh -c "! grep -Eq '^leaf ' '$dir/out'"
# without the variable: no such line
LC_ALL=C.UTF-8 "$bin" --plain --summary -- "$prog" >"$dir/out2" 2>&1
check "no depth line without PIPETRACE_DEPTH" sh -c "! grep -q 'traced to depth' '$dir/out2'"
finish
