"""Training of one domain's modules on the frozen backbone (quantisation-aware).

    torch.manual_seed(seed); model.add_domain("mnist", 10)     # or add_seeded_domain
    result = train_domain(model, "mnist", splits, TrainConfig(seed=seed),
                          checkpoint_dir=run_dir, resume=True)

The backbone is frozen (no gradients, BN in eval mode: fixed hardware); only
``model.domain_parameters(domain)`` are optimised, through Brevitas' quantisers
(straight-through estimator), so what is trained is what the hardware runs. Every
epoch: one pass over train in a seeded order (seeding.epoch_permutation), validation
accuracy, one progress line on stderr, an atomic checkpoint. Training stops after
``patience`` epochs without a better validation accuracy and restores the best epoch;
test accuracy is measured once, on that best state.

Feature-cacheable families (head, side) train on cached backbone outputs
(features.py) unless ``config.feature_cache`` is off; the live cost is then probed on
a few batches with a throw-away copy of the domain module, to state the speed-up.
"""

from __future__ import annotations

import copy
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from codesign.data import DataError
from codesign.train.checkpoint import Progress, load_checkpoint, save_checkpoint
from codesign.train.config import TrainConfig, TrainDivergedError
from codesign.train.features import FeatureCache, FeatureSplit, build_feature_cache
from codesign.train.inputs import DomainSplits, Split, to_model_input
from codesign.train.seeding import epoch_permutation, seed_everything


@dataclass
class TrainResult:
    domain: str
    test_accuracy: float  # fraction, at the best validation epoch
    val_accuracy: float  # fraction, best epoch
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    epoch_seconds: list[float]  # measured wall time of each epoch (train + validation), s
    train_samples: int
    history: list[dict] = field(default_factory=list)
    feature_cache: dict = field(default_factory=dict)  # used?, build s, bytes, speed-up
    interrupted: bool = False  # stopped by ``stop_after_epoch`` (tests of resume)

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["mean_epoch_seconds"] = (sum(self.epoch_seconds) / len(self.epoch_seconds)
                                   if self.epoch_seconds else 0.0)
        return d


def add_seeded_domain(model, domain: str, num_classes: int, seed: int):
    """Add ``domain`` with its modules initialised from ``seed`` (same seed, same init)."""
    seed_everything(seed)
    return model.add_domain(domain, num_classes)


def check_splits(data: DomainSplits) -> None:
    """Refuse data that cannot train a classifier, naming the domain."""
    if data.num_classes < 2:
        raise DataError(f"domain {data.name!r}: has {data.num_classes} class; need at least 2")
    for which in ("train", "val", "test"):
        if len(getattr(data, which)) == 0:
            raise DataError(f"domain {data.name!r}: the {which} split is empty")
    present = torch.bincount(data.train.y, minlength=data.num_classes)
    empty = [str(c) for c in range(data.num_classes) if present[c] == 0]
    if empty:
        raise DataError(f"domain {data.name!r}: class(es) {', '.join(empty)} have no training images")


class _Batches:
    """Uniform access to live images or cached features of one split."""

    def __init__(self, model, domain: str, split: Split | FeatureSplit):
        self.model, self.domain, self.split = model, domain, split
        self.cached = isinstance(split, FeatureSplit)

    def __len__(self) -> int:
        return len(self.split)

    @property
    def y(self) -> torch.Tensor:
        return self.split.y

    def logits(self, index: torch.Tensor) -> torch.Tensor:
        if self.cached:
            return self.model.domain(self.domain).forward_cached(self.split.batch(index))
        return self.model(to_model_input(self.split.x[index]), self.domain)


@torch.no_grad()
def evaluate(batches: _Batches, batch_size: int) -> float:
    """Top-1 accuracy (fraction); the caller sets eval mode."""
    correct = 0
    for start in range(0, len(batches), batch_size):
        index = torch.arange(start, min(start + batch_size, len(batches)))
        correct += int((batches.logits(index).argmax(1) == batches.y[index]).sum())
    return correct / max(1, len(batches))


def probe_live_seconds_per_sample(model, domain: str, train: Split, batch_size: int, batches: int) -> float:
    """Seconds per training sample (forward + backward) with the backbone run live,
    measured on a copy of the domain module so the real run's state is untouched."""
    module = copy.deepcopy(model.domain(domain)).train()
    n = min(len(train), batch_size * batches)
    start = time.perf_counter()
    for s in range(0, n, batch_size):
        x = to_model_input(train.x[s:s + batch_size])
        loss = F.cross_entropy(module(model.backbone, x), train.y[s:s + batch_size])
        loss.backward()
    return (time.perf_counter() - start) / max(1, n)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _diverged(domain: str, config: TrainConfig, epoch: int, what: str) -> TrainDivergedError:
    """A run whose loss left the finite numbers would report accuracies of garbage: stop it,
    naming the run, and say what to change (the step size, almost always)."""
    return TrainDivergedError(f"domain {domain!r}, seed {config.seed}, epoch {epoch}: {what}; training "
                              f"diverged at --lr {config.lr:g}: use a smaller --lr")


def _train_epoch(train: _Batches, optimizer, params: list, config: TrainConfig, domain: str,
                 epoch: int) -> tuple[float, int]:
    """One pass over train in the epoch's seeded order: (sum of losses, correct predictions).
    Raises TrainDivergedError as soon as the loss or a parameter is not finite."""
    order = epoch_permutation(len(train), config.seed, epoch)
    loss_sum, correct = 0.0, 0
    for s in range(0, len(order), config.batch_size):
        index = order[s:s + config.batch_size]
        logits = train.logits(index)
        loss = F.cross_entropy(logits, train.y[index])
        loss_value = float(loss.detach())
        if not math.isfinite(loss_value):
            raise _diverged(domain, config, epoch, f"the training loss became {loss_value}")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss_value * len(index)
        correct += int((logits.detach().argmax(1) == train.y[index]).sum())
    if not all(bool(torch.isfinite(p).all()) for p in params):  # the last step's, before it is saved
        raise _diverged(domain, config, epoch, "a trained parameter became NaN or infinite")
    return loss_sum, correct


def train_domain(model, domain: str, data: DomainSplits, config: TrainConfig,
                 checkpoint_dir: str | Path | None = None, resume: bool = False,
                 cache: FeatureCache | None = None, run_key: dict | None = None,
                 stop_after_epoch: int | None = None,
                 log: Callable[[str], None] | None = _stderr) -> TrainResult:
    """Train ``domain`` (already added to ``model``) on ``data``; see the module docstring.

    cache: precomputed features for ``data`` (the runner shares one per domain);
    run_key: what a resumed checkpoint must match; stop_after_epoch: return after that
    epoch as if interrupted (the checkpoint is kept), for tests of resuming.
    """
    say = log or (lambda _m: None)
    check_splits(data)
    module = model.domain(domain)
    if model.num_classes[domain] != data.num_classes:
        raise DataError(f"domain {domain!r}: model head has {model.num_classes[domain]} classes, "
                        f"data has {data.num_classes}")
    params = model.domain_parameters(domain)
    optimizer = config.make_optimizer(params)
    use_cache = bool(config.feature_cache and module.feature_cacheable)
    cache_info: dict = {"used": use_cache, "cacheable": bool(module.feature_cacheable)}
    if use_cache:
        if cache is None:
            cache = build_feature_cache(model, domain, data, config.eval_batch_size)
        cache_info.update(cache.info)
        train = _Batches(model, domain, cache.train.with_labels(data.train.y))
        val, test = _Batches(model, domain, cache.val), _Batches(model, domain, cache.test)
    else:
        train, val, test = (_Batches(model, domain, getattr(data, w)) for w in ("train", "val", "test"))

    run_key = dict(run_key or {}, domain=domain, config={k: v for k, v in config.to_dict().items()
                                                         if k not in ("eval_batch_size", "live_probe_batches")})
    progress = Progress(run_key=run_key)
    best_state = {k: v.clone() for k, v in module.state_dict().items()}
    checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    if resume and checkpoint_dir is not None:
        loaded = load_checkpoint(checkpoint_dir, run_key)
        if loaded is not None:
            progress, current, best_state, opt_state = loaded
            module.load_state_dict(current, strict=True)
            optimizer.load_state_dict(opt_state)
            say(f"[{domain}] resumed after epoch {progress.epoch} from {checkpoint_dir}")

    mode = "cached" if use_cache else "live"
    epoch = progress.epoch
    while (epoch < config.epochs and not progress.stopped_early
           and not (stop_after_epoch is not None and epoch >= stop_after_epoch)):
        epoch += 1
        start = time.perf_counter()
        model.train()  # the backbone stays in eval mode (MultiDomainModel.train)
        loss_sum, correct = _train_epoch(train, optimizer, params, config, domain, epoch)
        train_seconds = time.perf_counter() - start
        model.eval()
        val_acc = evaluate(val, config.eval_batch_size)
        seconds = time.perf_counter() - start
        improved = val_acc > progress.best_val_accuracy
        if improved:
            progress.best_val_accuracy, progress.best_epoch, progress.bad_epochs = val_acc, epoch, 0
            best_state = {k: v.clone() for k, v in module.state_dict().items()}
        else:
            progress.bad_epochs += 1
        progress.stopped_early = progress.bad_epochs >= config.patience
        progress.epoch = epoch
        progress.history.append({"epoch": epoch, "loss": loss_sum / len(train),
                                 "train_accuracy": correct / len(train), "val_accuracy": val_acc,
                                 "seconds": round(seconds, 4), "train_seconds": round(train_seconds, 4)})
        say(f"[{domain}] epoch {epoch}/{config.epochs}: loss {loss_sum / len(train):.4f}, train acc "
            f"{correct / len(train):.4f}, val acc {val_acc:.4f}{' *' if improved else ''}, "
            f"{seconds:.2f} s ({mode})")
        if checkpoint_dir is not None:
            save_checkpoint(checkpoint_dir, progress, module.state_dict(), best_state,
                            optimizer.state_dict())
    interrupted = not progress.stopped_early and epoch < config.epochs
    if progress.stopped_early and not interrupted:
        say(f"[{domain}] early stop: no better validation accuracy for {config.patience} epochs; "
            f"best epoch {progress.best_epoch}")

    module.load_state_dict(best_state, strict=True)
    model.eval()
    test_acc = evaluate(test, config.eval_batch_size) if not interrupted else float("nan")
    epoch_seconds = [h["seconds"] for h in progress.history]
    if use_cache and config.live_probe_batches and not interrupted:
        live = probe_live_seconds_per_sample(model, domain, data.train, config.batch_size,
                                             config.live_probe_batches)
        train_s = sum(h.get("train_seconds", h["seconds"]) for h in progress.history)
        cached = train_s / max(1, len(train) * len(progress.history))
        cache_info.update({
            "live_seconds_per_sample": live, "cached_seconds_per_sample": cached,
            # per epoch of training steps alone, and for the whole run with the one-off
            # cost of building the cache counted in
            "speedup_per_epoch": live / cached if cached else None,
            "speedup_run": (live * len(train) * len(progress.history)
                            / (cache_info.get("build_seconds", 0.0) + train_s)) if train_s else None,
        })
    return TrainResult(domain, test_acc, progress.best_val_accuracy, progress.best_epoch, progress.epoch,
                       progress.stopped_early, epoch_seconds, len(train), progress.history, cache_info,
                       interrupted)
