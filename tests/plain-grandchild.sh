#!/bin/sh
# Plain mode with -- CMD when CMD leaves traced processes behind: a
# grandchild that outlives CMD (and connects to the FIFO only after CMD has
# exited) is still read, and plain mode ends once it is gone, with CMD's
# exit status.  A background process that never writes, or one that holds
# the FIFO open without writing, does not keep plain mode running for ever.
# `timeout` turns a hang into a failure.
. "${top_srcdir:-.}/tests/plain-common.sh"

prog="${top_builddir:-.}/tests/plain_traced"
if [ ! -x "$prog" ]; then
	echo "1..0 # SKIP $prog not built"
	exit 77
fi
if ! command -v timeout >/dev/null 2>&1; then
	echo "1..0 # SKIP timeout(1) not found"
	exit 77
fi

# CMD starts the traced program in the background, half a second later (well
# after CMD has exited), and exits 0 itself.
LC_ALL=C.UTF-8 timeout 60 "$bin" --plain --summary -- \
	sh -c '(sleep 0.5; exec "$0") & exit 0' "$prog" >"$dir/out" 2>"$dir/err"
rc=$?
check "ended by itself (not by timeout)" test "$rc" != 124
check "exit status is CMD's (0), not the grandchild's (5)" test "$rc" = 0
check "grandchild's hello read" grep -q "process .*plain_traced" "$dir/out"
check "grandchild's calls read" grep -Eq '^\[[0-9]+:[0-9]+\] ← outer [0-9.]+ (ns|us|ms)$' "$dir/out"
check "grandchild's exception read" grep -q "✗ parse_token ParseError" "$dir/out"
check "grandchild said bye before the end" grep -q "process exited" "$dir/out"
check "summary counts the grandchild's calls" grep -Eq '^leaf +5 ' "$dir/out"
check "end note with CMD's status" grep -q "command exited with status 0" "$dir/out"
check "grandchild's output (in the log) shown at the end" grep -qx done "$dir/err"

# A writer that keeps the FIFO open and stays silent (here a background
# sleep holding CMD's descriptor): plain mode ends anyway, a little later.
LC_ALL=C.UTF-8 timeout 60 "$bin" --plain -- \
	sh -c 'exec 3>"$PIPETRACE_FIFO"; sleep 120 & echo $! >"$0"; exit 3' "$dir/holder.pid" \
	>"$dir/out2" 2>"$dir/err2"
rc=$?
holder=$(cat "$dir/holder.pid" 2>/dev/null)
[ -n "$holder" ] && kill "$holder" 2>/dev/null
check "silent FIFO holder: ended by itself (not by timeout)" test "$rc" != 124
check "silent FIFO holder: exit status is CMD's (3)" test "$rc" = 3
check "silent FIFO holder: end note" grep -q "command exited with status 3" "$dir/out2"

# An untraced background process that never opens the FIFO
LC_ALL=C.UTF-8 timeout 60 "$bin" --plain -- \
	sh -c 'sleep 120 >/dev/null 2>&1 & echo $! >"$0"; exit 0' "$dir/sleeper.pid" \
	>"$dir/out3" 2>"$dir/err3"
rc=$?
sleeper=$(cat "$dir/sleeper.pid" 2>/dev/null)
[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
check "untraced background process: ended by itself" test "$rc" != 124
check "untraced background process: status 0" test "$rc" = 0
finish
