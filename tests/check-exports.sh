#!/bin/sh
# check-exports.sh - the shared libpipetrace exports the pt_* API and the two
# -finstrument-functions hooks (__cyg_profile_func_enter/exit, which
# instrumented programs must resolve in it), and nothing else.
so="${top_builddir:-.}/lib/.libs/libpipetrace.so"
if [ ! -f "$so" ]; then
	echo "ok 1 # SKIP no shared library built ($so)"
	exit 77
fi
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVWiu]$/ { print $3 }' | sort > exports.tmp.$$
bad=$(grep -v -E '^(pt_|__cyg_profile_func_(enter|exit)$)' exports.tmp.$$)
for need in pt_enter_ pt_leave_ pt_exception pt_thread_name pt_flush \
	    pt_catch_signals pt_enabled __cyg_profile_func_enter __cyg_profile_func_exit; do
	grep -qx "$need" exports.tmp.$$ || missing="$missing $need"
done
rm -f exports.tmp.$$
echo "1..2"
if [ -n "$bad" ]; then
	echo "not ok 1 - only pt_* and the hooks exported; also:" $bad
	fail=1
else
	echo "ok 1 - only pt_* and the hooks exported"
fi
if [ -n "$missing" ]; then
	echo "not ok 2 - API exported; missing:$missing"
	fail=1
else
	echo "ok 2 - API exported"
fi
exit ${fail:-0}
