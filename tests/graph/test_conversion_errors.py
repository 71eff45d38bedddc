"""A conversion error is raised once; only a pool that cannot start runs the jobs in-process.

Fast: the conversion is replaced by a module-level function (so a spawned worker can
import it by name) that records each call as a file and raises ``NonHWNodeError``. This
module imports ``codesign.graph.design`` (torch, networkx) only in the tests, not at the
top: each spawned worker imports this module to find the function.
"""

from __future__ import annotations

import os
import pickle
import uuid
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from codesign.errors import DesignRejected, one_line
from codesign.finn.non_hw import NonHWNodeError
from codesign.graph import workers

LEFT = ("Transpose", "Transpose_1", "layout transpose not absorbed into a neighbouring op")


def failing_conversion(qonnx_path: str, out_path: str) -> dict:
    """Records the call (pid) next to ``out_path``, then rejects the design."""
    (Path(out_path).parent / f"call-{os.getpid()}-{uuid.uuid4().hex}").write_text(qonnx_path)
    raise NonHWNodeError([LEFT])


@pytest.fixture
def design():
    from codesign.graph import design

    return design


def calls(folder: Path) -> list[Path]:
    return sorted(folder.glob("call-*"))


def jobs(folder: Path) -> list[tuple[str, str]]:
    return [(str(folder / f"{tag}.onnx"), str(folder / f"{tag}_hw.onnx")) for tag in ("domain", "probe")]


def test_the_error_is_one_line_naming_the_node_and_survives_a_process_boundary():
    err = NonHWNodeError([LEFT, ("Mul", "Mul_3", "float scale")])
    assert isinstance(err, DesignRejected)
    text = str(err)
    assert one_line(text) == text
    assert "Transpose 'Transpose_1': layout transpose not absorbed" in text and "Mul 'Mul_3'" in text
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is NonHWNodeError and back.nodes == err.nodes and str(back) == text


def test_parallel_conversion_error_is_raised_once_and_not_retried(tmp_path, monkeypatch, design):
    monkeypatch.setattr(design, "convert_file", failing_conversion)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    with pytest.raises(NonHWNodeError) as info:
        design.convert_files(jobs(tmp_path), parallel=True)
    assert info.value.nodes == [LEFT]
    made = calls(tmp_path)
    # at most one call per job (the other worker may be stopped before it records its
    # call), all in workers: none repeated in this process
    assert 1 <= len(made) <= 2
    assert all(f"call-{os.getpid()}-" not in p.name for p in made)


def test_sequential_conversion_error_is_raised_once(tmp_path, monkeypatch, design):
    monkeypatch.setattr(design, "convert_file", failing_conversion)
    with pytest.raises(NonHWNodeError):
        design.convert_files(jobs(tmp_path), parallel=False)
    assert len(calls(tmp_path)) == 1  # the first job fails: the second never runs


class _DeadPool:
    """A pool whose worker dies at start-up, as a spawn failure shows itself."""

    def __init__(self, *args, **kwargs):
        pass

    def submit(self, fn, *args):
        future = Future()
        future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        return future

    def shutdown(self, wait=True, cancel_futures=False):
        pass


def _no_semaphores(*args, **kwargs):
    raise PermissionError(13, "Permission denied: /dev/shm")


@pytest.mark.parametrize("pool", [_no_semaphores, _DeadPool], ids=["cannot-create", "dies-at-start"])
def test_a_pool_that_cannot_start_falls_back_to_sequential(tmp_path, monkeypatch, pool, design):
    seen = []
    monkeypatch.setattr(workers, "ProcessPoolExecutor", pool)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(design, "convert_file", lambda q, o: seen.append(q) or {"job": q})
    out = design.convert_files(jobs(tmp_path), parallel=True)
    assert [r["job"] for r in out] == seen == [j[0] for j in jobs(tmp_path)]


def test_a_worker_dying_mid_job_is_not_retried(tmp_path, monkeypatch, design):
    class DiesAfterStart(_DeadPool):
        def submit(self, fn, *args):
            if fn is os.getpid:  # the start-up probe answers
                future = Future()
                future.set_result(1)
                return future
            return super().submit(fn, *args)

    seen = []
    monkeypatch.setattr(workers, "ProcessPoolExecutor", DiesAfterStart)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(design, "convert_file", lambda q, o: seen.append(q))
    with pytest.raises(BrokenProcessPool):
        design.convert_files(jobs(tmp_path), parallel=True)
    assert seen == []
