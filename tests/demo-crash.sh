#!/bin/sh
# demo-crash.sh - demo/crash: a segfault is reported as an exception with
# the stack of open calls, and the program still dies by SIGSEGV.
. "${top_srcdir:-.}/tests/demo-common.sh"

# Under AddressSanitizer the library's handler must see the signal, as it
# would in a normal build.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0; export ASAN_OPTIONS
trace "$top_builddir/demo/crash"

# pipetrace-tui --plain exits as a shell would report the command: 128 + signal.
check "the program died by SIGSEGV (status $status)" [ "$status" = 139 ]
crash=$(events exception | grep -E '"type": ?"SIGSEGV"')
check "an exception of type SIGSEGV" [ -n "$crash" ]
check "the signal number is 11" [ "$(echo "$crash" | field signal)" = 11 ]
check "raised in read_limit" [ "$(echo "$crash" | field fn)" = read_limit ]
check "with the stack of open calls, outermost first" \
	sh -c 'echo "$1" | grep -qE "\"stack\": ?\[\"load_config\", ?\"apply_config\", ?\"read_limit\"\]"' - "$crash"
check "no bye: the process died" [ "$(events bye | wc -l)" = 0 ]
check "plain output shows SIGSEGV" plain_has SIGSEGV
finish
