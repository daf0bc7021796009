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
check "replay summary row (calls, total, self, avg)" grep -Eq '^work +3 +6.00 us +6.00 us +2.00 us' "$dir/sum"
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

# The summary pads names by display width, not bytes: with accents,
# combining marks, wide (CJK, emoji) characters and long names cut, every
# row of the table is as wide on the screen as the header (GNU wc -L
# measures display width in the locale).
printf '%s\n' \
 '{"ev":"exit","ts":10,"pid":1,"tid":1,"seq":1,"depth":0,"fn":"plain_ascii","dur":5}' \
 '{"ev":"exit","ts":11,"pid":1,"tid":1,"seq":2,"depth":0,"fn":"naïve_café","dur":6}' \
 '{"ev":"exit","ts":12,"pid":1,"tid":1,"seq":3,"depth":0,"fn":"関数_処理","dur":7}' \
 '{"ev":"exit","ts":13,"pid":1,"tid":1,"seq":4,"depth":0,"fn":"e\u0301t\u0301e\u0301","dur":8}' \
 '{"ev":"exit","ts":14,"pid":1,"tid":1,"seq":5,"depth":0,"fn":"長い名前長い名前長い名前長い名前長い名前長い名前長い名前","dur":9}' \
 '{"ev":"exit","ts":15,"pid":1,"tid":1,"seq":6,"depth":0,"fn":"x長い名前長い名前長い名前長い名前長い名前長い名前長い名前","dur":12}' \
 '{"ev":"exit","ts":16,"pid":1,"tid":1,"seq":7,"depth":0,"fn":"esc\u001b[31mred😀","dur":10}' \
 '{"ev":"exit","ts":17,"pid":1,"tid":1,"seq":8,"depth":0,"fn":"a123456789b123456789c123456789d123456789e123","dur":11}' \
 >"$dir/wide.jsonl"
same_width() { # same_width FILE: every table row as wide as the header
	hw=
	sed -n '/^function /,$p' "$1" >"$dir/table"
	test "$(wc -l <"$dir/table")" -gt 8 || return 1
	while IFS= read -r l; do
		w=$(printf '%s\n' "$l" | LC_ALL=C.UTF-8 wc -L)
		[ -n "$hw" ] || hw=$w
		[ "$w" = "$hw" ] || { echo "width $w, not $hw: $l" >&2; return 1; }
	done <"$dir/table"
}
if [ "$(printf '\346\227\245\n' | LC_ALL=C.UTF-8 wc -L 2>/dev/null)" = 2 ]; then
	LC_ALL=C.UTF-8 "$bin" --quiet --summary --replay "$dir/wide.jsonl" >"$dir/wide.out"
	check "summary (UTF-8): rows aligned by display width" same_width "$dir/wide.out"
	check "summary (UTF-8): a wide name cut short ends in an ellipsis" \
		grep -q '^長い名前長い名前長い名前長い名前長い名… ' "$dir/wide.out"
	check "summary (UTF-8): cut before a wide character that does not fit" \
		grep -q '^x長い名前長い名前長い名前長い名前長い名…  ' "$dir/wide.out"
	check "summary (UTF-8): a name of 40+ columns cut to 40" \
		grep -q '^a123456789b123456789c123456789d12345678… ' "$dir/wide.out"
	check "summary (UTF-8): a name that fits is whole" grep -q '^naïve_café  ' "$dir/wide.out"
	LC_ALL=C "$bin" --quiet --summary --replay "$dir/wide.jsonl" >"$dir/wide.out"
	check "summary (C locale): rows aligned" same_width "$dir/wide.out"
	check "summary (C locale): cut mark" grep -q '^a123456789b123456789c123456789d12345678~ ' "$dir/wide.out"
else
	echo "# wc -L does not measure display width here: alignment not checked"
fi
finish
