#!/bin/sh
# --export chrome:FILE and collapsed:FILE, from a hand-made recording (two
# processes, two threads, recursion, an exception, a drop, an unfinished
# call, hostile names) and from a live traced program; the files are
# checked by tests/export_check.py, independently of the C code.
. "${top_srcdir:-.}/tests/plain-common.sh"
py=$(command -v python3) || { echo "1..0 # SKIP python3 not found"; exit 77; }
checker="${top_srcdir:-.}/tests/export_check.py"

cat >"$dir/rec.jsonl" <<'END'
{"ev":"hello","ts":1000,"pid":100,"ppid":1,"v":1,"prog":"server","lib":"x","wall":1}
{"ev":"enter","ts":1000,"pid":100,"tid":100,"seq":1,"depth":0,"fn":"main"}
{"ev":"enter","ts":2000,"pid":100,"tid":100,"seq":2,"depth":1,"fn":"fact"}
{"ev":"thread","ts":2400,"pid":100,"tid":101,"name":"worker;1\nx"}
{"ev":"enter","ts":2500,"pid":100,"tid":101,"seq":1,"depth":0,"fn":"loop"}
{"ev":"enter","ts":3000,"pid":100,"tid":100,"seq":3,"depth":2,"fn":"fact"}
{"ev":"enter","ts":3000,"pid":100,"tid":101,"seq":2,"depth":1,"fn":"step"}
{"ev":"exit","ts":3500,"pid":100,"tid":101,"seq":3,"depth":1,"fn":"step","dur":500}
{"ev":"drop","ts":3600,"pid":100,"tid":101,"count":5}
{"ev":"enter","ts":4000,"pid":100,"tid":100,"seq":4,"depth":3,"fn":"fact"}
{"ev":"exit","ts":5000,"pid":100,"tid":100,"seq":5,"depth":3,"fn":"fact","dur":1000}
{"ev":"exit","ts":6000,"pid":100,"tid":100,"seq":6,"depth":2,"fn":"fact","dur":3000}
{"ev":"exit","ts":6000,"pid":100,"tid":100,"seq":7,"depth":1,"fn":"fact","dur":4000}
{"ev":"enter","ts":7000,"pid":100,"tid":100,"seq":8,"depth":1,"fn":"pa\"r;se"}
{"ev":"exception","ts":7500,"pid":100,"tid":100,"seq":9,"depth":1,"fn":"pa\"r;se","type":"ParseError","msg":"bad \"q\"; l\n2\u001b"}
{"ev":"exit","ts":8000,"pid":100,"tid":100,"seq":10,"depth":1,"fn":"pa\"r;se","dur":1000}
{"ev":"exit","ts":10000,"pid":100,"tid":100,"seq":11,"depth":0,"fn":"main","dur":9000}
{"ev":"enter","ts":4000,"pid":100,"tid":102,"seq":1,"depth":0,"fn":"outer"}
{"ev":"enter","ts":4000,"pid":100,"tid":102,"seq":2,"depth":1,"fn":"inner"}
{"ev":"enter","ts":4000,"pid":100,"tid":102,"seq":3,"depth":2,"fn":"innermost"}
{"ev":"exit","ts":4200,"pid":100,"tid":102,"seq":4,"depth":2,"fn":"innermost","dur":200}
{"ev":"exit","ts":4500,"pid":100,"tid":102,"seq":5,"depth":1,"fn":"inner","dur":500}
{"ev":"exit","ts":5000,"pid":100,"tid":102,"seq":6,"depth":0,"fn":"outer","dur":1000}
{"ev":"bye","ts":12000,"pid":100,"status":0}
{"ev":"hello","ts":500,"pid":200,"ppid":1,"v":1,"prog":"client","lib":"x","wall":1}
{"ev":"enter","ts":600,"pid":200,"tid":200,"seq":1,"depth":0,"fn":"run"}
{"ev":"exit","ts":900,"pid":200,"tid":200,"seq":2,"depth":0,"fn":"run","dur":300}
{"ev":"enter","ts":900,"pid":200,"tid":200,"seq":3,"depth":0,"fn":"run"}
{"ev":"exit","ts":900,"pid":200,"tid":200,"seq":4,"depth":0,"fn":"run","dur":0}
{"ev":"bye","ts":2000,"pid":200,"status":0}
END

"$bin" --replay "$dir/rec.jsonl" --quiet --export chrome:"$dir/t.json" \
	--export collapsed:"$dir/t.folded" >"$dir/out" 2>&1
check "replay with --export ends with status 0" test $? = 0
"$py" "$checker" "$dir/t.json" "$dir/t.folded" >"$dir/check" 2>&1
rc=$?
sed 's/^/# /' "$dir/check"
check "chrome JSON and collapsed stacks pass the checker" test "$rc" = 0
# main 9000 ns: self 4000 + fact 1000 + 2000 + 1000 + parse 1000
check "main thread: 5 calls, self time 9 us" \
	has "thread 100/100: 5 calls, 0 unfinished, self 9000 ns, process 'server 100', name 'thread 100'" "$dir/check"
# loop never returned: closed at the process's last event (bye at 12000),
# marked; only step's 500 ns counts as self time
check "unfinished call kept, marked, not in the self times" \
	has "thread 100/101: 2 calls, 1 unfinished, self 500 ns, process 'server 100', name 'worker;1\\nx 101 [5 events lost]" "$dir/check"
check "calls starting together: strict nesting in file order too" \
	has "thread 100/102: 3 calls, 0 unfinished, self 1000 ns, process 'server 100', name 'thread 102'" "$dir/check"
check "two processes, zero-length call after an equal end" \
	has "thread 200/200: 2 calls, 0 unfinished, self 300 ns, process 'client 200', name 'thread 200'" "$dir/check"
check "exception as an instant event with type and message" \
	has "instant 100/100 at 7500 ns: exception ParseError [('fn', 'pa\"r;se'), ('message', 'bad \"q\"; l\\n2\\x1b'), ('type', 'ParseError')]" "$dir/check"
check "drop as an instant event" \
	has "instant 100/101 at 3600 ns: drop events lost [('count', 5)]" "$dir/check"
check "unfinished call closed at the end of its process" \
	grep -q '"name":"loop","cat":"call","ph":"X","ts":2.500,"dur":9.500,"pid":100,"tid":101,"args":{"unfinished"' "$dir/t.json"
check "recursion in collapsed stacks, ';' and newline replaced" \
	has "server 100;worker:1?x 101 [5 events lost]" "$dir/t.folded"
check "collapsed: recursive path with its self time" \
	has "server 100;thread 100;main;fact;fact;fact 1000" "$dir/t.folded"
check "collapsed: ';' in a function name replaced" \
	has "server 100;thread 100;main;pa\"r:se 1000" "$dir/t.folded"

# hostile times: an end past INT64_MAX saturates (UBSan would see an
# overflow), names with control characters stay escaped
cat >"$dir/hostile.jsonl" <<'END'
{"ev":"enter","ts":9223372036854775000,"pid":7,"tid":7,"seq":1,"depth":0,"fn":"a\u0007\u007f"}
{"ev":"exit","ts":9223372036854775800,"pid":7,"tid":7,"seq":2,"depth":0,"fn":"a\u0007\u007f","dur":9223372036854775807}
{"ev":"exit","ts":9223372036854775801,"pid":7,"tid":7,"seq":3,"depth":4,"fn":"never_entered"}
END
"$bin" --replay "$dir/hostile.jsonl" --quiet --export chrome:"$dir/h.json" \
	--export collapsed:"$dir/h.folded" >"$dir/hout" 2>&1
check "hostile times: status 0" test $? = 0
check "hostile times: valid JSON, control characters escaped" \
	"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not any(e.get("name") == "a\x07\x7f" for e in d["traceEvents"]))' "$dir/h.json"
check "hostile times: the unmatched exit said in the thread's name" \
	grep -q '"thread 7 \[1 event not placed\]"' "$dir/h.json"
check "hostile times: no raw control character in the collapsed stacks" \
	has "pid 7;thread 7 [1 event not placed];a?? " "$dir/h.folded"

# a long program name (300 three-byte characters): labels cut on a
# character boundary, or the JSON is not valid UTF-8
"$py" -c 'print("{\"ev\":\"hello\",\"ts\":1,\"pid\":9,\"v\":1,\"prog\":\"%s\"}" % ("\u20ac" * 300))' >"$dir/long.jsonl"
printf '%s\n' '{"ev":"enter","ts":2,"pid":9,"tid":9,"seq":1,"depth":0,"fn":"f"}' \
	'{"ev":"exit","ts":3,"pid":9,"tid":9,"seq":2,"depth":0,"fn":"f","dur":1}' >>"$dir/long.jsonl"
"$bin" --replay "$dir/long.jsonl" --quiet --export chrome:"$dir/long.json" \
	--export collapsed:"$dir/long.folded" >"$dir/lout" 2>&1
"$py" "$checker" "$dir/long.json" "$dir/long.folded" >"$dir/lcheck" 2>&1
check "a long program name cut on a character boundary" test $? = 0

# bad specifications: a clear error, status 2
"$bin" --replay "$dir/rec.jsonl" --export svg:"$dir/x" >"$dir/bad" 2>&1
check "unknown export format refused" test $? = 2
check "unknown export format: said why" has "FORMAT chrome or collapsed" "$dir/bad"
"$bin" --replay "$dir/rec.jsonl" --export chrome:"$dir/no/such/x.json" >"$dir/bad" 2>&1
check "unwritable export file: status 1" test $? = 1
check "unwritable export file: said" has "cannot write" "$dir/bad"

# a file that is also the input, the recording or the other format: refused
cp "$dir/rec.jsonl" "$dir/keep.jsonl"
"$bin" --replay "$dir/keep.jsonl" --export chrome:"$dir/../${dir##*/}/keep.jsonl" >"$dir/bad" 2>&1
check "export onto the replayed file refused, status 2" test $? = 2
check "export onto the replayed file: said, the file intact" \
	sh -c "grep -q 'would overwrite' '$dir/bad' && cmp -s '$dir/rec.jsonl' '$dir/keep.jsonl'"
"$bin" --replay "$dir/rec.jsonl" --export chrome:"$dir/same" --export collapsed:"$dir/same" >"$dir/bad" 2>&1
check "chrome and collapsed to one file refused" has "both name" "$dir/bad"

# live, from -- CMD: a real traced program
prog="${top_builddir:-.}/tests/plain_traced"
LC_ALL=C.UTF-8 "$bin" --quiet --export chrome:"$dir/l.json" --export collapsed:"$dir/l.folded" \
	-- "$prog" >"$dir/lout" 2>&1
check "-- CMD with --export ends with the program's status (5)" test $? = 5
"$py" "$checker" "$dir/l.json" "$dir/l.folded" >"$dir/lcheck" 2>&1
rc=$?
sed 's/^/# /' "$dir/lcheck"
check "live export passes the checker" test "$rc" = 0
check "live export holds calls" grep -q '"ph":"X"' "$dir/l.json"
finish
