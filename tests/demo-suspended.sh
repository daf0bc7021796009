#!/bin/sh
# A reader stopped while the program ends (issue 9, items 5 and 7): the
# program fills the pipe of a monitor stopped with SIGSTOP (as Ctrl-Z or a
# monitor started with & would be) and ends; its last lines, tallies and
# bye cannot be written.  Resumed, the monitor must call the trace
# incomplete, not show it as a finished run.
. "${top_srcdir:-.}/tests/plain-common.sh"

demo="${top_builddir:-.}/demo/pipetrace-demo"
if [ ! -x "$demo" ]; then
	echo "1..0 # SKIP $demo not built"
	exit 77
fi
unset PIPETRACE PIPETRACE_MODE PIPETRACE_LOSSLESS PIPETRACE_SIGNALS

# monitor FILE [--quiet]: a --summary monitor on our FIFO, its pid in $mon
monitor() {
	out=$1
	shift
	"$bin" --plain --summary "$@" --fifo "$dir/f" >"$out" 2>&1 &
	mon=$!
	pids=$mon
	wait_for 10 test -p "$dir/f"
}
stop_monitor() {
	kill -INT "$mon"
	wait "$mon"
	pids=
}
noted() { grep -Eq "^! [0-9]+ process(es)? ended without (its|their) final counts" "$1"; }

# A writer that blocks on the full pipe and is killed there: never a bye.
monitor "$dir/killed" --quiet
kill -STOP "$mon"
timeout -s KILL 3 sh -c '
	s=0
	while :; do
		s=$((s + 1))
		printf "%s\n" "{\"ev\":\"enter\",\"ts\":$s,\"pid\":$$,\"tid\":$$,\"seq\":$s,\"depth\":0,\"fn\":\"step\"}"
		s=$((s + 1))
		printf "%s\n" "{\"ev\":\"exit\",\"ts\":$s,\"pid\":$$,\"tid\":$$,\"seq\":$s,\"depth\":0,\"fn\":\"step\",\"dur\":1}"
	done >"$1"' sh "$dir/f" 2>/dev/null
kill -CONT "$mon"
wait_for 30 noted "$dir/killed"
check "writer killed on a full pipe: noted once its pid is gone" test $? = 0
stop_monitor
check "writer killed on a full pipe: the trace is incomplete" has "! incomplete trace:" "$dir/killed"
check "writer killed on a full pipe: ended without bye" grep -Eq '^!   process [0-9]+ : ended without bye' "$dir/killed"

# The demo, with libpipetrace's bounded wait at exit.  Its final lines
# fit or not in what room the full pipe has left: either they came, and
# every loss is counted, or they did not, and the trace is incomplete.
# Never a run with no bye shown as complete; nor one whose tallies say
# the last stats lines could not be written.
monitor "$dir/stopped"
kill -STOP "$mon"
PIPETRACE_FIFO="$dir/f" "$demo" --rate 3000 --duration 2 >/dev/null 2>&1
check "the demo ends while its reader is stopped" test $? = 0
kill -CONT "$mon"
byes() { test "$(grep -c '^\[[0-9]*\] process exited' "$dir/stopped")" = 2; }
wait_for 30 sh -c "grep -Eq '^! [0-9]+ process(es)? ended without (its|their) final counts' '$dir/stopped' || test \$(grep -c '^\[[0-9]*\] process exited' '$dir/stopped') = 2"
stop_monitor
if byes && grep -q '^([0-9]* stats entr[a-z]* never written' "$dir/stopped"; then
	# Tallies and bye fit, the last stats lines did not: the tallies say
	# so, and that is the only thing incomplete.
	check "stopped reader, final stats not through: the trace is incomplete, said why" \
		grep -Eq '^! incomplete trace: [0-9]+ stats entr[a-z]* not applied$' "$dir/stopped"
elif byes; then
	check "stopped reader, final lines through: complete, losses counted" \
		sh -c "! grep -q incomplete '$dir/stopped' && grep -Eq '^summary: .*, [1-9][0-9]* dropped,' '$dir/stopped'"
else
	check "stopped reader, no bye: the trace is incomplete" has "! incomplete trace:" "$dir/stopped"
	check "stopped reader, no bye: said for the demo" grep -Eq '^!   process [0-9]+ pipetrace-demo: ended without bye' "$dir/stopped"
fi

monitor "$dir/reading" --quiet
PIPETRACE_FIFO="$dir/f" "$demo" --rate 200 --duration 1 >/dev/null 2>&1
sleep 1
stop_monitor
check "reader there: summary printed" has "summary: " "$dir/reading"
check "reader there: every thread accounted for" sh -c "! grep -q incomplete '$dir/reading'"
finish
