#!/bin/sh
# demo-auto.sh - demo/auto, built with -finstrument-functions and no
# tracing code: its static functions are traced under their own names.
. "${top_srcdir:-.}/tests/demo-common.sh"

have_libdw || skip_all "built without libdw: static functions are not named"
trace "$top_builddir/demo/auto" 12

check "pipetrace-tui exits 0 like the program" [ "$status" = 0 ]
check "main is traced" [ "$(max_depth_of main)" = 0 ]
# fib(12) makes 2 * fib(13) - 1 = 465 calls.
check "static fib: 465 calls" [ "$(count_fn enter fib)" = 465 ]
check "recursion: fib 12 levels below main" [ "$(max_depth_of fib)" = 12 ]
check "static collatz_steps: 100 calls" [ "$(count_fn enter collatz_steps)" = 100 ]
check "longest_collatz named" [ "$(count_fn exit longest_collatz)" = 1 ]
check "no unnamed addresses" [ "$(events enter | grep -cE '"fn": ?"0x')" = 0 ]
check "plain output shows collatz_steps" plain_has collatz_steps
finish
