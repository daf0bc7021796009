#!/bin/sh
# Every file of the bad-input corpus (tests/data/bad/*.in) through the
# whole program in plain mode with --summary: it must end normally (status 1
# with the reason when not one event was valid), say how many bad lines it
# saw, and print no control character from the input.
. "${top_srcdir:-.}/tests/plain-common.sh"

for f in "${top_srcdir:-.}"/tests/data/bad/*.in; do
	name=$(basename "$f" .in)
	LC_ALL=C.UTF-8 "$bin" --replay "$f" --summary >"$dir/out" 2>"$dir/err"
	rc=$?
	# a recording without one valid event is an error, and says so
	if grep -q '^events=0$' "${f%.in}.expect"; then
		check "$name: no valid event: status 1" test "$rc" = 1
		check "$name: no valid event: said why" grep -q 'holds no valid event' "$dir/err"
	else
		check "$name: ends with status 0" test "$rc" = 0
	fi
	bad=$(sed -n 's/^bad=//p' "${f%.in}.expect")
	if [ -n "$bad" ]; then
		check "$name: summary counts $bad bad lines" grep -q ", $bad bad lines$" "$dir/out"
	fi
	# C0 controls other than newline, DEL, and C1 controls (as UTF-8)
	n=$(LC_ALL=C tr -d '\n\040-\176\200-\377' <"$dir/out" | wc -c)
	check "$name: no C0 control or DEL in the output" test "$n" = 0
	check "$name: no C1 control in the output" sh -c "! LC_ALL=C grep -q '$(printf '\302')[$(printf '\200')-$(printf '\237')]' '$dir/out'"
done
finish
