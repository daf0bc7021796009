# plain-common.sh - shared by the plain-mode end-to-end tests: TAP helpers,
# a private temporary directory, and bounded waiting.
bin="${top_builddir:-.}/tui/pipetrace-tui"
if [ ! -x "$bin" ]; then
	echo "1..0 # SKIP $bin not built"
	exit 77
fi
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
check() { # check DESCRIPTION COMMAND...
	d=$1; shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}
has() { grep -q -F -e "$1" "$2"; }
finish() { echo "1..$n"; exit $failed; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/pt-plain-XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT
# wait_for SECONDS COMMAND...: polls every 50 ms, false on timeout
wait_for() {
	t=$(( $1 * 20 )); shift
	while [ "$t" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		t=$((t - 1))
	done
	return 1
}
