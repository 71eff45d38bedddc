"""Hyper-parameters of one domain's training run (defaults stated, units in comments)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from codesign.errors import InputError

OPTIMIZERS = ("adam", "sgd")
# What a domain's BatchNorm copied from the backbone (parallel's domain BN, scale_bias,
# finetune's copies) does while it trains: "batch" normalises with the batch's statistics
# and moves its running statistics towards them (the families' published recipes);
# "frozen" keeps the backbone's statistics and trains only its scale and bias. BatchNorms
# a family adds fresh (side network, series adapter) always use batch statistics. With a
# deep backbone, few images and few steps, "batch" replaces ImageNet statistics by noisy
# small-batch estimates (docs/mobilenet_v2.md, "BatchNorm statistics").
BN_STATS = ("batch", "frozen")
# The optimisers do their arithmetic in the parameters' float32: a larger step size is not
# even representable there (torch refuses it with an internal error).
MAX_LR = 3.4e38


class TrainError(InputError, ValueError):
    """Bad training arguments or an unusable training checkpoint (one-line message)."""


class TrainDivergedError(TrainError):
    """The training loss (or a trained parameter) became NaN or infinite: the step size is
    too large for this run; the message names the domain, seed and epoch."""


@dataclass
class TrainConfig:
    optimizer: str = "adam"  # "adam" or "sgd" (SGD uses Nesterov momentum)
    # Adam step size. The quantised weights sit on a grid of step 1/7 (4 bit, scale 1.0),
    # and most per-domain heads start on the zero level: at 1e-3 a weight needs ~70 steps
    # to reach its first non-zero code, at 5e-3 about 15.
    lr: float = 5e-3
    momentum: float = 0.9  # SGD only
    weight_decay: float = 0.0  # L2 on the domain's parameters; the weight grid bounds them anyway
    batch_size: int = 64  # training images per step
    epochs: int = 30  # upper bound; early stopping usually ends sooner
    patience: int = 5  # epochs without a better validation accuracy before stopping
    seed: int = 0  # fixes domain-module init and batch order (subsets/noise: runner)
    eval_batch_size: int = 256  # images per evaluation forward pass (no effect on results)
    feature_cache: bool = True  # cache backbone outputs for families that allow it
    live_probe_batches: int = 3  # live batches timed to state the cache's speed-up (0: skip)
    # torch device that trains: "cpu" or "cuda" ("auto" is resolved here: cuda when torch
    # sees a GPU); a "cuda" config loads anywhere, training refuses it without a GPU
    accelerator: str = "cpu"
    bn_stats: str = "batch"  # BN_STATS: domain-owned BatchNorm statistics while training

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise TrainError(f"optimizer: expected one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        for name in ("batch_size", "epochs", "patience", "eval_batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise TrainError(f"{name}: expected an integer >= 1, got {value!r}")
        if isinstance(self.lr, (str, bool)) or not (math.isfinite(self.lr) and 0 < self.lr <= MAX_LR):
            raise TrainError(f"lr: expected a finite positive step size (at most {MAX_LR:.1e}), got {self.lr!r}")
        if self.weight_decay < 0 or not 0 <= self.momentum < 1:
            raise TrainError("weight_decay must be >= 0 and momentum in [0, 1)")
        if self.accelerator == "auto":
            from codesign.train.accelerator import resolve_accelerator

            self.accelerator = resolve_accelerator("auto", option="accelerator")
        if self.bn_stats not in BN_STATS:
            raise TrainError(f"bn_stats: expected one of {', '.join(BN_STATS)}, got {self.bn_stats!r}")
        if self.accelerator not in ("cpu", "cuda"):
            raise TrainError(f"accelerator: expected auto, cpu or cuda, got {self.accelerator!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def make_optimizer(self, params):
        import torch

        if self.optimizer == "adam":
            return torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
        return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, nesterov=self.momentum > 0,
                               weight_decay=self.weight_decay)
