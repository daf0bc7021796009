#!/bin/sh
# e2e-orig.sh - the original pipetrace's lines on the full screen: written
# as it writes them (open the FIFO, one line, close), they show as calls
# of one process, with their durations and their exceptions, nothing bad.
. "${top_srcdir:-.}/tests/e2e-lib.sh"

fifo=$E2E_TMP/orig.fifo
start 160 40 "$TUI" --fifo "$fifo"
i=0
while [ ! -p "$fifo" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done

emit() { printf '%s\n' "$1" > "$fifo"; }
emit 'ENTER: main from <module> (/srv/app.py:40)'
for i in 1 2 3 4 5; do
	emit 'ENTER: tick from main (/srv/app.py:12)'
	emit 'EXIT: tick (elapsed: 0.002000s) - Success'
done
emit 'ENTER: fail from main (/srv/app.py:20)'
emit 'EXIT: fail (elapsed: 0.000250s) - Exception: ValueError: bad value'
emit 'EXIT: main (elapsed: 0.500000s) - Success'
emit '{"timestamp": "2026-01-02T03:04:05.000001", "type": "enter", "function": "jmain", "caller": {"function": "<module>", "filename": "/srv/job.py", "lineno": 3}}'
emit '{"timestamp": "2026-01-02T03:04:06.250001", "type": "exception", "function": "jmain", "elapsed": 1.25, "exception": {"type": "KeyError", "message": "missing"}}'

wait_for '^│▾ -1 python \(original pipetrace f' 10
ok $? "one synthetic process, named"
wait_for '1 proc 1 thread' 5 && wait_for '─ bad 0 ─' 2
ok $? "status line: one process, one thread, nothing bad"
wait_for '^│ +▸ main +1 +500 ms ' 5 && wait_for '^│ +jmain +1 +1.25 s .*✗1' 3
ok $? "calls with their counts and durations from elapsed"
keys Down Down Right
wait_for '^│ +tick +5 +10.0 ms +10.0 ms +2.00 ms ' 5 && wait_for '^│ +fail +1 +250 us .*✗1' 3
ok $? "the nested calls under main"
wait_for 'Exceptions \(2\)' 5 && wait_for 'ValueError: bad value' 2 && wait_for 'KeyError: missing' 2
ok $? "both exceptions in the exceptions pane"
keys q
wait_for '^PT_EXIT=0' 5
ok $? "q exits 0"

echo "1..$E2E_N"
exit $E2E_FAILED
