#!/bin/sh
# demo-threads.sh - demo/threads: named threads in a parent and a forked
# child, in one trace.
. "${top_srcdir:-.}/tests/demo-common.sh"

trace "$top_builddir/demo/threads"

check "pipetrace-tui exits 0 like the program" [ "$status" = 0 ]
check "two processes said hello" [ "$(distinct_pids)" = 2 ]
pids=$(events hello | field pid | sort -u)
ppids=$(events hello | field ppid)
check "the child's hello names the other process as its parent" \
	sh -c 'for p in $1; do echo "$2" | grep -qx "$p" && exit 0; done; exit 1' - "$pids" "$ppids"
for name in parent-main parent-worker-1 parent-worker-2 parent-worker-3 \
		child-main child-worker-1 child-worker-2; do
	check "thread named $name" has thread name "$name"
done
check "7 threads in all" [ "$(events thread | field tid | sort -u | wc -l)" = 7 ]
check "5 worker threads ran step" [ "$(events enter | grep -E '"fn": ?"step"' | field tid | sort -u | wc -l)" = 5 ]
check "25 calls of step" [ "$(count_fn exit step)" = 25 ]
check "both processes said bye" [ "$(events bye | field pid | sort -u | wc -l)" = 2 ]
check "plain output names a thread" plain_has child-worker-2
finish
