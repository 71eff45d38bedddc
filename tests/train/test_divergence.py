"""A run whose loss leaves the finite numbers is a failure naming the run, never a result;
a finished study leaves no empty checkpoint folders behind."""

from __future__ import annotations

import json
import types

import pytest
import torch.nn.functional as F
from tests.train.conftest import synthetic_splits, write_toy_domain_and_graph

import codesign.train.epochs as epochs
from codesign.cli import main
from codesign.errors import InputError
from codesign.train.config import TrainConfig, TrainDivergedError, TrainError
from codesign.train.loop import add_seeded_domain, train_domain
from codesign.train.runner import run_domain_study
from codesign.train.runs import plan_runs
from tests.conftest import tiny_graph, tiny_model



def _nan_loss_from_call(first_bad: int):
    """A stand-in for epochs.F (the one epoch loop's) whose cross entropy turns NaN from
    its ``first_bad``-th call."""
    calls = {"n": 0}

    def cross_entropy(logits, labels):
        calls["n"] += 1
        loss = F.cross_entropy(logits, labels)
        return loss * float("nan") if calls["n"] >= first_bad else loss

    return types.SimpleNamespace(cross_entropy=cross_entropy)


def test_a_huge_step_size_diverges_with_one_line_naming_the_run():
    """lr 1e37 drives the per-domain BN scales of scale_bias past float32 in one epoch."""
    data = synthetic_splits(name="toy")
    model = tiny_model("scale_bias")
    add_seeded_domain(model, "toy", 3, seed=4)
    config = TrainConfig(lr=1e37, epochs=3, batch_size=8, seed=4, live_probe_batches=0)
    with pytest.raises(TrainDivergedError) as caught:
        train_domain(model, "toy", data, config, log=None)
    message = str(caught.value)
    assert message.startswith("domain 'toy', seed 4, epoch 1: ")
    assert message.endswith("training diverged at --lr 1e+37: use a smaller --lr") and "\n" not in message
    assert isinstance(caught.value, InputError)  # exit 2 at the command line


def test_nan_loss_stops_the_run_in_its_epoch(monkeypatch):
    monkeypatch.setattr(epochs, "F", _nan_loss_from_call(first_bad=4))  # 3 batches of 8 per epoch
    data = synthetic_splits(name="toy")
    model = tiny_model("attention")
    add_seeded_domain(model, "toy", 3, seed=0)
    with pytest.raises(TrainDivergedError, match=r"^domain 'toy', seed 0, epoch 2: the training loss became nan"):
        train_domain(model, "toy", data, TrainConfig(epochs=3, batch_size=8, live_probe_batches=0), log=None)


def test_a_parameter_turned_nan_by_the_last_step_is_caught_before_it_is_saved(tmp_path, monkeypatch):
    data = synthetic_splits(name="toy")
    model = tiny_model("attention")
    add_seeded_domain(model, "toy", 3, seed=0)
    params = model.domain_parameters("toy")
    real = TrainConfig.make_optimizer

    def poisoned(self, parameters):
        optimizer = real(self, parameters)
        step = optimizer.step

        def step_then_nan(*args, **kwargs):
            result = step(*args, **kwargs)
            params[0].data.fill_(float("nan"))
            return result

        optimizer.step = step_then_nan
        return optimizer

    monkeypatch.setattr(TrainConfig, "make_optimizer", poisoned)
    with pytest.raises(TrainDivergedError, match="epoch 1: a trained parameter became NaN or infinite"):
        train_domain(model, "toy", data, TrainConfig(epochs=2, batch_size=24, live_probe_batches=0),
                     checkpoint_dir=tmp_path / "run", log=None)
    assert not (tmp_path / "run").exists()  # no checkpoint of the diverged state


@pytest.mark.parametrize("lr", [float("inf"), float("nan"), 1e39, 0.0, -0.1, "fast"])
def test_step_sizes_that_cannot_train_are_refused(lr):
    with pytest.raises(TrainError, match="^lr: expected a finite positive step size"):
        TrainConfig(lr=lr)


def test_codesign_train_ends_with_one_line_when_the_loss_diverges(capsys, tmp_path, monkeypatch):
    graph = write_toy_domain_and_graph(tmp_path)
    out = tmp_path / "out"
    monkeypatch.setattr(epochs, "F", _nan_loss_from_call(first_bad=1))
    argv = ["train", str(graph), "--domains", f"toy={tmp_path / 'toy.npz'}", "--epochs", "3", "--seed", "2",
            "--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("codesign: error: domain 'toy', seed 2, epoch 1: the training loss became nan")
    assert err[-1].endswith("use a smaller --lr") and sum(line.startswith("codesign:") for line in err) == 1
    assert not (out / "checkpoints").exists()  # the diverged run's checkpoint is gone with it


def test_a_finished_study_leaves_no_empty_checkpoint_folders(capsys, tmp_path):
    graph = write_toy_domain_and_graph(tmp_path)
    out = tmp_path / "out"
    argv = ["train", str(graph), "--domains", f"toy={tmp_path / 'toy.npz'}", "--epochs", "2", "--k-shot", "2,all",
            "--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    assert main(argv) == 0
    assert len(json.loads((out / "toy.json").read_text())["runs"]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["domains", "summary.json", "toy.json"]


def test_checkpoints_of_other_runs_are_kept(tmp_path):
    """Only empty folders go: another domain's interrupted run keeps its checkpoint."""
    other = tmp_path / "checkpoints" / "other" / "seed0-kall-noise0"
    other.mkdir(parents=True)
    (other / "progress.json").write_text("{}")
    run_domain_study(tiny_graph("head"), synthetic_splits(name="toy", train=6), plan_runs([0]),
                     TrainConfig(epochs=1, batch_size=8, live_probe_batches=0), tmp_path, log=lambda _m: None)
    assert not (tmp_path / "checkpoints" / "toy").exists()
    assert (other / "progress.json").is_file()
