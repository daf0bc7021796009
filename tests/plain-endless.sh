#!/bin/sh
# Input that never sends a newline (an endless line: --replay /dev/zero, or
# a writer stuck in a loop) must not freeze the monitor: Ctrl-C still ends
# it at once, the endless line is counted as one bad (oversized) line as
# soon as it passes the limit, and it is not held in memory.
. "${top_srcdir:-.}/tests/plain-common.sh"

LC_ALL=C.UTF-8 "$bin" --plain --summary --replay /dev/zero >"$dir/out" 2>"$dir/err" &
pid=$!
pids=$pid
check "the bad line is reported while the input goes on" \
	wait_for 10 grep -q '^! 1 bad line (1 in all), last: line 1: no newline after' "$dir/out"
sleep 1
# VmHWM: the most memory it ever held, in kB
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null)
echo "# peak resident memory after 1 s of /dev/zero: ${hwm:-?} kB"
check "the endless line is not buffered (peak memory ${hwm:-?} kB < 64 MB)" \
	test "${hwm:-999999}" -lt 65536
kill -INT "$pid"
if wait_for 3 sh -c "! kill -0 $pid 2>/dev/null"; then
	ok "SIGINT ends it within 3 s"
else
	notok "SIGINT ends it within 3 s"
	kill -KILL "$pid"
fi
wait "$pid"
rc=$?
pids=
check "exits 0 on Ctrl-C (status $rc)" test "$rc" = 0
check "the summary counts the bad line" grep -q ', 1 bad line$' "$dir/out"

# The same through a FIFO: a writer sending an endless line does not keep
# the monitor from reading a well-formed writer, nor from stopping.
fifo=$dir/t.fifo
"$bin" --plain --fifo "$fifo" >"$dir/out2" 2>"$dir/err2" &
pid=$!
pids=$pid
check "FIFO created" wait_for 10 test -p "$fifo"
# writes until the FIFO's reader is gone (SIGPIPE)
(exec cat /dev/zero >"$fifo") &
zpid=$!
pids="$pid $zpid"
check "the endless line is reported" wait_for 10 grep -q 'no newline after' "$dir/out2"
kill -INT "$pid"
if wait_for 3 sh -c "! kill -0 $pid 2>/dev/null"; then
	ok "FIFO: SIGINT ends it within 3 s"
else
	notok "FIFO: SIGINT ends it within 3 s"
	kill -KILL "$pid"
fi
wait "$pid"
kill "$zpid" 2>/dev/null
wait "$zpid" 2>/dev/null
pids=
finish
