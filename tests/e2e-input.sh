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

echo "1..$E2E_N"
exit $E2E_FAILED
