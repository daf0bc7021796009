#!/bin/sh
# e2e-views.sh - what the panes of pipetrace-tui show, read off the real
# screen in tmux: exceptions under collapsed rows, the histogram's slow
# tail, the exceptions pane holding and following, follow on the thread
# with the newest event, q with -- CMD running, the sort key.  Events are
# written into the monitor's FIFO, so every figure on screen is known.
# Prints TAP; 77 when tmux is absent.
. "${top_srcdir:-.}/tests/e2e-lib.sh"

echo "1..8"

FIFO=$E2E_TMP/views.fifo
S=0
# ev KIND TID DEPTH FN [EXTRA]: one event line of pid 50 (seq per line).
ev() {
	S=$((S + 1))
	printf '{"ev":"%s","ts":%d,"pid":50,"tid":%d,"seq":%d,"depth":%d,"fn":"%s"%s}\n' \
		"$1" $((S * 1000)) "$2" "$S" "$3" "$4" "${5:-}"
}
exc() { ev exception "$1" "$2" "$3" ",\"type\":\"TimeoutError\",\"msg\":\"$4\""; }

start 120 32 "$TUI" --fifo "$FIFO"
wait_for 'waiting for events' 10
{
	printf '%s\n' '{"ev":"hello","ts":1,"pid":50,"v":1,"ppid":1,"prog":"views","wall":0,"lib":"x"}'
	ev enter 51 0 main
	i=0
	while [ $i -lt 10 ]; do
		ev enter 51 1 op_report
		ev enter 51 2 db_query
		exc 51 2 db_query "slow $i"
		ev exit 51 2 db_query ',"dur":900'
		ev exit 51 1 op_report ',"dur":2000'
		i=$((i + 1))
	done
	# a path whose durations run from 100 ns to 1.6 s: more buckets than rows
	d=100
	while [ $d -lt 2000000000 ]; do
		ev enter 51 1 work
		ev exit 51 1 work ",\"dur\":$d"
		d=$((d * 2))
	done
} > "$E2E_TMP/a.jsonl"
cat "$E2E_TMP/a.jsonl" > "$FIFO"

# main is collapsed: its row counts the ten exceptions raised below it
wait_for '^│ +▸ main .*✗10 *│' 5
ok $? "a collapsed row shows the exceptions of its subtree (✗10 on main)"

keys / w o r k Enter
wait_for '┌ work: 25 calls' 5 && wait_for '│1\.07s-2\.15s +1 ' 2 && wait_for '│64ns-128ns +1 |│64ns-[0-9.]+[nu]s +[12] ' 2
ok $? "the histogram keeps its slowest and fastest buckets (25 calls, 100 ns to 1.6 s, in a 32-line terminal)"
keys Escape

# s sorts the children of main by total: work (3.4 s) comes above
# op_report (20 us); four more presses go back to first seen
first_child() { tree_rows | grep -oE ' (work|op_report) ' | head -n 1 | tr -d ' '; }
[ "$(first_child)" = op_report ] && keys s && wait_for 'Calls: paths view, by total' 5 &&
	[ "$(first_child)" = work ] && keys s s s s && wait_for 'Calls: paths view ─' 5 &&
	[ "$(first_child)" = op_report ]
ok $? "s orders the children by total and the pane title says so; cycling returns to first seen"

# the exceptions pane: moved (to the second newest), it holds; new ones
# are counted above it
keys Tab Tab j Tab
sleep 0.3
{
	exc 51 0 main "newer one"
	exc 51 0 main "newest one"
} > "$E2E_TMP/b.jsonl"
cat "$E2E_TMP/b.jsonl" > "$FIFO"
wait_for 'Exceptions \(12\): 3 newer' 5
ok $? "the exceptions pane, once moved, holds its exception (the second) and says 3 newer"
keys Tab Tab g
wait_for 'Exceptions \(12\), newest first' 5 && wait_for 'TimeoutError: newest one' 2
ok $? "g in the exceptions pane follows the newest again"
keys Tab

# f: the thread with the newest event, not the last row (thread 59)
{
	ev enter 59 0 last_row_fn
	ev exit 59 0 last_row_fn ',"dur":50'
	ev enter 52 0 busy_outer
	ev enter 52 1 busy_inner
} > "$E2E_TMP/c.jsonl"
cat "$E2E_TMP/c.jsonl" > "$FIFO"
wait_for 'last_row_fn' 5
keys f
wait_for ' busy_outer: 0 calls' 5
ok $? "f follows the thread with the newest event (busy_outer), not the last row"
keys q
wait_for '^PT_EXIT=0' 5

# q with -- CMD running asks first, and shows where its output is
start 160 45 "$TUI" -- "$TRACED" 40
wait_for 'worker-2' 10
keys q
wait_for 'q again: quit and stop the command' 5 && wait_for 'Its output: /[^ ]*output\.log' 2
r=$?
keys j
sleep 0.5
[ $r -eq 0 ] && ! screen | grep -q '^PT_EXIT' && wait_for '\[running\]' 2 && wait_for 'q quit' 2
ok $? "q with the command running says it will be stopped and where its output is; another key stays"
keys q q
wait_for '^PT_EXIT=0' 5
ok $? "q twice quits"

exit $E2E_FAILED
