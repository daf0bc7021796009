#!/bin/sh
# Hostile input soak: seeded streams from tests/hostile_gen (wrong and huge
# numbers, deep nesting, thousands of processes, control characters and
# invalid UTF-8 everywhere, byte flips, cut lines, 4095..4097-byte lines,
# NULs, CR/LF, random bytes) through the whole program in plain mode with
# --summary, replayed and through a real FIFO with --record.  It must end
# with status 0 within a time limit, print only valid UTF-8 without
# control characters (plain ASCII in the C locale), and the recording of a
# hostile stream must replay with no bad line at all.
#
# SOAK_SEEDS="1 2 3" and SOAK_LINES=N make a longer run (defaults: short).
. "${top_srcdir:-.}/tests/plain-common.sh"

gen="${top_builddir:-.}/tests/hostile_gen"
seeds=${SOAK_SEEDS:-"1 2 3"}
lines=${SOAK_LINES:-600}
limit=120

clean_output() { # clean_output FILE LOCALE
	"$gen" check "$1" || return 1
	if [ "$2" = C ]; then
		! LC_ALL=C grep -q '[^ -~]' "$1" || { echo "non-ASCII byte in $1 (C locale)" >&2; return 1; }
	fi
}
no_sanitizer_report() { ! grep -q -e 'runtime error' -e 'Sanitizer' "$1"; }

for seed in $seeds; do
	"$gen" gen "$seed" "$lines" >"$dir/in" || { notok "seed $seed: generator"; continue; }
	for loc in C.UTF-8 C; do
		LC_ALL=$loc timeout $limit "$bin" --plain --summary --replay "$dir/in" \
			>"$dir/out" 2>"$dir/err"
		rc=$?
		check "seed $seed $loc replay: status 0 (not $rc)" test "$rc" = 0
		check "seed $seed $loc replay: no sanitizer report" no_sanitizer_report "$dir/err"
		check "seed $seed $loc replay: summary printed" grep -q '^summary: ' "$dir/out"
		check "seed $seed $loc replay: output clean" clean_output "$dir/out" $loc
		check "seed $seed $loc replay: messages clean" clean_output "$dir/err" $loc
	done

	# The same bytes through a real FIFO, recorded.
	fifo=$dir/s.fifo
	rm -f "$dir/rec"
	# No timeout(1) here: it passes a SIGINT on to the process group as
	# well, a second Ctrl-C that ends the reader at once (status 130).
	LC_ALL=C.UTF-8 "$bin" --plain --summary --fifo "$fifo" --record "$dir/rec" \
		>"$dir/out" 2>"$dir/err" &
	pid=$!
	pids=$pid
	if wait_for 20 test -p "$fifo"; then
		# two writers at once, then one more after they left
		timeout $limit cat "$dir/in" >"$fifo" &
		w1=$!
		timeout $limit head -c 100000 "$dir/in" >"$fifo"
		wait $w1
		timeout $limit tail -c 100000 "$dir/in" >"$fifo"
		# the end of the stream has no newline at times: end it, then
		# a marker event tells us that everything before it was read
		printf '\n{"ev":"bye","ts":1,"pid":987654}\n' >"$fifo"
		wait_for $limit grep -q '\[987654\]' "$dir/out"
		kill -INT $pid
		wait_for $limit sh -c "! kill -0 $pid 2>/dev/null" || { notok "seed $seed fifo: ends on Ctrl-C"; kill -KILL $pid; }
	else
		notok "seed $seed fifo: FIFO created"
	fi
	wait $pid
	rc=$?
	pids=
	check "seed $seed fifo: status 0 after Ctrl-C (not $rc)" test "$rc" = 0
	check "seed $seed fifo: marker seen" grep -q '\[987654\]' "$dir/out"
	check "seed $seed fifo: FIFO removed" test ! -e "$fifo"
	check "seed $seed fifo: no sanitizer report" no_sanitizer_report "$dir/err"
	check "seed $seed fifo: output clean" clean_output "$dir/out" C.UTF-8
	check "seed $seed fifo: messages clean" clean_output "$dir/err" C.UTF-8

	# What was recorded is valid event lines only.
	LC_ALL=C.UTF-8 timeout $limit "$bin" --summary --replay "$dir/rec" >"$dir/out2" 2>"$dir/err2"
	rc=$?
	check "seed $seed recording replays: status 0 (not $rc)" test "$rc" = 0
	check "seed $seed recording replays with no bad line" grep -q ', 0 bad lines$' "$dir/out2"
	check "seed $seed recording replay: output clean" clean_output "$dir/out2" C.UTF-8
done
# Nesting deeper than the model once kept (65536 open calls per thread,
# which turned a correct trace of an interpreter into ignored events): all
# of it is kept now.  (Past the bound that remains, 1,048,576, events are
# ignored and counted: tests/test_model.c, test_too_deep.)
awk 'BEGIN {
	n = 70000
	for (d = 0; d < n; d++)
		printf "{\"ev\":\"enter\",\"ts\":%d,\"pid\":5,\"tid\":5,\"seq\":%d,\"depth\":%d,\"fn\":\"d\"}\n", d + 1, d + 1, d
	for (d = n - 1; d >= 0; d--)
		printf "{\"ev\":\"exit\",\"ts\":%d,\"pid\":5,\"tid\":5,\"seq\":%d,\"depth\":%d,\"fn\":\"d\",\"dur\":1}\n", 2 * n - d, 2 * n - d, d
}' >"$dir/deep"
LC_ALL=C timeout $limit "$bin" --summary --quiet --replay "$dir/deep" >"$dir/out" 2>"$dir/err"
rc=$?
check "70000-deep nesting: status 0 (not $rc)" test "$rc" = 0
check "70000-deep nesting: the summary counts every call" grep -q ' 70000 calls,' "$dir/out"
check "70000-deep nesting: nothing ignored" sh -c "! grep -q 'ignored' '$dir/out'"
finish
