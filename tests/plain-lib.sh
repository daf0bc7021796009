#!/bin/sh
# Plain mode end to end with a real traced program: tests/plain_traced,
# built with libpipetrace, run by pipetrace-tui -- CMD through its private
# FIFO.  Checks the calls, nesting, thread name, exception, exit status and
# summary.
. "${top_srcdir:-.}/tests/plain-common.sh"

prog="${top_builddir:-.}/tests/plain_traced"
if [ ! -x "$prog" ]; then
	echo "1..0 # SKIP $prog not built"
	exit 77
fi
LC_ALL=C.UTF-8 "$bin" --plain --summary --record "$dir/rec.jsonl" -- "$prog" >"$dir/out" 2>"$dir/err"
rc=$?
check "exit status is the program's (5)" test "$rc" = 5
check "hello from the program" grep -q "process .*plain_traced" "$dir/out"
check "outer entered at depth 0" grep -Eq '^\[[0-9]+:[0-9]+\] → outer$' "$dir/out"
check "leaf nested under outer" grep -Eq '^\[[0-9]+:[0-9]+\]   → leaf$' "$dir/out"
check "outer returned with a duration" grep -Eq '^\[[0-9]+:[0-9]+\] ← outer [0-9.]+ (ns|us|ms)$' "$dir/out"
check "exception with type and message" grep -q "✗ parse_token ParseError: bad token 'x\\\\x1b\[31m'" "$dir/out"
check "no raw escape character" sh -c "! grep -q \"$(printf '\033')\" '$dir/out'"
check "thread name" grep -q "thread named plain-worker" "$dir/out"
check "process said bye, with its exit status" grep -q "process exited (status 5)" "$dir/out"
check "summary header in the singular where it is one" \
	grep -Eq '^summary: [0-9]+ events, 9 calls, 1 process, 2 threads, 1 exception, 0 dropped, 0 bad lines$' "$dir/out"
check "summary: leaf called 5 times" grep -Eq '^leaf +5 ' "$dir/out"
check "summary: parse_token with 1 exception" grep -Eq '^parse_token +2 .* 1$' "$dir/out"
check "no bad lines" sh -c "! grep -q '^! .*bad line' '$dir/out'"
check "program output after the trace" grep -qx done "$dir/err"
# record -> replay with the library's real lines: the same summary
LC_ALL=C.UTF-8 "$bin" --replay "$dir/rec.jsonl" --summary --quiet >"$dir/replayed" 2>&1
sed -n '/^summary:/,$p' "$dir/out" >"$dir/live.sum"
sed -n '/^summary:/,$p' "$dir/replayed" >"$dir/replay.sum"
check "recording replays to the same summary" cmp -s "$dir/live.sum" "$dir/replay.sum"
check "the summary is not empty" grep -q '^outer ' "$dir/replay.sum"
finish
