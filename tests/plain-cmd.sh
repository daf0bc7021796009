#!/bin/sh
# Plain mode tracing a command (-- CMD): events through the private FIFO,
# the command's own output kept off the terminal, its exit status passed on.
. "${top_srcdir:-.}/tests/plain-common.sh"

LC_ALL=C.UTF-8 "$bin" --plain -- sh -c '
	printf "%s\n" "{\"ev\":\"hello\",\"ts\":1,\"pid\":$$,\"v\":1,\"prog\":\"sh\"}" \
		"{\"ev\":\"enter\",\"ts\":2,\"pid\":$$,\"tid\":$$,\"seq\":1,\"depth\":0,\"fn\":\"main\"}" \
		"{\"ev\":\"exit\",\"ts\":3,\"pid\":$$,\"tid\":$$,\"seq\":2,\"depth\":0,\"fn\":\"main\",\"dur\":850}" \
		> "$PIPETRACE_FIFO"
	echo "$((6 * 7)) from the command"
	exit 7' >"$dir/out" 2>"$dir/err"
rc=$?
check "exit status is the command's" test "$rc" = 7
check "enter printed (UTF-8 arrow)" grep -q "→ main" "$dir/out"
check "exit printed" grep -q "← main 850 ns" "$dir/out"
check "end note" grep -q "exited with status 7" "$dir/out"
check "command output not on our stdout" sh -c "! grep -q 'output of the command' '$dir/out'"
log=$(sed -n 's/^pipetrace-tui: the output of the traced command is in //p' "$dir/err")
check "log path reported" test -n "$log"
check "command output in the log" has "42 from the command" "$log"
[ -n "$log" ] && rm -rf "$(dirname "$log")"

# a command that cannot run
"$bin" --plain -- /nonexistent/cmd >/dev/null 2>"$dir/err"
rc=$?
check "missing command: status 1" test "$rc" = 1
check "missing command explained" has "cannot run /nonexistent/cmd" "$dir/err"

# killed by a signal: 128 + signal, like a shell
"$bin" --plain --quiet -- sh -c 'kill -TERM $$' >/dev/null 2>&1
rc=$?
check "command killed by SIGTERM: status 143" test "$rc" = 143
finish
