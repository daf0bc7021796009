#!/bin/sh
# What pipetrace-tui prints about its own command line, paths and
# environment is escaped like everything from the trace (a terminal must
# not get a raw ESC or BEL from an argument or a path); a command that
# cannot run exits 127 (not found) or 126 (not executable), as env(1) and
# timeout(1) do; a recording with no valid event fails and says why; a
# command from which no event arrives gets the likely causes.
. "${top_srcdir:-.}/tests/plain-common.sh"

ESC=$(printf '\033')
BEL=$(printf '\007')
# raw C0 controls other than newline and tab, or DEL
raw() { [ "$(LC_ALL=C tr -d '\n\t\040-\176\200-\377' <"$1" | wc -c)" != 0 ]; }
clean() { ! raw "$1"; }

LC_ALL=C.UTF-8 "$bin" --plain -- /bin/true "${ESC}]0;pwned${BEL}" >"$dir/out" 2>"$dir/err"
check "-- CMD with an ESC argument: status 0" test $? = 0
check "the argument is shown escaped" has '(/bin/true \x1b]0;pwned\x07)' "$dir/out"
check "no raw control character on stdout" clean "$dir/out"
check "no raw control character on stderr" clean "$dir/err"
LC_ALL=C.UTF-8 "$bin" --plain --summary -- /bin/true "${ESC}[2J" >"$dir/out" 2>"$dir/err"
check "--summary: no raw control character" clean "$dir/out"

"$bin" --plain -- "/nonexistent/${ESC}[2Jcmd" >"$dir/out" 2>"$dir/err"
rc=$?
check "a command that is not found: status 127 (got $rc)" test "$rc" = 127
check "said so, escaped" has 'cannot run /nonexistent/\x1b[2Jcmd' "$dir/err"
check "no raw control character in the error" clean "$dir/err"
"$bin" --plain -- nosuchcmd-pipetrace-test >/dev/null 2>&1
check "a command not in PATH: status 127" test $? = 127
printf 'not a program\n' >"$dir/notexec"
chmod 644 "$dir/notexec"
"$bin" --plain -- "$dir/notexec" >/dev/null 2>"$dir/err"
rc=$?
check "a file that is not executable: status 126 (got $rc)" test "$rc" = 126
check "said why" has 'Permission denied' "$dir/err"
"$bin" --plain -- "$dir" >/dev/null 2>&1
check "a directory: status 126" test $? = 126

"$bin" "--bogus${ESC}[31m" >/dev/null 2>"$dir/err"
check "an unknown option: status 2" test $? = 2
check "an unknown option is named, escaped" has "option '--bogus\\x1b[31m' is not known" "$dir/err"
check "no raw control character in the usage error" clean "$dir/err"
"$bin" --max-calls "x${ESC}" >/dev/null 2>"$dir/err"
check "a bad --max-calls value is shown escaped" has "not 'x\\x1b'" "$dir/err"
"$bin" --plain --fifo >/dev/null 2>"$dir/err"
check "a missing argument is named" has "option '--fifo' wants an argument" "$dir/err"

# a FIFO path (from --fifo or $PIPETRACE_FIFO) with control characters
fifo="$dir/a${ESC}]0;x${BEL}.fifo"
PIPETRACE_FIFO=$fifo "$bin" --plain >"$dir/out" 2>"$dir/err" &
pid=$!
pids=$pid
check "listening on a FIFO with an ESC in its name" wait_for 10 test -p "$fifo"
check "the listening note shows the path escaped" wait_for 5 has 'a\x1b]0;x\x07.fifo' "$dir/err"
kill -INT "$pid"
wait "$pid"
pids=
check "no raw control character on stderr" clean "$dir/err"
# (The $XDG_RUNTIME_DIR warning quotes its value through the same escaping;
# it is not run here: its fallback is the user's shared default FIFO, which
# a test must not take over.)

# --replay of a file with no valid event: an error that says why
: >"$dir/empty.jsonl"
"$bin" --plain --replay "$dir/empty.jsonl" >"$dir/out" 2>"$dir/err"
rc=$?
check "an empty recording: status 1 (got $rc)" test "$rc" = 1
check "an empty recording: said so" has 'holds no event line: it is empty' "$dir/err"
printf '%s\n' 'garbage' '{"ev":"enter"}' >"$dir/bad.jsonl"
"$bin" --plain --replay "$dir/bad.jsonl" >"$dir/out" 2>"$dir/err"
rc=$?
check "a recording with no valid line: status 1 (got $rc)" test "$rc" = 1
check "a recording with no valid line: counts and the last reason" \
	grep -q 'bad.jsonl holds no valid event: 2 lines, 2 bad (last: line 2: ' "$dir/err"
printf '%s\n' '{"ev":"hello","ts":1,"pid":5,"v":1,"prog":"p"}' 'garbage' >"$dir/one.jsonl"
"$bin" --plain --replay "$dir/one.jsonl" >"$dir/out" 2>"$dir/err"
check "a recording with one valid event: status 0" test $? = 0
check "a recording with one valid event: no such error" sh -c "! grep -q 'holds no' '$dir/err'"

# -- CMD that ran and sent nothing: the likely causes and how to check
"$bin" --plain -- /bin/true >"$dir/out" 2>"$dir/err"
check "no event from the command: said so" has '! no event arrived from /bin/true.' "$dir/out"
check "no event from the command: how to check the link" has 'ldd "$(command -v /bin/true)" | grep pipetrace' "$dir/out"
check "no event from the command: link order named" has 'put it after them' "$dir/out"
PIPETRACE=0 "$bin" --plain -- /bin/true >"$dir/out" 2>"$dir/err"
check "PIPETRACE=0 in the environment: named as the cause" has 'PIPETRACE=0 is set in the environment' "$dir/out"
"$bin" --plain -- sh -c 'printf "%s\n" "{\"ev\":\"hello\",\"ts\":1,\"pid\":$$,\"v\":1,\"prog\":\"sh\"}" >"$PIPETRACE_FIFO"' \
	>"$dir/out" 2>"$dir/err"
check "a command that sent an event: no such note" sh -c "! grep -q 'no event arrived' '$dir/out'"
"$bin" --plain -- sh -c 'echo garbage >"$PIPETRACE_FIFO"' >"$dir/out" 2>"$dir/err"
check "a command that sent only bad lines: said so, with the reason" \
	grep -q "^! no valid event arrived from sh -c .*: 1 line, 1 bad (last: line 1: " "$dir/out"
check "a command that sent only bad lines: no guessing at causes" sh -c "! grep -q 'Likely causes' '$dir/out'"
finish
