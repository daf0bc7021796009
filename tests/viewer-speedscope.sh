#!/bin/sh
# viewer-speedscope.sh - the demo's --export files opened in a real viewer:
# speedscope (its offline build, npm package `speedscope`) in headless
# Chromium, driven by tests/viewer_speedscope.py, which checks that the
# viewer shows every thread with exactly its functions (Chrome JSON) and
# every frame with the file's weights (collapsed stacks), and no import
# error.
#
# Needs chromium (Debian package `chromium`; or CHROMIUM=/path) and
# speedscope: SPEEDSCOPE_DIR=the package's directory (or its
# dist/release), else the copy .ci/run installs with
#   npm install --prefix ~/.cache/pipetrace/speedscope speedscope@VERSION
# or a node_modules/speedscope in the build or source tree.  Skipped, saying
# which is missing, without them.
. "${top_srcdir:-.}/tests/plain-common.sh"
py=${PYTHON:-python3}
[ "$py" = : ] && py=python3
command -v "$py" >/dev/null 2>&1 || { echo "1..0 # SKIP python3 not found"; exit 77; }
chromium=${CHROMIUM:-}
if [ -z "$chromium" ]; then
	for c in chromium chromium-browser google-chrome; do
		chromium=$(command -v "$c") && break
	done
fi
[ -n "$chromium" ] && [ -x "$chromium" ] || {
	echo "1..0 # SKIP chromium not found (apt-get install chromium, or set CHROMIUM)"; exit 77; }
release=
for d in ${SPEEDSCOPE_DIR:+"$SPEEDSCOPE_DIR" "$SPEEDSCOPE_DIR/dist/release"} \
		"${XDG_CACHE_HOME:-$HOME/.cache}/pipetrace/speedscope/node_modules/speedscope/dist/release" \
		"${top_builddir:-.}/node_modules/speedscope/dist/release" \
		"${top_srcdir:-.}/node_modules/speedscope/dist/release"; do
	[ -f "$d/index.html" ] && { release=$d; break; }
done
[ -n "$release" ] || {
	echo "1..0 # SKIP speedscope not found (npm install speedscope, set SPEEDSCOPE_DIR; see .ci/run)"
	exit 77; }
echo "# $("$chromium" --version 2>/dev/null), $(cat "$release/release.txt" 2>/dev/null | head -1) in $release"
run_viewer() { # files... -> $dir/viewer, status in $rc
	mkdir -p "$dir/w"
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 5 60 "$py" "${top_srcdir:-.}/tests/viewer_speedscope.py" \
			"$chromium" "$release" "$dir/w" "$@" >"$dir/viewer" 2>&1
	else
		"$py" "${top_srcdir:-.}/tests/viewer_speedscope.py" \
			"$chromium" "$release" "$dir/w" "$@" >"$dir/viewer" 2>&1
	fi
	rc=$?
	sed 's/^/# /' "$dir/viewer"
	[ "$rc" = 0 ] || grep -v dbus "$dir/w/chromium.log" 2>/dev/null | tail -20 | sed "s/^/# chromium: /"
}

demo="${top_builddir:-.}/demo/pipetrace-demo"
LC_ALL=C.UTF-8 "$bin" --quiet --export chrome:"$dir/demo.json" \
	--export collapsed:"$dir/demo.folded" -- "$demo" --rate 200 --duration 1 >"$dir/out" 2>&1
check "the demo exported both ways, status 0" test $? = 0

run_viewer "$dir/demo.json" "$dir/demo.folded"
check "speedscope shows each export as it is in the file, no import error" test "$rc" = 0
# what the demo is known to hold, whatever its timing; a slow run (the
# sanitizers) may end incomplete, and its names then say so
mark='\( \[[^]]*\]\)\?'
for t in dispatcher worker-1 worker-4 batch; do
	check "Chrome JSON: thread $t is a profile of its own" \
		grep -q "^demo.json: profile [0-9]*/[0-9]* 'pipetrace-demo [0-9]*$mark (pid [0-9]*), $t [0-9]*$mark (tid" "$dir/viewer"
done
check "Chrome JSON: a worker's functions shown" \
	grep -q "^demo.json: profile .*worker-2 .*: .*handle_request.*" "$dir/viewer"
check "Chrome JSON: the batch child's functions shown" \
	grep -q "^demo.json: profile .*batch .*: .*fill_segment" "$dir/viewer"
for f in dispatch parse_term run_batch 'dispatcher [0-9]*' 'worker-3 [0-9]*' 'pipetrace-demo [0-9]*'; do
	check "collapsed stacks: '$f' shown" grep -q "^demo.folded: profile 1/1 .*: \(.*, \)\?$f$mark\(,\|$\)" "$dir/viewer"
done

check "collapsed stacks: every frame's total and self weight as in the file" \
	grep -q "^demo.folded: total and self weights of [1-9][0-9]* frames compared" "$dir/viewer"

# The driver sees an import failure: speedscope alerts on a file it cannot read.
printf '{"traceEvents":[{"ph":"X","name":"cut' >"$dir/cut.json"
VIEWER_TIMEOUT=20
export VIEWER_TIMEOUT
run_viewer "$dir/cut.json"
check "a truncated file: the viewer's error is seen (status 2)" test "$rc" = 2
check "a truncated file: said" has "Unrecognized format" "$dir/viewer"
finish
