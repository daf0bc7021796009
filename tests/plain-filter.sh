#!/bin/sh
# PIPETRACE_FILTER and PIPETRACE_MIN_DURATION end to end: tests/plain_traced
# run under a filter by pipetrace-tui --plain --summary.  Only the included
# subtrees (the long calls) are traced, the excluded function is absent,
# the monitor says which filter the process had, and counts nothing as
# lost.
. "${top_srcdir:-.}/tests/plain-common.sh"

prog="${top_builddir:-.}/tests/plain_traced"
if [ ! -x "$prog" ]; then
	echo "1..0 # SKIP $prog not built"
	exit 77
fi
PIPETRACE_FILTER='outer,worker_body,-leaf' LC_ALL=C.UTF-8 "$bin" --plain --summary -- "$prog" >"$dir/out" 2>"$dir/err"
rc=$?
check "exit status is the program's (5)" test "$rc" = 5
check "the process's filter is shown" \
	grep -Eq '^\[[0-9]+\] traced with PIPETRACE_FILTER=outer,worker_body,-leaf: calls it leaves out are not events, not lost$' "$dir/out"
check "outer traced at depth 0" grep -Eq '^\[[0-9]+:[0-9]+\] → outer$' "$dir/out"
check "parse_token traced below outer" grep -Eq '^\[[0-9]+:[0-9]+\]   → parse_token$' "$dir/out"
check "worker_body traced" grep -Eq '^\[[0-9]+:[0-9]+\] → worker_body$' "$dir/out"
check "leaf excluded" sh -c "! grep -Eq '(→|←) leaf' '$dir/out'"
check "the exception is in parse_token" grep -q "✗ parse_token ParseError: bad token" "$dir/out"
check "both threads complete, nothing dropped" \
	test "$(grep -c '0 dropped by the writer, all accounted for$' "$dir/out")" = 2
check "summary: 4 calls, nothing dropped" \
	grep -Eq '^summary: [0-9]+ events, 4 calls, 1 process, 2 threads, 1 exception, 0 dropped, 0 bad lines$' "$dir/out"
check "summary: no incomplete trace" sh -c "! grep -q 'incomplete' '$dir/out'"
check "summary says the process was filtered, not lossy" \
	grep -Eq '^\(process [0-9]+ plain_traced traced with filter: outer,worker_body,-leaf: the calls it leaves out were filtered at the source, not lost' "$dir/out"
check "summary: parse_token called twice" grep -Eq '^parse_token +2 ' "$dir/out"
# an invalid filter: said on stderr, and everything traced
PIPETRACE_FILTER='outer,,leaf' LC_ALL=C.UTF-8 "$bin" --plain --summary -- "$prog" >"$dir/out2" 2>"$dir/err2"
check "a bad filter is said on stderr" \
	grep -q 'PIPETRACE_FILTER "outer,,leaf": empty pattern; tracing every function' "$dir/err2"
check "a bad filter traces everything" grep -Eq '^leaf +5 ' "$dir/out2"
check "no filter line with a bad filter" sh -c "! grep -q 'PIPETRACE_FILTER=' '$dir/out2'"
# a threshold no call reaches: only the exception and its open calls go
PIPETRACE_MIN_DURATION=1s LC_ALL=C.UTF-8 "$bin" --plain --summary -- "$prog" >"$dir/out3" 2>"$dir/err3"
check "the threshold is shown" \
	grep -Eq '^\[[0-9]+\] calls shorter than 1.00 s not sent \(PIPETRACE_MIN_DURATION\): left out, not lost$' "$dir/out3"
check "the exception's open calls are sent" grep -q "✗ parse_token ParseError: bad token" "$dir/out3"
check "short calls are not" sh -c "! grep -Eq '(→|←) (leaf|worker_body)' '$dir/out3'"
check "summary: 2 calls, nothing dropped" \
	grep -Eq '^summary: [0-9]+ events, 2 calls, 1 process, 2 threads, 1 exception, 0 dropped, 0 bad lines$' "$dir/out3"
check "summary says the threshold, not lost" \
	grep -Eq '^\(process [0-9]+ plain_traced traced with calls >= 1.00 s: the calls it leaves out were filtered at the source, not lost' "$dir/out3"
finish
