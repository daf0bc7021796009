"""python_traced.py - the traced program of tests/python_wire.py: one case
per first argument, each writing known calls into $PIPETRACE_FIFO through
lib/python/pipetrace.py (found on PYTHONPATH)."""
import asyncio
import os
import sys
import threading

import pipetrace
from pipetrace import exception, thread_name, trace, trace_block


@trace
def leaf(i):
    return i + 1


@trace
def mid(i):
    return leaf(i) * 2


@trace
def main_calls(n):
    for i in range(n):
        mid(i)


def case_calls(n):
    main_calls(int(n))


def case_strings():
    weird = trace(lambda: None, name='we"ird\\name\x01\udcff')

    @trace(name='x' * 1000 + 'end')
    def long_name():
        pass

    @trace
    def raiser():
        raise type('Quote"Back\\slash', (Exception,), {})(
            'ctl:\x01\x1f\x7f tab:\t nl:\n c1:\x85\x9b bad:\udcc3( \udcf0\udc9f\udc98 sur:\ud800 end')

    @trace
    def big():
        raise ValueError('\u20ac' * 5000)

    @trace(name='we"ird\\name\x01\udcff')
    def outer():
        weird()
        long_name()
        for f in (raiser, big):
            try:
                f()
            except Exception:
                pass
    outer()


def case_threads(k, n):
    def work(j):
        thread_name('w%d' % j)
        main_calls(n)
    ts = [threading.Thread(target=work, args=(j,)) for j in range(int(k))]
    n = int(n)
    for t in ts:
        t.start()
    for t in ts:
        t.join()


@trace
def in_child():
    leaf(1)


@trace
def after_fork():
    leaf(2)


@trace
def before_fork():
    pid = os.fork()
    if pid == 0:
        in_child()
        return 0
    after_fork()
    os.waitpid(pid, 0)
    return pid


def case_fork():
    before_fork()


@trace
def inner():
    raise KeyError('no such key')


@trace
def middle():
    inner()


@trace
def catcher():
    try:
        middle()
    except KeyError:
        pass
    try:
        raise RuntimeError('raised in catcher itself')
    except RuntimeError:
        exception()             # the one being handled
    exception('Custom', 'by hand')


@trace
def escapes():
    raise OSError(5, 'escapes')


class Shape:
    @trace
    @classmethod
    def make(cls):
        return cls()

    @trace
    @staticmethod
    def area(r):
        return 3 * r * r


def case_exc():
    Shape.make()
    Shape.area(2)
    catcher()
    try:
        with trace_block('block'):
            escapes()
    except OSError:
        pass


@trace
def numbers(n):
    for i in range(n):
        yield leaf(i)


@trace
async def sleeper(tag):
    await asyncio.sleep(0.01)
    leaf(tag)
    await asyncio.sleep(0.01)
    return tag


@trace
async def gather():
    return await asyncio.gather(sleeper(1), sleeper(2))


@trace
async def ticker(n):
    for i in range(n):
        await asyncio.sleep(0.001)
        yield leaf(i)


async def tick_all():
    got = [v async for v in ticker(3)]
    agen = ticker(5)
    first = await agen.__anext__()
    await agen.aclose()             # left early: its end is traced too
    return got, first


def case_gen():
    total = 0
    for v in numbers(3):
        total += leaf(v)
    assert total == 9, total
    assert asyncio.run(gather()) == [1, 2]
    assert asyncio.run(tick_all()) == ([1, 2, 3], 1)


def plain_a(n):
    return plain_b(n) + 1


def plain_b(n):
    return n * 2


def plain_raises():
    raise LookupError('plain')


def plain_catches():
    try:
        plain_raises()
    except LookupError:
        pass


def case_all():
    pipetrace.trace_all()
    for i in range(5):
        plain_a(i)
    plain_catches()
    pipetrace.trace_all(False)
    plain_a(0)                  # not traced any more


def case_forkbusy(n):
    """fork() while other threads trace: no deadlock, each child says
    hello and traces under its own pid."""
    import warnings
    # Python 3.12+ warns about forking with threads: these are ours.
    warnings.simplefilter('ignore', DeprecationWarning)
    stop = threading.Event()

    def busy():
        while not stop.is_set():
            mid(1)
    ts = [threading.Thread(target=busy) for _ in range(4)]
    for t in ts:
        t.start()
    for _ in range(int(n)):
        pid = os.fork()
        if pid == 0:
            in_child()
            sys.exit(0)
        os.waitpid(pid, 0)
    stop.set()
    for t in ts:
        t.join()


@trace
def uncaught():
    raise ZeroDivisionError('the end')


def case_uncaught():
    main_calls(1)
    uncaught()


def case_allfork():
    pipetrace.trace_all()
    pid = os.fork()
    plain_a(1)
    if pid == 0:
        sys.exit(0)
    os.waitpid(pid, 0)


def case_flood(n):
    n = int(n)
    for i in range(n):
        leaf(i)


def case_late(n):
    thread_name('before the reader')    # not an event: not counted as lost
    main_calls(int(n))
    os.write(1, b'phase1\n')
    sys.stdin.readline()
    main_calls(int(n))


def case_twophase(n, sigpipe='ign'):
    import signal
    if sigpipe == 'dfl':
        # Many command-line tools do this: a SIGPIPE of ours would kill them.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main_calls(int(n))
    os.write(1, b'phase1\n')
    sys.stdin.readline()
    main_calls(int(n))
    os.write(1, b'phase2\n')


def case_closefds(path):
    main_calls(10)
    pipetrace.flush()
    os.closerange(3, 1024)          # daemons do: the emitter's fd goes too
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    main_calls(10)                  # must not be written into that file
    pipetrace.flush()
    os.close(fd)


def case_exit(code):
    @trace
    def deep():
        sys.exit(int(code))
    deep()


def case_noreader(n):
    main_calls(int(n))
    try:
        raise ValueError('x')
    except ValueError:
        exception()
    thread_name('still fine')
    pipetrace.flush()
    # The emitter's writer thread is not one of the program's.
    assert threading.active_count() == 1, threading.enumerate()
    os.write(1, b'done\n')


# PIPETRACE_FILTER, PIPETRACE_DEPTH, PIPETRACE_MIN_DURATION (tests set
# them): known calls, short ones and a few long ones (f_slow sleeps 30 ms).
import time     # noqa: E402 (here: the lines above are in the tests)


@trace
def f_leaf():
    pass


@trace
def f_slow():
    time.sleep(0.03)


@trace
def f_mid(slow):
    for _ in range(10):
        f_leaf()
    if slow:
        f_slow()


@trace
def f_noisy():
    f_leaf()
    f_mid(True)


@trace
def f_raise():
    raise ValueError('short, raised')


@trace
def f_gen(n):
    for i in range(n):
        yield f_leaf()


@trace
def f_top():
    for i in range(3):
        f_mid(i == 1)
    f_noisy()
    try:
        f_raise()
    except ValueError:
        pass
    with trace_block('f_block'):
        f_leaf()
    list(f_gen(2))


def case_filters(all_fns=''):
    if all_fns:
        pipetrace.trace_all()
        plain_a(1)
        plain_catches()
    f_top()
    f_leaf()
    if all_fns:
        pipetrace.trace_all(False)


if __name__ == '__main__':
    globals()['case_' + sys.argv[1]](*sys.argv[2:])
