#!/bin/sh
# The listening FIFO removed or replaced by someone else while the monitor
# runs: a removed FIFO is made again (0600) so that new writers reach the
# monitor, writers still connected to the old one keep being read, and
# whatever else is put at the path (a file, a symlink) is reported and left
# alone.  A FIFO made again is removed at the end like the first.
. "${top_srcdir:-.}/tests/plain-common.sh"

if ! command -v timeout >/dev/null 2>&1; then
	echo "1..0 # SKIP timeout(1) not found"
	exit 77
fi
fifo=$dir/t.fifo
hello() { # hello PID: a hello line from a made-up process
	printf '{"ev":"hello","ts":1,"pid":%s,"v":1,"prog":"w%s"}\n' "$1" "$1"
}
# write PID: one hello into whatever FIFO is at the path now (bounded: a
# FIFO nobody reads would block the open)
write() { hello "$1" | timeout 10 sh -c 'cat > "$0"' "$fifo"; }
# A writer that connects now and writes PID's hello once $dir/go.PID exists
late_writer() {
	( exec 3>"$fifo"
	  : >"$dir/ready.$1"
	  i=0
	  while [ ! -e "$dir/go.$1" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	  hello "$1" >&3 ) &
	pids="$pids $!"
	wait_for 10 test -e "$dir/ready.$1"
}
inode() { stat -c %i "$fifo" 2>/dev/null; }

LC_ALL=C "$bin" --plain --fifo "$fifo" >"$dir/out" 2>"$dir/err" &
pid=$!
pids=$pid
check "FIFO created" wait_for 10 test -p "$fifo"
first=$(inode)
check "a writer connects to the first FIFO" late_writer 501

rm "$fifo"
check "removed FIFO made again" wait_for 10 test -p "$fifo"
check "it is a new node" test "$(inode)" != "$first"
check "made again private (0600)" test "$(stat -c %a "$fifo")" = 600
check "note says it was made again" wait_for 10 has "! FIFO $fifo was removed: created it again" "$dir/out"
write 502
check "a new writer reaches the monitor" wait_for 10 has "[502] process w502" "$dir/out"
: >"$dir/go.501"
check "the writer connected before is still read" wait_for 10 has "[501] process w501" "$dir/out"

# Something that is not our FIFO put in its place: reported, left alone,
# and the writers already connected are still read.
check "a writer connects to the second FIFO" late_writer 503
# (put in place by rename: no moment without anything at the path, when the
# monitor could make its FIFO again first)
echo data >"$dir/file.new"
mv -f "$dir/file.new" "$fifo"
check "a file at the path is reported" wait_for 10 has "$fifo exists and is not a FIFO: refusing it" "$dir/out"
: >"$dir/go.503"
check "writer connected before the file came is still read" wait_for 10 has "[503] process w503" "$dir/out"
check "the file is left alone" test "$(cat "$fifo")" = data
ln -s "$dir/elsewhere" "$dir/link.new"
mv -f "$dir/link.new" "$fifo"
check "a symlink at the path is reported" wait_for 10 has "$fifo is a symbolic link: refusing it" "$dir/out"
check "the symlink is not followed" test ! -e "$dir/elsewhere"
check "the symlink is left alone" test -L "$fifo"
check "the file was reported once, not every second" test "$(grep -c 'is not a FIFO' "$dir/out")" = 1

# The path free again: made again
rm "$fifo"
check "FIFO made again after the symlink went" wait_for 10 test -p "$fifo"
write 504
check "read after being made again" wait_for 10 has "[504] process w504" "$dir/out"

# Another FIFO of ours that nobody reads: listened on, and not removed at
# the end (we did not make it)
mkfifo -m 600 "$dir/other.fifo"
mv -f "$dir/other.fifo" "$fifo"
check "a FIFO put in its place is taken over" wait_for 10 has "! FIFO $fifo was replaced by another FIFO: listening on that one" "$dir/out"
write 505
check "read through the FIFO taken over" wait_for 10 has "[505] process w505" "$dir/out"
# ... and removed once more: made again, and that one is removed at the end
rm "$fifo"
check "made again a third time" wait_for 10 test -p "$fifo"
check "noted" wait_for 10 test "$(grep -c 'was removed: created it again' "$dir/out")" = 3
write 506
check "read after the third time" wait_for 10 has "[506] process w506" "$dir/out"

kill -INT "$pid"
wait "$pid"
rc=$?
pids=
check "exit status 0 after Ctrl-C" test "$rc" = 0
check "the FIFO made again is removed at the end" test ! -e "$fifo"
check "nothing on stderr but the listening line" test "$(grep -vc '^pipetrace-tui: listening on' "$dir/err")" = 0

# The same FIFO taken over and left in place at the end: not ours to remove
LC_ALL=C "$bin" --plain --fifo "$fifo" >"$dir/out2" 2>&1 &
pid=$!
pids=$pid
check "second run: FIFO created" wait_for 10 test -p "$fifo"
mkfifo -m 600 "$dir/other.fifo"
mv -f "$dir/other.fifo" "$fifo"
check "second run: taken over" wait_for 10 has "replaced by another FIFO" "$dir/out2"
kill -TERM "$pid"
wait "$pid"
pids=
check "a FIFO taken over is not removed at the end" test -p "$fifo"
finish
