#!/bin/sh
# e2e-deep.sh - deep trees and time on the real screen in tmux, on the
# demo: its recursive-descent parser's recursion folded into one row and
# unfolded with z; in the calls view the start times (since the process
# started, then by the wall clock with T), the timeline column, and M on
# the slowest call.  Prints TAP; 77 when tmux is absent.
. "${top_srcdir:-.}/tests/e2e-lib.sh"

DEMO=$top_builddir/demo/pipetrace-demo
if [ ! -x "$DEMO" ]; then
	echo "Bail out! $DEMO is not built"
	exit 1
fi

echo "1..6"

start 160 45 "$TUI" -- "$DEMO" --rate 400 --duration 3
wait_for '\[exited 0\]' 30
keys / e x p r _ e v a l u a t e Enter
sleep 0.3
keys l
# parse_expr > parse_term > parse_factor > parse_expr ...: one row, its
# cycle and how often it repeats (count first when the name would be cut)
fold='×[0-9]+ parse_expr › parse_t|parse_expr › parse_term › parse_factor ×[0-9]+'
wait_for "$fold" 5
ok $? "the parser's recursion is one row (parse_expr › parse_term › parse_factor ×N)"

keys j
sleep 0.3
keys z
sleep 0.5
! tree_rows | grep -Eq "$fold" && tree_rows | grep -Eq '[▸▾] parse_expr +[0-9]'
r=$?
keys z
wait_for "$fold" 5
ok $((r + $?)) "z unfolds it into rows of their own, and folds it again"

# the calls view: start times since the process started, a timeline
keys v
wait_for '│function .* start +timeline +duration' 5 && wait_for ' \+[0-9]+\.[0-9]{6}s ' 2
ok $? "the calls view shows each call's start since its process started"
tree_rows | grep -E ' \+[0-9]+\.[0-9]{6}s ' | grep -q '█'
ok $? "and a timeline column with the call's cells lit"

keys T
wait_for '│function .* wall clock +timeline +duration' 5 && wait_for ' [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} ' 2
ok $? "T shows start times by the wall clock"

keys Escape j M
wait_for 'slowest call kept: ' 5 && ! screen | tail -n 1 | grep -q 'n/N step'
ok $? "M jumps to the slowest call of the path and says so (not as a search's match)"

keys q
wait_for '^PT_EXIT=0' 5
exit $E2E_FAILED
