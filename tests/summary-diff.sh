#!/bin/sh
# summary-diff.sh - the differential check of --summary: the per-function
# figures (calls, inclusive total, self, exceptions) that pipetrace-tui
# prints for a recording are computed again from the same recording by
# tests/summary_ref (jansson and a call stack of its own, nothing of the
# monitor's), on the demo, on a recursive program (demo/auto: fib) and on
# small recordings made by hand (recursion, a longjmp).
. "${top_srcdir:-.}/tests/plain-common.sh"
ref=${top_builddir:-.}/tests/summary_ref
demo=${top_builddir:-.}/demo
[ -x "$ref" ] || { echo "1..0 # SKIP $ref not built"; exit 77; }
PIPETRACE_LOSSLESS=1; export PIPETRACE_LOSSLESS
unset PIPETRACE PIPETRACE_MODE PIPETRACE_FIFO PIPETRACE_SIGNALS
TMPDIR=$dir; export TMPDIR

# differ NAME RECORDING: replays it with --summary and compares
differ() {
	LC_ALL=C "$bin" --replay "$2" --summary --quiet >"$dir/$1.sum" 2>&1
	if "$ref" "$2" "$dir/$1.sum" >"$dir/$1.ref" 2>&1; then
		ok "$1: --summary matches the independent computation ($(cat "$dir/$1.ref"))"
	else
		notok "$1: --summary differs from the independent computation"
		sed 's/^/#   /' "$dir/$1.ref" "$dir/$1.sum"
	fi
}

timeout 120 "$bin" --quiet --record "$dir/demo.jsonl" -- "$demo/pipetrace-demo" --duration 1 \
	>/dev/null 2>&1
check "demo recorded" test -s "$dir/demo.jsonl"
differ demo "$dir/demo.jsonl"

timeout 120 "$bin" --quiet --record "$dir/auto.jsonl" -- "$demo/auto" 18 >/dev/null 2>&1
check "demo/auto recorded" test -s "$dir/auto.jsonl"
differ "auto (fib 18)" "$dir/auto.jsonl"
# fib's outermost call lies inside main: its total cannot exceed main's
# (it did: every level added its inclusive time)
fib=$(grep -E '"fn":"fib"' "$dir/auto.jsonl" | grep -c '"ev":"exit"')
check "demo/auto: fib(18) made 8361 calls" test "$fib" = 8361

for c in recursion recursion_attach longjmp; do
	# the whole threads of the model cases, comments out
	grep -v '^#' "${top_srcdir:-.}/tests/data/model/$c/input" >"$dir/$c.all"
done
# recursion_attach: thread 3 attached late (not a whole recording); the
# rest is whole.  longjmp: the last part loses events on purpose.
grep -v '"tid":3,' "$dir/recursion_attach.all" >"$dir/recursion_attach.jsonl"
sed '/"seq":13,/,$d' "$dir/longjmp.all" >"$dir/longjmp.jsonl"
echo '{"ev":"exit","ts":300,"pid":9,"tid":9,"seq":13,"depth":0,"fn":"main","dur":300}' \
	>>"$dir/longjmp.jsonl"
differ "fib(4) by hand" "$dir/recursion.all"
differ "mutual recursion by hand" "$dir/recursion_attach.jsonl"
differ "longjmp by hand" "$dir/longjmp.jsonl"
finish
