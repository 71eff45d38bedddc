"""Failed points: a deterministic rejection is told apart from an internal failure, in
whichever process the point ran, and only the latter gets the advice to retry."""

from __future__ import annotations

import pickle
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

import pytest
from compare_helpers import compare_args, read_doc, single_setting

from codesign.cli import main
from codesign.compare.executors import _outcome
from codesign.compare.outcomes import FAILURE_INTERNAL, FAILURE_REJECTED, failed_result
from codesign.compare.result import PointStats
from codesign.compare.runner import failure_advice
from codesign.cost.errors import UnreachableTargetError
from codesign.data import DataError
from codesign.train.config import TrainDivergedError


def _raised(exc: Exception) -> Exception:
    try:
        raise exc
    except Exception as caught:  # a traceback, as in a worker
        return caught


@pytest.mark.parametrize("exc, kind", [
    (UnreachableTargetError("target 1e+12 FPS is above the 48,828 FPS the slowest node reaches"),
     FAILURE_REJECTED),  # a DesignRejected
    (DataError("domain 'a': the val split is empty"), FAILURE_REJECTED),  # an InputError
    (TrainDivergedError("domain 'a', seed 0, epoch 2: the training loss became nan"), FAILURE_REJECTED),
    (RuntimeError("conversion exploded"), FAILURE_INTERNAL),
    (KeyError("lut"), FAILURE_INTERNAL),
])
def test_failure_kind_is_plain_data_that_survives_pickling(exc, kind):
    outcome = pickle.loads(pickle.dumps(failed_result(_raised(exc), 1.5)))  # what a pool sends back
    assert outcome.ok is False and outcome.failure == kind and outcome.seconds == 1.5 and outcome.record is None
    if kind == FAILURE_REJECTED:
        assert outcome.message == str(exc)  # the one-line message, nothing added
    else:
        assert outcome.message.startswith(f"{type(exc).__name__}: ")
        assert "(test_compare_failures.py:" in outcome.message  # where it was raised


def test_a_lost_worker_is_an_internal_failure():
    future = Future()
    future.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
    outcome = _outcome(future)
    assert outcome.ok is False and outcome.failure == FAILURE_INTERNAL
    assert "worker running this point was lost (BrokenProcessPool: A process" in outcome.message
    cancelled = Future()
    cancelled.cancel()
    assert _outcome(cancelled).failure == FAILURE_INTERNAL


@pytest.mark.parametrize("failed, rejected, advice", [
    (0, 0, None),
    (2, 2, "2 point(s) rejected (deterministic: the same inputs fail the same way; change the design, "
           "device or settings); listed in the report"),
    (3, 0, "3 point(s) failed (run the same command to retry them); listed in the report"),
    (3, 1, "1 point(s) rejected (deterministic: the same inputs fail the same way; change the design, "
           "device or settings); 2 point(s) failed (run the same command to retry them); listed in the report"),
])
def test_retry_advice_only_for_internal_failures(failed, rejected, advice):
    stats = PointStats(total=10, from_cache=0, computed=10 - failed, failed=failed, rejected=rejected,
                       wall_seconds=1.0, executor="local, in-process")
    assert failure_advice(stats) == advice


def test_unreachable_target_is_rejected_across_the_process_boundary(tiny_inputs, cache_root, tmp_path, capsys):
    """Points in spawned worker processes: the estimate's UnreachableTargetError arrives
    as a rejection, is listed as one, is not cached, and the training points go on."""
    out = tmp_path / "report"
    args = single_setting(compare_args(tiny_inputs, cache_root, out, "--workers", "2", "--target-fps", "1e12"))
    assert main(args) != 0
    err = capsys.readouterr().err
    doc = read_doc(out)
    # 4 main runs, 2 fastest foldings within the budget, 2 estimates at the target (rejected)
    assert doc["points"] == {**doc["points"], "total": 8, "computed": 6, "failed": 2, "rejected": 2}
    for arch in doc["architectures"]:
        assert arch["estimate"] is None and len(arch["errors"]) == 1
        assert arch["errors"][0].startswith(f"{arch['name']} / estimate on pynq-z1, folded for "
                                            f"1,000,000,000,000.0 FPS: rejected: ")
        assert "FPS" in arch["errors"][0] and "Error" not in arch["errors"][0]
    assert err.count(": rejected: ") == 2 and "FAILED" not in err
    assert len(list((cache_root / "points" / "estimate").glob("*.json"))) == 2  # the fastest foldings only
    assert len(list((cache_root / "points" / "train").glob("*.json"))) == 4


def test_a_diverged_training_point_is_a_failed_point_not_cached(tiny_inputs, cache_root, tmp_path, capsys,
                                                                 monkeypatch):
    """A training loss that turns NaN in epoch 2 (points in this process: --workers 1)."""
    import types

    import torch.nn.functional as F

    import codesign.train.epochs as epochs

    calls = {"n": 0}

    def nan_from_the_third_batch(logits, labels):
        calls["n"] += 1
        loss = F.cross_entropy(logits, labels)
        return loss * float("nan") if calls["n"] > 2 else loss

    monkeypatch.setattr(epochs, "F", types.SimpleNamespace(cross_entropy=nan_from_the_third_batch))
    out = tmp_path / "report"
    args = single_setting(compare_args(tiny_inputs, cache_root, out, "--workers", "1"))
    args[args.index("--lr") + 1] = "0.02"
    args[args.index("--epochs") + 1] = "3"
    args.remove(next(g for g in tiny_inputs["graphs"] if g.endswith("tiny_head.yaml")))
    assert main(args) != 0
    doc = read_doc(out)
    # no trained weights: its two estimates (fastest within the budget, at it) use random ones
    assert doc["points"] == {**doc["points"], "total": 4, "computed": 2, "failed": 2, "rejected": 2}
    assert [a["estimate"]["domain_weights"] for a in doc["architectures"]] == ["random"]
    (arch,) = doc["architectures"]
    assert arch["mean_accuracy"] is None
    assert sorted(e.split(" / ")[1] for e in arch["errors"]) == ["a", "b"]
    for error in arch["errors"]:
        assert ": rejected: domain " in error and ", seed 0, epoch " in error and "use a smaller --lr" in error
    assert not (cache_root / "points" / "train").exists()
    assert "rejected: domain 'a', seed 0, epoch " in capsys.readouterr().err
