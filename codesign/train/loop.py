"""Training of one domain's modules on the frozen backbone (quantisation-aware).

    torch.manual_seed(seed); model.add_domain("mnist", 10)     # or add_seeded_domain
    result = train_domain(model, "mnist", splits, TrainConfig(seed=seed),
                          checkpoint_dir=run_dir, resume=True)

The backbone is frozen (no gradients, BN in eval mode: fixed hardware); only
``model.domain_parameters(domain)`` are optimised, through Brevitas' quantisers
(straight-through estimator), so what is trained is what the hardware runs. The epochs
are the one loop of epochs.py (seeded batch order, validation accuracy, divergence
check); here every epoch adds one progress line on stderr and an atomic checkpoint.
Training stops after ``patience`` epochs without a better validation accuracy and
restores the best epoch; test accuracy is measured once, on that best state, with
which test images it got right (``test_correct``).

Families with a frozen part before their modules (head and side: the backbone outputs;
attention, series, ...: the units before the first hooked site) train on its cached
output (features.py) unless ``config.feature_cache`` is off; the live cost is then
probed on a few batches with a throw-away copy of the domain module, to state the
speed-up. The model and the data are moved to ``config.accelerator`` first
(accelerator.py); on the CPU that changes nothing.
"""

from __future__ import annotations

import copy
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from codesign.data import DataError
from codesign.train.checkpoint import Progress, load_checkpoint, save_checkpoint
from codesign.train.config import TrainConfig
from codesign.train.epochs import Batches, EpochPlan, EpochStats, Trainee, correct_per_image, run_epochs
from codesign.train.accelerator import resolve_accelerator, torch_device
from codesign.train.features import FeatureCache, FeatureRoute, FeatureSplit, build_feature_cache, feature_route
from codesign.train.inputs import DomainSplits, Split, to_model_input
from codesign.train.seeding import seed_everything


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
    test_images: int = 0  # images in the test split
    # 0/1 per test image in the split's fixed order (1: classified right); None if interrupted
    test_correct: list[int] | None = None
    accelerator: str = "cpu"  # the torch device that trained ("cpu" or "cuda")

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


def domain_batches(model, domain: str, split: Split | FeatureSplit, route: FeatureRoute | None = None) -> Batches:
    """Live images (through the frozen backbone) or cached features of one split
    (``route``: how the domain's forward resumes from them)."""
    if isinstance(split, FeatureSplit):
        route = route or feature_route(model, domain)
        return Batches(split.y, lambda index: route.logits(split.batch(index)))
    return Batches(split.y, lambda index: model(to_model_input(split.x[index]), domain))


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


@dataclass
class _DomainRun:
    """One domain's run as the steps of train_domain share it."""
    model: object  # MultiDomainModel
    domain: str
    data: DomainSplits
    config: TrainConfig
    say: Callable[[str], None]
    use_cache: bool = False
    cache_info: dict = field(default_factory=dict)
    splits: dict[str, Batches] = field(default_factory=dict)  # "train", "val", "test"

    @property
    def module(self):
        return self.model.domain(self.domain)


def _check_head(model, domain: str, data: DomainSplits) -> None:
    check_splits(data)
    if model.num_classes[domain] != data.num_classes:
        raise DataError(f"domain {domain!r}: model head has {model.num_classes[domain]} classes, "
                        f"data has {data.num_classes}")


def _choose_batches(run: _DomainRun, cache: FeatureCache | None) -> None:
    """Cached features where the family allows it and the config wants it, else live images."""
    model, domain, data, config = run.model, run.domain, run.data, run.config
    route = feature_route(model, domain)
    run.use_cache = bool(config.feature_cache and route is not None)
    run.cache_info = {"used": run.use_cache, "cacheable": route is not None}
    if run.use_cache:
        if cache is None:
            cache = build_feature_cache(model, domain, data, config.eval_batch_size)
        run.cache_info.update(cache.info)
        if not run.module.feature_cacheable:  # head/side records keep their keys
            run.cache_info["cached_at"] = route.cached_at
        device = data.train.y.device
        splits = {"train": cache.train.with_labels(data.train.y), "val": cache.val.to_labels_device(device),
                  "test": cache.test.to_labels_device(device)}
    else:
        splits = {which: getattr(data, which) for which in ("train", "val", "test")}
    run.splits = {which: domain_batches(model, domain, split, route) for which, split in splits.items()}


def _resume_key(run_key: dict | None, domain: str, config: TrainConfig) -> dict:
    """What a checkpoint must match to be resumed: the caller's key, the domain and every
    setting that changes the numbers (not the evaluation batch or the live probe)."""
    return dict(run_key or {}, domain=domain, config={k: v for k, v in config.to_dict().items()
                                                      if k not in ("eval_batch_size", "live_probe_batches")})


def _start_state(run: _DomainRun, optimizer, run_key: dict, checkpoint_dir: Path | None,
                 resume: bool) -> tuple[Progress, dict]:
    """(progress, best state): fresh, or the checkpoint's (module and optimiser restored)."""
    progress = Progress(run_key=run_key)
    best_state = {k: v.clone() for k, v in run.module.state_dict().items()}
    if resume and checkpoint_dir is not None:
        loaded = load_checkpoint(checkpoint_dir, run_key)
        if loaded is not None:
            progress, current, best_state, opt_state = loaded
            run.module.load_state_dict(current, strict=True)
            optimizer.load_state_dict(opt_state)
            run.say(f"[{run.domain}] resumed after epoch {progress.epoch} from {checkpoint_dir}")
    return progress, best_state


def _epoch_recorder(run: _DomainRun, progress: Progress, optimizer, checkpoint_dir: Path | None):
    """``on_epoch`` of the loop: history entry, one progress line, the epoch's checkpoint."""
    mode = "cached" if run.use_cache else "live"

    def on_epoch(stats: EpochStats, best_state: dict) -> None:
        progress.history.append({"epoch": stats.epoch, "loss": stats.loss, "train_accuracy": stats.train_accuracy,
                                 "val_accuracy": stats.val_accuracy, "seconds": round(stats.seconds, 4),
                                 "train_seconds": round(stats.train_seconds, 4)})
        run.say(f"[{run.domain}] epoch {stats.epoch}/{run.config.epochs}: loss {stats.loss:.4f}, train acc "
                f"{stats.train_accuracy:.4f}, val acc {stats.val_accuracy:.4f}{' *' if stats.improved else ''}, "
                f"{stats.seconds:.2f} s ({mode})")
        if checkpoint_dir is not None:
            save_checkpoint(checkpoint_dir, progress, run.module.state_dict(), best_state, optimizer.state_dict())
    return on_epoch


def _probe_speedup(run: _DomainRun, progress: Progress) -> None:
    """The feature cache's speed-up: live cost probed, cached cost from the epochs' times."""
    config, train = run.config, run.splits["train"]
    live = probe_live_seconds_per_sample(run.model, run.domain, run.data.train, config.batch_size,
                                         config.live_probe_batches)
    train_s = sum(h.get("train_seconds", h["seconds"]) for h in progress.history)
    cached = train_s / max(1, len(train) * len(progress.history))
    run.cache_info.update({
        "live_seconds_per_sample": live, "cached_seconds_per_sample": cached,
        # per epoch of training steps alone, and for the whole run with the one-off
        # cost of building the cache counted in
        "speedup_per_epoch": live / cached if cached else None,
        "speedup_run": (live * len(train) * len(progress.history)
                        / (run.cache_info.get("build_seconds", 0.0) + train_s)) if train_s else None,
    })


def _finish(run: _DomainRun, progress: Progress, best_state: dict) -> TrainResult:
    """Best epoch restored, tested once (not if interrupted), the cache's speed-up stated."""
    config = run.config
    interrupted = not progress.stopped_early and progress.epoch < config.epochs
    if progress.stopped_early and not interrupted:
        run.say(f"[{run.domain}] early stop: no better validation accuracy for {config.patience} epochs; "
                f"best epoch {progress.best_epoch}")
    run.module.load_state_dict(best_state, strict=True)
    run.model.eval()
    test = run.splits["test"]
    # per image, so that intervals and paired differences can be drawn over the test images
    correct = None if interrupted else correct_per_image(test, config.eval_batch_size).to(torch.int64).tolist()
    test_acc = float("nan") if correct is None else sum(correct) / max(1, len(test))
    epoch_seconds = [h["seconds"] for h in progress.history]
    if run.use_cache and config.live_probe_batches and not interrupted:
        _probe_speedup(run, progress)
    return TrainResult(run.domain, test_acc, progress.best_val_accuracy, progress.best_epoch, progress.epoch,
                       progress.stopped_early, epoch_seconds, len(run.splits["train"]), progress.history,
                       run.cache_info, interrupted, len(test), correct, run.config.accelerator)


def train_domain(model, domain: str, data: DomainSplits, config: TrainConfig,
                 checkpoint_dir: str | Path | None = None, resume: bool = False,
                 cache: FeatureCache | None = None, run_key: dict | None = None,
                 stop_after_epoch: int | None = None,
                 log: Callable[[str], None] | None = _stderr) -> TrainResult:
    """Train ``domain`` (already added to ``model``) on ``data``; see the module docstring.

    cache: precomputed features for ``data`` (the runner shares one per domain);
    run_key: what a resumed checkpoint must match; stop_after_epoch: return after that
    epoch as if interrupted (the checkpoint is kept), for tests of resuming. The model
    and ``data`` are moved to ``config.accelerator`` (the model stays there).
    """
    device = torch_device(resolve_accelerator(config.accelerator, option="accelerator"))
    model.to(device)
    data = data.to(device)
    run = _DomainRun(model, domain, data, config, log or (lambda _m: None))
    _check_head(model, domain, data)
    params = model.domain_parameters(domain)
    optimizer = config.make_optimizer(params)
    _choose_batches(run, cache)
    run_key = _resume_key(run_key, domain, config)
    checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    progress, best_state = _start_state(run, optimizer, run_key, checkpoint_dir, resume)
    # the backbone stays in eval mode in model.train() (MultiDomainModel.train)
    trainee = Trainee(domain, model, run.module, run.splits["train"], run.splits["val"], optimizer, params,
                      frozen_norm_statistics=config.bn_stats == "frozen")
    plan = EpochPlan(config.epochs, config.batch_size, config.seed, config.lr, config.eval_batch_size,
                     patience=config.patience, stop_after_epoch=stop_after_epoch)
    best_state = run_epochs(trainee, plan, progress, best_state,
                            _epoch_recorder(run, progress, optimizer, checkpoint_dir))
    return _finish(run, progress, best_state)
