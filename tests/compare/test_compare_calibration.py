"""A comparison's estimate points are keyed by the calibration's content (--calibration)."""

from __future__ import annotations

import shutil

import pytest

from codesign.compare.plan import CompareConfig, make_plan
from codesign.compare.work import _task_calibration
from codesign.cost.calibration_files import load_calibration, shipped_model_path


def _plan(tiny_inputs, root, calibration=None):
    return make_plan(CompareConfig(graphs=tiny_inputs["graphs"], device="pynq-z1", domains=tiny_inputs["domains"],
                                   out=str(root / "out"), cache_dir=str(root), calibration=calibration),
                     progress=lambda _m: None)


def _estimates(plan) -> list:
    return [plan.estimate_point(spec, None, target) for spec in plan.specs for target in (None, 1000.0)]


def _digests(plan, kind: str) -> set[str]:
    return {p.digest for p in (_estimates(plan) if kind == "estimate" else plan.points)}


def test_another_calibration_recomputes_estimates_only(tiny_inputs, tmp_path):
    root = tmp_path / "cache"
    shipped = _plan(tiny_inputs, root)
    same = tmp_path / "same.json"
    shutil.copy(shipped_model_path(), same)
    other = tmp_path / "other.json"
    other.write_text(shipped_model_path().read_text() + "\n")  # the same model, other bytes
    assert _digests(_plan(tiny_inputs, root, str(same)), "estimate") == _digests(shipped, "estimate")
    edited = _plan(tiny_inputs, root, str(other))
    assert not _digests(edited, "estimate") & _digests(shipped, "estimate")
    assert _digests(edited, "train") == _digests(shipped, "train")  # training knows nothing of it
    task = _estimates(edited)[0].task
    assert task["calibration"] == str(other.resolve()) and task["calibration_sha256"] == edited.calibration.sha256
    assert edited.calibration.origin == f"{other} (--calibration)"


def test_worker_loads_the_planned_calibration_and_refuses_a_changed_file(tmp_path):
    path = tmp_path / "cal.json"
    shutil.copy(shipped_model_path(), path)
    planned = load_calibration(path)
    task = {"calibration": str(planned.path), "calibration_sha256": planned.sha256, "calibration_origin": "mine"}
    loaded = _task_calibration(task)
    assert loaded.origin == "mine" and loaded.sha256 == planned.sha256
    assert _task_calibration({}) is None  # no file: the estimator's default
    path.write_text(path.read_text() + " ")
    with pytest.raises(RuntimeError, match="calibration file changed since the comparison was planned"):
        _task_calibration(task)
