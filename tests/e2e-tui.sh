#!/bin/sh
# e2e-tui.sh - pipetrace-tui end to end: the real program in tmux tracing
# tests/e2e_traced (two processes, named threads, exceptions), driven with
# send-keys and read with capture-pane.  Prints TAP; 77 when tmux is absent.
. "${top_srcdir:-.}/tests/e2e-lib.sh"

echo "1..17"

# -- a live run ---------------------------------------------------------------
start 160 45 "$TUI" -- "$TRACED" 40

wait_for 'worker-1' 10 && wait_for 'worker-2' 5 && wait_for 'child-main' 5
ok $? "trees for several threads appear"
wait_count '^│ *▾ [0-9]+ e2e_traced' 2 5
ok $? "two processes appear, each expanded"

# search positions the cursor on the first handle_request, expanding what it must
keys / h a n d l e _ r e q u e s t Enter
wait_for 'match 1 of 2' 5
ok $? "search finds handle_request (match 1 of 2)"

keys Right
wait_for '^│ +db_query +[0-9]' 5 && wait_for '^│ +search_target_alpha +[0-9]' 5
r1=$?
keys Left
sleep 0.3
wait_for 'match 1 of 2' 2 && ! tree_rows | grep -Eq '^ +db_query +[0-9]'
r2=$?
[ $r1 -eq 0 ] && [ $r2 -eq 0 ]
ok $? "Right expands a path, Left collapses it"

keys Escape / s e a r c h _ t a r g Enter
wait_for 'match 1 of 2' 5 && keys n && wait_for 'match 2 of 2' 5
r=$?
[ $r -eq 0 ] && [ "$(tree_rows | grep -Ec 'search_target_alpha')" -ge 2 ]
ok $? "n moves to the next match, ancestors expanded"
keys Escape

# pause: the tree freezes while the program keeps running; resume applies the queue
keys p
wait_for 'PAUSED' 5
r=$?
sleep 0.5
before=$(tree_rows)
q1=$(status_line | sed -n 's/.*PAUSED \([0-9.kM]*\) queued.*/\1/p')
sleep 2
after=$(tree_rows)
q2=$(status_line | sed -n 's/.*PAUSED \([0-9.kM]*\) queued.*/\1/p')
[ $r -eq 0 ] && [ "$before" = "$after" ] && [ -n "$q2" ] && [ "$q2" != "0" ] && [ "$q1" != "$q2" ]
ok $? "p pauses: screen frozen ($q1 then $q2 events queued)"
ev1=$(status_line | sed -n 's/.* \([0-9.kM]*\) events.*/\1/p')
keys Z
wait_for 'LIVE' 5
r=$?
sleep 0.5
ev2=$(status_line | sed -n 's/.* \([0-9.kM]*\) events.*/\1/p')
[ $r -eq 0 ] && [ -n "$ev2" ] && [ "$ev1" != "$ev2" ] && [ "$(tree_rows)" != "$after" ]
ok $? "Z resumes: queued events are shown ($ev1 -> $ev2 events)"

# an exception row jumps to its call: focus the exceptions pane, Enter
keys C Tab Tab
sleep 0.3
keys Enter
wait_for '┌ db_query: [0-9.k]+ calls' 5 && wait_for '^│ +db_query +[0-9]' 3
ok $? "Enter on an exception jumps to db_query in the tree"

t resize-window -t e2e -x 80 -y 24
sleep 0.3
wait_for '^┌ Calls' 5 && wait_for '^┌ db_query.*┐┌ Exceptions' 3 &&
	[ "$(t display-message -p -t e2e '#{window_width}')" = 80 ] && wait_for 'q quit$' 3
ok $? "resized to 80x24: panes stacked, hints still shown"
t resize-window -t e2e -x 160 -y 45
wait_for '┐┌ db_query' 5 && wait_for 'Exceptions \(' 3
ok $? "resized back to 160x45: side column again"

t resize-window -t e2e -x 30 -y 8
wait_for 'too small' 5
r=$?
t resize-window -t e2e -x 160 -y 45
[ $r -eq 0 ] && wait_for '┐┌ db_query' 5
ok $? "below the minimum size: a short message, then the panes again"

# the command still runs: q asks first (e2e-views.sh checks what it says)
keys q
wait_for 'q again: quit' 5 && keys q
wait_for '^PT_EXIT=0' 5
r=$?
[ $r -eq 0 ] && [ "$(t display-message -p -t e2e '#{alternate_on}')" = 0 ] && ! screen | grep -q 'Calls: paths'
ok $? "q, q exits 0 and the terminal is restored"

# SIGTERM restores the terminal too
start 100 30 "$TUI" -- "$TRACED" 30
wait_for 'worker-2' 10
tui_pid=$(ps -o pid= --ppid "$(t display-message -p -t e2e '#{pane_pid}')" | head -n 1 | tr -d ' ')
[ -n "$tui_pid" ] && kill -TERM "$tui_pid"
wait_for '^PT_EXIT=143' 5 && [ "$(t display-message -p -t e2e '#{alternate_on}')" = 0 ] &&
	! screen | grep -q 'Calls: paths'
ok $? "SIGTERM: the terminal is restored, exit status 143"

# -- after the traced program exits, its data stays browsable --------------
start 160 45 "$TUI" -- "$TRACED" 1
wait_for '\[exited 0\]' 15 && wait_for 'ENDED' 5 && wait_for 'worker-2' 2
ok $? "after the program exits: exit status shown, trees kept"
keys o
wait_for 'e2e_traced: done' 5
r=$?
keys q
sleep 0.3
keys q
wait_for '^PT_EXIT=0' 5
[ $r -eq 0 ] && [ $? -eq 0 ]
ok $? "o shows the program's captured output"

# -- listening on a FIFO: panes drawn before any event; hostile names ----------
FIFO=$E2E_TMP/trace.fifo
start 120 30 "$TUI" --fifo "$FIFO"
wait_for 'waiting for events' 5 && wait_for '^┌ Calls' 1
ok $? "listening on a FIFO: panes drawn before the first event"
[ -p "$FIFO" ] &&
printf '%s\n' \
	'{"ev":"hello","ts":1,"pid":77,"v":1,"ppid":1,"prog":"evil\u001b[2Jprog","wall":0,"lib":"x"}' \
	'{"ev":"thread","ts":2,"pid":77,"tid":78,"name":"t\u0007\u009bname"}' \
	'{"ev":"enter","ts":3,"pid":77,"tid":78,"seq":1,"depth":0,"fn":"f\u001b]0;pwned\u0007n"}' \
	'{"ev":"exit","ts":9,"pid":77,"tid":78,"seq":2,"depth":0,"fn":"f\u001b]0;pwned\u0007n","dur":6}' \
	'not json at all' > "$FIFO"
wait_for 'evil\?\[2Jprog' 5 && wait_for 't\?\?name' 2 && wait_for 'f\?\]0;pwned\?n' 2 &&
	wait_for 'bad 1' 2 && [ "$(t display-message -p -t e2e '#{pane_title}')" != pwned ] &&
	! screen | tr -d '\n' | grep -q "$(printf '\033')"
ok $? "control characters from the trace are shown as ?, never sent to the terminal"
# The FIFO removed under the monitor: made again, said in the status line,
# and events written to the new one are shown.
rm -f "$FIFO"
wait_for 'FIFO re-created' 5 && [ -p "$FIFO" ] &&
printf '%s\n' \
	'{"ev":"enter","ts":20,"pid":77,"tid":78,"seq":3,"depth":0,"fn":"after_rm"}' > "$FIFO" &&
	wait_for 'after_rm' 5
ok $? "a removed FIFO is made again and read; the status line says so"
keys q
wait_for '^PT_EXIT=0' 5

exit $E2E_FAILED
