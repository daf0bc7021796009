#!/bin/sh
# e2e-input.sh - the full screen facing awkward input and commands, in
# tmux: input without a newline, a recording with no valid line, a traced
# command from which no event arrives.  Prints TAP; 77 without tmux.
. "${top_srcdir:-.}/tests/e2e-lib.sh"

# -- an endless line (--replay /dev/zero): keys still work, q quits ------------
start 120 30 "$TUI" --replay /dev/zero
wait_for 'bad 1' 10
ok $? "endless input: the status line counts one bad line"
keys q
wait_for '^PT_EXIT=0' 5
ok $? "endless input: q quits at once"

# -- a recording without a valid line: the screen says what was wrong, not
# "waiting for events", and the exit status is 1 -----------------------------
printf '%s\n' 'garbage' >"$E2E_TMP/bad.jsonl"
start 120 30 "$TUI" --replay "$E2E_TMP/bad.jsonl"
wait_for 'ENDED' 10 && wait_for 'holds no valid event: 1 line, 1 bad' 5 &&
	! screen | grep -q 'waiting for events'
ok $? "a recording with no valid line: the empty pane says why"
keys q
wait_for '^PT_EXIT=1' 5 && wait_for 'pipetrace-tui: .*bad.jsonl holds no valid event' 2
ok $? "a recording with no valid line: exit status 1, the reason on stderr"

# -- -- CMD that sent nothing: the likely causes on the screen ----------------
start 120 30 "$TUI" -- /bin/true
wait_for 'exited 0' 10 && wait_for 'no event arrived from /bin/true' 5 &&
	wait_for 'ldd' 2 && wait_for 'pkg-config --libs' 2
ok $? "-- CMD that sent no event: the empty pane gives the likely causes"
keys q
wait_for '^PT_EXIT=0' 5
ok $? "-- CMD that sent no event: q exits 0"

echo "1..$E2E_N"
exit $E2E_FAILED
