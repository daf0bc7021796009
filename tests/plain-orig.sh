#!/bin/sh
# The original pipetrace's lines, written the way it writes them: the FIFO
# opened, one line written, the FIFO closed, for every line.  Text and JSON
# lines become calls of one synthetic process and thread, with the right
# counts, durations from "elapsed" and the exceptions; nothing is bad.
. "${top_srcdir:-.}/tests/plain-common.sh"

fifo=$dir/t.fifo
LC_ALL=C "$bin" --plain --summary --fifo "$fifo" >"$dir/out" 2>"$dir/err" &
pid=$!
pids=$pid
check "FIFO created" wait_for 10 test -p "$fifo"

# emit LINE: as the original does, a fresh open and close per line
emit() { printf '%s\n' "$1" > "$fifo"; }

emit 'ENTER: main from <module> (/srv/app.py:40)'
i=0
while [ $i -lt 100 ]; do
	emit 'ENTER: tick (fast) from main (/srv/app.py:12)'
	emit 'EXIT: tick (fast) (elapsed: 0.000100s) - Success'
	i=$((i + 1))
done
emit 'ENTER: fail from main (/srv/app.py:20)'
emit 'EXIT: fail (elapsed: 0.000250s) - Exception: ValueError: bad value: 42'
emit 'EXIT: main (elapsed: 0.500000s) - Success'

ts=2026-01-02T03:04:05.000001
emit '{"timestamp": "'$ts'", "type": "enter", "function": "jmain", "caller": {"function": "<module>", "filename": "/srv/job.py", "lineno": 3}}'
i=0
while [ $i -lt 50 ]; do
	emit '{"timestamp": "'$ts'", "type": "enter", "function": "jtick", "caller": {"function": "jmain", "filename": "/srv/job.py", "lineno": 9}}'
	emit '{"timestamp": "'$ts'", "type": "exit", "function": "jtick", "elapsed": 0.002}'
	i=$((i + 1))
done
emit '{"timestamp": "'$ts'", "type": "exception", "function": "jmain", "elapsed": 1.25, "exception": {"type": "KeyError", "message": "\u001b[2Jmissing"}}'

check "every line shown" wait_for 10 has "<- jmain 1.25 s" "$dir/out"
kill -INT "$pid"
wait "$pid"
pids=
check "one synthetic process, named" has "[-1] process python (original pipetrace format)" "$dir/out"
check "nested calls at their depth" has "[-1:1]   -> tick (fast)" "$dir/out"
check "a text exception" has "[-1:1]   x fail ValueError: bad value: 42" "$dir/out"
check "its exit with the elapsed time" has "[-1:1]   <- fail 250 us" "$dir/out"
check "a JSON exception, escaped" has "[-1:1] x jmain KeyError: \\x1b[2Jmissing" "$dir/out"
check "no raw escape character in the output" sh -c "! grep -q \"$(printf '\033')\" '$dir/out'"
check "no bad line" sh -c "! grep -q 'bad line (' '$dir/out'"
# 1 hello; text: 1 + 200 + 1 + 2 + 1; JSON: 1 + 100 + 2
check "counts: events, calls, one process, one thread, exceptions, nothing bad" \
	has "summary: 309 events, 153 calls, 1 process, 1 thread, 2 exceptions, 0 dropped, 0 bad lines" "$dir/out"
check "tick: 100 calls, 10 ms in all" grep -Eq '^tick \(fast\) +100 +10.0 ms +10.0 ms +100 us ' "$dir/out"
check "jtick: 50 calls, 100 ms in all" grep -Eq '^jtick +50 +100 ms +100 ms +2.00 ms ' "$dir/out"
check "main: 500 ms, less its callees' 10.25 ms" grep -Eq '^main +1 +500 ms +490 ms ' "$dir/out"
check "fail: one call, one exception" grep -Eq '^fail +1 +250 us .* 1$' "$dir/out"
check "jmain: 1.25 s, one exception" grep -Eq '^jmain +1 +1.25 s +1.15 s .* 1$' "$dir/out"
check "nothing unfinished or mismatched" sh -c "! grep -q -e unfinished -e mismatch '$dir/out'"

# Four such writers at once, each reopening the FIFO for every line: no
# line lost or torn, still one process (their calls share its one thread;
# with one function name the nesting stays consistent, so the count is
# exact).
LC_ALL=C "$bin" --plain --summary --fifo "$fifo" >"$dir/out2" 2>"$dir/err2" &
pid=$!
pids=$pid
check "FIFO created again" wait_for 10 test -p "$fifo"
writer() {
	i=0
	while [ $i -lt 100 ]; do
		emit "ENTER: work from writer$1 (/srv/w.py:1)"
		emit "EXIT: work (elapsed: 0.000100s) - Success"
		i=$((i + 1))
	done
}
writer 1 & w1=$!
writer 2 & w2=$!
writer 3 & w3=$!
writer 4 & w4=$!
wait $w1 $w2 $w3 $w4
# everything was taken in once the last line shows
emit 'ENTER: last from main (/srv/w.py:2)'
check "the last line shown" wait_for 10 has "-> last" "$dir/out2"
kill -INT "$pid"
wait "$pid"
pids=
check "four concurrent writers: 800 lines and the last, one process, nothing bad or mismatched" \
	has "summary: 802 events, 401 calls, 1 process, 1 thread, 0 exceptions, 0 dropped, 0 bad lines" "$dir/out2"
check "work: 400 calls" grep -Eq '^work +400 ' "$dir/out2"
check "no mismatch among them" sh -c "! grep -q mismatch '$dir/out2'"
finish
