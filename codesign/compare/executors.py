"""Where points run: a pluggable executor, chosen by name (``--executor``).

    local   processes on this machine (concurrent.futures, spawn), the default
    dask    a Dask distributed cluster: ``--scheduler tcp://host:8786`` (a cluster
            started by dask-jobqueue on Slurm/PBS, or any other), or, without an
            address, a LocalCluster of ``--workers`` processes started here

An executor only moves ``run_point(task)`` calls and their results; caching, resume
and progress live in the coordinator (runner.py), so every executor behaves the
same. Adding one = a class here with ``@register_executor("name")``.
"""

from __future__ import annotations

import uuid
from typing import Callable, Iterator, Protocol

from codesign.compare.outcomes import PointResult, failed_result
from codesign.compare.work import run_point
from codesign.registry import Registry
from codesign.errors import InputError

EXECUTORS: Registry[Callable[..., "Executor"]] = Registry("executor")
register_executor = EXECUTORS.register


class ExecutorError(InputError, RuntimeError):
    """An executor that cannot start (one-line message)."""


class Executor(Protocol):
    description: str

    def run(self, tasks: list[dict]) -> Iterator[tuple[int, PointResult]]:
        """Yield (index into tasks, run_point's result) as points finish, in any order."""

    def close(self, wait: bool = True) -> None: ...


def _exit_with_parent(parent_pid: int) -> None:
    """Pool initializer: a worker whose coordinator died (killed, no clean-up) stops at once
    instead of finishing its point for nobody on cores a resumed run needs."""
    import os
    import threading
    import time

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


@register_executor("local")
class LocalExecutor:
    """A pool of ``workers`` fresh Python processes (spawn: no forked torch state);
    with one worker the points run in this process, one after another."""

    def __init__(self, workers: int, scheduler: str | None = None):
        if scheduler:
            raise ExecutorError("--scheduler is for --executor dask; the local executor uses this machine")
        self.workers = workers
        self.description = f"local, {workers} process(es)" if workers > 1 else "local, in-process"
        self._pool = None

    def run(self, tasks: list[dict]) -> Iterator[tuple[int, PointResult]]:
        if self.workers <= 1:
            for index, task in enumerate(tasks):
                yield index, run_point(task)
            return
        import os
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from multiprocessing import get_context

        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"),
                                         initializer=_exit_with_parent, initargs=(os.getpid(),))
        futures = {self._pool.submit(run_point, task): index for index, task in enumerate(tasks)}
        try:
            for future in as_completed(futures):
                yield futures[future], _outcome(future)
        finally:
            for future in futures:
                future.cancel()

    def close(self, wait: bool = True) -> None:
        """``wait=False`` (an interrupted comparison): stop the running points now. Their
        workers are terminated, not waited for; finished points are already cached and a
        training point resumes from its last epoch checkpoint."""
        if self._pool is None:
            return
        if not wait:
            # a private attribute, but the only handle on the processes before Python 3.14
            # (terminate_workers); without it shutdown and interpreter exit both wait for
            # every running point to finish
            for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None


def _outcome(future) -> PointResult:
    """run_point's result, or an internal failure when the point never returned one (its
    worker died: killed, out of memory; the future was cancelled)."""
    try:
        return future.result()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # CancelledError is a BaseException; any lost point is reported
        return failed_result(RuntimeError(f"the worker running this point was lost ({type(exc).__name__}"
                                           f"{': ' + str(exc) if str(exc) else ''})"))


@register_executor("dask")
class DaskExecutor:
    """Points as Dask futures; results come back to this process, which caches them."""

    def __init__(self, workers: int, scheduler: str | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise ExecutorError(f"--executor dask needs the 'distributed' package ({exc})") from None
        self._cluster = None
        try:
            if scheduler:
                self._client = Client(scheduler, timeout="20s")
                self.description = f"dask, scheduler {scheduler}"
            else:
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None)
                self._client = Client(self._cluster)
                self.description = f"dask, LocalCluster of {workers} worker(s)"
        except (OSError, TimeoutError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            raise ExecutorError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") from None

    def run(self, tasks: list[dict]) -> Iterator[tuple[int, PointResult]]:
        from distributed import as_completed

        # pure=False: a point is computed once per submission, its caching is ours
        run_id = uuid.uuid4().hex[:8]  # two comparisons on one cluster must not share keys
        futures = [self._client.submit(run_point, task, pure=False,
                                       key=f"codesign-point-{task['digest'][:16]}-{run_id}")
                   for task in tasks]
        index_of = {f.key: i for i, f in enumerate(futures)}
        try:
            for future in as_completed(futures):
                yield index_of[future.key], _outcome(future)
        finally:
            for future in futures:
                future.cancel()

    def close(self, wait: bool = True) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(name: str, workers: int, scheduler: str | None = None) -> Executor:
    return EXECUTORS.get(name)(workers, scheduler)
