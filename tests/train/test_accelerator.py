"""``--accelerator auto|cpu|cuda``: parsing and errors, the CPU path unchanged, the run
records its device, and no tensor in training is made on an implicit device."""

from __future__ import annotations

import sys

import pytest
import torch
from torch.overrides import TorchFunctionMode
from tests.conftest import tiny_graph, tiny_model
from tests.train.conftest import synthetic_splits

from codesign.cli import main
from codesign.errors import InputError
from codesign.train import accelerator
from codesign.train.config import TrainConfig, TrainError
from codesign.train.loop import add_seeded_domain, train_domain
from codesign.train.one_run import train_one_run
from codesign.train.runs import RunPlan

QUICK = dict(epochs=2, batch_size=8, patience=10, live_probe_batches=1)


def _no_gpu(monkeypatch):
    monkeypatch.setattr(accelerator, "cuda_available", lambda: False)


def test_auto_is_the_cpu_without_a_gpu_and_cuda_is_refused(monkeypatch):
    _no_gpu(monkeypatch)
    assert accelerator.resolve_accelerator("auto") == "cpu"
    assert TrainConfig(accelerator="auto").accelerator == "cpu"
    with pytest.raises(InputError, match=r"^--accelerator cuda: torch sees no CUDA GPU"):
        accelerator.resolve_accelerator("cuda")
    monkeypatch.setattr(accelerator, "cuda_available", lambda: True)
    assert accelerator.resolve_accelerator("auto") == "cuda"


def test_bad_accelerator_names_are_refused():
    with pytest.raises(InputError, match="--accelerator: expected one of auto, cpu, cuda, got 'gpu'"):
        accelerator.resolve_accelerator("gpu")
    with pytest.raises(TrainError, match="accelerator: expected auto, cpu or cuda, got 'tpu'"):
        TrainConfig(accelerator="tpu")


@pytest.mark.parametrize("command", [["train", "cnv_head", "--domains", "sklearn_digits"],
                                     ["compare", "cnv_head", "--device", "pynq-z1", "--domains", "sklearn_digits",
                                      "--out", "unused"]])
def test_cli_accelerator_errors_are_one_line(command, capsys, monkeypatch, tmp_path):
    _no_gpu(monkeypatch)
    monkeypatch.chdir(tmp_path)
    assert main(command + ["--accelerator", "gpu"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--accelerator" in err[0] and "'gpu'" in err[0]
    assert main(command + ["--accelerator", "cuda"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == ("codesign: error: --accelerator cuda: torch sees no CUDA GPU on this machine "
                       "(use --accelerator cpu or auto)")
    assert not (tmp_path / "unused").exists()  # refused before any output or data


def test_a_cuda_config_loads_anywhere_but_does_not_train_without_a_gpu(monkeypatch):
    _no_gpu(monkeypatch)
    config = TrainConfig.from_dict(TrainConfig(accelerator="cuda", **QUICK).to_dict())  # a compare worker's copy
    assert config.accelerator == "cuda"
    model = tiny_model("head")
    add_seeded_domain(model, "toy", 3, 0)
    with pytest.raises(InputError, match="^accelerator cuda: torch sees no CUDA GPU"):
        train_domain(model, "toy", synthetic_splits(), config, log=None)


def _run(config: TrainConfig):
    return train_one_run(tiny_graph("attention"), synthetic_splits(train=6), RunPlan(seed=1), config,
                         random_backbone=True).record.to_dict()


def test_the_cpu_path_gives_the_numbers_of_the_default_and_records_its_device():
    default, auto = _run(TrainConfig(**QUICK)), _run(TrainConfig(accelerator="auto", **QUICK))
    assert default["accelerator"] == auto["accelerator"] == "cpu"
    timing = ("epoch_seconds", "mean_epoch_seconds", "adaptation_seconds", "feature_cache", "history")
    assert {k: v for k, v in default.items() if k not in timing} == {k: v for k, v in auto.items() if k not in timing}
    assert [h["loss"] for h in default["history"]] == [h["loss"] for h in auto["history"]]


FACTORIES = {torch.zeros, torch.ones, torch.empty, torch.full, torch.arange, torch.tensor, torch.as_tensor,
             torch.randperm, torch.rand, torch.randn, torch.randint, torch.linspace, torch.eye, torch.zeros_like}


class _ImplicitDeviceSpy(TorchFunctionMode):
    """Records every tensor factory called from codesign's own code without a device: on a
    GPU such a tensor would land on the CPU and meet the model's CUDA tensors."""

    def __init__(self):
        super().__init__()
        self.implicit: list[str] = []
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in FACTORIES:
            caller = sys._getframe(1).f_code
            if "/codesign/" in caller.co_filename.replace("\\", "/"):
                self.calls += 1
                if kwargs.get("device") is None:
                    self.implicit.append(f"{caller.co_filename}:{caller.co_name}: torch.{func.__name__}")
        return func(*args, **kwargs)


@pytest.mark.parametrize("family", ["attention", "head"])  # live backbone + prefix cache; backbone-output cache
def test_training_makes_no_tensor_on_an_implicit_device(family):
    model = tiny_model(family)
    add_seeded_domain(model, "toy", 3, 0)
    with _ImplicitDeviceSpy() as spy:
        result = train_domain(model, "toy", synthetic_splits(), TrainConfig(**QUICK), log=None)
    assert result.accelerator == "cpu" and result.test_correct is not None
    assert spy.calls >= 3  # the spy does see codesign's factories (evaluation, batch order)
    assert spy.implicit == []



@pytest.mark.parametrize("command", [["train", "cnv_head", "--domains", "sklearn_digits"],
                                     ["compare", "cnv_head", "--device", "pynq-z1", "--domains", "sklearn_digits",
                                      "--out", "unused"]])
def test_cli_bn_stats_errors_are_one_line(command, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(command + ["--bn-stats", "eval"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--bn-stats" in err[0] and "'eval'" in err[0] and "batch" in err[0]
    assert not (tmp_path / "unused").exists()


def test_compare_and_a_worker_copy_keep_bn_stats():
    from codesign.compare.plan import CompareConfig, CompareError

    args = {"graphs": ["cnv_head"], "device": "pynq-z1", "domains": "sklearn_digits", "out": "x"}
    with pytest.raises(CompareError, match=r"^--bn-stats: expected one of batch, frozen \(or both, comma-separated\), "
                                           "got 'eval'$"):
        CompareConfig(**args, bn_stats="eval")
    with pytest.raises(CompareError, match="^--bn-stats: expected one of batch, frozen .*got 'eval'$"):
        CompareConfig(**args, bn_stats="batch,eval")
    with pytest.raises(CompareError, match="^--bn-stats: expected each of batch, frozen at most once, got 'batch,batch'$"):
        CompareConfig(**args, bn_stats="batch,batch")
    assert CompareConfig(**args, bn_stats="frozen, batch").bn_stats == ["frozen", "batch"]
    assert CompareConfig(**args).bn_stats == ["batch"]
    assert TrainConfig.from_dict({**TrainConfig().to_dict(), "bn_stats": "frozen"}).bn_stats == "frozen"
