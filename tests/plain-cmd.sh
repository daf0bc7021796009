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
check "command output after the trace, on stderr" has "42 from the command" "$dir/err"
check "private log removed" sh -c "! ls -d '${TMPDIR:-/tmp}'/pipetrace-run-* 2>/dev/null | while read d; do grep -l '42 from the command' \"\$d/output.log\"; done | grep -q ."

# --log FILE: the output goes there and stays
"$bin" --plain --quiet --log "$dir/cmd.log" -- sh -c 'echo "$((7 * 6)) logged"; exit 0' >"$dir/out" 2>"$dir/err"
check "--log: status 0" test $? = 0
check "--log: output in the file" has "42 logged" "$dir/cmd.log"
check "--log: not repeated on stderr" sh -c "! grep -q logged '$dir/err'"
check "--log: file is private" test "$(stat -c %a "$dir/cmd.log")" = 600
"$bin" --plain --log "$dir/x.log" --replay /dev/null >/dev/null 2>&1
check "--log without a command: status 2" test $? = 2
# --log and --record never write through a symlink (one planted in a
# shared directory would aim them at another file)
echo precious >"$dir/victim"
ln -s "$dir/victim" "$dir/log.link"
"$bin" --plain --quiet --log "$dir/log.link" -- sh -c 'echo ran >"$0.ran"' "$dir/cmd" >/dev/null 2>"$dir/err"
check "--log through a symlink: status 1" test $? = 1
check "--log through a symlink: refused, said why" has "symbolic link" "$dir/err"
check "--log through a symlink: the command did not run" test ! -e "$dir/cmd.ran"
"$bin" --plain --quiet --record "$dir/log.link" -- true >/dev/null 2>"$dir/err"
check "--record through a symlink: status 1" test $? = 1
check "--record through a symlink: refused, said why" has "symbolic link" "$dir/err"
check "the symlink's target untouched" has precious "$dir/victim"
"$bin" --plain --quiet --record "$dir/new.rec" -- true >/dev/null 2>&1
check "--record: a new recording is private" test "$(stat -c %a "$dir/new.rec")" = 600

# a command that cannot run
"$bin" --plain -- /nonexistent/cmd >/dev/null 2>"$dir/err"
rc=$?
check "missing command: status 127, as env(1) and timeout(1)" test "$rc" = 127
check "missing command explained" has "cannot run /nonexistent/cmd" "$dir/err"

# killed by a signal: 128 + signal, like a shell
"$bin" --plain --quiet -- sh -c 'kill -TERM $$' >/dev/null 2>&1
rc=$?
check "command killed by SIGTERM: status 143" test "$rc" = 143
# in plain mode the command reads our stdin
echo "from stdin" | "$bin" --plain --quiet --log "$dir/in.log" -- sh -c 'read line; echo "got: $line"' >/dev/null 2>&1
check "plain mode: the command reads our stdin" has "got: from stdin" "$dir/in.log"

# Ctrl-C (SIGINT to pipetrace-tui alone) while the command still runs:
# stops, ends the command, exits 130
"$bin" --plain -- sh -c 'echo $$ > "$0"; exec sleep 60' "$dir/child.pid" >"$dir/out" 2>&1 &
pid=$!
pids=$pid
check "long command started" wait_for 10 test -s "$dir/child.pid"
kill -INT "$pid"
wait "$pid"
rc=$?
pids=
check "stopped by SIGINT: status 130" test "$rc" = 130
check "said the command was still running" has "stopped while the command was still running" "$dir/out"
child=$(cat "$dir/child.pid")
check "the command was ended too" sh -c "! kill -0 $child 2>/dev/null"
finish
