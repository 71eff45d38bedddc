"""The one epoch loop of every training in codesign.

A domain's run (loop.train_domain: ``codesign train`` and ``compare``) and the backbone's
pre-training (pretrain.py: ``codesign pretrain``) both call :func:`run_epochs`. Each
epoch: one pass over the training batches in the epoch's seeded order
(seeding.epoch_permutation; at most ``max_batches`` steps), one optimiser step per
batch, the divergence check (a loss or a trained parameter that is not finite stops the
run: TrainDivergedError), validation accuracy, the best state kept (a strictly better
validation accuracy), the patience counter, then the caller's ``on_epoch`` hook (its
history, progress line and checkpoint). Training stops after ``epochs``, after
``patience`` epochs without improvement (None: never early), or after
``stop_after_epoch`` (tests of resuming).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from codesign.train.checkpoint import Progress
from codesign.train.config import TrainDivergedError
from codesign.train.seeding import epoch_permutation


@dataclass
class Batches:
    """One split as the loop sees it: labels, and the logits of the rows at an index."""
    y: torch.Tensor
    logits_of: Callable[[torch.Tensor], torch.Tensor]

    def __len__(self) -> int:
        return int(self.y.shape[0])


@torch.no_grad()
def correct_per_image(batches: Batches, batch_size: int) -> torch.Tensor:
    """bool (N,): whether each image, in the split's order, is classified right (top-1);
    the caller sets eval mode."""
    device = batches.y.device  # the split's device: the one the model runs on
    parts = [torch.zeros(0, dtype=torch.bool, device=device)]
    for start in range(0, len(batches), batch_size):
        index = torch.arange(start, min(start + batch_size, len(batches)), device=device)
        parts.append(batches.logits_of(index).argmax(1) == batches.y[index])
    return torch.cat(parts)


def evaluate(batches: Batches, batch_size: int) -> float:
    """Top-1 accuracy (fraction); the caller sets eval mode."""
    return int(correct_per_image(batches, batch_size).sum()) / max(1, len(batches))


@dataclass
class EpochPlan:
    """How long and in which order to train (units in comments)."""
    epochs: int  # upper bound on passes over the training split
    batch_size: int  # training images per step
    seed: int  # fixes the batch order (with the epoch)
    lr: float  # optimiser step size: named by the divergence message
    eval_batch_size: int  # images per validation forward pass (no effect on results)
    patience: int | None = None  # epochs without a better val accuracy before stopping; None: all epochs
    max_batches: int | None = None  # steps per epoch at most; None: the whole split
    stop_after_epoch: int | None = None  # return after this epoch as if interrupted (tests)


@dataclass
class Trainee:
    """What the loop trains: the modules, their batches and the optimiser."""
    name: str  # the domain, named by the divergence message
    mode_module: torch.nn.Module  # .train() for the training pass, .eval() for validation
    state_module: torch.nn.Module  # whose state dict is kept at the best epoch
    train: Batches
    val: Batches
    optimizer: torch.optim.Optimizer
    params: list  # the trained parameters (checked finite after every epoch)
    after_step: Callable[[int, "EpochTotals"], None] | None = None  # e.g. a LR schedule step
    frozen_norm_statistics: bool = False  # BatchNorms keep their running statistics (TrainConfig.bn_stats)


@dataclass
class EpochTotals:
    """Running sums of one training pass."""
    loss_sum: float = 0.0  # cross-entropy summed over samples
    correct: int = 0  # correct top-1 predictions
    samples: int = 0


@dataclass
class EpochStats:
    """What one finished epoch measured; handed to ``on_epoch``."""
    epoch: int  # 1-based
    totals: EpochTotals
    val_accuracy: float  # fraction
    train_seconds: float  # wall time of the training pass, s
    seconds: float  # wall time of training pass + validation, s
    improved: bool  # a strictly better validation accuracy than every earlier epoch

    @property
    def loss(self) -> float:
        return self.totals.loss_sum / self.totals.samples

    @property
    def train_accuracy(self) -> float:
        return self.totals.correct / self.totals.samples


def _diverged(trainee: Trainee, plan: EpochPlan, epoch: int, what: str) -> TrainDivergedError:
    """A run whose loss left the finite numbers would report accuracies of garbage: stop it,
    naming the run, and say what to change (the step size, almost always)."""
    return TrainDivergedError(f"domain {trainee.name!r}, seed {plan.seed}, epoch {epoch}: {what}; training "
                              f"diverged at --lr {plan.lr:g}: use a smaller --lr")


def steps_per_epoch(samples: int, plan: EpochPlan) -> int:
    """Optimiser steps in one pass over ``samples`` training images."""
    steps = math.ceil(samples / plan.batch_size)
    return steps if plan.max_batches is None else min(steps, plan.max_batches)


def train_pass(trainee: Trainee, plan: EpochPlan, epoch: int) -> EpochTotals:
    """One pass over train in the epoch's seeded order. Raises TrainDivergedError as soon
    as the loss or (after the last step, before anything is saved) a parameter is not finite."""
    train, totals = trainee.train, EpochTotals()
    # drawn on the CPU (the same order on every device), then moved beside the data
    order = epoch_permutation(len(train), plan.seed, epoch).to(train.y.device)
    for step in range(steps_per_epoch(len(order), plan)):
        index = order[step * plan.batch_size:(step + 1) * plan.batch_size]
        logits = train.logits_of(index)
        loss = F.cross_entropy(logits, train.y[index])
        loss_value = float(loss.detach())
        if not math.isfinite(loss_value):
            raise _diverged(trainee, plan, epoch, f"the training loss became {loss_value}")
        trainee.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        trainee.optimizer.step()
        totals.loss_sum += loss_value * len(index)
        totals.correct += int((logits.detach().argmax(1) == train.y[index]).sum())
        totals.samples += len(index)
        if trainee.after_step is not None:
            trainee.after_step(step, totals)
    if not all(bool(torch.isfinite(p).all()) for p in trainee.params):
        raise _diverged(trainee, plan, epoch, "a trained parameter became NaN or infinite")
    return totals


def freeze_norm_statistics(module: torch.nn.Module) -> None:
    """Every BatchNorm in ``module`` copied from the backbone (adapters.base.copy_norm)
    normalises with its running statistics and leaves them unchanged (eval mode); its scale
    and bias still train. A BatchNorm a family adds fresh has no statistics to keep."""
    for sub in module.modules():
        if isinstance(sub, torch.nn.modules.batchnorm._BatchNorm) and getattr(sub, "copied_from_backbone", False):
            sub.eval()


def _clone_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _run_one_epoch(trainee: Trainee, plan: EpochPlan, progress: Progress, epoch: int,
                   best_state: dict | None) -> tuple[EpochStats, dict | None]:
    start = time.perf_counter()
    trainee.mode_module.train()
    if trainee.frozen_norm_statistics:
        freeze_norm_statistics(trainee.mode_module)
    totals = train_pass(trainee, plan, epoch)
    train_seconds = time.perf_counter() - start
    trainee.mode_module.eval()
    val_accuracy = evaluate(trainee.val, plan.eval_batch_size)
    seconds = time.perf_counter() - start
    improved = val_accuracy > progress.best_val_accuracy
    if improved:
        progress.best_val_accuracy, progress.best_epoch, progress.bad_epochs = val_accuracy, epoch, 0
        best_state = _clone_state(trainee.state_module)
    else:
        progress.bad_epochs += 1
    progress.stopped_early = plan.patience is not None and progress.bad_epochs >= plan.patience
    progress.epoch = epoch
    return EpochStats(epoch, totals, val_accuracy, train_seconds, seconds, improved), best_state


def run_epochs(trainee: Trainee, plan: EpochPlan, progress: Progress, best_state: dict | None,
               on_epoch: Callable[[EpochStats, dict | None], None]) -> dict | None:
    """Train from ``progress`` (epoch 0, or a resumed checkpoint's) until done; updates
    ``progress`` in place, calls ``on_epoch(stats, best_state)`` after every epoch and
    returns the state dict of the best epoch (``best_state`` if no epoch improved)."""
    epoch = progress.epoch
    while (epoch < plan.epochs and not progress.stopped_early
           and not (plan.stop_after_epoch is not None and epoch >= plan.stop_after_epoch)):
        epoch += 1
        stats, best_state = _run_one_epoch(trainee, plan, progress, epoch, best_state)
        on_epoch(stats, best_state)
    return best_state
