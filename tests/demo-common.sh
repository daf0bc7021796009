# demo-common.sh - shared by the tests/demo-*.sh scripts (sourced, not run).
#
# trace PROG ARGS... runs a demo program under `pipetrace-tui --plain`,
# recording the event lines as they arrived; the checks then read both the
# plain text ($tmp/plain) and the recording ($tmp/rec, one JSON event a
# line, as the library wrote it).  Output is TAP.

: "${top_builddir:=.}" "${top_srcdir:=.}"
tui=$top_builddir/tui/pipetrace-tui
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pt-demo.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
# pipetrace-tui -- CMD keeps the command's output in a directory under
# $TMPDIR for the user to read: here, under ours, removed with it.
TMPDIR=$tmp; export TMPDIR
# Tests want every event: the traced program waits for the reader instead
# of dropping when the pipe is full.
PIPETRACE_LOSSLESS=1; export PIPETRACE_LOSSLESS
unset PIPETRACE PIPETRACE_MODE PIPETRACE_FIFO PIPETRACE_SIGNALS
ulimit -c 0 2>/dev/null   # a crashing example must not leave a core file behind

t_count=0
t_failed=0

ok() {
	t_count=$((t_count + 1))
	echo "ok $t_count - $1"
}

not_ok() {
	t_count=$((t_count + 1))
	t_failed=1
	echo "not ok $t_count - $1"
}

# check DESCRIPTION COMMAND...: one TAP line from COMMAND's exit status.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

finish() {
	echo "1..$t_count"
	if [ "$t_failed" != 0 ]; then
		echo "# plain output (first 40 lines):"
		sed -n '1,40s/^/#   /p' "$tmp/plain" 2>/dev/null
		echo "# stderr:"
		sed 's/^/#   /' "$tmp/err" 2>/dev/null
	fi
	exit "$t_failed"
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 77
}

[ -x "$tui" ] || skip_all "$tui not built"

# trace PROG ARGS...: sets $status to pipetrace-tui's exit status.
trace() {
	timeout 120 "$tui" --plain --record "$tmp/rec" -- "$@" >"$tmp/plain" 2>"$tmp/err"
	status=$?
	[ -f "$tmp/rec" ] || : >"$tmp/rec"
}

# Filters of the recording.  The library writes compact JSON; a space after
# the colon is tolerated anyway.
events() {   # events KIND: the lines of that kind
	grep -E "\"ev\": ?\"$1\"" "$tmp/rec"
}

field() {    # field KEY: that key's value on each input line (numbers, simple strings)
	sed -nE "s/.*\"$1\": ?\"?([^\",}]*)\"?[,}].*/\1/p"
}

has() {      # has KIND KEY VALUE: some KIND event has KEY equal to the string VALUE
	events "$1" | grep -qE "\"$2\": ?\"$3\""
}

count_fn() { # count_fn KIND NAME: how many KIND events name the function NAME
	events "$1" | grep -cE "\"fn\": ?\"$2\""
}

max_depth_of() {  # max_depth_of NAME: deepest "enter" of function NAME
	events enter | grep -E "\"fn\": ?\"$1\"" | field depth | sort -n | tail -1
}

distinct_pids() {  # processes that said hello
	events hello | field pid | sort -u | wc -l
}

ge() {       # ge A B: A >= B, false when A is empty
	[ -n "$1" ] && [ "$1" -ge "$2" ]
}

plain_has() {  # plain_has TEXT: the plain output shows TEXT
	grep -qF -- "$1" "$tmp/plain"
}

have_libdw() {
	grep -q '^#define HAVE_LIBDW 1' "$top_builddir/config.h" 2>/dev/null
}
