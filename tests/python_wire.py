"""python_wire.py - lib/python/pipetrace.py end to end, with the checks of
the C library's wire tests (tests/test_lib_wire.c, test_lib_robust.c): the
test is the reader of a FIFO of its own, runs tests/python_traced.py as a
child, and every line must parse and follow lib/PROTOCOL.md; the emitter
must never harm the program (no reader, full pipe, a path that is not our
FIFO, threads, fork)."""
import json
import os
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

SRC = os.environ.get('top_srcdir', os.path.join(os.path.dirname(__file__), '..'))
LIBDIR = os.path.join(SRC, 'lib', 'python')
TRACED = os.path.join(SRC, 'tests', 'python_traced.py')


class Capture:
    """A FIFO read by the test, and the traced child writing into it."""

    def __init__(self, make_fifo=True):
        self.dir = tempfile.mkdtemp(prefix='pt-pytest-')
        self.fifo = os.path.join(self.dir, 'trace.fifo')
        self.buf = bytearray()
        self.rfd = self.wfd = -1
        if make_fifo:
            os.mkfifo(self.fifo, 0o600)
            self.open()

    def open(self, path=None):
        path = path or self.fifo
        self.rfd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        # Held open so that the reader never sees end-of-file.
        self.wfd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)

    def close(self):
        for fd in (self.rfd, self.wfd):
            if fd >= 0:
                os.close(fd)
        self.rfd = self.wfd = -1

    def spawn(self, *args, env=None):
        e = dict(os.environ)
        for k in ('PIPETRACE', 'PIPETRACE_MODE', 'PIPETRACE_LOSSLESS'):
            e.pop(k, None)
        e['PIPETRACE_FIFO'] = self.fifo
        e['PYTHONPATH'] = LIBDIR
        e.update(env or {})
        self.proc = subprocess.Popen([sys.executable, TRACED] + [str(a) for a in args],
                                     env=e, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.proc_in = self.proc.stdin

    def read(self, timeout=0.02, limit=None):
        if self.rfd < 0:
            time.sleep(timeout)
            return
        r, _, _ = select.select([self.rfd], [], [], timeout)
        while r:
            try:
                chunk = os.read(self.rfd, 65536 if limit is None else limit)
            except BlockingIOError:
                break
            if not chunk:
                break
            self.buf += chunk
            if limit is not None:
                break

    def finish(self, slow=None, timeout=60):
        """Reads until the child ends (slow: at most that many bytes every
        2 ms), then what is left."""
        end = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > end:
                self.proc.kill()
                raise AssertionError('traced program did not finish in %d s' % timeout)
            if slow:
                time.sleep(0.002)
                self.read(0, slow)
            else:
                self.read()
        self.out, self.err = self.proc.communicate()
        for _ in range(3):
            self.read(0.05)
        self.status = self.proc.returncode

    def cleanup(self):
        self.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Thread:
    def __init__(self):
        self.last_seq = 0
        self.events = 0
        self.dropped = 0
        self.stack = []
        self.tally = None


class WireTest(unittest.TestCase):

    def run_case_err(self, *args, status):
        """A case that ends with a traceback on stderr."""
        c = Capture()
        self.addCleanup(c.cleanup)
        c.spawn(*args, env={'PIPETRACE_LOSSLESS': '1'})
        c.finish()
        self.assertEqual(c.status, status)
        return c, self.parse(c.buf)

    def run_case(self, *args, env=None, slow=None, status=0):
        c = Capture()
        self.addCleanup(c.cleanup)
        c.spawn(*args, env=env)
        c.finish(slow=slow)
        self.assertEqual(c.status, status, c.err.decode(errors='replace'))
        self.assertEqual(c.err, b'')
        return c, self.parse(c.buf)

    # ---- the protocol ------------------------------------------------------

    def parse(self, buf):
        data = bytes(buf)
        self.assertTrue(data.endswith(b'\n') or not data, 'a line was cut: %r' % data[-80:])
        lines = []
        for raw in data.split(b'\n')[:-1]:
            self.assertLessEqual(len(raw) + 1, 4096)
            # No raw control byte, C1 control or invalid UTF-8 on the wire.
            self.assertFalse(any(b < 0x20 or b == 0x7f for b in raw), raw[:200])
            text = raw.decode('utf-8')          # raises on invalid UTF-8
            self.assertFalse(any(0x80 <= ord(ch) <= 0x9f for ch in text), raw[:200])
            o = json.loads(text)
            self.assertIsInstance(o, dict)
            self.assertEqual(text[:7], '{"ev":"', 'ev is the first key')
            self.schema(o)
            lines.append(o)
        return lines

    def need(self, o, key, typ):
        self.assertIn(key, o, o)
        self.assertIsInstance(o[key], typ, o)
        if typ is int:
            self.assertNotIsInstance(o[key], bool)
            self.assertGreaterEqual(o[key], 0, o)

    def schema(self, o):
        ev = o['ev']
        self.need(o, 'ts', int)
        self.need(o, 'pid', int)
        if ev == 'hello':
            for k, t in (('v', int), ('ppid', int), ('prog', str), ('wall', int), ('lib', str)):
                self.need(o, k, t)
            self.assertEqual(o['v'], 1)
            self.assertTrue(o['lib'].startswith('pipetrace-python '))
            return
        if ev == 'bye':
            self.need(o, 'threads', int)
            if 'status' in o:
                self.need(o, 'status', int)
            return
        self.need(o, 'tid', int)
        if ev == 'thread':
            self.need(o, 'name', str)
        elif ev == 'drop':
            self.need(o, 'count', int)
            self.assertGreater(o['count'], 0)
        elif ev == 'tally':
            self.need(o, 'seq', int)
            self.need(o, 'dropped', int)
        elif ev in ('enter', 'exit', 'exception'):
            self.need(o, 'seq', int)
            self.assertGreaterEqual(o['seq'], 1)
            self.need(o, 'depth', int)
            self.need(o, 'fn', str)
            if ev == 'enter' and 'file' in o:
                self.need(o, 'file', str)
                self.need(o, 'line', int)
            if ev == 'exit':
                self.need(o, 'dur', int)
            if ev == 'exception':
                self.need(o, 'type', str)
                self.need(o, 'msg', str)
        else:
            self.fail('unknown event kind %r' % ev)

    def replay(self, lines, contiguous, complete=None):
        """Per thread: seq 1, 2, ... (or increasing, with drops accounting
        for every gap), enter/exit nesting with matching fn, exceptions on
        the innermost open call; tallies and bye add up."""
        threads, hellos, byes = {}, {}, {}
        tallies = {}
        for o in lines:
            ev = o['ev']
            if ev == 'hello':
                hellos.setdefault(o['pid'], []).append(o)
                continue
            if ev == 'bye':
                self.assertNotIn(o['pid'], byes)
                byes[o['pid']] = o
                continue
            self.assertIn(o['pid'], hellos, 'a line before its process said hello')
            self.assertNotIn(o['pid'], byes, 'a line after bye')
            t = threads.setdefault((o['pid'], o['tid']), Thread())
            self.assertIsNone(t.tally, 'a line after the thread\'s tally')
            if ev == 'drop':
                t.dropped += o['count']
                continue
            if ev == 'thread':
                continue
            if ev == 'tally':
                t.tally = o
                tallies[o['pid']] = tallies.get(o['pid'], 0) + 1
                continue
            seq, depth, fn = o['seq'], o['depth'], o['fn']
            if contiguous:
                self.assertEqual(seq, t.last_seq + 1, o)
            else:
                self.assertGreater(seq, t.last_seq, o)
            t.last_seq = seq
            t.events += 1
            if ev == 'enter':
                if contiguous:
                    self.assertEqual(depth, len(t.stack), o)
                t.stack.append(fn)
            elif ev == 'exit':
                self.assertGreaterEqual(o['dur'], 0)
                if contiguous:
                    self.assertTrue(t.stack, o)
                    self.assertEqual(depth, len(t.stack) - 1, o)
                    self.assertEqual(fn, t.stack[-1], o)
                if t.stack:
                    t.stack.pop()
            elif contiguous:
                self.assertEqual(depth, len(t.stack) - 1 if t.stack else 0, o)
                self.assertEqual(fn, t.stack[-1] if t.stack else '?', o)
        if complete is None:
            complete = contiguous
        for pid, bye in byes.items():
            # A reader can tell whether tallies were lost.
            self.assertGreaterEqual(bye['threads'], tallies.get(pid, 0))
            if complete:
                self.assertEqual(bye['threads'], tallies.get(pid, 0))
        for (pid, tid), t in threads.items():
            if pid in byes and byes[pid]['threads'] == tallies.get(pid, 0):
                self.assertIsNotNone(t.tally, 'no tally for %d:%d' % (pid, tid))
            if t.tally is None:
                # Events lost after the last one received may have gone
                # with their drop line.
                self.assertGreaterEqual(t.events + t.dropped, t.last_seq, (pid, tid))
                continue
            # What arrived and what was counted as lost is what was
            # written: in the drop lines, and in the tally.
            self.assertGreaterEqual(t.tally['seq'], t.last_seq)
            self.assertEqual(t.events + t.tally['dropped'], t.tally['seq'], (pid, tid))
            self.assertEqual(t.events + t.dropped, t.tally['seq'], (pid, tid))
            if contiguous:
                self.assertEqual(t.tally['seq'], t.last_seq)
        self.threads, self.hellos, self.byes = threads, hellos, byes
        return threads

    def find(self, lines, ev, fn=None):
        return [o for o in lines if o['ev'] == ev and (fn is None or o.get('fn') == fn)]

    # ---- cases ---------------------------------------------------------------

    def calls(self, env, lossless):
        c, lines = self.run_case('calls', 1000, env=env)
        th = self.replay(lines, lossless)
        self.assertEqual(lines[0]['ev'], 'hello')
        self.assertEqual(lines[-1]['ev'], 'bye')
        self.assertEqual(lines[0]['pid'], c.proc.pid)
        self.assertEqual(lines[0]['ppid'], os.getpid())
        self.assertEqual(lines[0]['prog'], 'python_traced.py')
        self.assertEqual(len(th), 1)
        (t,) = th.values()
        self.assertEqual(t.events + t.dropped, 4002)
        if lossless:
            self.assertEqual(t.events, 4002)
            self.assertEqual(t.stack, [])
        self.assertEqual(list(th)[0][1], c.proc.pid, 'the main thread\'s tid is the pid')
        self.assertTrue(self.find(lines, 'thread'))
        leaf = self.find(lines, 'enter', 'leaf')
        if not leaf and not lossless:
            return
        self.assertEqual(leaf[0]['depth'], 2)
        self.assertTrue(leaf[0]['file'].endswith('python_traced.py'))
        self.assertEqual(leaf[0]['line'], 13)    # where @trace stands
        self.assertEqual(self.find(lines, 'enter', 'main_calls')[0]['depth'], 0)

    def test_async_lines(self):
        self.calls({}, False)

    def test_async_lossless(self):
        self.calls({'PIPETRACE_LOSSLESS': '1'}, True)

    def test_sync_lines(self):
        self.calls({'PIPETRACE_MODE': 'sync'}, False)

    def test_sync_lossless(self):
        self.calls({'PIPETRACE_MODE': 'sync', 'PIPETRACE_LOSSLESS': '1'}, True)

    def test_disabled(self):
        c, lines = self.run_case('calls', 1000, env={'PIPETRACE': '0'})
        self.assertEqual(c.buf, b'')

    def test_strings(self):
        c, lines = self.run_case('strings', env={'PIPETRACE_LOSSLESS': '1'})
        self.replay(lines, True)
        weird = 'we"ird\\name\x01\ufffd'
        self.assertEqual(self.find(lines, 'enter')[0]['fn'], weird)
        self.assertEqual(self.find(lines, 'enter')[1]['depth'], 1)
        self.assertEqual(self.find(lines, 'enter')[1]['fn'], weird)
        # Controls escaped on the wire, C1 ones included.
        for esc in (b'\\u0001', b'\\u001f', b'\\u007f', b'\\u0085', b'\\u009b', b'\\n', b'\\t',
                    b'Quote\\"Back\\\\slash'):
            self.assertIn(esc, c.buf)
        long = [o for o in self.find(lines, 'enter') if o['fn'].startswith('xxx')][0]
        self.assertTrue(long['fn'].endswith('\u2026'))
        self.assertEqual(len(json.dumps(long['fn'], ensure_ascii=False).encode()), 512 + 2)
        exc = self.find(lines, 'exception')
        self.assertEqual(len(exc), 2)
        self.assertTrue(exc[0]['type'].endswith('Quote"Back\\slash'))
        self.assertEqual(exc[0]['fn'], 'case_strings.<locals>.raiser')
        self.assertEqual(exc[0]['depth'], 1)
        self.assertEqual(exc[0]['msg'],
                         'ctl:\x01\x1f\x7f tab:\t nl:\n c1:\x85\x9b bad:\ufffd( '
                         '\ufffd\ufffd\ufffd sur:\ufffd\ufffd\ufffd end')
        msg = exc[1]['msg']
        self.assertGreater(len(msg.encode()), 3000)
        self.assertTrue(msg.endswith('\u2026'))
        self.assertEqual(set(msg[:-1]), {'\u20ac'})
        line = [raw for raw in c.buf.split(b'\n') if b'"ValueError"' in raw][0]
        self.assertLessEqual(len(line) + 1, 4096)
        self.assertGreater(len(line) + 1, 4096 - 4)     # filled to the limit

    def test_threads(self):
        self.threads_case({}, 2000)

    def test_threads_sync(self):
        self.threads_case({'PIPETRACE_MODE': 'sync'}, 300)

    def threads_case(self, env, n):
        env = dict(env, PIPETRACE_LOSSLESS='1')
        c, lines = self.run_case('threads', 8, n, env=env)
        th = self.replay(lines, True)
        self.assertEqual(len(self.hellos), 1)
        self.assertEqual(len(self.byes), 1)
        workers = [t for (pid, tid), t in th.items() if tid != pid]
        self.assertEqual(len(workers), 8)
        for t in workers:
            self.assertEqual(t.events, 2 + 4 * n)
            self.assertEqual(t.dropped, 0)
            self.assertEqual(t.stack, [])
        names = {o['name'] for o in self.find(lines, 'thread')}
        self.assertTrue({'w%d' % j for j in range(8)} <= names, names)
        self.assertEqual(list(self.byes.values())[0]['threads'], 8)

    def test_fork(self):
        c, lines = self.run_case('fork')
        self.replay(lines, False, complete=True)
        hellos = self.find(lines, 'hello')
        self.assertEqual(len(hellos), 2)
        parent = [h for h in hellos if h['pid'] == c.proc.pid][0]
        child = [h for h in hellos if h['pid'] != c.proc.pid][0]
        self.assertEqual(child['ppid'], parent['pid'])
        o = self.find(lines, 'enter', 'in_child')[0]
        self.assertEqual((o['pid'], o['tid']), (child['pid'], child['pid']))
        self.assertEqual(o['depth'], 1)         # before_fork -> in_child
        self.assertEqual(o['seq'], 1)           # seq starts again in the child
        self.assertEqual(self.find(lines, 'enter', 'after_fork')[0]['pid'], parent['pid'])
        # The child closes before_fork, opened before the fork, at depth 1.
        o = [x for x in self.find(lines, 'exit', 'before_fork') if x['pid'] == child['pid']][0]
        self.assertEqual(o['depth'], 0)
        self.assertEqual(len(self.byes), 2)

    def test_fork_busy(self):
        c, lines = self.run_case('forkbusy', 10)
        self.replay(lines, False)
        parent = [h for h in self.find(lines, 'hello') if h['pid'] == c.proc.pid]
        self.assertEqual(len(parent), 1)
        children = [h for h in self.find(lines, 'hello') if h['pid'] != c.proc.pid]
        self.assertEqual(len(children), 10)
        self.assertTrue(all(h['ppid'] == c.proc.pid for h in children))
        calls = self.find(lines, 'enter', 'in_child')
        self.assertEqual(sorted(o['pid'] for o in calls), sorted(h['pid'] for h in children))
        self.assertEqual({o['seq'] for o in calls}, {1})

    def test_uncaught(self):
        """An exception that ends the program: recorded where it left the
        innermost traced call, and the process still says bye."""
        c, lines = self.run_case_err('uncaught', status=1)
        self.replay(lines, True)
        (o,) = self.find(lines, 'exception')
        self.assertEqual((o['fn'], o['type'], o['msg']), ('uncaught', 'ZeroDivisionError', 'the end'))
        self.assertEqual(lines[-1]['ev'], 'bye')
        self.assertIn(b'ZeroDivisionError: the end', c.err)

    def test_exceptions(self):
        c, lines = self.run_case('exc', env={'PIPETRACE_LOSSLESS': '1'})
        self.replay(lines, True)
        exc = self.find(lines, 'exception')
        # Recorded once, where it left the innermost traced call, not again
        # in each caller it went through.
        self.assertEqual([(o['fn'], o['depth'], o['type']) for o in exc], [
            ('inner', 2, 'KeyError'),
            ('catcher', 0, 'RuntimeError'),
            ('catcher', 0, 'Custom'),
            ('escapes', 1, 'OSError'),
        ])
        self.assertEqual(exc[0]['msg'], "'no such key'")
        self.assertEqual(exc[1]['msg'], 'raised in catcher itself')
        self.assertEqual(exc[2]['msg'], 'by hand')
        self.assertEqual(exc[3]['msg'], '[Errno 5] escapes')
        # Class and static methods, under their qualified names.
        self.assertEqual(len(self.find(lines, 'exit', 'Shape.make')), 1)
        self.assertEqual(len(self.find(lines, 'exit', 'Shape.area')), 1)
        block = self.find(lines, 'enter', 'block')[0]
        self.assertTrue(block['file'].endswith('python_traced.py'))
        self.assertEqual(block['depth'], 0)

    def test_generators_and_coroutines(self):
        c, lines = self.run_case('gen', env={'PIPETRACE_LOSSLESS': '1'})
        self.replay(lines, True)
        # numbers(3): one call per resumption (3 yields and the end).
        self.assertEqual(len(self.find(lines, 'enter', 'numbers')), 4)
        # Each sleeper is resumed three times; the leaf it calls nests in it.
        self.assertEqual(len(self.find(lines, 'enter', 'sleeper')), 6)
        # ticker(3): 3 steps that sleep and then yield (6 resumptions) and
        # the end; ticker(5): one item (2 resumptions), then aclose.
        self.assertEqual(len(self.find(lines, 'enter', 'ticker')), 7 + 3)
        # Calls made during a resumption nest in it.
        for o, nxt in zip(lines, lines[1:]):
            if o['ev'] == 'enter' and o['fn'] in ('numbers', 'sleeper', 'ticker') and nxt['ev'] == 'enter':
                self.assertEqual(nxt['fn'], 'leaf')
                self.assertEqual(nxt['depth'], o['depth'] + 1)
        # A generator's or a coroutine's end is no exception.
        self.assertEqual(self.find(lines, 'exception'), [])

    def test_trace_all(self):
        c, lines = self.run_case('all', env={'PIPETRACE_LOSSLESS': '1'})
        self.replay(lines, True)
        self.assertEqual(len(self.find(lines, 'enter', 'plain_a')), 5)
        self.assertEqual(len(self.find(lines, 'exit', 'plain_b')), 5)
        o = self.find(lines, 'enter', 'plain_b')[0]
        self.assertEqual(o['depth'], self.find(lines, 'enter', 'plain_a')[0]['depth'] + 1)
        self.assertFalse([o for o in lines if 'pipetrace.py' in o.get('file', '')])
        exc = self.find(lines, 'exception')
        if sys.version_info >= (3, 12):
            # sys.monitoring tells a call that ended by exception.
            self.assertEqual([(o['fn'], o['type'], o['msg']) for o in exc],
                             [('plain_raises', 'LookupError', 'plain')])
        else:
            self.assertEqual(exc, [])   # sys.setprofile cannot tell

    def test_trace_all_fork(self):
        """trace_all() across a fork: the writer thread the child starts
        for itself is never traced, only the program's own thread."""
        c, lines = self.run_case('allfork', env={'PIPETRACE_LOSSLESS': '1'})
        th = self.replay(lines, False, complete=True)
        self.assertEqual(len(self.hellos), 2)
        self.assertEqual([(pid, tid) for pid, tid in th if pid != tid], [])
        self.assertEqual(len(self.find(lines, 'exit', 'plain_b')), 2)

    def test_exit_status(self):
        c, lines = self.run_case('exit', 3, status=3)
        self.replay(lines, False, complete=True)
        self.assertEqual(lines[-1]['ev'], 'bye')
        self.assertEqual(len(self.find(lines, 'exit', 'case_exit.<locals>.deep')), 1)

    def test_slow_reader(self):
        """Not lossless, a reader far slower than the program: drops, and
        every event is either received or counted, in drop lines and in the
        tally."""
        n = 30000
        c, lines = self.run_case('flood', n, slow=4096)
        th = self.replay(lines, False)
        (t,) = th.values()
        self.assertGreater(t.dropped, 0)
        # The counts get their own bounded wait at exit: a reader this slow
        # gets them unless the machine is very busy (then the reader can
        # tell: no bye, or fewer tallies than bye.threads).
        if t.tally is not None:
            self.assertEqual(t.tally['seq'], 2 * n)
            self.assertEqual(t.tally['dropped'], t.dropped)

    def test_full_pipe(self):
        """A reader that reads nothing: the program does not block; what the
        pipe could hold arrives and the rest is counted."""
        c = Capture()
        self.addCleanup(c.cleanup)
        c.spawn('flood', 50000)
        end = time.monotonic() + 60
        while c.proc.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        self.assertIsNotNone(c.proc.poll(), 'blocked on a full pipe')
        c.finish()
        self.assertEqual(c.status, 0)
        self.assertLess(len(c.buf), 70000)
        lines = self.parse(c.buf)
        self.replay(lines, False)

    def test_no_reader(self):
        """No FIFO, or a FIFO nobody reads: the program runs normally,
        nothing raises, nothing is printed."""
        for make in (False, True):
            c = Capture(make_fifo=False)
            self.addCleanup(c.cleanup)
            if make:
                os.mkfifo(c.fifo, 0o600)
            c.spawn('noreader', 20000)
            c.finish()
            self.assertEqual(c.status, 0, c.err)
            self.assertEqual(c.out, b'done\n')
            self.assertEqual(c.err, b'')

    def test_late_reader(self):
        """A reader that comes while the program runs gets a hello, then
        the count of what was lost before it came."""
        n = 5000
        c = Capture(make_fifo=False)
        self.addCleanup(c.cleanup)
        c.spawn('late', n)
        self.assertEqual(c.proc.stdout.readline(), b'phase1\n')
        os.mkfifo(c.fifo, 0o600)
        c.open()
        c.proc_in.write(b'go\n')
        c.proc_in.flush()
        c.finish()
        self.assertEqual(c.status, 0)
        lines = self.parse(c.buf)
        self.assertEqual(lines[0]['ev'], 'hello')
        th = self.replay(lines, False, complete=True)
        (t,) = th.values()
        self.assertGreaterEqual(t.dropped, 4 * n + 2)
        self.assertEqual(t.tally['seq'], 8 * n + 4)

    def reader_leaves(self, env, sigpipe):
        c = Capture()
        self.addCleanup(c.cleanup)
        c.spawn('twophase', 20000, sigpipe, env=env)
        self.assertEqual(c.proc.stdout.readline(), b'phase1\n')
        end = time.monotonic() + 30
        while not c.buf and time.monotonic() < end:
            c.read(0.1)
        self.assertTrue(c.buf)
        c.close()                   # the reader goes away
        c.proc_in.write(b'go\n')
        c.proc_in.flush()
        c.finish()
        # No SIGPIPE death, no traceback, the program ran to its end.
        self.assertEqual((c.status, c.err), (0, b''))
        self.assertEqual(c.out, b'phase2\n')

    def test_reader_leaves(self):
        for env in ({}, {'PIPETRACE_MODE': 'sync'}):
            for sigpipe in ('ign', 'dfl'):
                with self.subTest(env=env, sigpipe=sigpipe):
                    self.reader_leaves(env, sigpipe)

    def test_fd_reused(self):
        """The program closes the emitter's descriptor and gets its number
        back for a file: nothing goes into the file, tracing goes on
        through a new connection."""
        c = Capture()
        self.addCleanup(c.cleanup)
        other = os.path.join(c.dir, 'other')
        c.spawn('closefds', other)
        c.finish()
        self.assertEqual((c.status, c.err), (0, b''))
        self.assertEqual(os.path.getsize(other), 0)
        lines = self.parse(c.buf)
        # What was buffered when the descriptor went is counted as lost,
        # as the C library does.
        th = self.replay(lines, False, complete=True)
        self.assertEqual(len(self.find(lines, 'hello')), 2)
        self.assertEqual(len(self.find(lines, 'bye')), 1)
        (t,) = th.values()
        self.assertEqual(t.tally['seq'], 2 * (4 * 10 + 2))

    def refused(self, symlink):
        c = Capture(make_fifo=False)
        self.addCleanup(c.cleanup)
        other = os.path.join(c.dir, 'other')
        if symlink:
            # A FIFO we own and read, behind a symlink: must not be used.
            os.mkfifo(other, 0o600)
            os.symlink(other, c.fifo)
            c.open(other)
        else:
            with open(c.fifo, 'w') as f:
                f.write('keep')
            os.chmod(c.fifo, 0o600)
        before = os.lstat(c.fifo)
        c.spawn('calls', 1000)
        c.finish()
        self.assertEqual(c.status, 0)
        self.assertEqual(c.buf, b'')
        after = os.lstat(c.fifo)
        self.assertEqual((before.st_mode, before.st_size, before.st_mtime_ns),
                         (after.st_mode, after.st_size, after.st_mtime_ns))
        err = c.err.decode()
        # Said once, although the program retried.
        self.assertEqual(err.count('pipetrace: not writing to'), 1, err)
        if not symlink:
            with open(c.fifo) as f:
                self.assertEqual(f.read(), 'keep')

    def test_symlink_refused(self):
        self.refused(True)

    def test_regular_file_refused(self):
        self.refused(False)

    # ---- filters: PIPETRACE_FILTER, PIPETRACE_DEPTH, PIPETRACE_MIN_DURATION --

    def tree(self, lines):
        """The calls of a well-formed trace (one thread) as nested nodes:
        [fn, enter, exit, [items]], items are nodes and exception events."""
        root = [None, None, None, []]
        stack = [root]
        for o in lines:
            if o['ev'] == 'enter':
                node = [o['fn'], o, None, []]
                stack[-1][3].append(node)
                stack.append(node)
            elif o['ev'] == 'exit':
                stack.pop()[2] = o
            elif o['ev'] == 'exception':
                stack[-1][3].append(o)
        self.assertEqual(len(stack), 1, 'calls left open')
        return root[3]

    def expected(self, items, inc=(), exc=(), depth_max=1 << 32):
        """What the filters must let through, from an unfiltered trace, by
        their rules: an excluded call and everything in it go; with include
        patterns, only included calls and what they call stay; depth counts
        the calls that stay."""
        import fnmatch
        out = []

        def walk(items, depth, inside):
            for it in items:
                if isinstance(it, dict):        # an exception: with its call
                    continue
                fn = it[0]
                if any(fnmatch.fnmatchcase(fn, p) for p in exc):
                    continue
                traced = depth < depth_max and (inside or not inc or
                                                any(fnmatch.fnmatchcase(fn, p) for p in inc))
                if not traced:
                    walk(it[3], depth, inside)
                    continue
                out.append(('enter', fn, depth))
                for sub in it[3]:
                    if isinstance(sub, dict):
                        out.append(('exception', fn, depth))
                    else:
                        walk([sub], depth + 1, True)
                out.append(('exit', fn, depth))
        walk(items, 0, False)
        return out

    def filtered(self, env, args=(), sync=False):
        env = dict(env, PIPETRACE_LOSSLESS='1')
        if sync:
            env['PIPETRACE_MODE'] = 'sync'
        c, lines = self.run_case('filters', *args, env=env)
        th = self.replay(lines, True)       # seq 1, 2, ... and trees well formed
        self.assertEqual(len(th), 1)
        return lines

    def check_filter(self, env, inc=(), exc=(), depth_max=1 << 32, args=(), sync=False):
        ref = self.tree(self.filtered({}, args))
        lines = self.filtered(env, args, sync)
        got = [(o['ev'], o['fn'], o['depth']) for o in lines
               if o['ev'] in ('enter', 'exit', 'exception')]
        want = self.expected(ref, inc, exc, depth_max)
        self.assertEqual(got, want)
        hello = lines[0]
        self.assertEqual(hello.get('filter'), env.get('PIPETRACE_FILTER'))
        self.assertEqual(hello.get('depth_max'),
                         int(env['PIPETRACE_DEPTH']) if 'PIPETRACE_DEPTH' in env else None)
        # Nothing left out was counted as lost.
        self.assertEqual(self.find(lines, 'drop'), [])
        self.assertEqual(self.find(lines, 'tally')[0]['dropped'], 0)
        return lines

    def test_filter_exclude(self):
        lines = self.check_filter({'PIPETRACE_FILTER': '-f_noisy'}, exc=['f_noisy'])
        self.assertEqual(self.find(lines, 'enter', 'f_noisy'), [])
        self.assertEqual(len(self.find(lines, 'exit', 'f_slow')), 1)
        self.assertEqual(len(self.find(lines, 'exit', 'f_leaf')), 45 - 11)
        self.assertEqual(len(self.find(lines, 'exception', 'f_raise')), 1)

    def test_filter_include(self):
        lines = self.check_filter({'PIPETRACE_FILTER': ' f_mid , -f_slow'},
                                  inc=['f_mid'], exc=['f_slow'], sync=True)
        self.assertEqual({(o['fn'], o['depth']) for o in self.find(lines, 'enter')},
                         {('f_mid', 0), ('f_leaf', 1)})
        self.assertEqual(len(self.find(lines, 'exit', 'f_mid')), 4)
        self.assertEqual(len(self.find(lines, 'exit', 'f_leaf')), 40)

    def test_filter_globs_and_depth(self):
        self.check_filter({'PIPETRACE_FILTER': 'f_[nt]o*,-*block,-f_g?n',
                           'PIPETRACE_DEPTH': '3'},
                          inc=['f_[nt]o*'], exc=['*block', 'f_g?n'], depth_max=3)

    def test_filter_depth(self):
        lines = self.check_filter({'PIPETRACE_DEPTH': '2'}, depth_max=2)
        self.assertEqual(max(o['depth'] for o in self.find(lines, 'enter')), 1)

    def test_filter_trace_all(self):
        """trace_all(): the same rules for every Python function."""
        lines = self.check_filter({'PIPETRACE_FILTER': '-plain_b,-f_mid',
                                   'PIPETRACE_DEPTH': '4'},
                                  exc=['plain_b', 'f_mid'], depth_max=4, args=('all',))
        self.assertTrue(self.find(lines, 'exit', 'plain_a'))

    def test_filter_bad_values(self):
        """A value the emitter cannot use: said once on stderr, every call
        traced, no filter announced."""
        ref = self.filtered({})
        c = Capture()
        self.addCleanup(c.cleanup)
        bad = [('f_leaf, ,-f_mid', 'empty pattern'), ('f_leaf,-', 'empty pattern'),
               ('f_leaf,', 'empty pattern'), ('-f_[mid', "a '[' without its ']'"),
               ('f_[z-a]', 'a bracket expression that is not valid'),
               ('f' * 1025, 'longer than 1024 bytes')]
        for i, (filt, why) in enumerate(bad):
            c = Capture()
            self.addCleanup(c.cleanup)
            env = {'PIPETRACE_LOSSLESS': '1', 'PIPETRACE_FILTER': filt}
            if i == 0:
                env.update({'PIPETRACE_DEPTH': '0', 'PIPETRACE_MIN_DURATION': '10 parsecs'})
            c.spawn('filters', env=env)
            c.finish()
            self.assertEqual(c.status, 0)
            err = c.err.decode()
            self.assertIn('pipetrace: PIPETRACE_FILTER "%s": %s; tracing every function\n'
                          % (filt, why), err)
            if i == 0:
                self.assertIn('PIPETRACE_DEPTH "0" is not a positive integer', err)
                self.assertIn('PIPETRACE_MIN_DURATION "10 parsecs" is not a duration', err)
            self.assertEqual(len(err.splitlines()), 3 if i == 0 else 1, err)
            lines = self.parse(c.buf)
            self.replay(lines, True)
            self.assertEqual(len(lines), len(ref))
            for k in ('filter', 'depth_max', 'min_duration'):
                self.assertNotIn(k, lines[0])

    def test_filter_globs_as_fnmatch(self):
        """The globs mean what fnmatch(3) (the C library's) makes of them:
        [!..] and [^..], a leading ], backslash escapes, ranges."""
        import ctypes
        try:
            libc_fnmatch = ctypes.CDLL(None).fnmatch
        except (OSError, AttributeError):
            self.skipTest('no fnmatch in the C library')
        sys.path.insert(0, LIBDIR)
        try:
            import pipetrace
        finally:
            sys.path.remove(LIBDIR)
        import re
        pats = ['f_*', '*', '?', 'f_[nt]o*', 'f_[!m]*', 'f_[^m]*', 'a\\*b', '[]]x', '[!]]x',
                'a[a-c]', '*.tiny', 'x?y*z', '[^a-c]*', 'a\\[b', 'A.*', '<lambda>', 'a(b|c)+']
        names = ['f_top', 'f_mid', 'a*b', 'ab', ']x', 'ax', 'aa', 'ad', 'child.<locals>.tiny',
                 'xayz', 'xyz', 'dzz', 'a[b', 'A.m', 'Abm', '<lambda>', 'a\nb', '', 'a(b|c)+', 'abc']
        for p in pats:
            r = re.compile(pipetrace._glob_re(p))
            for n in names:
                self.assertEqual(bool(r.match(n)),
                                 libc_fnmatch(p.encode(), n.encode(), 0) == 0, (p, n))

    def test_min_duration(self):
        """Short calls are not sent; a long call is, after the enters of
        its open callers, which keep the times they began; an exception is
        sent with its callers."""
        # (the C library's forms of a duration)
        for sync, dur in ((False, '15ms'), (True, '0.015s'), (False, '1.5e4\u00b5s')):
            lines = self.filtered({'PIPETRACE_MIN_DURATION': dur}, sync=sync)
            self.assertEqual(lines[0]['min_duration'], 15_000_000)
            self.assertEqual(self.find(lines, 'drop'), [])
            items = self.tree(lines)
            paths = []

            def walk(items, path):
                for it in items:
                    if isinstance(it, dict):
                        continue
                    fn, enter, exit_, sub = it
                    p = path + (fn,)
                    paths.append(p)
                    self.assertEqual(enter['ts'], exit_['ts'] - exit_['dur'], p)
                    # sent because it was long, or for what it holds
                    self.assertTrue(exit_['dur'] >= 15_000_000 or sub, p)
                    for s in sub:
                        self.assertGreaterEqual((s if isinstance(s, dict) else s[1])['ts'],
                                                enter['ts'], p)
                    walk(sub, p)
            walk(items, ())
            self.assertEqual(sorted(p for p in paths if p[-1] == 'f_slow'),
                             [('f_top', 'f_mid', 'f_slow'),
                              ('f_top', 'f_noisy', 'f_mid', 'f_slow')])
            self.assertIn(('f_top', 'f_raise'), paths)
            self.assertEqual([(o['fn'], o['depth'], o['msg']) for o in self.find(lines, 'exception')],
                             [('f_raise', 1, 'short, raised')])
            # 45 calls of f_leaf, each far shorter than 15 ms (a few could
            # be made long by a busy machine: then they are sent, rightly)
            self.assertLess(len(self.find(lines, 'exit', 'f_leaf')), 5)

    def test_readme_example(self):
        """The Python example of README.org runs as it stands."""
        readme = open(os.path.join(SRC, 'README.org'), encoding='utf-8').read()
        start = readme.index('#+begin_src python\n') + len('#+begin_src python\n')
        code = readme[start:readme.index('#+end_src', start)]
        c = Capture()
        self.addCleanup(c.cleanup)
        script = os.path.join(c.dir, 'example.py')
        with open(script, 'w') as f:
            f.write(code)
        env = dict(os.environ, PIPETRACE_FIFO=c.fifo, PYTHONPATH=LIBDIR, PIPETRACE_LOSSLESS='1')
        c.proc = subprocess.Popen([sys.executable, script], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        c.finish()
        self.assertEqual((c.status, c.err), (0, b''))
        lines = self.parse(c.buf)
        self.replay(lines, True)
        self.assertEqual(len(self.find(lines, 'exit', 'parse')), 1)

    def test_default_path(self):
        """Without $PIPETRACE_FIFO: $XDG_RUNTIME_DIR/pipetrace.fifo when that
        is a private directory of ours, else /tmp/pipetrace-$UID/."""
        c = Capture(make_fifo=False)
        self.addCleanup(c.cleanup)
        xdg = os.path.join(c.dir, 'xdg')
        os.mkdir(xdg, 0o700)
        c.fifo = os.path.join(xdg, 'pipetrace.fifo')
        os.mkfifo(c.fifo, 0o600)
        c.open()
        env = dict(os.environ, XDG_RUNTIME_DIR=xdg, PYTHONPATH=LIBDIR)
        env.pop('PIPETRACE_FIFO', None)
        c.proc = subprocess.Popen([sys.executable, TRACED, 'calls', '10'], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        c.finish()
        self.assertEqual(c.status, 0)
        self.assertEqual(len(self.find(self.parse(c.buf), 'enter', 'leaf')), 10)
        tmp = '/tmp/pipetrace-%d/pipetrace.fifo' % os.getuid()
        probe = ('import pipetrace, os; print(pipetrace.fifo_path())')
        for mode, want in ((0o700, c.fifo), (0o770, tmp), (0o707, tmp)):
            os.chmod(xdg, mode)
            got = subprocess.run([sys.executable, '-c', probe], env=env, check=True,
                                 stdout=subprocess.PIPE).stdout.decode().strip()
            self.assertEqual(got, want, oct(mode))
        os.chmod(xdg, 0o700)
        link = os.path.join(c.dir, 'link')
        os.symlink(xdg, link)
        env['XDG_RUNTIME_DIR'] = link
        got = subprocess.run([sys.executable, '-c', probe], env=env, check=True,
                             stdout=subprocess.PIPE).stdout.decode().strip()
        self.assertEqual(got, tmp)


if __name__ == '__main__':
    unittest.main(verbosity=2)
