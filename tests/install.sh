#!/bin/sh
# install.sh - pipetrace installs like a well-behaved package: `make install`
# into a staging directory (DESTDIR) puts the library, header, pkg-config
# file, pipetrace-tui and the man pages in place, with only the public
# symbols exported; demo/hello.c builds against the installed copy through
# `pkg-config --cflags --libs pipetrace` and is traced by the installed
# pipetrace-tui; `make uninstall` removes every file again.  Works inside
# `make distcheck` too (the build tree is the one being checked).
: "${top_builddir:=.}" "${top_srcdir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pt-install.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
TMPDIR=$tmp; export TMPDIR   # pipetrace-tui -- CMD leaves its log there
dest=$tmp/dest

n=0
failed=0
check() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; failed=1; fi
}
bail() {
	echo "not ok $((n + 1)) - $1"
	sed 's/^/#   /' "$2" | tail -30
	echo "1..$((n + 1))"
	exit 1
}

command -v pkg-config >/dev/null || { echo "1..0 # SKIP pkg-config not installed"; exit 77; }

cd "$top_builddir" || exit 99
# A make of our own, not a part of the one running the tests.
unset MAKEFLAGS MFLAGS MAKELEVEL
make install DESTDIR="$dest" >"$tmp/install.log" 2>&1 || bail "make install" "$tmp/install.log"

find "$dest" \( -type f -o -type l \) | sed "s|^$dest||" | sort >"$tmp/installed"
sed 's/^/# installed: /' "$tmp/installed"
installed() {   # installed PATTERN: some installed path ends so
	grep -qE "$1\$" "$tmp/installed"
}
check "libpipetrace.so installed" installed '/lib[^/]*/libpipetrace\.so'
check "libpipetrace.so.0 (the soname) installed" installed '/libpipetrace\.so\.0'
check "libpipetrace.a installed" installed '/libpipetrace\.a'
check "pipetrace.h installed" installed '/include/pipetrace\.h'
check "pipetrace.pc installed" installed '/pkgconfig/pipetrace\.pc'
check "pipetrace-tui installed" installed '/bin/pipetrace-tui'
check "man page pipetrace-tui.1 installed" installed '/man1/pipetrace-tui\.1'
check "man page pipetrace.3 installed" installed '/man3/pipetrace\.3'
check "no demo program installed" sh -c '! grep -qE "/(pipetrace-demo|hello|auto|threads|crash)\$" "$1"' - "$tmp/installed"

so=$dest$(grep -E '/libpipetrace\.so$' "$tmp/installed" | head -1)
pcdir=$(dirname "$dest$(grep -E '/pipetrace\.pc$' "$tmp/installed" | head -1)")
tui=$dest$(grep -E '/bin/pipetrace-tui$' "$tmp/installed" | head -1)

# Only the API (and the -finstrument-functions hooks, which the compiler
# calls by these names) may be visible to programs.
nm -D --defined-only "$so" 2>/dev/null | awk '{ print $NF }' | sort >"$tmp/exports"
check "libpipetrace exports pt_* symbols" grep -q '^pt_' "$tmp/exports"
grep -vE '^(pt_[a-z_]+|__cyg_profile_func_(enter|exit))$' "$tmp/exports" >"$tmp/extra"
sed 's/^/# exported but private: /' "$tmp/extra"
check "libpipetrace exports nothing else" [ ! -s "$tmp/extra" ]

# Build the example the way the README tells users to, with the compiler
# and sanitizer flags this tree was configured with.
mkvar() { sed -n "s/^$1 = //p" Makefile; }
CC=$(mkvar CC)
san_cflags=$(mkvar SAN_CFLAGS)
san_ldflags=$(mkvar SAN_LDFLAGS)
PKG_CONFIG_PATH=$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
PKG_CONFIG_SYSROOT_DIR=$dest   # paths in the .pc file are under the staging dir
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
flags=$(pkg-config --cflags --libs pipetrace 2>"$tmp/pc.err") || bail "pkg-config finds pipetrace" "$tmp/pc.err"
echo "# pkg-config --cflags --libs pipetrace: $flags"
check "pkg-config flags point into the installed tree" sh -c 'case "$1" in *"$2"*) exit 0 ;; esac; exit 1' - "$flags" "$dest"
# shellcheck disable=SC2086 # $flags and the sanitizer flags are word lists
$CC $san_cflags -o "$tmp/hello" "$top_srcdir/demo/hello.c" $flags $san_ldflags >"$tmp/cc.log" 2>&1 \
	|| bail "hello.c builds against the installed library" "$tmp/cc.log"
echo "ok $((n = n + 1)) - hello.c builds against the installed library"

LD_LIBRARY_PATH=$(dirname "$so")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
PIPETRACE_LOSSLESS=1
export LD_LIBRARY_PATH PIPETRACE_LOSSLESS
# (A FIFO nobody listens on: not the default one, where a monitor of the
# user's may be running.)
check "hello runs with no reader" sh -c 'PIPETRACE_FIFO=$3 "$1" >"$2" && grep -q "hello, world" "$2"' \
	- "$tmp/hello" "$tmp/out" "$tmp/nobody.fifo"
check "hello links the installed libpipetrace" sh -c 'ldd "$1" | grep -qF "$2"' - "$tmp/hello" "$(dirname "$so")"
: >"$tmp/rec"
timeout 60 "$tui" --plain --record "$tmp/rec" -- "$tmp/hello" >"$tmp/plain" 2>&1
check "installed pipetrace-tui traces it (exit $?)" grep -qE '"fn": ?"sum_of_squares"' "$tmp/rec"

# Link order: with --as-needed (Debian's and Ubuntu's gcc pass it by
# default), a -lpipetrace placed before the objects (as in LDFLAGS) used to
# be dropped: the program then bound glibc's empty __cyg_profile_func_*
# hooks and nothing was traced, silently.  The .pc file's flags must work
# in either place.  (--as-needed is asked for explicitly: gcc leaves it out
# in sanitizer builds.)
cat >"$tmp/order.c" <<'EOC'
static int twice(int x) { return 2 * x; }
int main(void) { return twice(21) == 42 ? 0 : 1; }
EOC
for order in after before; do
	# shellcheck disable=SC2086 # $flags is a word list
	if [ $order = after ]; then
		set -- "$tmp/order.c" $flags
	else
		set -- $flags "$tmp/order.c"
	fi
	# shellcheck disable=SC2086
	if $CC $san_cflags -finstrument-functions -Wl,--as-needed -o "$tmp/order-$order" "$@" $san_ldflags \
		>"$tmp/cc-$order.log" 2>&1; then
		echo "ok $((n = n + 1)) - -finstrument-functions program links with the flags $order the source"
	else
		bail "-finstrument-functions program links with the flags $order the source" "$tmp/cc-$order.log"
	fi
	check "linked $order the source: libpipetrace is NEEDED" \
		sh -c 'readelf -d "$1" | grep NEEDED | grep -q libpipetrace' - "$tmp/order-$order"
	: >"$tmp/rec-$order"
	timeout 60 "$tui" --plain --record "$tmp/rec-$order" -- "$tmp/order-$order" >"$tmp/plain-$order" 2>&1
	check "linked $order the source: its calls are traced" grep -qE '"fn": ?"twice"' "$tmp/rec-$order"
done

# The Python emitter, in Python's site directory as configure found it,
# when configure found a Python 3.9+; traced by the installed monitor.
py=$(mkvar PYTHON)
pythondir=$(make -s --no-print-directory print-pythondir 2>/dev/null)
if [ -n "$py" ] && [ "$py" != : ] && [ -n "$pythondir" ]; then
	check "pipetrace.py installed into \$(pythondir)" [ -f "$dest$pythondir/pipetrace.py" ]
	cat >"$tmp/py_traced.py" <<'PY'
import pipetrace
@pipetrace.trace
def installed_fn():
    return 1
installed_fn()
PY
	: >"$tmp/rec"
	PYTHONPATH=$dest$pythondir timeout 60 "$tui" --plain --record "$tmp/rec" -- \
		"$py" "$tmp/py_traced.py" >"$tmp/plain" 2>&1
	check "the installed pipetrace.py traces a Python program" \
		grep -qE '"fn": ?"installed_fn"' "$tmp/rec"
else
	echo "ok $((n = n + 1)) - # SKIP no Python 3.9+ found by configure"
fi

make uninstall DESTDIR="$dest" >"$tmp/uninstall.log" 2>&1 || bail "make uninstall" "$tmp/uninstall.log"
find "$dest" \( -type f -o -type l \) | sed "s|^$dest||" >"$tmp/left"
sed 's/^/# left behind: /' "$tmp/left"
check "make uninstall removes every installed file" [ ! -s "$tmp/left" ]

echo "1..$n"
exit $failed
