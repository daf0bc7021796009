#!/bin/sh
# Plain mode end to end through a real FIFO: two scripted writers come and
# go, with bad lines and control characters among the events; Ctrl-C
# (SIGINT) prints the summary and removes the FIFO it created.
. "${top_srcdir:-.}/tests/plain-common.sh"

fifo=$dir/t.fifo
LC_ALL=C "$bin" --plain --summary --fifo "$fifo" >"$dir/out" 2>"$dir/err" &
pid=$!
pids=$pid
check "FIFO created" wait_for 10 test -p "$fifo"
check "FIFO is private (0600)" test "$(stat -c %a "$fifo")" = 600
"$bin" --plain --fifo "$fifo" >/dev/null 2>"$dir/err1"
check "a second reader on the same FIFO is refused" has "another reader is already listening" "$dir/err1"
check "the refused reader left the FIFO in place" test -p "$fifo"

printf '%s\n' \
 '{"ev":"hello","ts":1000,"pid":4242,"v":1,"ppid":1,"prog":"demo\u001b[2J","wall":1,"lib":"pipetrace 0.1"}' \
 '{"ev":"thread","ts":1001,"pid":4242,"tid":4243,"name":"worker-1"}' \
 '{"ev":"enter","ts":1002,"pid":4242,"tid":4243,"seq":1,"depth":0,"fn":"handle_request"}' \
 '{"ev":"enter","ts":1003,"pid":4242,"tid":4243,"seq":2,"depth":1,"fn":"db_query"}' \
 '{"ev":"exception","ts":1004,"pid":4242,"tid":4243,"seq":3,"depth":1,"fn":"db_query","type":"TimeoutError","msg":"no answer in 200 ms"}' \
 '{"ev":"exit","ts":1005,"pid":4242,"tid":4243,"seq":4,"depth":1,"fn":"db_query","dur":2000}' \
 > "$fifo"
# a second writer, after the first closed: no EOF in between
printf '%s\n' \
 'this is not json' \
 '{"ev":"exit","ts":1006,"pid":4242,"tid":4243,"seq":5,"depth":0,"fn":"handle_request","dur":1230000}' \
 '{"ev":"drop","ts":1007,"pid":4242,"tid":4243,"count":1200}' \
 '{"ev":"enter","ts":1008,"pid":4242,"tid":4244,"seq":1,"depth":0,"fn":"other"}' \
 '{"ev":"bye","ts":1009,"pid":4242,"status":0}' \
 > "$fifo"
check "all events printed" wait_for 10 has "process exited (status 0)" "$dir/out"
kill -INT "$pid"
wait "$pid"
rc=$?
pids=
check "exit status 0 after Ctrl-C" test "$rc" = 0
check "FIFO removed" test ! -e "$fifo"
check "process note" has "[4242] process demo\\x1b[2J (parent 1, pipetrace 0.1)" "$dir/out"
check "thread note" has "[4242:4243] thread named worker-1" "$dir/out"
check "enter at depth 0" has "[4242:4243] -> handle_request" "$dir/out"
check "enter at depth 1 indented" has "[4242:4243]   -> db_query" "$dir/out"
check "exception" has "[4242:4243]   x db_query TimeoutError: no answer in 200 ms" "$dir/out"
check "exit with duration" has "[4242:4243] <- handle_request 1.23 ms" "$dir/out"
check "drop note" has "1200 events dropped" "$dir/out"
check "new thread note" has "[4242:4244] new thread" "$dir/out"
check "bad line note with reason" has "! 1 bad line (1 in all), last: line 7:" "$dir/out"
check "no raw escape character in the output" sh -c "! grep -q \"$(printf '\033')\" '$dir/out'"
check "summary header" has "summary: 10 events" "$dir/out"
check "summary row" grep -Eq '^handle_request +1 +1.23 ms' "$dir/out"

# refuses a path that is not a FIFO, and leaves it alone
echo data > "$dir/file"
"$bin" --plain --fifo "$dir/file" >/dev/null 2>"$dir/err2"
rc=$?
check "regular file refused (status 1)" test "$rc" = 1
check "refusal explained" has "is not a FIFO" "$dir/err2"
check "regular file untouched" has data "$dir/file"
ln -s "$dir/file" "$dir/link"
"$bin" --plain --fifo "$dir/link" >/dev/null 2>"$dir/err3"
check "symlink refused" has "symbolic link" "$dir/err3"
# the default path: $PIPETRACE_FIFO, else $XDG_RUNTIME_DIR/pipetrace.fifo
mkdir -m 700 "$dir/xdg"
env -u PIPETRACE_FIFO XDG_RUNTIME_DIR="$dir/xdg" "$bin" --plain >"$dir/out4" 2>"$dir/err4" &
pid=$!
pids=$pid
check "default FIFO under XDG_RUNTIME_DIR" wait_for 10 test -p "$dir/xdg/pipetrace.fifo"
check "listening path announced" has "listening on $dir/xdg/pipetrace.fifo" "$dir/err4"
kill -INT "$pid"; wait "$pid"; pids=
check "default FIFO removed" test ! -e "$dir/xdg/pipetrace.fifo"
PIPETRACE_FIFO="$dir/env.fifo" XDG_RUNTIME_DIR="$dir/xdg" "$bin" --plain >/dev/null 2>&1 &
pid=$!
pids=$pid
check "PIPETRACE_FIFO wins" wait_for 10 test -p "$dir/env.fifo"
kill -TERM "$pid"; wait "$pid"; pids=
check "PIPETRACE_FIFO's FIFO removed" test ! -e "$dir/env.fifo"
# an XDG_RUNTIME_DIR that others may write to is not used: the private
# /tmp/pipetrace-$UID instead, with a warning (the monitor may be refused
# there if one is already listening: the warning is in the error then)
mkdir "$dir/xdg-open"
chmod 777 "$dir/xdg-open"
env -u PIPETRACE_FIFO XDG_RUNTIME_DIR="$dir/xdg-open" "$bin" --plain >/dev/null 2>"$dir/err5" &
pid=$!
pids=$pid
wait_for 10 grep -q -e "listening on" -e "another reader" "$dir/err5"
check "an XDG_RUNTIME_DIR writable by others is not used" test ! -e "$dir/xdg-open/pipetrace.fifo"
kill -INT "$pid" 2>/dev/null; wait "$pid"; pids=
check "the warning says why" has "\$XDG_RUNTIME_DIR ($dir/xdg-open) is writable by group or others (mode 0777): not using it" "$dir/err5"
check "the warning says where instead" has "the FIFO is /tmp/pipetrace-$(id -u)/pipetrace.fifo instead" "$dir/err5"
finish
