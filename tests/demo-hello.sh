#!/bin/sh
# demo-hello.sh - demo/hello under pipetrace-tui --plain: three PT_TRACE'd
# functions nest as written, each exit carries a duration, the process says
# hello and bye.
. "${top_srcdir:-.}/tests/demo-common.sh"

trace "$top_builddir/demo/hello" tester

check "pipetrace-tui exits 0 like the program" [ "$status" = 0 ]
check "one process said hello" [ "$(distinct_pids)" = 1 ]
check "greet entered at depth 0" [ "$(max_depth_of greet)" = 0 ]
check "sum_of_squares entered at depth 1" [ "$(max_depth_of sum_of_squares)" = 1 ]
check "square entered at depth 2" [ "$(max_depth_of square)" = 2 ]
check "square called 10 times" [ "$(count_fn enter square)" = 10 ]
check "every enter has its exit" [ "$(events enter | wc -l)" = "$(events exit | wc -l)" ]
check "exits carry a duration" [ "$(events exit | field dur | grep -c '^[0-9][0-9]*$')" = 12 ]
check "the process said bye" [ "$(events bye | wc -l)" = 1 ]
check "plain output shows the calls" plain_has sum_of_squares
finish
