"""threads.py - a traced Python program: named threads in two processes,
a generator, a coroutine and exceptions, all in one trace.

    make run-python         (writes into the default FIFO: start
                             pipetrace-tui in another terminal first)
    pipetrace-tui -- env PYTHONPATH=lib/python python3 demo/threads.py

Each worker handles five jobs; the fourth of each fails with a KeyError
that the worker catches.  After fork() the child traces on under its own
pid, with two workers.
"""
import asyncio
import os
import sys
import threading
import time

try:
    import pipetrace
except ImportError:     # run from the source tree
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    '..', 'lib', 'python'))
    import pipetrace
from pipetrace import thread_name, trace, trace_block

PRICES = {'apple': 3, 'pear': 4, 'plum': 2}


@trace
def lookup(item):
    time.sleep(0.001)
    return PRICES[item]                 # KeyError for what is not sold


@trace
def items(job):
    """One call per item handed out: a generator, traced per resumption."""
    for item in ('apple', 'pear', 'plum')[:job % 3 + 1]:
        yield item


@trace
def handle(job):
    total = 0
    for item in items(job):
        total += lookup(item)
    with trace_block('store'):
        time.sleep(0.001 * (job % 3 + 1))
    if job == 3:
        lookup('durian')
    return total


def worker(name):
    thread_name(name)
    for job in range(5):
        try:
            handle(job)
        except KeyError:
            pass                        # recorded in the trace all the same


@trace
async def fetch(n):
    await asyncio.sleep(0.002 * n)
    return n


@trace
async def fetch_all():
    return sum(await asyncio.gather(*(fetch(n) for n in range(3))))


@trace
def run(who, count):
    threads = [threading.Thread(target=worker, args=('%s-worker-%d' % (who, i + 1),))
               for i in range(count)]
    for t in threads:
        t.start()
    asyncio.run(fetch_all())
    for t in threads:
        t.join()


def main():
    pid = os.fork()                     # the child traces on as a process of its own
    thread_name('py-child-main' if pid == 0 else 'py-parent-main')
    run('child' if pid == 0 else 'parent', 2 if pid == 0 else 3)
    if pid > 0:
        os.waitpid(pid, 0)
    return 0            # pipetrace writes what is buffered and says bye at exit


if __name__ == '__main__':
    sys.exit(main())
