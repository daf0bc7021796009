"""bench_python.py - what lib/python/pipetrace.py costs per traced call: a
tiny function called N times, untraced, with @trace and a reader draining
the FIFO, with @trace and no reader, with @trace in lossless mode, and the
original Python pipetrace's way (open the FIFO, write one JSON line, close
it, for every event) with the same reader, side by side in one run.  Each
figure is the median of REPS runs, each run a fresh process (the emitter
reads its environment once per process).  trace_all() is measured too:
every Python function traced, through sys.setprofile or sys.monitoring.
So are the filters (PIPETRACE_FILTER excluding the function, or including
it, and PIPETRACE_MIN_DURATION holding back its short calls), against
@trace without filters in the same run.

Per call means one call of the tiny function: its enter and its exit.
"loop" is wall time of the calling loop; "to flushed" adds the time until
everything buffered was written (pipetrace.flush()); "CPU" is the CPU time
of the whole traced process over the same span (its writer thread
included).  The reader is a thread of this process reading 64 KiB at a time.
"""
import json
import os
import select
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPS = 5
N = 200000
N_ORIG = 2000
HERE = os.path.dirname(os.path.abspath(__file__))
LIBDIR = os.path.join(HERE, '..', 'lib', 'python')


def child(mode, n):
    """The traced program: prints loop, to-flushed and CPU nanoseconds."""
    sys.path.insert(0, LIBDIR)
    import pipetrace
    fifo = os.environ.get('PIPETRACE_FIFO')

    def tiny(i):
        return i + 1

    if mode == 'orig':
        def orig_trace(fn):
            name = fn.__qualname__

            def emit(ev):
                with open(fifo, 'w') as f:
                    f.write(json.dumps(ev) + '\n')

            def wrapper(*args, **kwargs):
                start = time.monotonic_ns()
                emit({'ev': 'enter', 'ts': start, 'pid': os.getpid(),
                      'tid': threading.get_native_id(), 'fn': name})
                try:
                    return fn(*args, **kwargs)
                finally:
                    ts = time.monotonic_ns()
                    emit({'ev': 'exit', 'ts': ts, 'pid': os.getpid(),
                          'tid': threading.get_native_id(), 'fn': name, 'dur': ts - start})
            return wrapper
        f = orig_trace(tiny)
    elif mode == 'plain':
        f = tiny
    elif mode == 'all':
        pipetrace.trace_all()
        f = tiny
    else:
        f = pipetrace.trace(tiny)
    f(0)                        # start-up (environment, writer thread) not counted
    if mode != 'orig':
        pipetrace.flush()
    cpu0 = time.process_time_ns()
    t0 = time.perf_counter_ns()
    for i in range(n):
        f(i)
    t1 = time.perf_counter_ns()
    if mode != 'orig':
        pipetrace.flush()
    t2 = time.perf_counter_ns()
    cpu1 = time.process_time_ns()
    print(t1 - t0, t2 - t0, cpu1 - cpu0)


class Reader:
    def __init__(self, path):
        os.mkfifo(path, 0o600)
        self.rfd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.wfd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)   # no end-of-file
        self.lines = 0
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        p = select.poll()
        p.register(self.rfd, select.POLLIN)
        while not self.stop:
            if p.poll(50):
                try:
                    self.lines += os.read(self.rfd, 65536).count(b'\n')
                except BlockingIOError:
                    pass

    def close(self):
        time.sleep(0.1)
        self.stop = True
        self.thread.join()
        os.close(self.rfd)
        os.close(self.wfd)


def run(mode, n, reader, env=None):
    d = tempfile.mkdtemp(prefix='pt-bench-py-')
    path = os.path.join(d, 'trace.fifo')
    r = Reader(path) if reader else None
    e = dict(os.environ, PIPETRACE_FIFO=path)
    for k in ('PIPETRACE', 'PIPETRACE_MODE', 'PIPETRACE_LOSSLESS', 'PIPETRACE_FILTER',
              'PIPETRACE_DEPTH', 'PIPETRACE_MIN_DURATION'):
        e.pop(k, None)
    e.update(env or {})
    out = subprocess.run([sys.executable, __file__, '--child', mode, str(n)], env=e,
                         check=True, stdout=subprocess.PIPE).stdout.split()
    lines = 0
    if r:
        r.close()
        lines = r.lines
    if os.path.exists(path):
        os.unlink(path)
    os.rmdir(d)
    return [int(x) / n for x in out], lines


def main():
    print('Python %s, %d calls a run (%d for the original), median of %d runs'
          % (sys.version.split()[0], N, N_ORIG, REPS))
    cases = [
        ('untraced', 'plain', N, False, None),
        ('@trace, reader attached', 'trace', N, True, None),
        ('@trace, no reader', 'trace', N, False, None),
        ('@trace, lossless, reader', 'trace', N, True, {'PIPETRACE_LOSSLESS': '1'}),
        ('trace_all(), reader attached', 'all', N, True, None),
        ('original: open/write/close', 'orig', N_ORIG, True, None),
        # the function is child.<locals>.tiny
        ('@trace, filter excludes it', 'trace', N, True, {'PIPETRACE_FILTER': '-*.tiny'}),
        ('@trace, filter includes it', 'trace', N, True, {'PIPETRACE_FILTER': '*.tiny'}),
        ('@trace, min duration 1ms', 'trace', N, True, {'PIPETRACE_MIN_DURATION': '1ms'}),
    ]
    results = {}
    for label, mode, n, reader, env in cases:
        runs = [run(mode, n, reader, env) for _ in range(REPS)]
        loop = statistics.median(r[0][0] for r in runs)
        flushed = statistics.median(r[0][1] for r in runs)
        cpu = statistics.median(r[0][2] for r in runs)
        got = statistics.median(r[1] for r in runs)
        results[label] = flushed
        extra = ''
        if reader and mode != 'plain':
            # Each call is 2 events (enter, exit) besides a few other lines.
            extra = ', reader received %.1f %% of the events' % min(100.0, 100.0 * got / (2 * n))
        print('%-28s loop %8.0f ns/call  to flushed %8.0f ns/call  CPU %8.0f ns/call%s'
              % (label, loop, flushed, cpu, extra))
    base = results['untraced']
    print('per traced call, less the untraced call, to flushed:')
    for label, _, _, _, _ in cases[1:]:
        print('  %-28s %10.2f us' % (label, (results[label] - base) / 1000))
    print('python_trace_us=%.2f python_orig_us=%.2f python_filtered_out_us=%.2f' % (
        (results['@trace, reader attached'] - base) / 1000,
        (results['original: open/write/close'] - base) / 1000,
        (results['@trace, filter excludes it'] - base) / 1000))


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--child':
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
