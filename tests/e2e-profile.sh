#!/bin/sh
# e2e-profile.sh - the profile view and the mouse on the real screen, in
# tmux, on the demo: t shows one row per function, > sorts by the next
# column (the order changes), c saves the table (read back: a recursive
# function's total is not more than its caller's, so its levels were not
# added up), a click selects a row (mouse bytes typed into the pane, as a
# terminal sends them), --no-mouse leaves the mouse to the terminal.
# Prints TAP; 77 when tmux is absent.
. "${top_srcdir:-.}/tests/e2e-lib.sh"

DEMO=$top_builddir/demo/pipetrace-demo
if [ ! -x "$DEMO" ]; then
	echo "Bail out! $DEMO is not built"
	exit 1
fi
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

echo "1..6"

# click X Y: a left button press at column X, row Y (from 0), X10 encoding
click() {
	t send-keys -t e2e -l "$(printf '\033[M') $(printf "\\$(printf %03o $(($1 + 33)))")$(printf "\\$(printf %03o $(($2 + 33)))")"
}
# the name on the profile's first row (screen line 4: status, frame, header)
first_fn() { screen | sed -n 4p | sed 's/^│ *//' | awk '{ print $1 }'; }

# in the temporary directory, where c saves
start 160 45 sh -c "'cd $E2E_TMP && exec $(abs "$TUI") -- $(abs "$DEMO") --rate 300'"
# the batch child (checksum_tree, recursive) runs twice a second
wait_for 'worker-4' 15
sleep 2
keys t
wait_for 'Profile: all processes, by total' 5 && wait_for 'function .* calls +total▾ +self +avg +p99 +max +exc +share' 2 &&
	wait_for '^│ checksum_tree ' 5 && wait_for '^│ parse_expr ' 5
ok $? "t shows the profile view: one row per function, every column, sorted by total"

by_total=$(first_fn)
keys '>'
wait_for 'Profile: all processes, by self' 5 && wait_for 'self▾' 2
by_self=$(first_fn)
[ -n "$by_total" ] && [ -n "$by_self" ] && [ "$by_total" != "$by_self" ]
ok $? "> sorts by self time: the first row changes ($by_total, then $by_self)"

keys '<' p c
wait_for 'profile saved: pipetrace-profile-[0-9-]+\.csv and \.txt' 5
r=$?
csv=$(ls "$E2E_TMP"/pipetrace-profile-*.csv 2>/dev/null | head -n 1)
# total_ns of a function, from the CSV (names are quoted)
total() { awk -F, -v f="\"$1\"" '$1 == f { print $3 }' "$csv"; }
[ $r -eq 0 ] && [ -f "$csv" ] && head -n 1 "$csv" | grep -q '^function,calls,total_ns,self_ns,avg_ns,p99_ns,max_ns,exceptions,share_pct$' &&
	[ "$(wc -l < "$csv")" -ge 20 ] && [ -f "${csv%.csv}.txt" ]
ok $? "c saves the table shown as CSV in the current directory; the status line says where"

ct=$(total checksum_tree) bc=$(total batch_compact) pe=$(total parse_expr) ee=$(total expr_evaluate)
echo "# totals (ns): checksum_tree $ct <= batch_compact $bc; parse_expr $pe <= expr_evaluate $ee"
[ -n "$ct" ] && [ -n "$bc" ] && [ "$ct" -gt 0 ] && [ "$ct" -le "$bc" ] &&
	[ -n "$pe" ] && [ -n "$ee" ] && [ "$pe" -gt 0 ] && [ "$pe" -le "$ee" ]
ok $? "recursive functions' totals are not inflated: checksum_tree <= its caller batch_compact, parse_expr <= expr_evaluate"

# the mouse: a click on the row of parse_expr selects it (the histogram
# pane follows the selected function); still paused: rows stay put
y=$(screen | grep -n '^│ parse_expr ' | head -n 1 | cut -d: -f1)
[ -n "$y" ] && click 10 $((y - 1)) && wait_for '┌ parse_expr: [0-9.k]+ calls' 5
ok $? "a mouse click selects the profile row under it (the histogram shows parse_expr)"
keys q q
wait_for '^PT_EXIT=0' 5

start 120 32 "$TUI" --no-mouse --fifo "$E2E_TMP/nomouse.fifo"
wait_for 'waiting for events' 10
flags=$(t display -p -t e2e '#{mouse_any_flag}#{mouse_standard_flag}#{mouse_button_flag}#{mouse_all_flag}')
keys q
wait_for '^PT_EXIT=0' 5
[ "$flags" = 0000 ]
ok $? "--no-mouse leaves the mouse to the terminal (tmux's mouse flags: $flags)"

exit $E2E_FAILED
