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
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F
from brevitas.nn import QuantConv2d, QuantLinear
from safetensors.torch import save_file

from codesign.models import BACKBONES
from codesign.models.backbone import Backbone
from codesign.models.quant import qlinear
from codesign.train.inputs import DomainSplits, Split, to_model_input
from codesign.train.seeding import epoch_permutation, seed_everything


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


@torch.no_grad()
def accuracy(forward: Callable[[torch.Tensor], torch.Tensor], split: Split, batch_size: int) -> float:
    """Top-1 accuracy (fraction) of ``forward`` on uint8 images of ``split``."""
    correct = 0
    for start in range(0, len(split), batch_size):
        logits = forward(to_model_input(split.x[start:start + batch_size]))
        correct += int((logits.argmax(1) == split.y[start:start + batch_size]).sum())
    return correct / max(1, len(split))


def _atomic_save_safetensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    save_file({k: v.detach().contiguous() for k, v in tensors.items()}, str(tmp))
    os.replace(tmp, path)


def _atomic_write_json(obj: dict, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def pretrain_backbone(spec, data: DomainSplits, config: PretrainConfig, out: str | Path,
                      data_info: dict | None = None, log: Callable[[str], None] | None = None) -> dict:
    """Train backbone + temporary head on ``data``; save the backbone; return the sidecar."""
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
    steps_per_epoch = math.ceil(len(data.train) / config.batch_size)
    if config.max_batches is not None:
        steps_per_epoch = min(steps_per_epoch, config.max_batches)
    total_steps = steps_per_epoch * config.epochs
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps)))

    def evaluate(split: Split) -> float:
        net.eval()
        return accuracy(net, split, config.eval_batch_size)

    best_val, best_state, best_epoch, history = -1.0, None, 0, []
    start = time.time()
    for epoch in range(1, config.epochs + 1):
        net.train()
        t0 = time.time()
        order = epoch_permutation(len(data.train), config.seed, epoch)
        loss_sum, correct, seen = 0.0, 0, 0
        for step in range(steps_per_epoch):
            idx = order[step * config.batch_size:(step + 1) * config.batch_size]
            x, y = to_model_input(data.train.x[idx]), data.train.y[idx]
            logits = net(x)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += float(loss.detach()) * len(y)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(y)
            if step % 50 == 49:
                say(f"  epoch {epoch} step {step + 1}/{steps_per_epoch}: loss {loss_sum / seen:.3f}, "
                    f"train acc {correct / seen:.3f}, {time.time() - t0:.0f} s")
        val = evaluate(data.val)
        seconds = time.time() - t0
        history.append({"epoch": epoch, "loss": loss_sum / seen, "train_accuracy": correct / seen,
                        "val_accuracy": val, "seconds": round(seconds, 2)})
        say(f"pretrain epoch {epoch}/{config.epochs}: loss {loss_sum / seen:.4f}, train acc "
            f"{correct / seen:.4f}, val acc {val:.4f}, {seconds:.1f} s")
        if val > best_val:
            best_val, best_epoch = val, epoch
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)
    test = evaluate(data.test)
    wall = time.time() - start
    _atomic_save_safetensors(net.backbone.state_dict(), out)
    sidecar = {
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
        "best_epoch": best_epoch,
        "source_val_accuracy": best_val,
        "source_test_accuracy": test,
        "history": history,
        "wall_time_s": round(wall, 1),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "parameters": sum(p.numel() for p in net.backbone.parameters()),
        "bytes_fp32": out.stat().st_size,
    }
    _atomic_write_json(sidecar, out.with_suffix(".json"))
    say(f"source test accuracy {test:.4f} (best epoch {best_epoch}); wall time {wall:.0f} s; "
        f"backbone -> {out}")
    return sidecar
