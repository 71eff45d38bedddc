"""Run a few long, independent jobs in worker processes, or one after another.

A job's own error (e.g. :class:`codesign.finn.non_hw.NonHWNodeError`) is the answer: it
is raised once, in the caller, as the worker raised it, and never retried, because a
conversion that fails in a worker fails the same way in-process (issue 16: a rejected
MobileNetV2 design was converted a second time, sequentially, for another 15 minutes).
Only a pool that cannot start here (no semaphores or /dev/shm, a daemonic parent that
may not have children, a worker that dies before running anything) makes the jobs run
one after another in this process. Imports nothing heavy: workers start faster.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

# What a pool raises when it cannot start: OSError/PermissionError creating its queues
# and locks, AssertionError starting a child of a daemonic process, RuntimeError (e.g.
# no thread for the pool's manager), BrokenProcessPool (a subclass) when a worker dies
# at start-up. Caught only before any job is submitted.
START_ERRORS = (OSError, AssertionError, RuntimeError)


def start_pool(workers: int) -> ProcessPoolExecutor | None:
    """A spawn-context pool with one worker known to run a task, or None where no pool
    can start. ``spawn``: fork would copy FINN/torch state and threads into the child."""
    try:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    except START_ERRORS:
        return None
    try:
        # a trivial task proves a worker starts and answers (spawn fails late: in the
        # child, or when the child's first result cannot come back)
        pool.submit(os.getpid).result()
    except START_ERRORS:
        pool.shutdown(wait=False, cancel_futures=True)
        return None
    return pool


def _stop(pool: ProcessPoolExecutor) -> None:
    """Do not wait minutes for the other jobs once one has failed: cancel what has not
    started and end the workers. ``ProcessPoolExecutor`` has no public way to end a
    running task before Python 3.14 (``terminate_workers``), hence ``_processes``."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()


def run_jobs(fn: Callable, jobs: Sequence[tuple], parallel: bool) -> list:
    """``fn(*job)`` for each job, results in job order: in worker processes when
    ``parallel`` (and there is more than one job and one CPU), else in this process.
    ``fn`` must be importable by name (a module-level function) to reach a worker."""
    jobs = list(jobs)
    pool = None
    if parallel and len(jobs) > 1 and (os.cpu_count() or 1) > 1:
        pool = start_pool(len(jobs))
    if pool is None:
        return [fn(*job) for job in jobs]
    futures = [pool.submit(fn, *job) for job in jobs]
    done, _ = wait(futures, return_when=FIRST_EXCEPTION)
    failed = [f for f in futures if f in done and f.exception() is not None]
    if failed:
        _stop(pool)
        raise failed[0].exception()
    pool.shutdown(wait=True)
    return [f.result() for f in futures]
