#!/bin/sh
# demo-monitor.sh - the two-terminal way (`make monitor` + `make run`):
# one pipetrace-tui listening on a FIFO, several traced programs writing
# into it at once, and pipetrace-demo stopped by SIGTERM shutting down
# cleanly (workers joined, batch child reaped, both processes say bye).
. "${top_srcdir:-.}/tests/demo-common.sh"

fifo=$tmp/run/pipetrace.fifo
mkdir -m 700 "$tmp/run"
"$tui" --plain --fifo "$fifo" --record "$tmp/rec" >"$tmp/plain" 2>"$tmp/err" &
tui_pid=$!
demo_pid=
# Nothing of ours outlives the test, even when it fails half-way.
trap 'kill $tui_pid $demo_pid 2>/dev/null; rm -rf "$tmp"' EXIT
# wait_for COMMAND...: polls COMMAND for up to 20 s.
wait_for() {
	i=0
	while ! "$@"; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.1
	done
}
wait_for test -p "$fifo" || { not_ok "pipetrace-tui created the FIFO"; kill $tui_pid; finish; }

PIPETRACE_FIFO=$fifo
export PIPETRACE_FIFO
"$top_builddir/demo/pipetrace-demo" --rate 300 >"$tmp/demo.out" 2>&1 &
demo_pid=$!
"$top_builddir/demo/hello" >/dev/null
"$top_builddir/demo/threads" >/dev/null
# Let the demo serve for a while (at least a batch round) before stopping it.
wait_for sh -c 'grep -cE "\"fn\": ?\"run_batch\"" "$1" | grep -qv "^[01]$"' - "$tmp/rec"
kill -TERM $demo_pid
wait $demo_pid
demo_status=$?
demo_done=$demo_pid
demo_pid=
check "pipetrace-demo exits 0 after SIGTERM (status $demo_status)" [ "$demo_status" = 0 ]
check "it printed its summary" grep -q 'requests, .* ok' "$tmp/demo.out"

# Every process's bye reaches the monitor: demo + batch child, hello,
# threads + its child.
bye_count() { [ "$(events bye | field pid | sort -u | wc -l)" -ge 5 ]; }
wait_for bye_count
kill -TERM $tui_pid
wait $tui_pid

check "five processes said hello into one FIFO" [ "$(distinct_pids)" = 5 ]
check "five processes said bye" [ "$(events bye | field pid | sort -u | wc -l)" = 5 ]
check "the demo's process said bye" sh -c 'grep -E "\"ev\": ?\"bye\"" "$1" | grep -qE "\"pid\": ?$2[,}]"' - "$tmp/rec" "$demo_done"
check "the demo's batch child said bye" sh -c '
	child=$(grep -E "\"ev\": ?\"hello\"" "$1" | grep -E "\"ppid\": ?$2[,}]" | sed -nE "s/.*\"pid\": ?([0-9]+).*/\1/p" | head -1)
	[ -n "$child" ] && grep -E "\"ev\": ?\"bye\"" "$1" | grep -qE "\"pid\": ?$child[,}]"' - "$tmp/rec" "$demo_done"
check "hello's calls arrived" [ "$(count_fn exit square)" = 10 ]
check "threads' calls arrived" [ "$(count_fn exit step)" = 25 ]
check "no call of the demo left open" sh -c '
	grep -E "\"pid\": ?$2[,}]" "$1" | grep -cE "\"ev\": ?\"enter\"" >"$3.enter"
	grep -E "\"pid\": ?$2[,}]" "$1" | grep -cE "\"ev\": ?\"exit\"" >"$3.exit"
	cmp -s "$3.enter" "$3.exit"' - "$tmp/rec" "$demo_done" "$tmp/count"
finish
