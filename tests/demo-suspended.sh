#!/bin/sh
# A reader stopped while the program ends (issue 9, items 5 and 7): the
# demo fills the pipe of a monitor stopped with SIGSTOP (as Ctrl-Z or a
# monitor started with & would be) and exits; its last lines, tallies and
# bye cannot be written.  Resumed, the monitor must call the trace
# incomplete, not show it as a finished run.  The same run with the
# monitor reading is complete: every thread's tally matches.
. "${top_srcdir:-.}/tests/plain-common.sh"

demo="${top_builddir:-.}/demo/pipetrace-demo"
if [ ! -x "$demo" ]; then
	echo "1..0 # SKIP $demo not built"
	exit 77
fi
unset PIPETRACE PIPETRACE_MODE PIPETRACE_LOSSLESS PIPETRACE_SIGNALS

# monitor FILE: a --summary monitor on our FIFO, its pid in $mon
monitor() {
	"$bin" --plain --quiet --summary --fifo "$dir/f" >"$1" 2>&1 &
	mon=$!
	pids=$mon
	wait_for 10 test -p "$dir/f"
}
stop_monitor() {
	kill -INT "$mon"
	wait "$mon"
	pids=
}

monitor "$dir/stopped"
kill -STOP "$mon"
PIPETRACE_FIFO="$dir/f" "$demo" --rate 3000 --duration 2 >/dev/null 2>&1
check "the demo ends while its reader is stopped" test $? = 0
kill -CONT "$mon"
# two looks a second apart find the pids gone
sleep 5
stop_monitor
check "stopped reader: the trace is incomplete" has "! incomplete trace:" "$dir/stopped"
check "stopped reader: the demo ended without bye" grep -Eq '^!   process [0-9]+ pipetrace-demo: ended without bye' "$dir/stopped"
check "stopped reader: its threads' tallies are missing" has "its tally never arrived" "$dir/stopped"

monitor "$dir/reading"
PIPETRACE_FIFO="$dir/f" "$demo" --rate 200 --duration 1 >/dev/null 2>&1
sleep 1
stop_monitor
check "reader there: summary printed" has "summary: " "$dir/reading"
check "reader there: every thread accounted for" sh -c "! grep -q incomplete '$dir/reading'"
finish
