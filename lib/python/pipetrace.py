"""pipetrace.py - trace Python calls live into pipetrace's FIFO.

A writer of pipetrace's wire protocol (lib/PROTOCOL.md in the pipetrace
sources) for Python programs, standard library only, Python 3.9 or later:
the same JSON lines as libpipetrace, so that pipetrace-tui shows Python
processes beside C ones.

    from pipetrace import trace, trace_block, thread_name

    @trace
    def handle(request): ...          # functions, generators, async def

    with trace_block("parse"): ...    # a block of code

Tracing never blocks the program and never raises into it: with no reader,
a slow reader or a reader that goes away, events are counted as dropped and
the counts are written once a reader is there.  Each thread formats its own
lines into a bounded buffer (8192 events) and writes it itself when a batch
is ready; a thread of its own (not one of threading's) writes what is
left every 10 ms, and at exit
everything buffered goes out with a bounded wait, then each thread's
`tally` and `bye`.

Environment (read at the first event): PIPETRACE_FIFO (the FIFO; default
$XDG_RUNTIME_DIR/pipetrace.fifo when that directory is safe, else
/tmp/pipetrace-$UID/pipetrace.fifo), PIPETRACE=0 (off), PIPETRACE_MODE=sync
(write each event before the call goes on), PIPETRACE_LOSSLESS=1 (wait for
the reader instead of dropping).  Filters, as the C library's (uftrace's
-F/-N, -D, -t): PIPETRACE_FILTER="glob,glob,-glob" (fnmatch globs on the
name as sent; with an include pattern only calls matching one, and what
they call, are traced; a call matching a "-" pattern is not traced, nor
anything it calls), PIPETRACE_DEPTH=N (calls at traced depth N or deeper
are not traced), PIPETRACE_MIN_DURATION=10us (ns, us, ms, s; a call is sent
only when it lasted that long or something in it was sent: its enter, and
those of its open callers, wait until then).  What they leave out is no
event: no seq, not counted as dropped.
"""

import atexit
import errno
import functools
import inspect
import os
import re
import select
import signal
import stat
import sys
import threading
import time

import _signal
import _thread

__all__ = ["trace", "trace_block", "exception", "thread_name", "trace_all",
           "flush", "enabled"]
__version__ = "0.1"

LIB = "pipetrace-python " + __version__
PROTOCOL_VERSION = 1

_LINE_MAX = 4096        # longest line and largest write: PIPE_BUF
_NAME_CAP = 512 + 2     # fn and file, escaped, quotes included
_TNAME_CAP = 64 + 2     # thread name
_TYPE_CAP = 256         # exception type
_QUEUE_MAX = 8192       # events waiting per thread; past that, dropped
_BATCH = 64             # a thread writes its own lines from this many on
_RETRY_NS = 100_000_000  # reconnection attempts at most this often
_TICK = 0.01            # the background writer's period, seconds

_mono = time.monotonic_ns

# ---- JSON strings -----------------------------------------------------------
# The rules of PROTOCOL.md, "Strings": C0 and C1 controls and DEL escaped,
# invalid UTF-8 as U+FFFD per offending byte, cut on a character boundary
# with "…" when the string does not fit.  A Python str is invalid UTF-8
# only where it holds lone surrogates: one from the surrogateescape error
# handler (U+DC80..U+DCFF) stands for one undecodable byte, any other for
# the three bytes UTF-8 would need for it.

_ESC = {'"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r',
        '\b': '\\b', '\f': '\\f'}
for _c in list(range(0x20)) + list(range(0x7f, 0xa0)):
    _ESC.setdefault(chr(_c), '\\u%04x' % _c)
del _c
_SPECIAL = re.compile('[\x00-\x1f"\\\\\x7f-\x9f\ud800-\udfff]')


def _units(ch):
    """The escaped form of one character, as the units a cut may fall between."""
    e = _ESC.get(ch)
    if e is not None:
        return (e,)
    o = ord(ch)
    if 0xd800 <= o <= 0xdfff:
        return ('\ufffd',) * (1 if o >= 0xdc80 and o <= 0xdcff else 3)
    return (ch,)


def _sub(m):
    return ''.join(_units(m.group()))


def _json_str(s, cap):
    """s as a JSON string, quotes included, in at most cap UTF-8 bytes."""
    if s.__class__ is not str:
        try:
            s = str(s)
        except Exception:
            s = '?'
    e = _SPECIAL.sub(_sub, s) if _SPECIAL.search(s) else s
    n = len(e) if e.isascii() else len(e.encode())
    if n + 2 <= cap:
        return '"' + e + '"'
    budget = cap - 1 - 3        # the opening quote is in o; "…" and '"' follow
    out = []
    o = 1
    for ch in s:
        for u in _units(ch):
            ul = len(u) if u.isascii() else len(u.encode())
            if o + ul > budget:
                return '"' + ''.join(out) + '\u2026"'
            out.append(u)
            o += ul
    return '"' + ''.join(out) + '\u2026"'


# ---- call sites -------------------------------------------------------------


class _Site:
    """What every event of one traced function or block repeats."""
    __slots__ = ('enter', 'exit', 'name', 'verdict')

    def __init__(self, name, file, line):
        self.name = name
        self.verdict = None     # PIPETRACE_FILTER's, decided at its first call
        fn = '"fn":' + _json_str(name, _NAME_CAP)
        self.exit = fn
        if file:
            fn += ',"file":' + _json_str(file, _NAME_CAP)
            if line and line > 0:
                fn += ',"line":%d' % line
        self.enter = fn


_NO_CALL = _Site('?', None, 0)  # an exception with no traced call open


def _code_site(code):
    return _Site(getattr(code, 'co_qualname', code.co_name),
                 code.co_filename, code.co_firstlineno)


# ---- per-thread state ---------------------------------------------------------


class _Thread:
    __slots__ = ('tid', 'id', 'name', 'seq', 'depth', 'stack', 'pstarts', 'buf',
                 'lost', 'undelivered', 'announced', 'rest', 'rest_off',
                 'rest_drop', 'dead', 'tallied', 'exc', 'last_ts',
                 'starts', 'sent', 'excl', 'fopen')

    def __init__(self, name):
        self.name = name
        self.depth = 0
        self.stack = []         # open calls' sites, outermost first
        self.pstarts = []       # (depth, start) of trace_all()'s open calls
        # With filters (_filtering) only:
        self.starts = []        # open calls' start times, as stack
        self.sent = 0           # stack[:sent] had their enters sent
        self.excl = 0           # open calls PIPETRACE_FILTER excluded
        self.fopen = []         # trace_all()'s open calls: (code, depth, start)
        self.buf = []           # formatted lines not yet handed to the writer
        self.exc = None         # (id, id of its traceback) of the last exception
        self.new_identity()

    def new_identity(self):
        """A new thread, or this one in a forked child: seq from 1 again."""
        self.tid = threading.get_native_id()
        self.id = ',"pid":%d,"tid":%d,' % (_pid, self.tid)
        self.seq = 0
        self.lost = 0           # events lost since the last drop line
        self.undelivered = 0    # all events lost, for the tally
        self.announced = 0      # connection that got this thread's line
        self.rest = None        # bytes of whole lines not written yet
        self.rest_off = 0
        self.rest_drop = 0      # count carried by a drop line in rest
        self.dead = False
        self.tallied = False
        self.last_ts = 0
        del self.buf[:]


class _Sentinel:
    """Kept in the thread's locals only: goes away when the thread ends."""
    __slots__ = ('t',)

    def __init__(self, t):
        self.t = t

    def __del__(self):
        self.t.dead = True


_tls = threading.local()
_init_lock = threading.Lock()
_lock = threading.Lock()        # the writer: fd, connection, thread outputs
_threads = []                   # _Thread of every live thread that traced
_nthreads = 0                   # threads that traced in this process (bye)
_state = 0                      # 0 not started, 1 on, 2 off
_deco_on = True                 # decorators record (on, and no trace_all)
_all_on = False
_sync = False
_lossless = False
_batch = _BATCH
_connected = False              # read without the lock by the hot path
_kick = False                   # no writer thread: events not written kick it
_stopping = False
_pid = os.getpid()
_ppid = os.getppid()
# Filters (PIPETRACE_FILTER, PIPETRACE_DEPTH, PIPETRACE_MIN_DURATION); the
# hot paths only test _filtering.
_filtering = False
_filter = None                  # the PIPETRACE_FILTER string, for hello
_includes = None                # PIPETRACE_FILTER's patterns: match functions
_excludes = None
_depth_max = None               # trace depths < this, None: all
_min_dur = 0                    # ns
_flusher = None                 # a lock the writer thread holds while it runs
_wake = threading.Event()
_flusher_quit = threading.Event()


def _register():
    """The calling thread's first event: its state, or None when it must not
    trace (tracing off, the writer's own thread)."""
    global _nthreads
    # None meanwhile: what runs from here (threading's Python code) must not
    # come back here through trace_all().
    _tls.t = None
    try:
        if _state == 0:
            _init()
        if _state != 1 or getattr(_tls, 'off', False):
            return None
        try:
            name = threading.current_thread().name
        except Exception:
            name = ''
        t = _Thread(name)
        with _init_lock:
            _threads.append(t)
            _nthreads += 1
        _tls.sentinel = _Sentinel(t)
    except Exception:
        return None             # this thread goes on untraced, never harmed
    _tls.t = t
    return t


def _self():
    try:
        return _tls.t
    except AttributeError:
        return _register()


# ---- the FIFO -----------------------------------------------------------------

_path = None
_fd = -1
_fd_key = None                  # (st_dev, st_ino) of what _fd opened
_gen = 0                        # bumped on each new connection and fork
_hello_gen = 0                  # the connection that got its hello
_last_try = 0
_warned = False
_poll = None


def _xdg_dir_ok(d):
    """Like the C library: an absolute path to a real directory of ours that
    nobody else can write to."""
    if not d or not d.startswith('/'):
        return False
    try:
        st = os.lstat(d)
    except OSError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
            and not st.st_mode & 0o022)


def fifo_path():
    """The FIFO this process writes to (the rendezvous of PROTOCOL.md)."""
    env = os.environ.get('PIPETRACE_FIFO')
    if env:
        return env
    xdg = os.environ.get('XDG_RUNTIME_DIR')
    if _xdg_dir_ok(xdg):
        return xdg + '/pipetrace.fifo'
    return '/tmp/pipetrace-%d/pipetrace.fifo' % os.getuid()


def _open_raw():
    """fd, or -1 (no reader or no FIFO), -2 (refused: not a FIFO of ours,
    a symlink), -3 (another error)."""
    try:
        st = os.lstat(_path)
    except FileNotFoundError:
        return -1
    except (OSError, ValueError):
        return -3
    if not stat.S_ISFIFO(st.st_mode) or st.st_uid != os.geteuid():
        return -2
    try:
        fd = os.open(_path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        if e.errno in (errno.ENXIO, errno.ENOENT):
            return -1
        return -2 if e.errno == errno.ELOOP else -3
    try:
        st = os.fstat(fd)
        ok = stat.S_ISFIFO(st.st_mode) and st.st_uid == os.geteuid()
    except OSError:
        ok = False
    if not ok:
        os.close(fd)
        return -2
    return fd


def _connect(force):
    global _fd, _fd_key, _gen, _last_try, _warned, _connected, _poll
    if _fd >= 0:
        return True
    now = _mono()
    if not force and _last_try and now - _last_try < _RETRY_NS:
        return False
    _last_try = now
    fd = _open_raw()
    if fd >= 0:
        st = os.fstat(fd)
        _fd, _fd_key = fd, (st.st_dev, st.st_ino)
        _gen += 1
        _poll = select.poll()
        _poll.register(fd, select.POLLOUT)
        _connected = True
        return True
    if fd < -1 and not _warned:
        _warned = True
        try:
            if fd == -2:
                sys.stderr.write('pipetrace: not writing to %s: not a FIFO owned by you\n' % _path)
            else:
                sys.stderr.write('pipetrace: cannot open %s\n' % _path)
        except Exception:
            pass
    return False


def _disconnect(close=True):
    global _fd, _connected
    if _fd >= 0 and close:
        try:
            os.close(_fd)
        except OSError:
            pass
    _fd = -1
    _connected = False


def _still_ours():
    """A program that closes every descriptor may get our number back for a
    file of its own: never write into that."""
    try:
        st = os.fstat(_fd)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == _fd_key and stat.S_ISFIFO(st.st_mode)


_OK, _AGAIN, _GONE = 0, 1, 2
_SIGPIPE = {signal.SIGPIPE}


def _write(data):
    """One write(2) of at most PIPE_BUF bytes: all or nothing.  A SIGPIPE it
    causes neither kills the program nor reaches its handler."""
    if _fd < 0:
        return _GONE
    if not _still_ours():
        _disconnect(close=False)
        return _GONE
    # _signal, not signal: no Python function of the standard library is
    # called while writing (trace_all() would see it).
    guard = _signal.getsignal(signal.SIGPIPE) is not _signal.SIG_IGN
    if guard:
        old = _signal.pthread_sigmask(signal.SIG_BLOCK, _SIGPIPE)
    try:
        os.write(_fd, data)
        return _OK
    except BlockingIOError:
        return _AGAIN
    except OSError as e:
        if guard and e.errno == errno.EPIPE and signal.SIGPIPE not in old:
            try:
                signal.sigtimedwait(_SIGPIPE, 0)
            except OSError:
                pass
        _disconnect()
        return _GONE
    finally:
        if guard:
            _signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _wait_writable(ms):
    try:
        _poll.poll(ms)
    except (OSError, AttributeError):
        pass


def _reader_gone():
    try:
        r = _poll.poll(0)
    except (OSError, AttributeError):
        return True
    return any(ev & (select.POLLERR | select.POLLHUP | select.POLLNVAL) for _, ev in r)


# ---- writing ------------------------------------------------------------------
# Everything below runs under _lock.  A thread's pending output is t.rest:
# whole lines, written in pieces of at most 4096 bytes that end on a line.
# When a piece must be given up, the events in it count as lost to the
# thread, the count a drop line in it carried is due again, and a thread
# line in it has to be sent again.

_KEEP = 0               # pipe full: keep the output, return
_NOW = 1                # pipe full: drop the output at once
_NEVER = 1 << 64        # pipe full: wait as long as a reader is there


def _meta_count(b):
    return b.count(b'{"ev":"thread"') + b.count(b'{"ev":"drop"') + b.count(b'{"ev":"tally"')


def _give_up(t):
    """Discards t's pending output: every event in it is lost."""
    if t.rest is not None:
        part = t.rest[t.rest_off:]
        n = part.count(b'\n') - _meta_count(part)
        t.lost += n + t.rest_drop
        t.undelivered += n
        if b'{"ev":"thread"' in part:
            t.announced = 0
        t.rest = None
        t.rest_off = 0
        t.rest_drop = 0


def _send(data, deadline):
    """Writes data (at most PIPE_BUF bytes).  True once written; False when
    the pipe is full and the deadline says keep it, or it was dropped (then
    _connected says which)."""
    while True:
        r = _write(data)
        if r == _OK:
            return True
        if r == _GONE or deadline == _KEEP:
            return False
        if deadline == _NOW or _stopping and deadline == _NEVER:
            return False
        if deadline == _NEVER:
            _wait_writable(100)
        else:
            now = _mono()
            if now >= deadline:
                return False
            _wait_writable((deadline - now) // 1_000_000 + 1)


def _send_rest(t, deadline):
    """Writes t.rest.  True when nothing is left pending."""
    while t.rest is not None:
        b, off = t.rest, t.rest_off
        if len(b) - off <= _LINE_MAX:
            end = len(b)
        else:
            end = b.rfind(b'\n', off, off + _LINE_MAX) + 1
        if _send(b[off:end] if off or end < len(b) else b, deadline):
            if end >= len(b):
                t.rest = None
                t.rest_off = 0
            else:
                t.rest_off = end
            t.rest_drop = 0     # the drop line is always in the first piece
            continue
        if _connected and deadline == _KEEP:
            return False
        _give_up(t)
    return True


def _line_ts(line):
    """The ts of a buffered line (a rename: "\\0ts\\0name")."""
    try:
        if line[0] == '\0':
            return int(line[1:line.index('\0', 1)])
        i = line.index('"ts":') + 5
        return int(line[i:line.index(',', i)])
    except ValueError:
        return 0


def _thread_line(t, ts):
    return '{"ev":"thread","ts":%d%s"name":%s}\n' % (ts, t.id, _json_str(t.name, _TNAME_CAP))


def _take(t):
    """Moves t's buffered lines, and the thread and drop lines due before
    them, into t.rest."""
    n = len(t.buf)
    if t.rest is not None or not n and not t.lost and t.announced == _gen:
        return
    items = t.buf[:n]
    del t.buf[:n]       # the owner may be appending meanwhile: only at the end
    parts = []
    # thread and drop lines carry the time of the thread's next event, or
    # now, never before its previous line.
    ts = max(_line_ts(items[0]) if items else _mono(), t.last_ts)
    if t.announced != _gen:
        parts.append(_thread_line(t, ts))
        t.announced = _gen
    if t.lost:
        parts.append('{"ev":"drop","ts":%d%s"count":%d}\n' % (ts, t.id, t.lost))
        t.rest_drop = t.lost
        t.lost = 0
    # A name given before the thread's first line on this connection goes
    # into that line.
    while items and items[0][0] == '\0' and parts and parts[0].startswith('{"ev":"thread"'):
        t.name = items.pop(0).split('\0', 2)[2]
        parts[0] = _thread_line(t, ts)
    text = ''.join(items)
    if '\0' in text:                    # renames (thread_name) among them
        for i, line in enumerate(items):
            if line[0] == '\0':
                _, ts_s, name = line.split('\0', 2)
                t.name = name
                items[i] = _thread_line(t, int(ts_s))
        text = ''.join(items)
    if items:
        t.last_ts = max(t.last_ts, _line_ts(items[-1]))
    t.rest = (''.join(parts) + text).encode('utf-8', 'replace')
    t.rest_off = 0


def _drop_buffered(t):
    """No reader: what t buffered is lost."""
    n = len(t.buf)
    if n:
        items = t.buf[:n]
        del t.buf[:n]
        lost = n
        for line in items:
            if line[0] == '\0':
                lost -= 1
                t.name = line.split('\0', 2)[2]
        t.lost += lost
        t.undelivered += lost
    _give_up(t)


def _send_hello(deadline):
    global _hello_gen
    prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ''
    if not prog or prog == '-c':
        prog = os.path.basename(sys.executable or 'python')
    filters = ''
    if _depth_max:
        filters += ',"depth_max":%d' % _depth_max
    if _filter:
        filters += ',"filter":' + _json_str(_filter, _LINE_MAX // 2)
    if _min_dur:
        filters += ',"min_duration":%d' % _min_dur
    line = ('{"ev":"hello","ts":%d,"pid":%d,"v":%d,"ppid":%d,"prog":%s,"wall":%d%s,"lib":"%s"}\n'
            % (_mono(), _pid, PROTOCOL_VERSION, _ppid, _json_str(prog, _NAME_CAP),
               time.time_ns(), filters, LIB))
    if _send(line.encode(), deadline):
        _hello_gen = _gen
        return True
    return False


def _check_connection(force, probe):
    if _connected and probe and _reader_gone():
        _disconnect()
    _connect(force)
    if _connected and _hello_gen != _gen:
        _send_hello(_KEEP if not force else _mono() + 100_000_000)


def _drain(t, deadline):
    """Writes what t has.  False when the pipe is full and output is kept."""
    if not _connected or _hello_gen != _gen:
        if _connected:
            return False        # hello still waiting for room
        _drop_buffered(t)
        return True
    # What was kept from the last time goes first; only then more (the
    # buffer stays the bound of what waits).
    if _send_rest(t, deadline):
        _take(t)
        if _send_rest(t, deadline):
            return True
    if not _connected:
        _drop_buffered(t)
        return True
    return False


def _finish(t, deadline):
    """A thread's last line, after all its events: its last seq and all it
    lost.  True once written or lost for good."""
    if not _drain(t, deadline):
        return False
    if not t.tallied:
        t.tallied = True
        if not _connected:
            return True
        t.last_ts = max(_mono(), t.last_ts)
        t.rest = ('{"ev":"tally","ts":%d%s"seq":%d,"dropped":%d}\n'
                  % (t.last_ts, t.id, t.seq, t.undelivered)).encode()
        t.rest_off = 0
    return _drain(t, deadline)


_rr = 0
_blocked = False                # the last pass kept output: the pipe was full


def _pass(deadline, force=False, probe=False):
    """Drains every thread once, starting each pass one thread further so
    that a full pipe is shared fairly; reaps threads that ended."""
    global _rr, _blocked
    _check_connection(force, probe)
    ts = list(_threads)
    worked = _blocked = False
    if ts:
        _rr = (_rr + 1) % len(ts)
        ts = ts[_rr:] + ts[:_rr]
    for t in ts:
        had = bool(t.buf) or t.rest is not None
        ok = _drain(t, deadline)
        worked = worked or had
        _blocked = _blocked or not ok
        if ok and t.dead and _finish(t, deadline):
            try:
                _threads.remove(t)
            except ValueError:
                pass
    return worked


def _flush_own(t):
    """A thread's buffer reached a batch: write it now if the writer is
    free; in lossless mode at the bound, wait for it."""
    global _batch, _kick
    if _flusher is None and not _sync and _state == 1 and not _stopping:
        _batch = _BATCH         # the first event after a fork
        _kick = False
        _start_flusher()
    full = len(t.buf) >= _QUEUE_MAX
    if not _lock.acquire(full and _lossless or _sync):
        return
    try:
        # Nothing this thread runs meanwhile is traced (trace_all()).
        _tls.t = None
        _check_connection(False, False)
        if _sync:
            _drain(t, _NEVER if _lossless else _NOW)
        else:
            _drain(t, _NEVER if full and _lossless else _KEEP)
    except Exception:
        pass
    finally:
        _tls.t = t
        _lock.release()


def _room(t):
    """The buffer is full or nobody listens: True when the event may be
    buffered all the same (lossless: after waiting), else it is counted as
    lost, unformatted."""
    if _connected and _lossless:
        _flush_own(t)
        return True
    t.lost += 1
    t.undelivered += 1
    if _connected:
        if not t.lost & 63:
            _flush_own(t)       # room made meanwhile: the buffer takes events again
    elif _sync or _flusher is None:
        _flush_own(t)           # no writer thread to reconnect
    return False


def _put(t, line):
    """Buffers a line; the hot paths inline this."""
    buf = t.buf
    if _connected and len(buf) < _QUEUE_MAX or _room(t):
        buf.append(line)
        if len(buf) % _batch == 0:
            _flush_own(t)


def _flusher_main(running):
    _tls.off = True
    _tls.t = None
    try:
        _flusher_loop()
    finally:
        running.release()


def _flusher_loop():
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGPIPE)
    except Exception:
        pass
    idle = blocked = False
    while not _stopping and not _flusher_quit.is_set():
        if blocked:
            # Pipe full: on as soon as the reader made room (at most 10
            # ms), so that the reader, not this loop, sets the pace.
            try:
                p = select.poll()
                p.register(_fd, select.POLLOUT)
                p.poll(_TICK * 1000)
            except (OSError, ValueError):
                time.sleep(_TICK)
        else:
            _wake.wait(_TICK)
            _wake.clear()
        if _stopping or _flusher_quit.is_set():
            break
        with _lock:
            if _stopping:
                break
            try:
                idle = not _pass(_KEEP, probe=idle)
                blocked = _blocked and _connected
            except Exception:
                blocked = False


def _start_flusher():
    """A bare thread (_thread, not threading): invisible to the program's
    threading.enumerate() and active_count(), and never given the profile
    function of trace_all() (threading.setprofile) before it can say it
    must not be traced."""
    global _flusher
    running = _thread.allocate_lock()
    running.acquire()
    _flusher = running
    try:
        _thread.start_new_thread(_flusher_main, (running,))
    except BaseException:
        _flusher = None
        raise


def _flusher_join(timeout):
    """Waits for the writer thread to end (it was asked to)."""
    f = _flusher
    if f is not None and f.acquire(timeout=timeout):
        f.release()


_DUR_UNITS = {'': 1, 'ns': 1, 'us': 1e3, '\u00b5s': 1e3, 'ms': 1e6, 's': 1e9}


def _glob_re(g):
    """A regular expression that matches what fnmatch(3) (flags 0) matches
    with the glob g, or None when g has a '[' without its ']'."""
    out = []
    i, n = 0, len(g)
    while i < n:
        c = g[i]
        i += 1
        if c == '\\' and i < n:
            out.append(re.escape(g[i]))
            i += 1
        elif c == '*':
            out.append('.*')
        elif c == '?':
            out.append('.')
        elif c == '[':
            j = i + (g[i:i + 1] in ('!', '^'))
            j += g[j:j + 1] == ']'
            k = g.find(']', j)
            if k < 0:
                return None
            body = g[i:k]
            i = k + 1
            neg = body[:1] in ('!', '^')
            body = ''.join('\\' + ch if ch in '\\[]^' else ch for ch in body[neg:])
            out.append('[%s%s]' % ('^' if neg else '', body))
        else:
            out.append(re.escape(c))
    return '(?s:%s)\\Z' % ''.join(out)


def _filter_patterns(v):
    """Takes PIPETRACE_FILTER's patterns, as the C library does; what is
    wrong with them, or None."""
    global _filter, _includes, _excludes
    if len(v.encode('utf-8', 'surrogateescape')) > 1024:
        return 'longer than 1024 bytes'
    inc, exc = [], []
    for p in v.split(','):
        p = p.strip(' \t')
        if p in ('', '-'):
            return 'empty pattern'
        r = _glob_re(p[1:] if p[0] == '-' else p)
        if r is None:
            return "a '[' without its ']'"
        (exc if p[0] == '-' else inc).append(r)
    try:
        # One regular expression each, compiled once; None: no pattern.
        i = re.compile('|'.join(inc)).match if inc else None
        e = re.compile('|'.join(exc)).match if exc else None
    except re.error:
        return 'a bracket expression that is not valid'
    _filter, _includes, _excludes = v, i, e
    return None


def _env_filters():
    """Reads the filters as the C library does; a value it cannot use is
    said on stderr and ignored."""
    global _filtering, _filter, _includes, _excludes, _depth_max, _min_dur
    v = os.environ.get('PIPETRACE_DEPTH')
    if v is not None:
        if re.fullmatch('[0-9]+', v) and 0 < int(v) < 1 << 32:
            _depth_max = int(v)
        else:
            sys.stderr.write('pipetrace: PIPETRACE_DEPTH "%s" is not a positive '
                             'integer, tracing every depth\n' % v)
    v = os.environ.get('PIPETRACE_FILTER')
    if v:
        why = _filter_patterns(v)
        if why:
            sys.stderr.write('pipetrace: PIPETRACE_FILTER "%s": %s; tracing every '
                             'function\n' % (v, why))
    v = os.environ.get('PIPETRACE_MIN_DURATION')
    if v is not None and v != '0':
        # As the C library's strtod() and units: 10us, 1.5ms, 2e3ns.
        m = re.fullmatch('([0-9]+(?:[.][0-9]*)?(?:[eE][-+]?[0-9]+)?)(ns|us|\u00b5s|ms|s)?', v)
        ns = float(m.group(1)) * _DUR_UNITS[m.group(2) or ''] if m else 0
        if 1 <= ns < 1e18:
            _min_dur = int(ns + 0.5)
        else:
            sys.stderr.write('pipetrace: PIPETRACE_MIN_DURATION "%s" is not a duration '
                             '(e.g. 10us; units ns, us, ms, s), sending every call\n' % v)
    _filtering = bool(_depth_max or _filter or _min_dur)


def _init():
    global _state, _sync, _lossless, _batch, _path, _pid, _ppid, _kick
    with _init_lock:
        if _state != 0:
            return
        if os.environ.get('PIPETRACE') == '0':
            _state = 2
            _set_deco()
            return
        mode = os.environ.get('PIPETRACE_MODE')
        _sync = mode == 'sync'
        if mode and mode not in ('sync', 'async'):
            sys.stderr.write('pipetrace: unknown PIPETRACE_MODE "%s", using async\n' % mode)
        _lossless = os.environ.get('PIPETRACE_LOSSLESS') == '1'
        _env_filters()
        _batch = 1 if _sync else _BATCH
        _kick = _sync
        _path = fifo_path()
        _pid, _ppid = os.getpid(), os.getppid()
        atexit.register(_at_exit)
        if hasattr(os, 'register_at_fork'):
            os.register_at_fork(before=_fork_before, after_in_parent=_fork_parent,
                                after_in_child=_fork_child)
        _state = 1
        try:
            with _lock:
                _connect(True)
            if not _sync:
                _start_flusher()
        except Exception:
            _state = 2          # no thread to be had: tracing off, the program goes on
            _set_deco()


def _set_deco():
    global _deco_on
    _deco_on = _state != 2 and not _all_on and not _stopping


def _at_exit():
    """Normal exit: everything buffered, each thread's tally, then bye, all
    within a bounded wait."""
    global _stopping, _state
    if _state != 1:
        return
    _all_stop()
    _stopping = True
    _set_deco()
    _wake.set()
    _flusher_join(0.5)
    if not _lock.acquire(timeout=1.0):
        return
    try:
        # As the C library: at most 100 ms (2 s lossless), all but the last
        # 40 ms (200 ms) for the buffered events, those for the counts
        # (drop, tally, bye) by themselves: events that could not go out in
        # time are lost, but a reader that gets these lines can tell how many.
        wait = 2_000_000_000 if _lossless else 100_000_000
        final = 200_000_000 if _lossless else 40_000_000
        start = _mono()
        _pass(start + wait - final, force=True, probe=True)
        deadline = max(_mono(), start + wait - final) + final
        for t in list(_threads):
            _finish(t, deadline)
        if _connected and _hello_gen == _gen:
            _send(('{"ev":"bye","ts":%d,"pid":%d,"threads":%d}\n'
                   % (_mono(), _pid, _nthreads)).encode(), deadline)
    except Exception:
        pass
    finally:
        _state = 2
        _lock.release()


def _stop_flusher():
    """Ends the writer thread (before a fork: a process with threads forks
    with a DeprecationWarning from Python 3.12 on, which a program without
    threads of its own must not get because of us)."""
    global _flusher
    if _flusher is not None:
        _flusher_quit.set()
        _wake.set()
        _flusher_join(1.0)
    _flusher = None
    _flusher_quit.clear()


def _fork_before():
    if _state == 1 and not _sync:
        _stop_flusher()
    _lock.acquire()
    if _state == 1:
        try:
            _pass(_KEEP)        # nothing waits for the writer meanwhile
        except Exception:
            pass


def _fork_parent():
    """Python warns after these hooks: the writer comes back at the next
    event (see _flush_own), not here."""
    global _batch, _kick
    _lock.release()
    if _state == 1 and not _sync:
        _batch = 1
        _kick = True


def _fork_child():
    """Only the forking thread lives on: it traces on under the child's pid
    and a new tid, its seq from 1, its open calls still open; the parent's
    writer sends what was buffered before the fork."""
    global _lock, _init_lock, _pid, _ppid, _gen, _nthreads, _wake, _flusher_quit, _kick
    _lock = threading.Lock()
    _init_lock = threading.Lock()
    _wake = threading.Event()
    _flusher_quit = threading.Event()
    if _state != 1:
        return
    _pid, _ppid = os.getpid(), os.getppid()
    me = getattr(_tls, 't', None)
    del _threads[:]
    _nthreads = 0
    if me is not None:
        me.new_identity()
        _threads.append(me)
        _nthreads = 1
    if _fd >= 0:
        _gen += 1               # a hello with the child's pid first
    if not _sync:
        _kick = False
        _start_flusher()


def flush():
    """Writes what every thread of this process buffered, waiting at most
    about 100 ms for room in the pipe."""
    if _state != 1:
        return
    t = getattr(_tls, 't', None)
    with _lock:
        _tls.t = None
        try:
            _pass(_mono() + 100_000_000, force=True, probe=True)
        except Exception:
            pass
        finally:
            _tls.t = t


def enabled():
    """True when tracing is on (PIPETRACE is not "0")."""
    if _state == 0:
        _init()
    return _state == 1


# ---- events -------------------------------------------------------------------


def _enter(t, site):
    """Opens a call; returns its depth and start time."""
    if _filtering:
        return _fenter(t, site)
    d = t.depth
    t.depth = d + 1
    t.stack.append(site)
    ts = _mono()
    t.seq = seq = t.seq + 1
    buf = t.buf
    if _connected:
        if len(buf) < _QUEUE_MAX or _room(t):
            buf.append('{"ev":"enter","ts":%d%s"seq":%d,"depth":%d,%s}\n'
                       % (ts, t.id, seq, d, site.enter))
            if len(buf) % _batch == 0:
                _flush_own(t)
    elif _kick:
        _room(t)
    else:
        t.lost += 1
        t.undelivered += 1
    return d, ts


def _exit(t, site, d, start):
    """Closes the call opened at depth d (and any left open inside it)."""
    if _filtering:
        _fexit(t, site, d, start)
        return
    ts = _mono()
    t.depth = d
    del t.stack[d:]
    t.seq = seq = t.seq + 1
    buf = t.buf
    if _connected:
        if len(buf) < _QUEUE_MAX or _room(t):
            buf.append('{"ev":"exit","ts":%d%s"seq":%d,"depth":%d,%s,"dur":%d}\n'
                       % (ts, t.id, seq, d, site.exit, ts - start if start else 0))
            if len(buf) % _batch == 0:
                _flush_own(t)
    elif _kick:
        _room(t)
    else:
        t.lost += 1
        t.undelivered += 1


# ---- filters -------------------------------------------------------------------
# With filters on, a call is traced when PIPETRACE_FILTER and PIPETRACE_DEPTH
# let it; t.depth, t.stack and seq count traced calls only, so that "depth"
# stays the depth in the tree that is sent.  With PIPETRACE_MIN_DURATION the
# traced calls' enters wait on t.stack (t.sent says how many went out) until
# the call proves long, something inside it is sent, or an exception is.

_OTHER, _INCL, _EXCL = 0, 1, 2


def _verdict(site):
    name = site.name
    if name.__class__ is not str:
        try:
            name = str(name)
        except Exception:
            name = '?'
    v = _OTHER
    if _excludes is not None and _excludes(name):
        v = _EXCL
    elif _includes is not None and _includes(name):
        v = _INCL
    site.verdict = v
    return v


def _fenter(t, site):
    """_enter() with filters: (depth, start) of a traced call; (-1, 0) for
    a call not traced, (-2, 0) for one PIPETRACE_FILTER excludes."""
    v = site.verdict
    if v is None:
        v = _verdict(site)
    if v == _EXCL:
        t.excl += 1
        return -2, 0
    d = t.depth
    if (t.excl or _depth_max is not None and d >= _depth_max
            or _includes is not None and not d and v != _INCL):
        return -1, 0
    t.depth = d + 1
    t.stack.append(site)
    start = _mono()
    t.starts.append(start)
    if not _min_dur:
        t.sent = d + 1
        t.seq = seq = t.seq + 1
        _put(t, '{"ev":"enter","ts":%d%s"seq":%d,"depth":%d,%s}\n'
             % (start, t.id, seq, d, site.enter))
    return d, start


def _send_held(t, n):
    """Sends the enters of the open calls t.stack[t.sent:n], outermost
    first, with the times they began."""
    stack, starts = t.stack, t.starts
    for i in range(t.sent, min(n, len(stack))):
        t.seq = seq = t.seq + 1
        _put(t, '{"ev":"enter","ts":%d%s"seq":%d,"depth":%d,%s}\n'
             % (starts[i], t.id, seq, i, stack[i].enter))
        t.sent = i + 1


def _fexit(t, site, d, start):
    """_exit() with filters."""
    if d < 0:
        if d == -2:
            t.excl -= 1
        return
    if d >= len(t.stack):
        return                  # closed already, with a call it was in
    ts = _mono()
    dur = ts - start if start else 0
    if d < t.sent or dur >= _min_dur:
        if d >= t.sent:
            _send_held(t, d + 1)
        t.seq = seq = t.seq + 1
        _put(t, '{"ev":"exit","ts":%d%s"seq":%d,"depth":%d,%s,"dur":%d}\n'
             % (ts, t.id, seq, d, site.exit, dur))
    t.depth = d
    del t.stack[d:]
    del t.starts[d:]
    if t.sent > d:
        t.sent = d


def _fcall(t, site, fn, args, kwargs):
    """@trace's call with filters.  The usual traced call (its enter not
    held) takes _fenter() and _fexit() inlined."""
    v = site.verdict
    if v == _EXCL:              # decided at its first call, by _fenter()
        t.excl += 1
        try:
            return fn(*args, **kwargs)
        finally:
            t.excl -= 1
    d = t.depth
    if (v is None or _min_dur or t.excl or _depth_max is not None and d >= _depth_max
            or _includes is not None and not d and v != _INCL):
        d, start = _fenter(t, site)
        try:
            return fn(*args, **kwargs)
        except BaseException as e:
            if d >= 0:
                _raised(t, e)
            raise
        finally:
            _fexit(t, site, d, start)
    t.depth = d + 1
    t.stack.append(site)
    start = _mono()
    t.starts.append(start)
    t.sent = d + 1
    t.seq = seq = t.seq + 1
    buf = t.buf
    if _connected and len(buf) < _QUEUE_MAX or _room(t):
        buf.append('{"ev":"enter","ts":%d%s"seq":%d,"depth":%d,%s}\n'
                   % (start, t.id, seq, d, site.enter))
        if len(buf) % _batch == 0:
            _flush_own(t)
    try:
        return fn(*args, **kwargs)
    except BaseException as e:
        _raised(t, e)
        raise
    finally:
        if d < len(t.stack):    # else closed already, with a call it was in
            ts = _mono()
            t.seq = seq = t.seq + 1
            if _connected and len(buf) < _QUEUE_MAX or _room(t):
                buf.append('{"ev":"exit","ts":%d%s"seq":%d,"depth":%d,%s,"dur":%d}\n'
                           % (ts, t.id, seq, d, site.exit, ts - start))
                if len(buf) % _batch == 0:
                    _flush_own(t)
            t.depth = d
            del t.stack[d:]
            del t.starts[d:]
            if t.sent > d:
                t.sent = d


def _type_name(tp):
    mod = getattr(tp, '__module__', None)
    name = getattr(tp, '__qualname__', None) or getattr(tp, '__name__', '?')
    return name if mod in (None, 'builtins', '__main__') else mod + '.' + name


def _exc_text(e):
    try:
        return str(e)
    except Exception:
        try:
            return repr(e)
        except Exception:
            return ''


def _exception(t, type_name, msg):
    """An exception event on the innermost open call of t."""
    d = t.depth
    if _min_dur and t.sent < d:
        _send_held(t, d)        # held enters: with its callers
    site = t.stack[d - 1] if 0 < d <= len(t.stack) else _NO_CALL
    ts = _mono()
    t.seq = seq = t.seq + 1
    head = ('{"ev":"exception","ts":%d%s"seq":%d,"depth":%d,%s,"type":%s'
            % (ts, t.id, seq, d - 1 if d else 0, site.exit, _json_str(type_name, _TYPE_CAP)))
    room = _LINE_MAX - len(head.encode('utf-8', 'replace')) - len(',"msg":') - 2
    _put(t, head + ',"msg":' + _json_str(msg, room) + '}\n')


def _raised(t, e):
    """A traced call ends by exception e: recorded once, at the innermost
    traced call it left."""
    if isinstance(e, (SystemExit, GeneratorExit, StopIteration, StopAsyncIteration)):
        return
    tb = e.__traceback__
    seen = t.exc
    if seen is not None and seen[0] == id(e):
        while tb is not None:
            if id(tb) == seen[1]:
                return
            tb = tb.tb_next
    t.exc = (id(e), id(e.__traceback__))
    _exception(t, _type_name(type(e)), _exc_text(e))


_type = type


def exception(type=None, msg=None):
    """Records an exception on the innermost open traced call of this
    thread: the one being handled when called without arguments, else of
    type `type` (a string or an exception class) with message `msg`."""
    try:
        if not _deco_on and not _all_on:
            return
        t = _self()
        if t is None:
            return
        if type is None and msg is None:
            e = sys.exc_info()[1]
            if e is not None:
                type, msg = _type_name(e.__class__), _exc_text(e)
        if isinstance(type, _type):
            type = _type_name(type)
        _exception(t, type if type is not None else 'Exception',
                   msg if msg is not None else '')
    except Exception:
        pass


def thread_name(name):
    """Names the calling thread in the trace (cut to 64 bytes)."""
    try:
        t = _self()
        if t is None:
            return
        name = str(name).replace('\0', '\ufffd')
        if _connected and len(t.buf) < _QUEUE_MAX:
            # Written in order with the thread's events (see _take).
            t.buf.append('\0%d\0%s' % (_mono(), name))
        else:
            # Not an event: nothing to count as lost; the name goes out
            # in the thread's next thread line.
            t.name = name
            t.announced = 0
    except Exception:
        pass


# ---- @trace -------------------------------------------------------------------


def _site_of(fn, name):
    code = getattr(fn, '__code__', None)
    file = code.co_filename if code else None
    line = code.co_firstlineno if code else 0
    if name is None:
        name = getattr(fn, '__qualname__', None) or getattr(fn, '__name__', None) or repr(fn)
    return _Site(name, file, line)


def _drive(it, site):
    """Runs a generator or coroutine `it` one resumption at a time: each is
    a call of its own (entered when resumed, left when it yields), so that
    calls nest in the thread however the consumer interleaves them."""
    value = exc = None
    while True:
        t = _self() if _deco_on else None
        if t is not None:
            d, start = _enter(t, site)
        try:
            if exc is None:
                y = it.send(value)
            else:
                e, exc = exc, None
                y = it.throw(e)
        except StopIteration as s:
            if t is not None:
                _exit(t, site, d, start)
            return s.value
        except BaseException as e:
            if t is not None:
                if d >= 0:
                    _raised(t, e)
                _exit(t, site, d, start)
            raise
        if t is not None:
            _exit(t, site, d, start)
        value = None
        try:
            value = yield y
        except GeneratorExit:
            t = _self() if _deco_on else None
            if t is not None:
                d, start = _enter(t, site)
            try:
                it.close()
            except BaseException as e:
                if t is not None and d >= 0:
                    _raised(t, e)
                raise
            finally:
                if t is not None:
                    _exit(t, site, d, start)
            raise
        except BaseException as e:
            exc = e


class _Await:
    __slots__ = ('c', 's')

    def __init__(self, c, s):
        self.c = c
        self.s = s

    def __await__(self):
        return _drive(self.c, self.s)


def _agen_wrapper(fn, site):
    """An async generator: each step (asend, athrow, aclose) is driven as
    a coroutine, one call per resumption."""
    @functools.wraps(fn)
    async def agen_wrapper(*args, **kwargs):
        ag = fn(*args, **kwargs)
        value = thrown = None
        done = False
        try:
            while True:
                try:
                    if thrown is None:
                        item = await _Await(ag.asend(value), site)
                    else:
                        e, thrown = thrown, None
                        item = await _Await(ag.athrow(e), site)
                except StopAsyncIteration:
                    done = True
                    return
                except BaseException:
                    done = True
                    raise
                value = None
                try:
                    value = yield item
                except GeneratorExit:
                    raise
                except BaseException as e:
                    thrown = e
        finally:
            if not done:
                await _Await(ag.aclose(), site)
    return agen_wrapper


def trace(fn=None, *, name=None):
    """Decorator: traces each call of a function, each resumption of a
    generator, a coroutine (async def) or an async generator.  @trace or
    @trace(name="...")."""
    if fn is None:
        return lambda f: trace(f, name=name)
    if isinstance(fn, (classmethod, staticmethod)):
        return type(fn)(trace(fn.__func__, name=name))
    site = _site_of(fn, name)
    if inspect.isasyncgenfunction(fn):
        return _agen_wrapper(fn, site)
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def co_wrapper(*args, **kwargs):
            return await _Await(fn(*args, **kwargs), site)
        return co_wrapper
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            return _drive(fn(*args, **kwargs), site)
        return gen_wrapper
    enter_frag = site.enter
    exit_frag = site.exit

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _deco_on:
            try:
                t = _tls.t
            except AttributeError:
                t = _register()
            if t is not None:
                if _filtering:
                    return _fcall(t, site, fn, args, kwargs)
                # _enter() and _exit() inlined: a call costs less.
                d = t.depth
                t.depth = d + 1
                t.stack.append(site)
                start = _mono()
                t.seq = seq = t.seq + 1
                buf = t.buf
                if _connected:
                    if len(buf) < _QUEUE_MAX or _room(t):
                        buf.append('{"ev":"enter","ts":%d%s"seq":%d,"depth":%d,%s}\n'
                                   % (start, t.id, seq, d, enter_frag))
                        if len(buf) % _batch == 0:
                            _flush_own(t)
                elif _kick:
                    _room(t)
                else:
                    t.lost += 1
                    t.undelivered += 1
                try:
                    return fn(*args, **kwargs)
                except BaseException as e:
                    _raised(t, e)
                    raise
                finally:
                    ts = _mono()
                    t.depth = d
                    del t.stack[d:]
                    t.seq = seq = t.seq + 1
                    if _connected:
                        if len(buf) < _QUEUE_MAX or _room(t):
                            buf.append('{"ev":"exit","ts":%d%s"seq":%d,"depth":%d,%s,"dur":%d}\n'
                                       % (ts, t.id, seq, d, exit_frag, ts - start))
                            if len(buf) % _batch == 0:
                                _flush_own(t)
                    elif _kick:
                        _room(t)
                    else:
                        t.lost += 1
                        t.undelivered += 1
        return fn(*args, **kwargs)
    return wrapper


_block_sites = {}


class trace_block:
    """with trace_block("name"): traces the block as a call named `name`,
    at the file and line of the with statement."""
    __slots__ = ('_site', '_t', '_d', '_start')

    def __init__(self, name):
        try:
            f = sys._getframe(1)
            key = (name, f.f_code.co_filename, f.f_lineno)
        except Exception:
            key = (name, None, 0)
        site = _block_sites.get(key)
        if site is None:
            site = _Site(*key)
            if len(_block_sites) < 4096:    # names made at run time: bounded
                _block_sites[key] = site
        self._site = site
        self._t = None

    def __enter__(self):
        if _deco_on:
            t = _self()
            if t is not None:
                self._t = t
                self._d, self._start = _enter(t, self._site)
        return self

    def __exit__(self, et, e, tb):
        t = self._t
        if t is not None:
            self._t = None
            if e is not None and self._d >= 0:
                _raised(t, e)
            _exit(t, self._site, self._d, self._start)
        return False


# ---- trace_all ------------------------------------------------------------------

_code_sites = {}
_own_file = __file__ if '__file__' in globals() else None
_tool = None


def _site_for_code(code):
    site = _code_sites.get(code)
    if site is None:
        if code.co_filename == _own_file or code.co_filename.startswith('<frozen'):
            site = False        # our own functions and the import machinery
        else:
            site = _code_site(code)
        _code_sites[code] = site
    return site


def _all_enter(code):
    try:
        t = _tls.t
    except AttributeError:
        t = _register()
    if t is None:
        return
    site = _site_for_code(code)
    if site:
        if _filtering:
            t.fopen.append((code,) + _fenter(t, site))
        else:
            t.pstarts.append(_enter(t, site))


def _all_exit(code, e):
    try:
        t = _tls.t
    except AttributeError:
        return
    if t is None:
        return
    site = _code_sites.get(code)
    if not site:
        return
    if _filtering:
        _all_fexit(t, code, site, e)
        return
    stack = t.stack
    d = len(stack) - 1
    while d >= 0 and stack[d] is not site:
        d -= 1
    if d < 0:
        return                  # its call began before trace_all()
    if e is not None:
        _raised(t, e)
    # The start of the call at depth d, if it is one of trace_all()'s.
    ps = t.pstarts
    while ps and ps[-1][0] > d:
        ps.pop()
    start = ps.pop()[1] if ps and ps[-1][0] == d else 0
    _exit(t, site, d, start)


def _all_fexit(t, code, site, e):
    """_all_exit() with filters: trace_all() remembers every call it
    opened, traced or not."""
    fo = t.fopen
    k = len(fo) - 1
    while k >= 0 and fo[k][0] is not code:
        k -= 1
    if k < 0:
        return                  # its call began before trace_all()
    for _, d, _ in fo[k + 1:]:  # calls left without their exit event
        if d == -2:
            t.excl -= 1
    _, d, start = fo[k]
    del fo[k:]
    if e is not None and d >= 0:
        _raised(t, e)
    _fexit(t, site, d, start)


def _profile(frame, event, arg):
    if event == 'call':
        _all_enter(frame.f_code)
    elif event == 'return':
        _all_exit(frame.f_code, None)


def _mon_start(code, offset):
    if _site_for_code(code) is False:
        return sys.monitoring.DISABLE
    _all_enter(code)


def _mon_return(code, offset, value):
    if _site_for_code(code) is False:
        return sys.monitoring.DISABLE
    _all_exit(code, None)


def _mon_unwind(code, offset, e):
    _all_exit(code, e)


def _mon_throw(code, offset, e):
    _all_enter(code)


def trace_all(on=True):
    """Traces every Python function of every thread from now on (threads
    started later, and on Python 3.12+ all threads, through sys.monitoring;
    before 3.12 through sys.setprofile, which cannot tell a call that ended
    by exception).  trace_all(False) stops it.  Costs far more than @trace."""
    global _all_on, _tool
    if not on:
        _all_stop()
        return
    if _state == 0:
        _init()
    if _state != 1 or _all_on:
        return
    mon = getattr(sys, 'monitoring', None)
    if mon is not None:
        for tool in (mon.PROFILER_ID, 3, 4):
            try:
                mon.use_tool_id(tool, 'pipetrace')
            except ValueError:
                continue
            _tool = tool
            break
        if _tool is None:
            return
        E = mon.events
        mon.register_callback(_tool, E.PY_START, _mon_start)
        mon.register_callback(_tool, E.PY_RESUME, _mon_start)
        mon.register_callback(_tool, E.PY_THROW, _mon_throw)
        mon.register_callback(_tool, E.PY_RETURN, _mon_return)
        mon.register_callback(_tool, E.PY_YIELD, _mon_return)
        mon.register_callback(_tool, E.PY_UNWIND, _mon_unwind)
        mon.set_events(_tool, E.PY_START | E.PY_RESUME | E.PY_THROW | E.PY_RETURN
                       | E.PY_YIELD | E.PY_UNWIND)
    else:
        threading.setprofile(_profile)
        sys.setprofile(_profile)
    _all_on = True
    _set_deco()


def _all_stop():
    global _all_on, _tool
    if not _all_on:
        return
    if _tool is not None:
        mon = sys.monitoring
        mon.set_events(_tool, 0)
        for ev in (mon.events.PY_START, mon.events.PY_RESUME, mon.events.PY_THROW,
                   mon.events.PY_RETURN, mon.events.PY_YIELD, mon.events.PY_UNWIND):
            mon.register_callback(_tool, ev, None)
        mon.free_tool_id(_tool)
        _tool = None
    else:
        threading.setprofile(None)
        sys.setprofile(None)
    _all_on = False
    _set_deco()
