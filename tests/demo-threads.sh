#!/bin/sh
# demo-threads.sh - demo/threads: named threads in a parent and a forked
# child, in one trace; in the default async mode and in sync mode.
. "${top_srcdir:-.}/tests/demo-common.sh"

for mode in async sync; do
	PIPETRACE_MODE=$mode
	export PIPETRACE_MODE
	trace "$top_builddir/demo/threads"

	check "$mode: pipetrace-tui exits 0 like the program" [ "$status" = 0 ]
	check "$mode: two processes said hello" [ "$(distinct_pids)" = 2 ]
	pids=$(events hello | field pid | sort -u)
	ppids=$(events hello | field ppid)
	check "$mode: the child's hello names the other process as its parent" \
		sh -c 'for p in $1; do echo "$2" | grep -qx "$p" && exit 0; done; exit 1' - "$pids" "$ppids"
	for name in parent-main parent-worker-1 parent-worker-2 parent-worker-3 \
			child-main child-worker-1 child-worker-2; do
		check "$mode: thread named $name" has thread name "$name"
	done
	check "$mode: 7 threads in all" [ "$(events thread | field tid | sort -u | wc -l)" = 7 ]
	check "$mode: 5 worker threads ran step" \
		[ "$(events enter | grep -E '"fn": ?"step"' | field tid | sort -u | wc -l)" = 5 ]
	check "$mode: 25 calls of step" [ "$(count_fn exit step)" = 25 ]
	check "$mode: both processes said bye" [ "$(events bye | field pid | sort -u | wc -l)" = 2 ]
	check "$mode: plain output names a thread" plain_has child-worker-2
done
finish
