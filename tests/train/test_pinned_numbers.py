"""The numbers of `train` and `pretrain` on tiny seeded inputs, pinned by value.

Recorded before the training loops were merged into one (issue 11) and unchanged by it:
any change to batch order, seeding, optimiser steps, early stopping, k-shot subsets,
label noise or the cosine schedule moves them. Losses are compared to 1e-6 (another
CPU's vector units may round the last bits differently); accuracies are exact fractions.
"""

from __future__ import annotations

import pytest
from tests.train.conftest import synthetic_splits

from codesign.train.config import TrainConfig
from codesign.train.pretrain import PretrainConfig, pretrain_backbone
from codesign.train.runner import run_domain_study
from codesign.train.runs import plan_runs
from tests.conftest import tiny_graph

# tag: (test accuracy, val accuracy, best epoch, loss per epoch); 12 val and 12 test images
PINNED_RUNS = {
    "series": {
        "seed0-kall-noise0": (5 / 12, 7 / 12, 2, [1.080945544772678, 0.9017447895473905]),
        "seed0-k2-noise0": (4 / 12, 6 / 12, 1, [1.0594452619552612, 1.036001205444336]),
        "seed0-kall-noise0.25": (3 / 12, 7 / 12, 2, [1.1382253170013428, 0.9804801013734605]),
        "seed1-kall-noise0": (7 / 12, 8 / 12, 2, [1.2591196695963542, 1.1761262151930068]),
        "seed1-k2-noise0": (3 / 12, 8 / 12, 2, [1.2745105028152466, 1.1884177923202515]),
        "seed1-kall-noise0.25": (5 / 12, 7 / 12, 2, [1.2765998840332031, 1.2012076642778184]),
    },
    "head": {  # cached features
        "seed0-kall-noise0": (5 / 12, 7 / 12, 2, [1.080945544772678, 0.9087014198303223]),
        "seed0-k2-noise0": (4 / 12, 6 / 12, 1, [1.0594452619552612, 1.036001205444336]),
        "seed0-kall-noise0.25": (4 / 12, 7 / 12, 2, [1.1382253170013428, 0.9833117855919732]),
        "seed1-kall-noise0": (7 / 12, 8 / 12, 2, [1.2591196695963542, 1.186040136549208]),
        "seed1-k2-noise0": (3 / 12, 8 / 12, 2, [1.2745105028152466, 1.1884177923202515]),
        "seed1-kall-noise0.25": (5 / 12, 6 / 12, 1, [1.2765998840332031, 1.1966084109412298]),
    },
}


@pytest.mark.parametrize("family", sorted(PINNED_RUNS))
def test_train_study_numbers_are_pinned(family, tmp_path):
    doc = run_domain_study(tiny_graph(family), synthetic_splits(train=6), plan_runs([0, 1], [2], [0.25]),
                           TrainConfig(epochs=2, batch_size=8, live_probe_batches=0), tmp_path,
                           log=lambda _m: None, random_backbone=True)
    got = {r["tag"]: r for r in doc["runs"]}
    assert list(got) == list(PINNED_RUNS[family])
    for tag, (test_acc, val_acc, best_epoch, losses) in PINNED_RUNS[family].items():
        run = got[tag]
        assert (run["test_accuracy"], run["val_accuracy"], run["best_epoch"]) == \
            (pytest.approx(test_acc, abs=1e-12), pytest.approx(val_acc, abs=1e-12), best_epoch), tag
        assert [h["loss"] for h in run["history"]] == pytest.approx(losses, rel=1e-6), tag


def test_pretrain_numbers_are_pinned(tmp_path):
    sidecar = pretrain_backbone(tiny_graph("head"), synthetic_splits(name="src", classes=4), PretrainConfig(
        epochs=2, batch_size=8, max_batches=2), tmp_path / "b.safetensors", log=lambda _m: None)
    assert (sidecar["source_val_accuracy"], sidecar["source_test_accuracy"], sidecar["best_epoch"]) == \
        (9 / 16, 11 / 16, 2)
    assert [h["loss"] for h in sidecar["history"]] == pytest.approx([1.4700403213500977, 1.1614173650741577],
                                                                    rel=1e-6)
    assert [h["train_accuracy"] for h in sidecar["history"]] == [2 / 16, 7 / 16]  # 2 steps of 8 images
