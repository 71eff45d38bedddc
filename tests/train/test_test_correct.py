"""Per-image test results: one 0/1 per test image, in the split's order, averaging to the accuracy."""

from __future__ import annotations

import json

from tests.conftest import tiny_graph
from tests.train.conftest import synthetic_splits

from codesign.compare.outcomes import TrainPointResult
from codesign.train.config import TrainConfig
from codesign.train.one_run import train_one_run
from codesign.train.record import RunRecord
from codesign.train.runs import RunPlan


def _run(family: str, seed: int = 0) -> RunRecord:
    base = synthetic_splits(train=8, test=7)  # 21 test images
    config = TrainConfig(epochs=2, batch_size=8, eval_batch_size=5, live_probe_batches=0)
    return train_one_run(tiny_graph(family), base, RunPlan(seed=seed), config, random_backbone=True).record


def test_test_correct_has_one_entry_per_test_image_and_averages_to_the_accuracy():
    for family in ("head", "scale_bias"):  # cached features and the live backbone
        record = _run(family)
        assert record.test_images == 21 and len(record.test_correct) == 21
        assert set(record.test_correct) <= {0, 1}
        assert sum(record.test_correct) / len(record.test_correct) == record.test_accuracy


def test_per_image_results_survive_the_stored_forms():
    record = _run("head", seed=1)
    stored = json.loads(json.dumps(record.to_dict()))
    assert list(stored)[-2:] == ["test_images", "test_correct"]
    assert RunRecord.from_dict(stored) == record
    point = TrainPointResult.from_dict({"run": stored, "parameters": {}, "macs": {},
                                        "sizes": {"train": 24, "val": 12, "test": 21}})
    assert point.test_correct == record.test_correct and point.test_images == 21
    older = {k: v for k, v in stored.items() if k not in ("test_images", "test_correct")}
    assert RunRecord.from_dict(older).test_correct is None  # records written before them still load
    assert "test_correct" not in RunRecord.from_dict(older).to_dict()
