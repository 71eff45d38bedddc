"""RunRecord: the stored form of one training run keeps its keys, their order and its numbers."""

from __future__ import annotations

import dataclasses
import json

import pytest

from codesign.train.record import RunRecord

COMPARE_KEYS = ["seed", "k_per_class", "label_noise", "train_samples", "realised_noise", "domain",
                "test_accuracy", "val_accuracy", "best_epoch", "epochs_run", "stopped_early", "epoch_seconds",
                "feature_cache", "interrupted", "mean_epoch_seconds", "adaptation_seconds"]


def _record(**changes) -> RunRecord:
    base = RunRecord(seed=1, k_per_class=5, label_noise=0.0, train_samples=15, realised_noise=0.0,
                     domain="toy", test_accuracy=0.1 + 0.2, val_accuracy=2 / 3, best_epoch=2, epochs_run=3,
                     stopped_early=False, epoch_seconds=[0.5, 0.25], feature_cache={"used": False},
                     interrupted=False, mean_epoch_seconds=0.375, adaptation_seconds=1.5)
    return dataclasses.replace(base, **changes)


def test_compare_form_has_no_study_fields():
    assert list(_record().to_dict()) == COMPARE_KEYS


def test_study_form_leads_with_tag_and_ends_with_config_and_checkpoint():
    record = _record(tag="seed1-k5-noise0", history=[{"epoch": 1}], config={"lr": 0.005},
                     checkpoint="d/toy.safetensors")
    keys = list(record.to_dict())
    assert keys[0] == "tag" and keys[-2:] == ["config", "checkpoint"]
    assert keys[keys.index("epoch_seconds") + 1] == "history"
    assert [k for k in keys if k not in ("tag", "history", "config", "checkpoint")] == COMPARE_KEYS


def test_json_round_trip_keeps_every_number_bit_for_bit():
    record = _record(tag="t", history=[{"loss": 1 / 3}], config={"lr": 5e-3})
    again = RunRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record and again.test_accuracy == 0.1 + 0.2


def test_an_interrupted_run_reads_back_without_test_accuracy():
    stored = {**_record(k_per_class=None).to_dict(), "test_accuracy": None, "interrupted": True}
    record = RunRecord.from_dict(stored)
    assert record.test_accuracy is None and record.is_main and record.to_dict() == stored
    assert not _record().is_main and not _record(k_per_class=None, label_noise=0.2).is_main


@pytest.mark.parametrize("change, message", [
    (lambda d: {**d, "speed": 1.0}, "unknown key.*speed"),
    (lambda d: {k: v for k, v in d.items() if k != "best_epoch"}, "missing key.*best_epoch"),
])
def test_a_record_that_does_not_fit_is_refused_naming_the_key(change, message):
    with pytest.raises(ValueError, match=message):
        RunRecord.from_dict(change(_record().to_dict()))
