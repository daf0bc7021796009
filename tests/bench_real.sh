#!/bin/sh
# bench_real.sh - tracing a real program's load: tests/bench_interp (a
# tokenizer, parser and evaluator, millions of tiny calls, deep recursion)
# run once each, in one go, uninstrumented; built with -finstrument-functions
# under `pipetrace-tui --quiet --summary -- CMD` in the default mode, in
# lossless mode and with PIPETRACE_MIN_DURATION; and built with -pg under
# `uftrace record` when uftrace is installed.
#
# Per run: the rounds' wall time and the traced process's CPU (flusher
# included), both measured inside the program, as slowdowns against the
# uninstrumented build; the traced thread's own CPU; the CPU of the whole command (monitor or uftrace
# included); and how many of the program's calls reached the monitor
# (finished calls in its summary / calls the program counted itself).
# Last, whether the default run's per-function call counts equal the
# lossless run's (they do when the library sends exact statistics; without,
# the default run's table is a sample).
#
# BENCH_REAL_ROUNDS sets the workload's size (default 100: ~3.7 M calls).
: "${top_builddir:=.}"
: "${BENCH_REAL_ROUNDS:=100}"
: "${BENCH_REAL_MIN:=10us}"
B=$top_builddir/tests
TUI=$top_builddir/tui/pipetrace-tui
UFTRACE=${UFTRACE-$(command -v uftrace 2>/dev/null)}
for p in "$B/bench_interp" "$B/bench_interp_plain" "$TUI"; do
	if [ ! -x "$p" ]; then
		echo "bench_real: $p not built; skipped"
		exit 0
	fi
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/pt-bench-real-XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM

# The CPU (ms) this shell's children used, from two `times` outputs (the
# second line: children's user and system time, as 0m1.234s).
child_cpu() {
	cat "$1" "$2" | awk 'NR % 2 == 0 {
		n = split($0, f, " "); ms = 0
		for (i = 1; i <= n; i++) { split(f[i], t, "m"); ms += (t[1] * 60 + t[2]) * 1000 }
		v[NR / 2] = ms }
		END { printf "%.0f\n", v[2] - v[1] }'
}

# run NAME CMD...: runs it, keeps the program's line in $dir/NAME.line and
# the command tree's CPU in $dir/NAME.cpu.
run() {
	name=$1
	shift
	times >"$dir/t0"
	"$@" >"$dir/$name.out" 2>"$dir/$name.err"
	rc=$?
	times >"$dir/t1"
	child_cpu "$dir/t0" "$dir/t1" >"$dir/$name.cpu"
	grep -h '^calls=' "$dir/$name.out" "$dir/$name.log" 2>/dev/null | head -1 >"$dir/$name.line"
	if [ "$rc" != 0 ] || [ ! -s "$dir/$name.line" ]; then
		echo "bench_real: $name failed (status $rc):"
		sed 's/^/  /' "$dir/$name.err" | head -5
		return 1
	fi
}

field() {       # field NAME KEY: KEY=value of NAME's program line
	sed -n "s/.*\\b$2=\\([-0-9.]*\\).*/\\1/p" "$dir/$1.line"
}

traced() {      # traced NAME [VAR=value...]: the -finstrument-functions build under the monitor
	name=$1
	shift
	run "$name" env "$@" "$TUI" --quiet --summary --log "$dir/$name.log" -- \
		"$B/bench_interp" "$BENCH_REAL_ROUNDS"
}

run plain "$B/bench_interp_plain" "$BENCH_REAL_ROUNDS" || exit 1
traced default || exit 1
traced lossless PIPETRACE_LOSSLESS=1 || exit 1
traced mindur PIPETRACE_MIN_DURATION="$BENCH_REAL_MIN" || exit 1
have_uftrace=
if [ -n "$UFTRACE" ] && [ -x "$UFTRACE" ] && [ -x "$B/bench_interp_pg" ] &&
   run uftrace "$UFTRACE" record -d "$dir/uftrace.data" --no-libcall \
	"$B/bench_interp_pg" "$BENCH_REAL_ROUNDS"; then
	have_uftrace=1
fi

calls=$(field plain calls)
pw=$(field plain wall_ns)
pc=$(field plain cpu_ns)
echo "bench_real: interpreter-like workload (tests/bench_interp $BENCH_REAL_ROUNDS), $calls calls a run;"
echo "  one run each, in one go; wall on a busy machine counts other programs' time (CPU is steadier)"
printf '  %-34s %9s %8s %9s %8s %10s %10s  %s\n' run "wall ms" slowdown "CPU ms" slowdown "thread CPU" "tree CPU" "calls delivered"
row() {         # row NAME LABEL DELIVERED
	w=$(field "$1" wall_ns)
	c=$(field "$1" cpu_ns)
	th=$(field "$1" thread_cpu_ns)
	awk -v l="$2" -v w="$w" -v c="$c" -v th="$th" -v pw="$pw" -v pc="$pc" -v t="$(cat "$dir/$1.cpu")" -v d="$3" \
		'BEGIN { printf "  %-34s %9.1f %7.1fx %9.1f %7.1fx %7.1f ms %7d ms  %s\n", l, w / 1e6, w / pw, c / 1e6, c / pc, th / 1e6, t, d }'
}
# delivered NAME: finished calls in the monitor's summary, of the calls made
delivered() {
	sed -n 's/^summary: \([0-9]*\) events, \([0-9]*\) calls, .*, \([0-9]*\) dropped, .*/\2 \1 \3/p' "$dir/$1.out" |
	awk -v n="$calls" '{ printf "%.1f%% (%d of %d; %d events, %d dropped)\n", 100 * $1 / n, $1, n, $2, $3 }'
}
row plain "uninstrumented" "-"
row default "pipetrace + monitor, default" "$(delivered default)"
row lossless "pipetrace + monitor, lossless" "$(delivered lossless)"
row mindur "pipetrace, MIN_DURATION=$BENCH_REAL_MIN" "$(delivered mindur)"
if [ -n "$have_uftrace" ]; then
	row uftrace "uftrace record (-pg build)" "all, to disk (read after the run)"
else
	echo "  uftrace record                     not run (not installed or -pg build missing)"
fi

# The per-function table (function, calls) of a run's summary.
counts() {
	awk '/^function +calls/ { t = 1; next } t && NF >= 8 && $2 ~ /^[0-9]+$/ { print $1, $2 } t && NF == 0 { t = 0 }' \
		"$dir/$1.out" | sort
}
counts lossless >"$dir/ll.counts"
counts default >"$dir/df.counts"
nf=$(wc -l <"$dir/ll.counts")
ndiff=$(comm -3 "$dir/ll.counts" "$dir/df.counts" | awk '{ print $1 }' | sort -u | wc -l)
if [ "$nf" -gt 0 ] && [ "$ndiff" = 0 ]; then
	echo "  default run's per-function call counts equal the lossless run's: yes ($nf functions)"
else
	echo "  default run's per-function call counts equal the lossless run's: no ($ndiff of $nf functions differ: a sample)"
fi
# And against uftrace's own count of the same program's calls (its -pg
# build may name a function by its compiler clone, read_number.constprop.0:
# the suffix is left out).
if [ -n "$have_uftrace" ] &&
   "$UFTRACE" report -d "$dir/uftrace.data" -f call --no-pager >"$dir/uft.report" 2>/dev/null; then
	awk 'NR > 2 && NF == 2 && $1 ~ /^[0-9]+$/ { sub(/\.(constprop|isra|part|cold)\..*$/, "", $2); print $2, $1 }' \
		"$dir/uft.report" | sort >"$dir/uft.counts"
	nu=$(wc -l <"$dir/uft.counts")
	for run in lossless default; do
		nd=$(join -a1 -a2 -e0 -o 0,1.2,2.2 "$dir/uft.counts" "$dir/$( [ $run = lossless ] && echo ll || echo df).counts" |
			awk '$2 != $3' | wc -l)
		if [ "$nu" -gt 0 ] && [ "$nd" = 0 ]; then
			echo "  $run run's per-function call counts equal uftrace's: yes ($nu functions)"
		else
			echo "  $run run's per-function call counts equal uftrace's: no ($nd of $nu functions differ)"
		fi
	done
fi
awk -v w="$(field default wall_ns)" -v c="$(field default cpu_ns)" -v pw="$pw" -v pc="$pc" \
	'BEGIN { printf "real_default_slowdown_cpu=%.2f\nreal_default_slowdown_wall=%.2f\n", c / pc, w / pw }'
