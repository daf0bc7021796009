#!/bin/sh
# bench_keys.sh - key latency of pipetrace-tui under heavy ingest: runs
# `pipetrace-tui -- pipetrace-demo --rate 1000000` in tmux, presses j and k
# in turn and times each press until the cursor row has moved on the screen
# (read with capture-pane; includes tmux's own delays).  Prints the median;
# last line tui_key_ms=<median>.  Needs tmux and demo/pipetrace-demo.
: "${top_builddir:=.}"
: "${top_srcdir:=.}"
DEMO=$top_builddir/demo/pipetrace-demo
TUI=$top_builddir/tui/pipetrace-tui
if ! command -v tmux >/dev/null 2>&1 || [ ! -x "$DEMO" ] || [ ! -x "$TUI" ]; then
	echo "bench_keys: needs tmux, $TUI and $DEMO; skipped"
	exit 0
fi
SOCK=pt-bench-keys-$$
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1' EXIT
trap 'exit 1' INT TERM HUP

tmux -L "$SOCK" -f /dev/null new-session -d -s b -x 160 -y 45 \
	"env TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 NO_COLOR=1 $TUI -- $DEMO --rate 1000000 --duration 60"
sleep 3

# the first row below the status line drawn in reverse video: the cursor
# (NO_COLOR makes it A_REVERSE)
cursor_row() {
	tmux -L "$SOCK" capture-pane -e -p -t b | tail -n +3 | grep -n "$(printf '\033')\[[0-9;]*7m" |
		head -n 1 | cut -d: -f1
}

now_ms() { date +%s%3N; }

times=""
key=j
for i in $(seq 1 30); do
	before=$(cursor_row)
	t0=$(now_ms)
	tmux -L "$SOCK" send-keys -t b $key
	while [ "$(cursor_row)" = "$before" ]; do
		[ $(( $(now_ms) - t0 )) -gt 2000 ] && break
	done
	times="$times $(( $(now_ms) - t0 ))"
	[ $key = j ] && key=k || key=j
	sleep 0.05
done
rate=$(tmux -L "$SOCK" capture-pane -p -t b | head -n 1 | sed -n 's/.* \([0-9.]*[kM]*\) ev\/s.*/\1/p')
median=$(printf '%s\n' $times | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
max=$(printf '%s\n' $times | sort -n | tail -n 1)
echo "key press to screen, 30 presses at ${rate:-?} events/s: median ${median} ms, max ${max} ms"
echo "tui_key_ms=$median"
