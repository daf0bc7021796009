#!/bin/sh
# bench_callgrind.sh - instructions the traced thread executes per traced
# call (enter + exit, everything pt_enter_/pt_leave_ call included), with
# the exact statistics on and off, counted by callgrind: unlike wall time,
# the same on a loaded machine.  Two runs of tests/bench_lib's child (1000
# and 3000 calls: the ring never fills, no reader) and their difference,
# which leaves out start-up.  Skipped without valgrind.
set -e
bin=${top_builddir:-.}/tests/bench_lib
if ! command -v valgrind >/dev/null 2>&1; then
	echo "bench_callgrind: valgrind not installed, skipped"
	exit 0
fi
dir=$(mktemp -d /tmp/pt-cg-XXXXXX)
trap 'rm -rf "$dir"' EXIT

# instructions collected inside pt_enter_ and pt_leave_
count() {
	env PIPETRACE_FIFO="$dir/none.fifo" "$@" valgrind --tool=callgrind \
		--toggle-collect=pt_enter_ --toggle-collect=pt_leave_ \
		--callgrind-out-file="$dir/cg.out" "$bin" --child traced "$n" 2>&1 >/dev/null |
		sed -n 's/.*refs: *//p' | tr -d ,
}

per_call() {
	n=1000; a=$(count "$@")
	n=3000; b=$(count "$@")
	echo $(( (b - a) / 2000 ))
}

on=$(per_call PIPETRACE_STATS_MS=200)
off=$(per_call PIPETRACE_STATS_MS=0)
echo "bench_callgrind: instructions per traced call (enter + exit) in the traced thread"
echo "  statistics on            $on"
echo "  statistics off           $off"
echo "lib_instructions_per_call=$on"
echo "lib_instructions_per_call_nostats=$off"
