#!/usr/bin/env python3
"""Opens pipetrace-tui --export files in speedscope, in headless Chromium,
and checks what the viewer shows against the files.

usage: viewer_speedscope.py CHROMIUM SPEEDSCOPE_RELEASE_DIR WORKDIR FILE...

Each FILE (a Chrome trace JSON, *.json, or collapsed stacks, any other name)
is served over HTTP on 127.0.0.1 (a free port) beside speedscope's offline
build and loaded with speedscope's #profileURL=...&view=sandwich.  Chromium
is driven over the DevTools protocol on a pipe (--remote-debugging-pipe, no
extra package).  For each profile speedscope made (one per thread for Chrome
JSON, pressing speedscope's `n` key to go to the next), the profile's name
and the function names in the sandwich table (DOM text) are read.

Checks, from the files parsed here independently of the C code: Chrome JSON
gives one profile per thread with calls, named after the thread_name and
process_name metadata, each showing exactly the thread's function names;
collapsed stacks give one profile showing exactly the frames of the file
(process, thread and function names), each with the total and self weight
the file gives it (a thread's total: the sum of its lines, its functions'
self times).  No import error, no alert.

Prints what the viewer showed, one line per profile, and a "MISMATCH:" line
per failed check; exits 0 when all hold, 1 otherwise, 2 when the viewer
could not be driven (Chromium did not start, speedscope did not load)."""
import fcntl
import functools
import http.server
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

DEADLINE = time.monotonic() + float(os.environ.get("VIEWER_TIMEOUT", "50"))


class DriverError(Exception):
    pass


def left():
    t = DEADLINE - time.monotonic()
    if t <= 0:
        raise DriverError("timed out")
    return t


class Chromium:
    """Headless Chromium with DevTools on fds 3 (commands in) and 4
    (replies and events out), NUL-separated JSON messages."""

    def __init__(self, exe, workdir):
        to_chrome = os.pipe()
        from_chrome = os.pipe()
        # Out of the way of 3 and 4 before the child's dup2s.
        hi = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in to_chrome + from_chrome]
        for fd in to_chrome + from_chrome:
            os.close(fd)
        c_in, self.w, self.r, c_out = hi

        def child_fds():
            os.dup2(c_in, 3)
            os.dup2(c_out, 4)

        self.log = open(os.path.join(workdir, "chromium.log"), "wb")
        args = [exe, "--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + os.path.join(workdir, "profile"),
                "--window-size=1400,1600", "--remote-debugging-pipe", "about:blank"]
        # A session of its own: the browser's helpers are stopped with it.
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, close_fds=False,
                                     preexec_fn=child_fds, start_new_session=True)
        os.close(c_in)
        os.close(c_out)
        self.buf = b""
        self.next_id = 0
        self.alerts = []
        self.session = None

    def send(self, method, params=None, session=True, wait=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            select.select([], [self.w], [], left())
            data = data[os.write(self.w, data):]
        if not wait:
            return None
        want = self.next_id
        while True:
            m = self.receive()
            if m.get("id") == want:
                if "error" in m:
                    raise DriverError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if m.get("method") == "Page.javascriptDialogOpening":
                # An alert stops the page's scripts (and this evaluate)
                # until answered.
                self.alerts.append(m["params"].get("message", ""))
                self.send("Page.handleJavaScriptDialog", {"accept": True}, wait=False)

    def receive(self):
        while b"\0" not in self.buf:
            ready, _, _ = select.select([self.r], [], [], min(left(), 1.0))
            if not ready:
                if self.proc.poll() is not None:
                    raise DriverError("chromium exited with status %d" % self.proc.returncode)
                continue
            chunk = os.read(self.r, 65536)
            if not chunk:
                raise DriverError("chromium closed the DevTools pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def attach_page(self):
        targets = self.send("Target.getTargets", session=False)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": page["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")

    def evaluate(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise DriverError("evaluate: %s" % r["exceptionDetails"].get("text"))
        return r["result"].get("value")

    def close(self):
        try:
            self.send("Browser.close", session=False, wait=False)
            self.proc.wait(timeout=5)
        except Exception:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()


# What speedscope shows: the document title, the current profile's name and
# position (toolbar "NAME (i/n)"), the names of every profile (the profile
# menu's rows, hidden until opened, carry them as titles) and the visible
# rows of the sandwich table: total weight, self weight, function name.
STATE_JS = r"""(() => {
  const text = document.body ? document.body.innerText : "";
  const table = [...document.querySelectorAll("tr")]
    .map(r => [r, r.querySelectorAll("td")])
    .filter(([r, td]) => td.length === 3 && r.offsetParent !== null)
    .map(([r, td]) => [td[0].textContent, td[1].textContent, td[2].textContent]);
  const profiles = [...document.querySelectorAll("tr[title]")].map(r => r.title);
  return {title: document.title, text: text, table: table,
          rows: table.map(r => r[2]), profiles: profiles};
})()"""

TOOLBAR = re.compile(r"^(.*) \((\d+)/(\d+)\)$", re.M)
ERROR_TEXT = "Something went wrong"


def state(chrome):
    s = chrome.evaluate(STATE_JS)
    m = TOOLBAR.search(s["text"])
    s["current"] = (m.group(1), int(m.group(2)), int(m.group(3))) if m else None
    return s


def wait_shown(chrome, name, index):
    """Waits until profile INDEX (1-based) of the file is on screen with its
    sandwich table, the same two polls in a row; an error ends the wait."""
    last = s = None
    while True:
        if time.monotonic() >= DEADLINE:
            raise DriverError("profile %d of %s not shown in time; the page says %r"
                              % (index, name, s and s["text"][:300]))
        s = state(chrome)
        if chrome.alerts:
            raise DriverError("speedscope alerted: %s" % "; ".join(chrome.alerts))
        if ERROR_TEXT in s["text"]:
            raise DriverError("speedscope shows an error: %r" % s["text"][:300])
        cur = s["current"]
        ok = s["title"].startswith(name) and s["rows"] and (
            cur is None and index == 1 or cur is not None and cur[1] == index)
        if ok and last is not None and (s["rows"], cur) == (last["rows"], last["current"]):
            return s
        last = s if ok else None
        time.sleep(0.15)


def expected_chrome(path):
    with open(path, encoding="utf-8") as f:
        events = json.load(f)["traceEvents"]
    pnames, tnames, fns = {}, {}, {}
    for e in events:
        if e.get("ph") == "M" and e["name"] == "process_name":
            pnames[e["pid"]] = e["args"]["name"]
        elif e.get("ph") == "M" and e["name"] == "thread_name":
            tnames[(e["pid"], e["tid"])] = e["args"]["name"]
        elif e.get("ph") == "X":
            fns.setdefault((e["pid"], e["tid"]), set()).add(e["name"])
    return pnames, tnames, fns


def expected_collapsed(path):
    """Per frame of the file: [total, self] weights, a line's weight counted
    once in the total of each frame on its stack (recursion too)."""
    frames = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            stack, weight = line.rstrip("\n").rsplit(" ", 1)
            stack = stack.split(";")
            for fr in set(stack):
                frames.setdefault(fr, [0, 0])[0] += int(weight)
            frames[stack[-1]][1] += int(weight)
    return frames


def check_collapsed(path, shown, table, problems):
    frames = expected_collapsed(path)
    if len(shown) != 1 or set(shown[0][1]) != set(frames):
        problems.append("collapsed: shown %s, the file has %s"
                        % ([sorted(r) for _, r in shown], sorted(frames)))
        return
    # The weights, shown as "1,234,567 (12%)": exact integers.
    for total, self_, name in table:
        got = [int(re.sub(r"[ ,]|\(.*", "", w) or -1) for w in (total, self_)]
        if got != frames[name]:
            problems.append("collapsed: %r shown with total, self %s, the file's %s"
                            % (name, got, frames[name]))
    print("%s: total and self weights of %d frames compared"
          % (os.path.basename(path), len(table)))


def check_chrome(path, shown, problems):
    pnames, tnames, fns = expected_chrome(path)
    if len(shown) != len(fns):
        problems.append("%d threads with calls in the file, %d profiles shown"
                        % (len(fns), len(shown)))
    seen = set()
    for pname, rows in shown:
        m = re.search(r"\(pid (\d+)\), .* \(tid (\d+)\)$", pname)
        if not m:
            problems.append("profile %r: no pid/tid in its name" % pname)
            continue
        key = (int(m.group(1)), int(m.group(2)))
        seen.add(key)
        want = "%s (pid %d), %s (tid %d)" % (pnames.get(key[0]), key[0], tnames.get(key), key[1])
        if pname != want:
            problems.append("profile %r, expected %r" % (pname, want))
        if set(rows) != fns.get(key, set()):
            problems.append("profile %r shows %s, the file has %s"
                            % (pname, sorted(rows), sorted(fns.get(key, ()))))
    for key in sorted(set(fns) - seen):
        problems.append("thread %s %r not shown" % (key, tnames.get(key)))


def main():
    if len(sys.argv) < 5:
        print(__doc__.split("\n\n")[1])
        return 2
    exe, release, workdir, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    served = {}
    for i, f in enumerate(files):
        served["p%d-%s" % (i, os.path.basename(f))] = os.path.abspath(f)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):
            name = urllib.parse.unquote(urllib.parse.urlsplit(path).path).lstrip("/")
            return served.get(name) or super().translate_path(path)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=release))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d/index.html" % httpd.server_address[1]

    chrome = Chromium(exe, workdir)
    problems = []
    try:
        chrome.attach_page()
        for name, path in served.items():
            # the query makes each file a new page, not a change of fragment
            url = "%s?%s#profileURL=%s&view=sandwich" % (base, name, urllib.parse.quote(name))
            chrome.send("Page.navigate", {"url": url})
            s = wait_shown(chrome, name, 1)
            count = s["current"][2] if s["current"] else 1
            shown = []
            for i in range(1, count + 1):
                if i > 1:
                    for t in ("keyDown", "keyUp"):
                        chrome.send("Input.dispatchKeyEvent",
                                    {"type": t, "key": "n", "code": "KeyN", "text": "n"})
                    s = wait_shown(chrome, name, i)
                pname = s["current"][0] if s["current"] else s["title"]
                shown.append((pname, s["rows"]))
                print("%s: profile %d/%d %r: %s" % (os.path.basename(path), i, count,
                                                    pname, ", ".join(s["rows"])))
            if path.endswith(".json"):
                check_chrome(path, shown, problems)
                if s["profiles"] != [p for p, _ in shown]:
                    problems.append("profile menu %r" % s["profiles"])
            else:
                check_collapsed(path, shown, s["table"], problems)
    except (DriverError, StopIteration) as e:
        print("ERROR: %s (chromium's output: %s)" % (e or "no page target",
                                                     os.path.join(workdir, "chromium.log")))
        return 2
    finally:
        chrome.close()
        httpd.shutdown()
        shutil.rmtree(os.path.join(workdir, "profile"), ignore_errors=True)
    for p in problems:
        print("MISMATCH: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
