#!/bin/sh
# e2e-stats.sh - libpipetrace's stats lines through a reader that falls
# behind: tests/lib_traced runs 4 threads one after the other (100,000
# calls of main > worker > mid > leaf each) while the monitor is stopped
# (SIGSTOP), so that nearly every event is dropped; it is let go before
# the program ends.  Its recording, replayed with --summary, must give the
# calls and exceptions of a lossless run of the same program (counts are
# exact; times differ from run to run and are not compared), the same call
# paths (--export collapsed, labels left out), no sample mark, and say the
# events it dropped.
. "${top_srcdir:-.}/tests/plain-common.sh"
traced=${top_builddir:-.}/tests/lib_traced
[ -x "$traced" ] || { echo "1..0 # SKIP $traced not built"; exit 77; }
unset PIPETRACE PIPETRACE_MODE PIPETRACE_FIFO PIPETRACE_LOSSLESS PIPETRACE_STATS_MS
limit=120
args="seqthreads 4 100000"

# calls and exceptions per function, sorted
counts() { sed -n '/^function /,$p' "$1" | awk 'NR > 1 && $2 ~ /^[0-9]+$/ { print $1, $2, $NF }' | sort; }
# the call paths of the collapsed stacks, process and thread left out
paths() { sed 's/ [0-9]*$//' "$1" | cut -d';' -f3- | sort -u; }

echo go | PIPETRACE_LOSSLESS=1 timeout $limit "$bin" --summary --quiet \
	--export "collapsed:$dir/lossless.col" -- "$traced" $args >"$dir/lossless.sum" 2>&1
check "lossless run: nothing dropped" grep -q ', 0 dropped, 0 bad lines$' "$dir/lossless.sum"

fifo=$dir/f.fifo
"$bin" --plain --quiet --record "$dir/rec" --fifo "$fifo" >"$dir/reader.out" 2>&1 &
reader=$!
pids=$reader
wait_for 20 test -p "$fifo" || notok "the reader made its FIFO"
kill -STOP $reader
mkfifo "$dir/in"
PIPETRACE_FIFO=$fifo "$traced" $args <"$dir/in" >"$dir/out" 2>&1 &
prog=$!
pids="$pids $prog"
exec 3>"$dir/in"
wait_for $limit grep -q done "$dir/out" || notok "the program ran its calls"
kill -CONT $reader
echo go >&3
exec 3>&-
wait $prog
check "the program exited 0" test $? = 0
# its last lines (final stats, tallies, bye) read
wait_for $limit grep -q '"ev":"bye"' "$dir/rec" || notok "bye recorded"
sleep 0.3
kill -INT $reader
wait $reader
pids=
timeout $limit "$bin" --summary --quiet --replay "$dir/rec" \
	--export "collapsed:$dir/throttled.col" >"$dir/throttled.sum" 2>&1
dropped=$(sed -n 's/^summary: .*, \([0-9]*\) dropped, .*/\1/p' "$dir/throttled.sum")
check "throttled run: most events dropped ($dropped)" test "${dropped:-0}" -gt 1000000
counts "$dir/lossless.sum" >"$dir/lossless.cnt"
counts "$dir/throttled.sum" >"$dir/throttled.cnt"
check "calls counted: 400000 of leaf" grep -q '^leaf 400000 0$' "$dir/lossless.cnt"
if cmp -s "$dir/lossless.cnt" "$dir/throttled.cnt"; then
	ok "throttled run: the calls and exceptions of the lossless run, exactly"
else
	notok "throttled run: calls or exceptions differ from the lossless run"
	diff "$dir/lossless.cnt" "$dir/throttled.cnt" | sed 's/^/#   /'
fi
paths "$dir/lossless.col" >"$dir/lossless.paths"
paths "$dir/throttled.col" >"$dir/throttled.paths"
check "collapsed stacks: the lossless run's call paths" cmp -s "$dir/lossless.paths" "$dir/throttled.paths"
check "throttled run: figures said exact" has '(exact for 5 threads:' "$dir/throttled.sum"
check "throttled run: no sample mark" sh -c "! grep -q sample '$dir/throttled.sum'"
check "throttled run: complete (final stats and tallies arrived)" \
	sh -c "! grep -q 'incomplete' '$dir/throttled.sum'"
finish
