"""Backbone pre-training on a source domain: the fixed hardware's weights.

    codesign pretrain graphs/_cnv_pretrain.yaml --source glyphs_source --epochs 3 --seed 0 \
        --out checkpoints/cnv_x0.5_w4a4_glyphs.safetensors

The whole backbone and a temporary classifier are trained on the source domain (which
shares no class with any target domain); only the backbone's state dict is saved
(safetensors, written atomically) with a JSON sidecar: the config, the measured source
test accuracy, epochs, wall time and the hash of the prepared data. The temporary head
is discarded: every target domain gets its own.

Why the initialisation: the quantisers have a constant scale of 1.0 (quant.py), so a
b-bit weight lives on the grid k / (2^(b-1) - 1) in [-1, 1]. PyTorch's default
(Kaiming-uniform, |w| <~ 1/sqrt(fan_in) ~ 0.04) would put nearly every weight on the
zero level, where the straight-through estimator learns slowly. As in FINN's own CNV
training (Brevitas' bnn_pynq example), weights start uniform in [-1, 1]; the
BatchNorm after every layer removes the resulting scale.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn as nn
from brevitas.nn import QuantConv2d, QuantLinear
from safetensors.torch import save

from codesign.models import BACKBONES
from codesign.models.backbone import Backbone
from codesign.models.quant import qlinear
from codesign.store import atomic_write_bytes, atomic_write_text
from codesign.train.checkpoint import Progress
from codesign.train.epochs import (Batches, EpochPlan, EpochStats, EpochTotals, Trainee, evaluate, run_epochs,
                                    steps_per_epoch)
from codesign.train.inputs import DomainSplits, Split, to_model_input
from codesign.train.seeding import seed_everything


@dataclass
class PretrainConfig:
    epochs: int = 3  # passes over the source train split (~10 min each for cnv x0.5 on 2 shared cores)
    batch_size: int = 64  # images per step
    # Adam step size, cosine-decayed to 0 over the run. A 4-bit weight step is 1/7: at
    # 0.02 weights change code within a few steps. Measured on glyphs_source (100 steps
    # of 64 images): val acc 0.36 at 0.02 vs 0.22 at 0.005.
    lr: float = 0.02
    weight_decay: float = 0.0  # quantised weights need no decay: the grid already bounds them
    seed: int = 0
    max_batches: int | None = None  # per epoch; for quick timing runs and tests
    eval_batch_size: int = 256  # images per evaluation forward pass


class PretrainNet(nn.Module):
    """Backbone + temporary quantised head + BatchNorm on the logits (the role of the
    TensorNorm that ends FINN's CNV: it keeps 4-bit-weight logits in a trainable range)."""

    def __init__(self, backbone: Backbone, num_classes: int, head_bits: int):
        super().__init__()
        self.backbone = backbone
        self.head = qlinear(backbone.feature_dim, num_classes, head_bits)
        self.logit_norm = nn.BatchNorm1d(num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logit_norm(self.head(self.backbone(x).features))


def init_quantised_uniform(module: nn.Module) -> None:
    """Quantised conv/linear weights uniform in [-1, 1] (see the module docstring)."""
    for m in module.modules():
        if isinstance(m, (QuantConv2d, QuantLinear)):
            nn.init.uniform_(m.weight, -1.0, 1.0)


def build_source_backbone(spec) -> Backbone:
    """The spec's backbone with random weights (whatever ``weights:`` the spec names)."""
    kwargs = spec.backbone.factory_kwargs()
    kwargs.pop("weights", None)
    return BACKBONES.get(spec.backbone.name)(**kwargs)


def _atomic_save_safetensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    atomic_write_bytes(path, save({k: v.detach().contiguous() for k, v in tensors.items()}))


def _atomic_write_json(obj: dict, path: Path) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def _cosine_schedule(optimizer, total_steps: int):
    """Step size cosine-decayed from lr to 0 over ``total_steps`` optimiser steps."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps)))


def _net_batches(net: PretrainNet, split: Split) -> Batches:
    return Batches(split.y, lambda index: net(to_model_input(split.x[index])))


def _trainee(net: PretrainNet, data: DomainSplits, config: PretrainConfig, say) -> tuple[Trainee, EpochPlan]:
    """The whole net trained with Adam under a per-step cosine schedule; a line every 50 steps."""
    plan = EpochPlan(config.epochs, config.batch_size, config.seed, config.lr, config.eval_batch_size,
                     max_batches=config.max_batches)
    steps = steps_per_epoch(len(data.train), plan)
    params = list(net.parameters())
    optimizer = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    schedule = _cosine_schedule(optimizer, steps * config.epochs)
    epoch = {"number": 0, "start_s": time.perf_counter()}  # of the progress lines

    def after_step(step: int, totals: EpochTotals) -> None:
        if step == 0:
            epoch["number"], epoch["start_s"] = epoch["number"] + 1, time.perf_counter()
        schedule.step()
        if step % 50 == 49:
            say(f"  epoch {epoch['number']} step {step + 1}/{steps}: loss "
                f"{totals.loss_sum / totals.samples:.3f}, train acc {totals.correct / totals.samples:.3f}, "
                f"{time.perf_counter() - epoch['start_s']:.0f} s")

    trainee = Trainee(data.name, net, net, _net_batches(net, data.train), _net_batches(net, data.val),
                      optimizer, params, after_step)
    return trainee, plan


def _sidecar(spec, data: DomainSplits, config: PretrainConfig, net: PretrainNet, progress: Progress,
             history: list[dict], test_accuracy: float, wall_s: float, out: Path, data_info: dict | None) -> dict:
    return {
        "format_version": 1,
        "command": " ".join(["codesign", *sys.argv[1:]]) if sys.argv[0].endswith("codesign") else None,
        "what": "backbone state dict only (the temporary source head is discarded)",
        "backbone": dataclasses.asdict(spec.backbone) | {"weights": None},
        "graph": str(spec.path),
        "source_domain": data.name,
        "source_classes": data.num_classes,
        "source_sizes": {"train": len(data.train), "val": len(data.val), "test": len(data.test)},
        "data": data_info or {},
        "config": dataclasses.asdict(config),
        "optimizer": "Adam, cosine decay to 0 per step, cross-entropy; weights init uniform [-1, 1]",
        "epochs_run": config.epochs,
        "best_epoch": progress.best_epoch,
        "source_val_accuracy": progress.best_val_accuracy,
        "source_test_accuracy": test_accuracy,
        "history": history,
        "wall_time_s": round(wall_s, 1),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "parameters": sum(p.numel() for p in net.backbone.parameters()),
        "bytes_fp32": out.stat().st_size,
    }


def pretrain_backbone(spec, data: DomainSplits, config: PretrainConfig, out: str | Path,
                      data_info: dict | None = None, log: Callable[[str], None] | None = None) -> dict:
    """Train backbone + temporary head on ``data`` (every epoch: the loop of epochs.py,
    no early stop); save the backbone of the best validation epoch; return the sidecar."""
    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out = Path(out)
    if out.suffix != ".safetensors":
        raise ValueError(f"--out {out}: the backbone checkpoint must be a .safetensors file")
    out.parent.mkdir(parents=True, exist_ok=True)
    seed_everything(config.seed)
    backbone = build_source_backbone(spec)
    init_quantised_uniform(backbone)
    net = PretrainNet(backbone, data.num_classes, spec.head.weight_bits)
    for p in net.parameters():
        p.requires_grad_(True)
    trainee, plan = _trainee(net, data, config, say)
    progress, history = Progress(), []

    def on_epoch(stats: EpochStats, _best: dict | None) -> None:
        history.append({"epoch": stats.epoch, "loss": stats.loss, "train_accuracy": stats.train_accuracy,
                        "val_accuracy": stats.val_accuracy, "seconds": round(stats.seconds, 2)})
        say(f"pretrain epoch {stats.epoch}/{config.epochs}: loss {stats.loss:.4f}, train acc "
            f"{stats.train_accuracy:.4f}, val acc {stats.val_accuracy:.4f}, {stats.seconds:.1f} s")

    start = time.time()
    net.load_state_dict(run_epochs(trainee, plan, progress, None, on_epoch))
    net.eval()
    test = evaluate(_net_batches(net, data.test), config.eval_batch_size)
    wall = time.time() - start
    _atomic_save_safetensors(net.backbone.state_dict(), out)
    sidecar = _sidecar(spec, data, config, net, progress, history, test, wall, out, data_info)
    _atomic_write_json(sidecar, out.with_suffix(".json"))
    say(f"source test accuracy {test:.4f} (best epoch {progress.best_epoch}); wall time {wall:.0f} s; "
        f"backbone -> {out}")
    return sidecar
