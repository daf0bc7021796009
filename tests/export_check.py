#!/usr/bin/env python3
"""Checks pipetrace-tui --export output, independently of the C code.

usage: export_check.py TRACE.json COLLAPSED.txt

Chrome JSON: it parses; every pid/tid used by an event has process_name and
thread_name metadata; every X event has numeric ts and dur >= 0; per thread
the X events nest strictly (sorted by ts, then by dur descending, each lies
inside the innermost enclosing one still open); instant events are well
formed.  Collapsed stacks: each line is "proc;thread;frames... SELF", no
control characters; per thread the SELF values sum to the self times of
the thread's calls that returned (dur less the durations of their direct
children), computed here from the X events.

Prints one line per thread and per instant event for the calling test to
compare with the values it expects; exits 1 on the first failed check."""
import json
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ns(us):
    if not isinstance(us, (int, float)) or isinstance(us, bool):
        fail("not a number: %r" % (us,))
    return round(us * 1000)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    events = doc["traceEvents"]
    pnames, tnames = {}, {}
    for e in events:
        if e.get("ph") == "M":
            if e["name"] == "process_name":
                pnames[e["pid"]] = e["args"]["name"]
            elif e["name"] == "thread_name":
                tnames[(e["pid"], e["tid"])] = e["args"]["name"]
    slices = {}
    instants = []
    for e in events:
        ph = e.get("ph")
        if ph == "M":
            continue
        key = (e["pid"], e["tid"])
        if e["pid"] not in pnames:
            fail("no process_name for pid %r" % e["pid"])
        if key not in tnames:
            fail("no thread_name for %r" % (key,))
        if ph == "X":
            ts, dur = ns(e["ts"]), ns(e["dur"])
            if dur < 0:
                fail("negative dur: %r" % e)
            if not isinstance(e.get("name"), str):
                fail("X event without a name: %r" % e)
            slices.setdefault(key, []).append(
                {"ts": ts, "end": ts + dur, "dur": dur, "name": e["name"],
                 "unfinished": "unfinished" in e.get("args", {}), "child": 0})
        elif ph == "i":
            ns(e["ts"])
            instants.append(e)
        else:
            fail("unexpected event phase %r" % ph)

    selfs = {}
    for key, sl in sorted(slices.items()):
        sl.sort(key=lambda s: (s["ts"], -s["dur"]))
        stack = []
        for s in sl:
            # a slice that ended at or before this one's start is closed,
            # unless both start together (then the longer, first, holds it)
            while stack and stack[-1]["end"] <= s["ts"] and stack[-1]["ts"] != s["ts"]:
                stack.pop()
            if stack:
                top = stack[-1]
                if s["end"] > top["end"]:
                    fail("%r: %s [%d, %d] overlaps %s [%d, %d]" % (
                        key, s["name"], s["ts"], s["end"], top["name"], top["ts"], top["end"]))
                top["child"] += s["dur"]
            stack.append(s)
        selfs[key] = sum(s["dur"] - s["child"] for s in sl if not s["unfinished"])
        print("thread %d/%d: %d calls, %d unfinished, self %d ns, process %r, name %r" % (
            key[0], key[1], len(sl), sum(s["unfinished"] for s in sl), selfs[key],
            pnames[key[0]], tnames[key]))

    for e in instants:
        print("instant %d/%d at %d ns: %s %s %r" % (
            e["pid"], e["tid"], ns(e["ts"]), e.get("cat"), e["name"],
            sorted(e.get("args", {}).items())))

    # collapsed stacks: thread labels are the metadata names with ';' and
    # control characters replaced
    def label(s):
        return "".join(":" if c == ";" else "?" if ord(c) < 0x20 or c == "\x7f" else c for c in s)

    by_label = {}
    for key, name in tnames.items():
        by_label[(label(pnames[key[0]]), label(name))] = key
    sums = {}
    with open(sys.argv[2], encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                fail("unterminated line %r" % line)
            line = line[:-1]
            if any(ord(c) < 0x20 or c == "\x7f" for c in line):
                fail("control character in %r" % line)
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")
            if len(frames) < 3 or not count.isdigit():
                fail("malformed line %r" % line)
            key = by_label.get((frames[0], frames[1]))
            if key is None:
                fail("unknown process/thread in %r" % line)
            sums[key] = sums.get(key, 0) + int(count)
    for key in set(sums) | set(k for k, v in selfs.items() if v):
        if sums.get(key, 0) != selfs.get(key, 0):
            fail("%r: collapsed stacks sum to %d ns, the calls' self times to %d ns" % (
                key, sums.get(key, 0), selfs.get(key, 0)))
    print("ok: %d threads, %d slices, %d instants, collapsed sums match" % (
        len(tnames), sum(len(s) for s in slices.values()), len(instants)))


main()
