#!/bin/sh
# demo-make.sh - the make targets of the README: `make demo`, and
# `make monitor` + `make run` (the two-terminal way).  With its output not a
# terminal pipetrace-tui prints plain text, so both run unattended here; the
# default FIFO is put under a directory of the test's own through
# XDG_RUNTIME_DIR, away from any monitor the user has open.
. "${top_srcdir:-.}/tests/demo-common.sh"

cd "$top_builddir" || exit 99
# A make of our own, not a part of the one running the tests.
unset MAKEFLAGS MFLAGS MAKELEVEL
XDG_RUNTIME_DIR=$tmp/xdg
export XDG_RUNTIME_DIR
mkdir -m 700 "$XDG_RUNTIME_DIR"

make -s demo DEMO_ARGS='--duration 2 --rate 100' >"$tmp/demo.out" 2>&1
status=$?
check "make demo runs the demo under pipetrace-tui and exits 0 (status $status)" [ "$status" = 0 ]
check "make demo: the demo's workers are traced" grep -q worker-2 "$tmp/demo.out"
check "make demo: its batch child too" grep -q run_batch "$tmp/demo.out"

make -s monitor >"$tmp/monitor.out" 2>&1 &
make_pid=$!
# The monitor is make's child; found through /proc (no procps needed).
child_of() {
	grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null | head -1 | cut -d/ -f3
}
i=0
while [ ! -p "$XDG_RUNTIME_DIR/pipetrace.fifo" ] && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "make monitor creates the default FIFO" [ -p "$XDG_RUNTIME_DIR/pipetrace.fifo" ]
monitor_pid=$(child_of $make_pid)
trap 'kill $monitor_pid $make_pid 2>/dev/null; rm -rf "$tmp"' EXIT

make -s run DEMO_ARGS='--duration 2 --rate 100' >"$tmp/run.out" 2>&1
status=$?
check "make run: the demo exits 0 (status $status)" [ "$status" = 0 ]
i=0
until grep -q worker-3 "$tmp/monitor.out" && grep -q run_batch "$tmp/monitor.out" || [ $i -ge 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "make monitor shows what make run traces: workers" grep -q worker-3 "$tmp/monitor.out"
check "make monitor shows what make run traces: the batch child" grep -q run_batch "$tmp/monitor.out"
[ -n "$monitor_pid" ] && kill -TERM "$monitor_pid"
wait $make_pid
cp "$tmp/monitor.out" "$tmp/plain"   # shown by finish on failure
finish
