"""The study runner: nested k-shot subsets, exact label noise, results JSON, errors."""

from __future__ import annotations

import json

import pytest
import torch
from tests.train.conftest import synthetic_splits

from codesign.data import DataError
from codesign.train.config import TrainConfig, TrainError
from codesign.train.loop import check_splits
from codesign.train.results import summarise_study
from codesign.train.one_run import run_splits
from codesign.train.runner import run_domain_study
from codesign.train.runs import RunPlan, parse_k_shot, parse_noise, plan_runs
from tests.conftest import tiny_graph


def test_k_shot_subsets_are_nested_and_seeded():
    base = synthetic_splits(train=30)
    sets = {}
    for k in (2, 5, 10, None):
        data, index, info = run_splits(base, RunPlan(seed=7, k_per_class=k))
        sets[k] = set(index.tolist())
        counts = torch.bincount(data.train.y, minlength=3).tolist()
        assert counts == [k or 30] * 3 and info["train_samples"] == 3 * (k or 30)
    assert sets[2] < sets[5] < sets[10] < sets[None]
    assert set(run_splits(base, RunPlan(seed=8, k_per_class=5))[1].tolist()) != sets[5]


def test_label_noise_rate_is_exact_and_train_only():
    base = synthetic_splits(train=40)  # 120 training labels
    for rate in (0.1, 0.2, 0.4):
        data, _, info = run_splits(base, RunPlan(seed=0, label_noise=rate))
        flipped = int((data.train.y != base.train.y).sum())
        assert flipped == round(rate * 120) and info["realised_noise"] == flipped / 120
        assert torch.equal(data.val.y, base.val.y) and torch.equal(data.test.y, base.test.y)


def test_plans_and_argument_parsing():
    plans = plan_runs([0, 1], parse_k_shot("5,all"), parse_noise("0,0.2"))
    assert [p.tag for p in plans[:3]] == ["seed0-kall-noise0", "seed0-k5-noise0", "seed0-kall-noise0.2"]
    assert len(plans) == 6 and sum(p.is_main for p in plans) == 2
    for bad, parse in (("five", parse_k_shot), ("0", parse_k_shot), ("1.5", parse_noise), ("x", parse_noise)):
        with pytest.raises(TrainError):
            parse(bad)


def test_empty_class_or_single_class_is_an_error_naming_the_domain():
    data = synthetic_splits(name="lonely")
    data.train.y[data.train.y == 2] = 0  # class 2 has no training images
    with pytest.raises(DataError, match="'lonely'.*class"):
        check_splits(data)
    single = synthetic_splits(name="mono", classes=1)
    with pytest.raises(DataError, match="'mono'"):
        check_splits(single)


def test_results_json_fields_and_resume_skips_finished_runs(tmp_path):
    spec = tiny_graph("head")
    base = synthetic_splits(name="toy", train=6)
    config = TrainConfig(epochs=2, batch_size=8, live_probe_batches=1)
    plans = plan_runs([0], [2], [0.25])
    lines = []
    doc = run_domain_study(spec, base, plans, config, tmp_path, log=lines.append)
    written = json.loads((tmp_path / "toy.json").read_text())
    assert written["domain"] == "toy" and len(written["runs"]) == 3
    run = written["runs"][0]
    for field in ("test_accuracy", "val_accuracy", "epochs_run", "epoch_seconds", "mean_epoch_seconds",
                  "train_samples", "realised_noise", "feature_cache", "adaptation_seconds", "checkpoint"):
        assert field in run, field
    assert written["parameters"]["trainable_parameters"] > 0 and written["parameters"]["total_bytes"] > 0
    assert written["macs"]["inference"] > 0 and written["macs"]["training_cached"] is not None
    assert written["metrics"]["test_accuracy"]["higher_is_better"] is True
    summary = written["summary"]
    assert summary["test_accuracy"]["n"] == 1 and set(summary["samples_needed"]) == {"2", "all"}
    assert summary["label_noise"]["0.25"]["realised_noise"]["mean"] == round(0.25 * 18) / 18
    assert (tmp_path / "domains" / "seed0" / "toy.safetensors").is_file()
    assert any("feature cache" in line for line in lines)
    study = summarise_study({"toy": doc}, {"toy": 0.5}, "head", "tiny")
    assert study["decathlon"]["domains"]["toy"]["baseline_error"] == 0.5

    lines.clear()
    again = run_domain_study(spec, base, plans, config, tmp_path, resume=True, log=lines.append)
    assert sum("already done" in line for line in lines) == 3
    assert [r["test_accuracy"] for r in again["runs"]] == [r["test_accuracy"] for r in doc["runs"]]


def test_cache_is_shared_by_runs_of_one_domain(tmp_path):
    lines = []
    run_domain_study(tiny_graph("side"), synthetic_splits(train=6), plan_runs([0, 1]),
                     TrainConfig(epochs=1, batch_size=8, live_probe_batches=0), tmp_path, log=lines.append)
    assert sum("feature cache:" in line for line in lines) == 1

