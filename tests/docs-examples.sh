#!/bin/sh
# docs-examples.sh - every example of README.org, the man pages
# (pipetrace-tui.1, pipetrace.3) and --help is run, bounded in time.
#
# The examples are read out of the documents themselves: each line of a
# shell code block, each "$ " line of an example block, each command of the
# README's table of modes, each line of a man
# page's .EX block and each usage line of --help.  A line this script has no
# runner for fails ("not covered"), so an example added or changed in the
# docs fails here until it is checked.  Where an example cannot run here as
# written, the nearest equivalent runs and its TAP line says what differs:
# the package install and the whole-suite build of the quick start, demo
# runs cut short, /tmp/me (a path other users share) moved into our
# private directory, ./server, ./client and ./myprog stand-ins built from
# the project's own examples, and the library and monitor taken from the
# build tree rather than an installed copy (the same pipetrace.pc, with its
# libdir and includedir pointed there).  Full-screen examples run in tmux
# (skipped, and said so, without it).
. "${top_srcdir:-.}/tests/plain-common.sh"

top_builddir=$(cd "${top_builddir:-.}" && pwd)
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
bin=$top_builddir/tui/pipetrace-tui
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# -- a private world: default FIFO, logs, PATH ---------------------------------
unset PIPETRACE PIPETRACE_MODE PIPETRACE_FIFO PIPETRACE_SIGNALS MAKEFLAGS MFLAGS MAKELEVEL
PIPETRACE_LOSSLESS=1
TMPDIR=$dir
XDG_RUNTIME_DIR=$dir/xdg     # the "default FIFO" of these examples is ours alone
LC_ALL=C.UTF-8
mkdir -m 700 "$XDG_RUNTIME_DIR" "$dir/bin" "$dir/work"
work=$dir/work
# The examples name pipetrace-tui, cc and pkg-config: the build tree's.
cat >"$dir/bin/pipetrace-tui" <<EOF
#!/bin/sh
exec "$bin" "\$@"
EOF
mkvar() { sed -n "s/^$1 = //p" "$top_builddir/Makefile"; }
cat >"$dir/bin/cc" <<EOF
#!/bin/sh
# the compiler and sanitizer flags this tree was configured with
exec $(mkvar CC) $(mkvar SAN_CFLAGS) "\$@" $(mkvar SAN_LDFLAGS)
EOF
have_pc=false
if real_pc=$(command -v pkg-config); then
	have_pc=true
	cat >"$dir/bin/pkg-config" <<EOF
#!/bin/sh
# the build tree's pipetrace.pc, pointed at the built library and header
PKG_CONFIG_PATH="$top_builddir/lib\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}" exec "$real_pc" \\
	--define-variable=libdir="$top_builddir/lib/.libs" \\
	--define-variable=includedir="$top_srcdir/lib" "\$@"
EOF
fi
chmod +x "$dir/bin/"*
PATH=$dir/bin:$PATH
LD_LIBRARY_PATH=$top_builddir/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PIPETRACE_LOSSLESS TMPDIR XDG_RUNTIME_DIR LC_ALL PATH LD_LIBRARY_PATH
ulimit -c 0 2>/dev/null

# ./server and ./client stand in for the docs' programs: demo/hello.c, built
# the way the docs build programs.
if $have_pc; then
	# shellcheck disable=SC2046 # pkg-config's output is a word list
	cc "$top_srcdir/demo/hello.c" $(pkg-config --cflags --libs pipetrace) -o "$work/server" \
		>"$dir/cc.log" 2>&1 && cp "$work/server" "$work/client"
fi
check "stand-in ./server built from demo/hello.c with pkg-config's flags" test -x "$work/server"

# -- tmux ----------------------------------------------------------------------
have_tmux=false
command -v tmux >/dev/null 2>&1 && have_tmux=true
SOCK_BASE=pt-docs-$$
S=0
SOCK=$SOCK_BASE-$S
tm() { tmux -L "$SOCK" "$@"; }
# a fresh server each time: no race with one shutting down
tm_new() { tm kill-server >/dev/null 2>&1; S=$((S + 1)); SOCK=$SOCK_BASE-$S; }
cleanup() {
	$have_tmux && tm kill-server >/dev/null 2>&1
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$dir"
}
# tm_start LINE: a fresh terminal running the shell line LINE in $work
tm_start() {
	tm_new
	printf '%s\n' "$1" >"$dir/tm.sh"
	tm -f /dev/null new-session -d -s d -x 120 -y 30 \
		"cd '$work' && TERM=tmux-256color sh '$dir/tm.sh'; echo PT_EXIT=\$?; sleep 120"
	tm set-option -t d -g status off >/dev/null 2>&1
}
screen() { tm capture-pane -p -t d 2>/dev/null; }
# tm_wait REGEX [SECONDS]
tm_wait() {
	t=$(( ${2:-10} * 10 ))
	while [ "$t" -gt 0 ]; do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
		t=$((t - 1))
	done
	echo "# waited for /$1/ in vain; the screen:"
	screen | sed 's/^/#   /'
	return 1
}
tm_quit() { tm send-keys -t d q; tm_wait "^PT_EXIT=${1:-0}" 5; }

# run LINE [SECONDS]: the shell line as written, in $work, bounded
run() { (cd "$work" && timeout "${2:-60}" sh -c "$1"); }
# the docs' /tmp/me is shared with every user: ours is private
private_me() { printf '%s\n' "$1" | sed "s|/tmp/me|$dir/me|g"; }

# -- the examples, one runner each ----------------------------------------------
term1=          # the example that started the listening monitor (terminal 1)

example() {     # example SOURCE LINE
	src=$1
	line=$2
	cmd=${line#\$ }
	what="$src: $cmd"
	case $src in *'(gone)')
		notok "README.org no longer gives $cmd: drop it from tests/docs-examples.sh"
		return ;;
	esac
	case $cmd in
	'apt-get update && apt-get install '*' && ./autogen.sh && ./configure && make -j"$(nproc)" && make demo')
		# Not rerun: it installs packages and rebuilds.  Its parts: each
		# package is installed here, and make demo shows the demo.
		pkgs=$(printf '%s\n' "$cmd" | sed 's/.*--no-install-recommends \(.*\) && \.\/autogen.*/\1/')
		if command -v dpkg-query >/dev/null 2>&1; then
			missing=
			for p in $pkgs; do
				dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
					missing="$missing $p"
			done
			check "$src quick start: every package it names is installed (${missing:-none missing})" \
				test -z "$missing"
		else
			skip "$src quick start: its packages" "no dpkg here"
		fi
		make_demo "$src quick start: make demo (DEMO_ARGS='--duration 3' to end it)" "--duration 3"
		;;
	'./autogen.sh && ./configure && make -j"$(nproc)" check')
		skip "$what" "this is the command that runs this very test suite"
		;;
	'cc -O2 myprog.c $(pkg-config --cflags --libs pipetrace) -o myprog'|\
	'cc -O2 -finstrument-functions myprog.c $(pkg-config --cflags --libs pipetrace) -o myprog')
		if ! $have_pc; then skip "$what" "pkg-config is not installed"; return; fi
		rm -f "$work/myprog"
		run "$cmd" >"$dir/cc.log" 2>&1
		check "$what (myprog.c: the README's PT_TRACE example with a main)" test -x "$work/myprog"
		run "pipetrace-tui --plain -- ./myprog" >"$dir/out" 2>&1
		check "$src: ./myprog built so is traced (sum_of_squares)" has '→ sum_of_squares' "$dir/out"
		case $cmd in *-finstrument-functions*)
			check "$src: -finstrument-functions traces main too" has '→ main' "$dir/out" ;;
		esac
		;;
	'pipetrace-tui'*'# terminal 1'*)
		if ! $have_tmux; then skip "$what" "tmux is not installed"; return; fi
		tm_start "pipetrace-tui"
		tm_wait 'waiting for events' 10 && test -p "$XDG_RUNTIME_DIR/pipetrace.fifo"
		r=$?
		[ $r = 0 ] && term1=$src
		ok_if $r "$what (listens on the default FIFO)"
		;;
	'./server & ./client'*'# terminal 2'*|'./demo'*'# terminal 2'*)
		if [ "$term1" != "$src" ]; then skip "$what" "terminal 1 did not start"; return; fi
		run "${cmd%%#*}; wait" >/dev/null 2>&1
		case $cmd in
		./server*) tm_wait '[0-9]+ server' 10 && tm_wait '[0-9]+ client' 5 ;;
		*) tm_wait 'ValueError' 10 ;;
		esac
		r=$?
		tm_quit
		ok_if $(( r + $? )) "$what (shows up in terminal 1; q quits it)"
		term1=
		;;
	'tui/pipetrace-tui --quiet --summary -- demo/pipetrace-demo --duration 5')
		(cd "$top_builddir" && timeout 60 sh -c "${cmd%5}1") >"$dir/out" 2>"$dir/err"
		check "$src: ${cmd%5}1 (cut to 1 s): status 0" test $? = 0
		check "$src: the summary table's header" \
			grep -Eq '^function +calls +total +self +avg +p99 +max +exc$' "$dir/out"
		check "$src: handle_request in the table" grep -Eq '^handle_request +[0-9]' "$dir/out"
		;;
	'tui/pipetrace-tui --plain -- demo/crash')
		# (under AddressSanitizer the library's handler must see the
		# signal, as in a normal build)
		(cd "$top_builddir" && ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0 \
			timeout 60 sh -c "$cmd") >"$dir/out" 2>/dev/null
		check "$src: $cmd: exits as the crash did (139)" test $? = 139
		# the documented output, pids aside, is what it prints
		awk -v c="$line" 'f && /^#\+end_example/ { exit } f { print } $0 == c { f = 1 }' \
			"$top_srcdir/README.org" | unpid >"$dir/want"
		unpid <"$dir/out" >"$dir/got"
		if cmp -s "$dir/want" "$dir/got"; then ok "$src: the README shows what it prints"
		else
			notok "$src: the README shows what it prints"
			diff "$dir/want" "$dir/got" | sed 's/^/#   /'
		fi
		;;
	'pipetrace-tui -- ./server --port 8080')
		if ! $have_tmux; then skip "$what" "tmux is not installed"; return; fi
		tm_start "$cmd"
		tm_wait '▸ greet' 10 && tm_wait 'exited 0' 5
		r=$?
		tm_quit
		ok_if $(( r + $? )) "$what (the full screen shows it and its exit)"
		;;
	'mkdir -p -m 700 /tmp/me')
		run "$(private_me "$cmd")"
		check "$what (in our directory): a private directory" \
			test "$(stat -c %a "$dir/me" 2>/dev/null)" = 700
		;;
	'pipetrace-tui --fifo /tmp/me/trace.fifo --record run.jsonl')
		if ! $have_tmux; then skip "$what" "tmux is not installed"; return; fi
		rm -f "$work/run.jsonl"
		tm_start "$(private_me "$cmd")"
		tm_wait 'waiting for events' 10 && test -p "$dir/me/trace.fifo"
		r=$?
		[ $r = 0 ] && term1=fifo
		ok_if $r "$what (/tmp/me is ours): listens"
		;;
	'PIPETRACE_FIFO=/tmp/me/trace.fifo ./server')
		if [ "$term1" != fifo ]; then skip "$what" "the monitor on that FIFO did not start"; return; fi
		run "$(private_me "$cmd")" >/dev/null 2>&1
		tm_wait '▸ greet' 10
		r=$?
		tm_quit
		ok_if $(( r + $? )) "$what (/tmp/me is ours): the monitor on --fifo shows it"
		check "$src: run.jsonl holds its events" grep -q '"fn":"sum_of_squares"' "$work/run.jsonl"
		term1=
		;;
	'pipetrace-tui --replay run.jsonl')
		if ! $have_tmux || [ ! -s "$work/run.jsonl" ]; then
			skip "$what" "no tmux, or no recording from the example before"; return
		fi
		tm_start "$cmd"
		tm_wait 'ENDED' 10 && tm_wait '▸ greet' 5
		r=$?
		tm_quit
		ok_if $(( r + $? )) "$what (browses the recording)"
		;;
	'pipetrace-tui --plain -- ./server --port 8080 > trace.txt')
		rm -f "$work/trace.txt"
		run "$cmd" 2>/dev/null
		check "$what: status 0" test $? = 0
		check "$src: trace.txt holds every call" has '→ square' "$work/trace.txt"
		;;
	'pipetrace-tui --quiet --summary -- ./server --port 8080 | head -20')
		run "$cmd" >"$dir/out" 2>/dev/null
		check "$what: the per-function table" grep -Eq '^sum_of_squares +1 ' "$dir/out"
		;;
	'cc demo.c $(pkg-config --cflags --libs pipetrace) -o demo')
		if ! $have_pc; then skip "$what" "pkg-config is not installed"; return; fi
		run "$cmd" >"$dir/cc.log" 2>&1
		check "$what (demo.c: the man page's program)" test -x "$work/demo"
		;;
	'pipetrace-tui -- ./demo')
		if ! $have_tmux; then skip "$what" "tmux is not installed"; return; fi
		tm_start "$cmd"
		tm_wait 'ValueError' 10 && tm_wait 'exited 1' 5
		r=$?
		tm_quit
		ok_if $(( r + $? )) "$what (its exception and exit status 1 on the screen)"
		;;
	'pipetrace-tui [OPTION]... '*'listen on the default FIFO')
		helpform "$what" "" "./server"
		;;
	'pipetrace-tui [OPTION]... --fifo PATH '*)
		helpform "$what" "--fifo $dir/help.fifo" "PIPETRACE_FIFO=$dir/help.fifo ./server"
		;;
	'pipetrace-tui [OPTION]... -- CMD [ARG]... '*)
		run "pipetrace-tui --plain --record $dir/help.jsonl -- ./server arg" >"$dir/out" 2>&1
		check "$what (as --plain --record FILE -- ./server arg)" has '→ sum_of_squares' "$dir/out"
		;;
	'pipetrace-tui [OPTION]... --replay FILE '*)
		run "pipetrace-tui --plain --replay $dir/help.jsonl" >"$dir/out" 2>&1
		check "$what (as --plain, the recording of the line before)" has '→ sum_of_squares' "$dir/out"
		;;
	'tui/pipetrace-tui -- demo/hello')
		if ! $have_tmux; then skip "$what" "tmux is not installed"; return; fi
		tm_start "cd '$top_builddir' && $cmd"
		tm_wait '▸ greet' 10 && tm_wait 'exited 0' 5
		r=$?
		tm_quit
		ok_if $(( r + $? )) "$what"
		;;
	'make monitor'|'make run')
		# the pair: make monitor in one terminal, make run in another
		[ "$cmd" = 'make run' ] && return
		if ! $have_tmux; then skip "$what / make run" "tmux is not installed"; return; fi
		tm_start "cd '$top_builddir' && make -s monitor"
		tm_wait 'waiting for events' 20
		r=$?
		(cd "$top_builddir" && timeout 60 make -s run DEMO_ARGS='--duration 2') >/dev/null 2>&1
		tm_wait 'handle_request' 10
		r=$(( r + $? ))
		tm_quit
		ok_if $(( r + $? )) "$what, then make run DEMO_ARGS='--duration 2' (cut short): the demo shows up"
		;;
	"make demo DEMO_ARGS='--rate 2000 --duration 30'")
		make_demo "$what (cut to --duration 3)" "--rate 2000 --duration 3"
		;;
	# the README's table of modes: forms with placeholders, each run in
	# plain mode with ./server as CMD and files of ours
	'pipetrace-tui')
		helpform "$what" "" "./server" ;;
	'pipetrace-tui --fifo PATH')
		helpform "$what" "--fifo $dir/mode.fifo" "PIPETRACE_FIFO=$dir/mode.fifo ./server" ;;
	'pipetrace-tui -- CMD ARGS…'|'pipetrace-tui --plain …')
		run "pipetrace-tui --plain -- ./server arg" >"$dir/out" 2>&1
		check "$what (as --plain -- ./server arg): every call" has '→ square' "$dir/out" ;;
	'pipetrace-tui --summary …')
		run "pipetrace-tui --summary -- ./server" >"$dir/out" 2>&1
		check "$what (-- ./server): calls and the table" \
			sh -c "grep -q '→ square' '$dir/out' && grep -Eq '^square +10 ' '$dir/out'" ;;
	'pipetrace-tui --quiet …')
		run "pipetrace-tui --quiet -- ./server" >"$dir/out" 2>&1
		check "$what (-- ./server): no line per event, the end note" \
			sh -c "! grep -q '→' '$dir/out' && grep -q 'command exited with status 0' '$dir/out'" ;;
	'pipetrace-tui --record FILE …')
		run "pipetrace-tui --quiet --record $dir/mode.jsonl -- ./server" >/dev/null 2>&1
		check "$what (--quiet ... -- ./server): the file holds the events" \
			grep -q '"fn":"square"' "$dir/mode.jsonl" ;;
	'pipetrace-tui --replay FILE')
		run "pipetrace-tui --plain --replay $dir/mode.jsonl" >"$dir/out" 2>&1
		check "$what (--plain, the file of the line before)" has '→ square' "$dir/out" ;;
	'pipetrace-tui --log FILE -- CMD …')
		run "pipetrace-tui --quiet --log $dir/mode.log -- ./server" >"$dir/out" 2>&1
		check "$what (--quiet, ./server): the output is in FILE, not on ours" \
			sh -c "grep -q 'hello, world' '$dir/mode.log' && ! grep -q 'hello, world' '$dir/out'" ;;
	'pipetrace-tui --max-calls N …')
		run "pipetrace-tui --quiet --summary --max-calls 5 -- ./server" >"$dir/out" 2>&1
		check "$what (N = 5, --summary -- ./server): older calls retired, counted" \
			grep -q '(5 individual calls kept, 7 older ones retired' "$dir/out" ;;
	'pipetrace-tui --keep-ended N …')
		# the full screen's (what it clears: tests/test_scope.c and
		# tests/e2e-scope.sh): here,
		# taken, and a bad value refused
		run "pipetrace-tui --quiet --keep-ended 3 -- ./server" >"$dir/out" 2>&1
		r=$?
		run "pipetrace-tui --quiet --keep-ended -1 -- ./server" >"$dir/out2" 2>&1
		check "$what (3, --quiet -- ./server; -1 refused)" \
			sh -c "[ $r = 0 ] && grep -q 'command exited with status 0' '$dir/out' && grep -q 'keep-ended wants a number' '$dir/out2'" ;;
	'pipetrace-tui --keep-max MIB …')
		# the keys it serves are the full screen's (tests/e2e-scope.sh);
		# here: taken, and a bad value refused
		run "pipetrace-tui --quiet --keep-max 16 -- ./server" >"$dir/out" 2>&1
		r=$?
		run "pipetrace-tui --quiet --keep-max lots -- ./server" >"$dir/out2" 2>&1
		check "$what (16, --quiet -- ./server; 'lots' refused)" \
			sh -c "[ $r = 0 ] && grep -q 'command exited with status 0' '$dir/out' && grep -q 'keep-max wants a number' '$dir/out2'" ;;
	'pipetrace-tui --no-mouse …')
		# the full screen's option (e2e-profile.sh checks what it does
		# there); here: accepted, and the run goes on as without it
		run "pipetrace-tui --quiet --no-mouse -- ./server" >"$dir/out" 2>&1
		check "$what (--quiet -- ./server): accepted" grep -q 'command exited with status 0' "$dir/out" ;;
	'pipetrace-tui --export FORMAT:FILE …')
		run "pipetrace-tui --quiet --export chrome:$dir/mode.json --export collapsed:$dir/mode.folded -- ./server" >/dev/null 2>&1
		check "$what (both formats, --quiet -- ./server): calls in each file" \
			sh -c "grep -q '\"name\":\"square\",\"cat\":\"call\",\"ph\":\"X\"' '$dir/mode.json' && grep -q ';square [0-9]' '$dir/mode.folded'" ;;
	'pipetrace-tui --version')
		run "pipetrace-tui --version" >"$dir/out" 2>&1
		check "$what: the version" grep -q '^pipetrace-tui [0-9]' "$dir/out" ;;
	*)
		notok "$what: not covered by tests/docs-examples.sh"
		;;
	esac
}

ok_if() { if [ "$1" = 0 ]; then ok "$2"; else notok "$2"; fi; }
# unpid: numbers that change from run to run made constant
unpid() { sed -E 's/\[[0-9]+(:[0-9]+)?\]/[P\1]/g; s/\[P:[0-9]+\]/[P:T]/g; s/parent [0-9]+/parent P/'; }
# make_demo DESCRIPTION DEMO_ARGS: make demo in tmux, to the demo's end
make_demo() {
	if ! $have_tmux; then skip "$1" "tmux is not installed"; return; fi
	tm_start "cd '$top_builddir' && make -s demo DEMO_ARGS='$2'"
	# the command's own end, on the status line: the forked child's row
	# says "exited 0" first, while the demo still runs and q would ask
	tm_wait 'handle_request' 20 && tm_wait ' \[exited 0\]' 20
	r=$?
	tm_quit
	ok_if $(( r + $? )) "$1"
}
# helpform DESCRIPTION OPTIONS WRITER: --plain listening, a writer, Ctrl-C
helpform() {
	: >"$dir/help.out"
	# shellcheck disable=SC2086
	(cd "$work" && exec "$bin" --plain $2) >"$dir/help.out" 2>&1 &
	hp=$!
	pids=$hp
	wait_for 10 has 'listening on' "$dir/help.out"
	run "$3" >/dev/null 2>&1
	wait_for 10 has '→ sum_of_squares' "$dir/help.out"
	r=$?
	kill -INT "$hp"
	wait "$hp"
	pids=
	ok_if $r "$1 (as --plain${2:+ $2}, with $3 writing)"
}

# -- what the documents hold -----------------------------------------------------
{
	awk '
		/^[ \t]*#\+begin_src sh/ { s = 1; next }
		/^[ \t]*#\+end_src/ { s = 0; next }
		s { sub(/^[ \t]+/, ""); if ($0 != "") print "README.org|" $0; next }
		/^[ \t]*#\+begin_example/ { e = 1; next }
		/^[ \t]*#\+end_example/ { e = 0; next }
		e && /^\$ / { print "README.org|" $0 }
	' "$top_srcdir/README.org"
	# commands the README's prose gives (not in blocks): listed here, and
	# each must still be in the README
	for c in 'make monitor' 'make run' "make demo DEMO_ARGS='--rate 2000 --duration 30'" \
		'tui/pipetrace-tui -- demo/hello'; do
		if grep -qF "=$c=" "$top_srcdir/README.org"; then
			echo "README.org|$c"
		else
			echo "README.org (gone)|$c"
		fi
	done
	# the table of modes: its commands
	sed -n 's/^| =\(pipetrace-tui[^=]*\)= .*/README.org (modes)|\1/p' "$top_srcdir/README.org"
	for m in tui/pipetrace-tui.1 lib/pipetrace.3; do
		# shell lines of .EX blocks; pipetrace.3's C program is saved below
		awk -v src="${m#*/}" '
			/^\.EX/ { e = 1; next }
			/^\.EE/ { e = 0; next }
			e && (src !~ /\.3$/ || /^\$ /) { print src "|" $0 }
		' "$top_srcdir/$m" | sed 's/\\-/-/g'
	done
	"$bin" --help | sed -n -E 's/^(Usage:)? +(pipetrace-tui \[OPTION\])/pipetrace-tui --help|\2/p'
} >"$dir/examples"
echo "# $(wc -l <"$dir/examples") examples found"

# pipetrace.3's program, as demo.c (its build line names it so)
awk '/^\.EX/ { e = 1; next } /^\.EE/ { if (c) exit; e = 0 } e && /#include/ { c = 1 } c { print }' \
	"$top_srcdir/lib/pipetrace.3" | sed 's/\\-/-/g; s/\\e/\\/g' >"$work/demo.c"
check "pipetrace.3: its example program was found (demo.c)" grep -q 'pt_exception("ValueError"' "$work/demo.c"
# README's PT_TRACE example, as myprog.c: with the square() it calls and a main
{
	echo 'static long square(long x) { return x * x; }'
	awk '/^#\+begin_src c/ { c = 1; next } /^#\+end_src/ { if (c) exit } c { print }' "$top_srcdir/README.org"
	echo 'int main(void) { return sum_of_squares(10) == 385 ? 0 : 1; }'
} >"$work/myprog.c"
check "README.org: its PT_TRACE example was found (myprog.c)" grep -q 'sum_of_squares' "$work/myprog.c"

# the wire protocol's example lines are valid events
awk '/^#\+begin_example/ { e = 1; next } /^#\+end_example/ { e = 0 } e && /^\{"ev"/' \
	"$top_srcdir/README.org" >"$dir/wire.jsonl"
nwire=$(wc -l <"$dir/wire.jsonl")
"$bin" --summary --replay "$dir/wire.jsonl" >"$dir/out" 2>&1
check "README.org: its $nwire protocol example lines are valid events" \
	grep -q "^summary: $nwire events, .* 0 bad lines$" "$dir/out"

while IFS='|' read -r src line; do
	example "$src" "$line" </dev/null
done <"$dir/examples"

# The man page's warning: a full screen started with & is stopped by the
# shell, and says why before it is.
if $have_tmux && command -v bash >/dev/null 2>&1; then
	tm_new
	tm -f /dev/null new-session -d -s d -x 120 -y 30 \
		"cd '$work' && env PS1='$ ' TERM=tmux-256color bash --norc --noprofile -i"
	sleep 0.5
	tm send-keys -t d "pipetrace-tui --fifo '$dir/bg.fifo' &" Enter
	tm_wait 'started in the background: the full screen needs the terminal' 10
	r=$?
	tm send-keys -t d 'jobs' Enter
	tm_wait 'Stopped +pipetrace-tui' 5
	ok_if $(( r + $? )) "pipetrace-tui.1: 'pipetrace-tui &' is stopped by the shell and says why"
	tm send-keys -t d 'kill %1; fg' Enter
	sleep 0.5
	tm kill-server >/dev/null 2>&1
else
	skip "pipetrace-tui.1: 'pipetrace-tui &' is stopped and says why" "no tmux or no bash"
fi
finish
