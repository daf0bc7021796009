#!/bin/sh
# bench_keys.sh - key latency of pipetrace-tui under heavy ingest: runs
# `pipetrace-tui -- pipetrace-demo --rate 1000000` in tmux, presses j and k
# in turn and times each press until the cursor row has moved on the screen.
# Prints the median, 90th percentile and maximum; last line
# tui_key_ms=<median>.  Needs tmux, bash and demo/pipetrace-demo.
# BENCH_KEYS_RATE=1000 gives the measuring floor without ingest load.
#
# The keys are sent and the screen is read through one tmux control-mode
# client (tmux -C), from bash, which has a clock without a process.  An
# earlier version ran `tmux capture-pane | tail | grep | head | cut` and
# `date` for every look at the screen and a new `tmux send-keys` per press:
# with the demo keeping both cores busy one look took 13 ms typically and
# up to 160 ms, which went into the figures.  (Measured inside
# pipetrace-tui meanwhile: key read to frame written, median 1 ms, max
# 15 ms.)  The rest of the 100+ ms presses were tmux falling behind: it
# was woken for each of ~1800 tiny writes a second, until ui_loop.c made a
# frame one write.  On a machine busy with other work single presses can
# still be late.
if [ -z "$BASH_VERSION" ]; then
	if command -v bash >/dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench_keys: needs bash; skipped"
	exit 0
fi
: "${top_builddir:=.}"
: "${top_srcdir:=.}"
: "${BENCH_KEYS_RATE:=1000000}"
DEMO=$top_builddir/demo/pipetrace-demo
TUI=$top_builddir/tui/pipetrace-tui
if ! command -v tmux >/dev/null 2>&1 || [ ! -x "$DEMO" ] || [ ! -x "$TUI" ]; then
	echo "bench_keys: needs tmux, $TUI and $DEMO; skipped"
	exit 0
fi
SOCK=pt-bench-keys-$$
ROWS=45
TM_PID=
SERVER_PID=
# The control client first: the server waits for it.  kill-server has been
# seen to fail on a loaded machine ("server exited unexpectedly") and leave
# the demo running at full rate, so the server is also killed by its pid.
cleanup() {
	[ -n "$TM_PID" ] && kill "$TM_PID" 2>/dev/null
	tmux -L "$SOCK" kill-server >/dev/null 2>&1
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

tmux -L "$SOCK" -f /dev/null new-session -d -s b -x 160 -y $ROWS \
	"env TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 NO_COLOR=1 $TUI -- $DEMO --rate $BENCH_KEYS_RATE --duration 60"
sleep 3

# the control client; it must not resize the window, and it does not need
# the pane's output stream (only command replies)
coproc TM { exec tmux -L "$SOCK" -C attach -t b 2>/dev/null; }
ESC=$'\033'
REPLY_LINES=()

# Sends one command; the lines of its reply go to REPLY_LINES.  A marker
# command follows it, and reading goes on until the marker comes back, so
# that a reply block or notification nobody expected cannot shift replies.
TM_SEQ=0
tm() {
	local line mark=bench-keys-mark-$((++TM_SEQ))
	REPLY_LINES=()
	printf '%s\nlist-windows -t b -F %s\n' "$1" "$mark" >&"${TM[1]}"
	while IFS= read -r line <&"${TM[0]}"; do
		case $line in
		"$mark")
			# the rest of the marker's block
			while IFS= read -r line <&"${TM[0]}" && [[ $line != %end* ]]; do :; done
			return 0 ;;
		%*) ;;
		*) REPLY_LINES+=("$line") ;;
		esac
	done
	echo "bench_keys: tmux control client ended" >&2
	exit 1
}

# The first row below the status line, the frame and the column header
# drawn in reverse video is the cursor (NO_COLOR makes it A_REVERSE; the
# header's "sample" note is reversed too, as every warning); counted from 1
# at screen line 2, in ROW.  Only the lines down to $1 are read: reading is the slow
# part.  (Functions set globals here: $(...) would be a process.)
cursor_row() {
	local i
	tm "capture-pane -p -e -t b -S 3 -E $1"
	for i in "${!REPLY_LINES[@]}"; do
		if [[ ${REPLY_LINES[i]} =~ ${ESC}\[[0-9\;]*7m ]]; then
			ROW=$((i + 2))
			return
		fi
	done
	ROW=none
}

tm "refresh-client -f no-output"
tm "list-sessions -F '#{pid}'"
SERVER_PID=${REPLY_LINES[0]}
tm "list-windows -t b -F '#{window_width}x#{window_height}'"
if [ "${REPLY_LINES[0]}" != "160x$ROWS" ]; then
	echo "bench_keys: the window is ${REPLY_LINES[*]}, not 160x$ROWS; skipped"
	exit 0
fi

# read -t on this never gets data: a sleep without a process
exec {NAP}<> <(:)
times=""
key=j
for i in $(seq 1 30); do
	cursor_row $((ROWS - 1))
	before=$ROW
	# a few lines past the cursor: it moves by one
	last=$((ROWS - 1))
	[ "$before" != none ] && [ $((before + 5)) -lt $last ] && last=$((before + 5))
	t0=${EPOCHREALTIME/./}
	tm "send-keys -t b $key"
	while :; do
		cursor_row $last
		# not in the lines read: look at the whole screen
		[ "$ROW" = none ] && cursor_row $((ROWS - 1))
		[ "$ROW" != "$before" ] && break
		[ $((${EPOCHREALTIME/./} - t0)) -gt 2000000 ] && break
		# a millisecond's rest: tmux busy with back-to-back captures
		# would be measured too
		read -r -t 0.001 -u "$NAP"
	done
	times="$times $(((${EPOCHREALTIME/./} - t0 + 500) / 1000))"
	[ $key = j ] && key=k || key=j
	sleep 0.05
done
tm "capture-pane -p -t b -S 0 -E 0"
rate=$(printf '%s\n' "${REPLY_LINES[0]}" | sed -n 's/.* \([0-9.]*[kM]*\) ev\/s.*/\1/p')
median=$(printf '%s\n' $times | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
p90=$(printf '%s\n' $times | sort -n | awk '{ v[NR] = $1 } END { print v[int(NR * 9 / 10)] }')
max=$(printf '%s\n' $times | sort -n | tail -n 1)
echo "key press to screen, 30 presses at ${rate:-?} events/s: median ${median} ms, p90 ${p90} ms, max ${max} ms"
echo "tui_key_ms=$median"
