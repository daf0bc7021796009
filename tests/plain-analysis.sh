#!/bin/sh
# plain-analysis.sh - what the model makes of a trace, as plain mode prints
# it (--replay): calls whose callers were never seen (a monitor started
# late) under a "(callers not seen)" line, calls left by a longjmp said
# abandoned before the exit that revealed them, and a correct trace far
# deeper than 65,536 calls read whole (none ignored).
. "${top_srcdir:-.}/tests/plain-common.sh"
data=${top_srcdir:-.}/tests/data/model

grep -v '^#' "$data/late_attach/input" >"$dir/late.jsonl"
LC_ALL=C.UTF-8 "$bin" --replay "$dir/late.jsonl" --summary >"$dir/late.out" 2>&1
check "late attach: the node is said once per thread" \
	test "$(grep -c '^\[7:7\] (callers not seen)$' "$dir/late.out")" = 1
check "late attach: before the thread's first event" \
	sh -c "grep -A1 '^\[7:7\] (callers not seen)' '$dir/late.out' | grep -q 'parse'"
check "late attach: thread 8 has its own" grep -q '^\[7:8\] (callers not seen)$' "$dir/late.out"
check "late attach: main is a call like any other in the summary" grep -Eq '^main +1 +200 ns +100 ns' "$dir/late.out"
check "late attach: the node is no function" sh -c "! grep -q '^(callers not seen) ' '$dir/late.out'"

grep -v '^#' "$data/longjmp/input" >"$dir/jmp.jsonl"
LC_ALL=C.UTF-8 "$bin" --replay "$dir/jmp.jsonl" --summary >"$dir/jmp.out" 2>&1
check "longjmp: the abandoned calls are named, with where the unwind went" \
	has "[9:9]     ↯ longjmp: 3 calls abandoned (expr › term › fail), back in parse" "$dir/jmp.out"
check "longjmp: said before the exit that revealed it" \
	sh -c "grep -A1 'longjmp: 3 calls' '$dir/jmp.out' | grep -q '← parse 80 ns'"
check "longjmp: one unwind only (a lost exit is not one)" test "$(grep -c '↯ longjmp:' "$dir/jmp.out")" = 1
check "longjmp: the summary says what was left out" \
	has "(3 calls abandoned by 1 longjmp: their durations unknown, not in the figures)" "$dir/jmp.out"
check "longjmp: abandoned calls are not counted as calls" grep -Eq '^fail +0 +- +- ' "$dir/jmp.out"
LC_ALL=C "$bin" --replay "$dir/jmp.jsonl" >"$dir/jmp.ascii" 2>&1
check "longjmp: ASCII without UTF-8" has "^ longjmp: 3 calls abandoned (expr > term > fail), back in parse" "$dir/jmp.ascii"

# 100,000 calls open at once on one thread, then all returning
awk 'BEGIN {
	n = 100000; s = 0
	for (d = 0; d < n; d++)
		printf "{\"ev\":\"enter\",\"ts\":%d,\"pid\":5,\"tid\":5,\"seq\":%d,\"depth\":%d,\"fn\":\"%s\"}\n", d, ++s, d, (d % 2 ? "eval" : "apply")
	for (d = n - 1; d >= 0; d--)
		printf "{\"ev\":\"exit\",\"ts\":%d,\"pid\":5,\"tid\":5,\"seq\":%d,\"depth\":%d,\"fn\":\"%s\",\"dur\":%d}\n", 2 * n - d, ++s, d, (d % 2 ? "eval" : "apply"), 2 * (n - d) - 1
}' >"$dir/deep.jsonl"
LC_ALL=C "$bin" --replay "$dir/deep.jsonl" --summary --quiet >"$dir/deep.out" 2>&1
check "deep: every call counted" has "summary: 200000 events, 100000 calls" "$dir/deep.out"
check "deep: nothing ignored" sh -c "! grep -q 'ignored' '$dir/deep.out'"
check "deep: apply returned 50000 times, its outermost call 200 us" grep -Eq '^apply +50000 +200 us' "$dir/deep.out"

# A clock that moves in 10 ns steps (the hello's clock_step): a call that
# read 0 ns lasted under one step, and says so, in the events and in the
# summary's avg, p99 and max; sums (total, self) stay as read.  A process
# that said no step keeps its figures.
cat >"$dir/step.jsonl" <<'EOF'
{"ev":"hello","ts":1,"pid":3,"v":1,"prog":"vm","clock_step":10}
{"ev":"enter","ts":2,"pid":3,"tid":3,"seq":1,"depth":0,"fn":"tiny"}
{"ev":"exit","ts":2,"pid":3,"tid":3,"seq":2,"depth":0,"fn":"tiny","dur":0}
{"ev":"enter","ts":3,"pid":3,"tid":3,"seq":3,"depth":0,"fn":"tiny"}
{"ev":"exit","ts":13,"pid":3,"tid":3,"seq":4,"depth":0,"fn":"tiny","dur":10}
{"ev":"hello","ts":1,"pid":4,"v":1,"prog":"metal"}
{"ev":"enter","ts":2,"pid":4,"tid":4,"seq":1,"depth":0,"fn":"other"}
{"ev":"exit","ts":5,"pid":4,"tid":4,"seq":2,"depth":0,"fn":"other","dur":3}
{"ev":"hello","ts":1,"pid":5,"v":1,"prog":"bad","clock_step":-10}
EOF
LC_ALL=C.UTF-8 "$bin" --replay "$dir/step.jsonl" --summary >"$dir/step.out" 2>&1
check "clock step: a 0 ns call reads under one step" grep -q '^\[3:3\] ← tiny <10 ns$' "$dir/step.out"
check "clock step: a call of one step reads as it is" grep -q '^\[3:3\] ← tiny 10 ns$' "$dir/step.out"
check "clock step: no step said, the figure as it is" grep -q '^\[4:4\] ← other 3 ns$' "$dir/step.out"
check "clock step: the summary says the step" has "(clock step 10 ns: the traced clock (the coarsest of the processes') cannot tell" "$dir/step.out"
check "clock step: the avg below it, total, p99 and max as read" grep -Eq '^tiny +2 +10 ns +10 ns +<10 ns +10 ns +10 ns ' "$dir/step.out"
check "clock step: the table takes the coarsest step of its processes" grep -Eq '^other +1 +3 ns +3 ns +<10 ns +<10 ns +<10 ns ' "$dir/step.out"
check "clock step: a bad one refuses the hello, said why" grep -q 'key "clock_step": -10 is out of range' "$dir/step.out"
finish
