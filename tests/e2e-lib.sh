# e2e-lib.sh - helpers for the tmux end-to-end tests of pipetrace-tui
# (sourced).  Each test runs the real program in its own tmux server
# (a unique -L socket), sends keys and reads the screen with capture-pane.

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
TUI=$top_builddir/tui/pipetrace-tui
TRACED=$top_builddir/tests/e2e_traced

if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed: the end-to-end tests of pipetrace-tui need it"
	exit 77
fi
for f in "$TUI" "$TRACED"; do
	if [ ! -x "$f" ]; then
		echo "Bail out! $f is not built"
		exit 1
	fi
done

E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pt-e2e.XXXXXX")
SOCK_BASE=pt-e2e-$$-$(date +%s)
SOCK=$SOCK_BASE-0
E2E_S=0
E2E_N=0
E2E_FAILED=0
cleanup() {
	tmux -L "$SOCK" kill-server >/dev/null 2>&1
	rm -rf "$E2E_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

t() { tmux -L "$SOCK" "$@"; }

# start W H COMMAND...: a detached session running COMMAND in a UTF-8
# locale with a known terminal type (CI has no terminal, maybe no TERM).
start() {
	tmux -L "$SOCK" kill-server >/dev/null 2>&1
	E2E_S=$((E2E_S + 1))
	SOCK=$SOCK_BASE-$E2E_S   # a fresh server: no race with one shutting down
	w=$1 h=$2
	shift 2
	t -f /dev/null new-session -d -s e2e -x "$w" -y "$h" \
		"env TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $*; echo PT_EXIT=\$?; sleep 120"
	t set-option -t e2e -g status off >/dev/null 2>&1
}

screen() { t capture-pane -p -t e2e 2>/dev/null; }

# wait_for REGEX [SECONDS]: polls the screen until a line matches.
wait_for() {
	deadline=$(( $(date +%s) + ${2:-10} ))
	while [ "$(date +%s)" -le "$deadline" ]; do
		if screen | grep -Eq -- "$1"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# wait_count REGEX N [SECONDS]: until at least N lines match.
wait_count() {
	deadline=$(( $(date +%s) + ${3:-10} ))
	while [ "$(date +%s)" -le "$deadline" ]; do
		if [ "$(screen | grep -Ec -- "$1")" -ge "$2" ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

keys() { t send-keys -t e2e "$@"; }

ok() {
	E2E_N=$((E2E_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $E2E_N - $2"
	else
		echo "not ok $E2E_N - $2"
		E2E_FAILED=1
		echo "# screen was:"
		screen | sed 's/^/# /'
	fi
}

# The calls pane's rows: lines starting with its left border.
tree_rows() { screen | grep -E '^│' | sed 's/││.*//; s/│$//'; }

status_line() { screen | head -n 1; }
