#!/bin/sh
# --record then --replay (with --summary and --quiet), and the command line:
# --help, --version, bad options and conflicting sources.
. "${top_srcdir:-.}/tests/plain-common.sh"

fifo=$dir/r.fifo
"$bin" --plain --quiet --fifo "$fifo" --record "$dir/rec.jsonl" >"$dir/out" 2>&1 &
pid=$!
pids=$pid
check "FIFO created" wait_for 10 test -p "$fifo"
{
	for i in 1 2 3; do
		printf '{"ev":"enter","ts":%d,"pid":9,"tid":9,"seq":%d,"depth":0,"fn":"work"}\n' "$((i * 10))" "$((i * 2 - 1))"
		echo 'noise'
		printf '{"ev":"exit","ts":%d,"pid":9,"tid":9,"seq":%d,"depth":0,"fn":"work","dur":%d000}\n' "$((i * 10 + 5))" "$((i * 2))" "$i"
	done
	echo '{"ev":"bye","ts":99,"pid":9}'
} > "$fifo"
check "recording written" wait_for 10 sh -c "test \$(wc -l < '$dir/rec.jsonl') -eq 7"
kill -TERM "$pid"
wait "$pid"
pids=
check "FIFO removed after SIGTERM" test ! -e "$fifo"
check "only valid lines recorded" sh -c "! grep -q noise '$dir/rec.jsonl'"

"$bin" --replay "$dir/rec.jsonl" --summary --quiet >"$dir/sum" 2>&1
rc=$?
check "replay ends by itself with status 0" test "$rc" = 0
check "replay summary counts" has "summary: 7 events, 3 calls" "$dir/sum"
check "replay summary row" grep -Eq '^work +3 +6.00 us +2.00 us' "$dir/sum"
"$bin" --replay "$dir/rec.jsonl" --summary --max-calls 2 >"$dir/sum2" 2>&1
check "--max-calls reaches the model: 1 call retired" has "(2 individual calls kept, 1 older ones retired" "$dir/sum2"
check "--max-calls: retired calls still counted" grep -Eq '^work +3 +6.00 us' "$dir/sum2"
"$bin" --replay "$dir/rec.jsonl" | cat >"$dir/plain"
check "plain chosen when stdout is not a terminal" grep -q -- "work" "$dir/plain"

# a recording that cannot be written: said once, the trace goes on
if [ -w /dev/full ]; then
	printf '%s\n' '{"ev":"bye","ts":1,"pid":3}' >"$dir/one.jsonl"
	mkfifo "$dir/full.fifo"
	"$bin" --plain --fifo "$dir/full.fifo" --record /dev/full >"$dir/fullout" 2>&1 &
	pid=$!
	pids=$pid
	wait_for 10 test -p "$dir/full.fifo"
	cat "$dir/one.jsonl" > "$dir/full.fifo"
	check "write error on --record reported" wait_for 10 has "! recording stopped: No space left on device" "$dir/fullout"
	check "events still shown after the record error" has "[3] process exited" "$dir/fullout"
	kill -INT "$pid"; wait "$pid"; pids=
fi
"$bin" --replay "$dir/missing.jsonl" >/dev/null 2>"$dir/err"
check "missing recording: status 1" test $? = 1
check "missing recording explained" has "cannot open" "$dir/err"
"$bin" --help >"$dir/help"
check "--help: status 0" test $? = 0
check "--help: usage" has "Usage: pipetrace-tui" "$dir/help"
check "--help: lists --record" has "--record FILE" "$dir/help"
"$bin" --version >"$dir/ver"
check "--version" grep -q "^pipetrace-tui [0-9]" "$dir/ver"
"$bin" --bogus >/dev/null 2>"$dir/err"
check "unknown option: status 2" test $? = 2
"$bin" --replay x --fifo y >/dev/null 2>"$dir/err"
check "two sources refused: status 2" test $? = 2
"$bin" --max-calls lots --replay "$dir/rec.jsonl" >/dev/null 2>"$dir/err"
check "bad --max-calls: status 2" test $? = 2
finish
