#!/bin/sh
# plain-stats.sh - exact figures from stats lines in --summary.
#
# tests/test_stats gen writes one simulated run twice: every event and no
# stats (the truth), and a hello with stats_ms, most events dropped and
# the stats lines a libpipetrace writer sends.  --summary of both must
# print the same function table (calls, total, self, avg, p99, max, exc),
# without a sample mark for the second, and the same collapsed stacks
# (--export); a process without stats that lost events keeps its mark;
# stats entries that break the rules are counted.
. "${top_srcdir:-.}/tests/plain-common.sh"
gen=${top_builddir:-.}/tests/test_stats
[ -x "$gen" ] || { echo "1..0 # SKIP $gen not built"; exit 77; }
data=${top_srcdir:-.}/tests/data

table() { sed -n '/^function /,$p' "$1"; }

for seed in 3 7 11; do
	"$gen" gen $seed "$dir" || { notok "seed $seed: generated"; continue; }
	LC_ALL=C "$bin" --summary --quiet --replay "$dir/truth.jsonl" >"$dir/truth.sum" 2>&1
	LC_ALL=C "$bin" --summary --quiet --replay "$dir/stats.jsonl" >"$dir/stats.sum" 2>&1
	table "$dir/truth.sum" >"$dir/truth.tab"
	table "$dir/stats.sum" >"$dir/stats.tab"
	check "seed $seed: a table was printed" test "$(wc -l <"$dir/truth.tab")" -gt 5
	if cmp -s "$dir/truth.tab" "$dir/stats.tab"; then
		ok "seed $seed: most events dropped, the stats give the lossless run's figures"
	else
		notok "seed $seed: the stats' figures differ from the lossless run's"
		diff "$dir/truth.tab" "$dir/stats.tab" | sed 's/^/#   /'
	fi
	check "seed $seed: events were dropped" grep -q -E ', [1-9][0-9]* dropped,' "$dir/stats.sum"
	check "seed $seed: the figures say they are exact" has '(exact for 3 threads:' "$dir/stats.sum"
	check "seed $seed: no sample mark" sh -c "! grep -q -e 'sample' '$dir/stats.sum'"
	# collapsed stacks: the stats threads' exact self times, as lossless
	"$bin" --quiet --replay "$dir/truth.jsonl" --export "collapsed:$dir/truth.col" >/dev/null 2>&1
	"$bin" --quiet --replay "$dir/stats.jsonl" --export "collapsed:$dir/stats.col" >/dev/null 2>&1
	sort "$dir/truth.col" >"$dir/truth.srt"
	sort "$dir/stats.col" >"$dir/stats.srt"
	check "seed $seed: collapsed stacks written" test -s "$dir/stats.srt"
	check "seed $seed: collapsed stacks from the stats equal the lossless run's" \
		cmp -s "$dir/truth.srt" "$dir/stats.srt"
done

# A second process, without stats, that lost events: its figures are a
# sample and say so; the stats threads' stay exact.
cat "$dir/stats.jsonl" - >"$dir/mixed.jsonl" <<'LINES'
{"ev":"hello","ts":1,"pid":77,"v":1,"ppid":1,"prog":"old"}
{"ev":"enter","ts":2,"pid":77,"tid":77,"seq":1,"depth":0,"fn":"old_main"}
{"ev":"drop","ts":3,"pid":77,"tid":77,"count":8}
{"ev":"exit","ts":20,"pid":77,"tid":77,"seq":10,"depth":0,"fn":"old_main","dur":18}
{"ev":"tally","ts":21,"pid":77,"tid":77,"seq":10,"dropped":8}
{"ev":"bye","ts":22,"pid":77,"status":0,"threads":1}
LINES
LC_ALL=C "$bin" --summary --quiet --replay "$dir/mixed.jsonl" >"$dir/mixed.sum" 2>&1
check "mixed: exact for the threads with stats" has '(exact for 3 of the 4 threads:' "$dir/mixed.sum"
check "mixed: a sample for the thread without" \
	has '(a sample for the 1 thread without stats: 20.0 % of their events arrived, 8 were lost;' \
	"$dir/mixed.sum"
check "mixed: the table is partly a sample" grep -q '^function (partly a sample) ' "$dir/mixed.sum"
grep -v old_main "$dir/mixed.sum" | table /dev/stdin >"$dir/mixed.tab"
sed 's/^function (partly a sample)     /function                       /' "$dir/mixed.tab" >"$dir/mixed2.tab"
check "mixed: the stats threads' figures unchanged" cmp -s "$dir/stats.tab" "$dir/mixed2.tab"

# Entries that break the rules: refused or ignored one by one, counted,
# the thread incomplete; the rest applied.
LC_ALL=C "$bin" --plain --summary --replay "$data/model/stats_hostile/input" >"$dir/h.out" 2>&1
check "hostile: status 0" test $? = 0
check "hostile: the refused entries said as they come" \
	has '[7:7] ! 6 stats entries not applied (an entry is not an object)' "$dir/h.out"
check "hostile: counted in the summary" \
	has '(11 stats entries refused as malformed or inconsistent, 4 ignored' "$dir/h.out"
check "hostile: the thread is incomplete" \
	has '!   thread 7/7 -: 0 received, 0 dropped: 14 stats entries not applied' "$dir/h.out"
check "hostile: the valid entries applied" grep -q -E '^b +4 +40 ns +40 ns' "$dir/h.out"
# A writer whose last stats lines could not go before it exited (the
# reader took nothing during its exit's wait): its tally says how many
# nodes' figures the reader misses; the thread is incomplete, its figures
# never passed off as final.
cat >"$dir/unsent.jsonl" <<'LINES'
{"ev":"hello","ts":1,"pid":9,"v":1,"ppid":1,"prog":"late","stats_ms":200}
{"ev":"thread","ts":2,"pid":9,"tid":9,"name":"main"}
{"ev":"stats","ts":3,"pid":9,"tid":9,"nodes":[{"id":1,"parent":0,"fn":"main","count":0,"total":0,"self":0,"max":0,"exc":0,"abandoned":0,"hist":[]},{"id":2,"parent":1,"fn":"work","count":5,"total":50,"self":50,"max":10,"exc":0,"abandoned":0,"hist":[[3,5]]}]}
{"ev":"tally","ts":9,"pid":9,"tid":9,"seq":0,"dropped":0,"stats_unsent":2}
{"ev":"bye","ts":10,"pid":9,"status":0,"threads":1}
LINES
LC_ALL=C "$bin" --plain --summary --replay "$dir/unsent.jsonl" >"$dir/u.out" 2>&1
check "unsent: status 0" test $? = 0
check "unsent: said when the tally comes" \
	has '[9:9] ! 2 stats entries not applied (the writer'"'"'s tally: its last stats lines were never written' \
	"$dir/u.out"
check "unsent: counted in the summary" has '(2 stats entries never written: a writer exited' "$dir/u.out"
check "unsent: the thread is incomplete" \
	has '!   thread 9/9 main: 0 received, 0 dropped, 0 written: 2 stats entries not applied' "$dir/u.out"
check "unsent: the figures received are shown" grep -q -E '^work +5 ' "$dir/u.out"
check "unsent: its figures not said exact" sh -c "! grep -q '(exact for' '$dir/u.out'"
# A process whose bye came without the tally (a forked child that ended
# with _exit(), sqlite's mt test): its thread's figures stop at its last
# periodic stats line, not exact; the other process's thread is.
cat >"$dir/nofinal.jsonl" <<'LINES'
{"ev":"hello","ts":1,"pid":9,"v":1,"ppid":1,"prog":"child","stats_ms":200}
{"ev":"thread","ts":2,"pid":9,"tid":9,"name":"main"}
{"ev":"stats","ts":3,"pid":9,"tid":9,"nodes":[{"id":1,"parent":0,"fn":"main","count":0,"total":0,"self":0,"max":0,"exc":0,"abandoned":0,"hist":[]},{"id":2,"parent":1,"fn":"work","count":5,"total":50,"self":50,"max":10,"exc":0,"abandoned":0,"hist":[[3,5]]}]}
{"ev":"bye","ts":10,"pid":9,"status":0,"threads":1}
{"ev":"hello","ts":1,"pid":8,"v":1,"ppid":1,"prog":"fine","stats_ms":200}
{"ev":"stats","ts":3,"pid":8,"tid":8,"nodes":[{"id":1,"parent":0,"fn":"main","count":1,"total":10,"self":10,"max":10,"exc":0,"abandoned":0,"hist":[[3,1]]}]}
{"ev":"tally","ts":9,"pid":8,"tid":8,"seq":0,"dropped":0}
{"ev":"bye","ts":10,"pid":8,"status":0,"threads":1}
LINES
LC_ALL=C "$bin" --summary --quiet --replay "$dir/nofinal.jsonl" >"$dir/nf.out" 2>&1
check "no final stats: exact for the other thread only" has '(exact for 1 of the 2 threads:' "$dir/nf.out"
check "no final stats: the thread is incomplete" \
	has '!   thread 9/9 main: 0 received, 0 dropped: its tally never arrived' "$dir/nf.out"
check "no final stats: its figures are shown" grep -q -E '^work +5 ' "$dir/nf.out"
finish
