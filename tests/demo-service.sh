#!/bin/sh
# demo-service.sh - pipetrace-demo for a few seconds: named threads in two
# processes (fork), exceptions of several types, deep recursion, the
# -finstrument-functions part by name, clean shutdown of every process.
. "${top_srcdir:-.}/tests/demo-common.sh"

trace "$top_builddir/demo/pipetrace-demo" --duration 3 --rate 300

check "pipetrace-tui exits 0 like the demo" [ "$status" = 0 ]
check "two processes (the batch child was forked)" [ "$(distinct_pids)" = 2 ]
for name in dispatcher worker-1 worker-2 worker-3 worker-4 batch; do
	check "thread named $name" has thread name "$name"
done
check "requests handled" ge "$(count_fn exit handle_request)" 100
types=$(events exception | field type | sort -u)
check "exceptions of 3 or more types ($(echo $types))" ge "$(echo "$types" | grep -c .)" 3
# handle_request 0, op_calc 1, expr_evaluate 2, parse_expr 3, parse_term 4,
# parse_factor 5, parse_expr 6 ...: depth 9 is a third nested parse_expr.
check "recursive parser reached depth 9 or more" ge "$(max_depth_of parse_expr)" 9
check "the batch child ran" ge "$(count_fn exit run_batch)" 2
if have_libdw; then
	check "-finstrument-functions part: checksum_tree by name" ge "$(count_fn enter checksum_tree)" 1
	check "-finstrument-functions part: static hash_key by name" ge "$(count_fn enter hash_key)" 1
else
	ok "# SKIP built without libdw: static names"
fi
check "both processes said bye" [ "$(events bye | field pid | sort -u | wc -l)" = 2 ]
check "plain output shows a worker" plain_has worker-3
check "plain output shows the parser" plain_has parse_factor

demo=$top_builddir/demo/pipetrace-demo
check "--help describes --rate and --duration" sh -c '"$1" --help | grep -q -- --duration && "$1" --help | grep -q -- --rate' - "$demo"
check "a bad --rate is refused with status 2" sh -c '"$1" --rate fast 2>/dev/null; [ $? = 2 ]' - "$demo"
check "a bad --duration is refused with status 2" sh -c '"$1" --duration -1 2>/dev/null; [ $? = 2 ]' - "$demo"
finish
