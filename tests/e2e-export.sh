#!/bin/sh
# e2e-export.sh - --export from the full screen: the files are written when
# the user quits with q, and pass tests/export_check.py.
. "${top_srcdir:-.}/tests/e2e-lib.sh"
py=$(command -v python3) || { echo "1..0 # SKIP python3 not found"; exit 77; }

cat >"$E2E_TMP/rec.jsonl" <<'END'
{"ev":"hello","ts":1000,"pid":300,"ppid":1,"v":1,"prog":"shown","lib":"x","wall":1}
{"ev":"enter","ts":1000,"pid":300,"tid":300,"seq":1,"depth":0,"fn":"outer_call"}
{"ev":"enter","ts":2000,"pid":300,"tid":300,"seq":2,"depth":1,"fn":"inner_call"}
{"ev":"exit","ts":5000,"pid":300,"tid":300,"seq":3,"depth":1,"fn":"inner_call","dur":3000}
{"ev":"exit","ts":9000,"pid":300,"tid":300,"seq":4,"depth":0,"fn":"outer_call","dur":8000}
{"ev":"enter","ts":9500,"pid":300,"tid":300,"seq":5,"depth":0,"fn":"still_open"}
END
start 120 30 "$TUI" --replay "$E2E_TMP/rec.jsonl" --export chrome:"$E2E_TMP/t.json" \
	--export collapsed:"$E2E_TMP/t.folded"
wait_for 'outer_call' 10
ok $? "the recording is on the screen"
test ! -s "$E2E_TMP/t.folded"
ok $? "collapsed stacks not written before the end"
keys q
wait_for '^PT_EXIT=0' 5
ok $? "q exits 0"
"$py" "$top_srcdir/tests/export_check.py" "$E2E_TMP/t.json" "$E2E_TMP/t.folded" >"$E2E_TMP/check" 2>&1
ok $? "the files pass the checker"
sed 's/^/# /' "$E2E_TMP/check"
grep -q "thread 300/300: 3 calls, 1 unfinished, self 8000 ns, process 'shown 300'" "$E2E_TMP/check"
ok $? "every call, the open one marked unfinished"
grep -qx 'shown 300;thread 300;outer_call;inner_call 3000' "$E2E_TMP/t.folded"
ok $? "collapsed stacks with self times"

echo "1..$E2E_N"
exit $E2E_FAILED
