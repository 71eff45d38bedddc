"""One training run: one domain, one seed, one setting (k-shot subset, label noise).

    trained = train_one_run(spec, base, RunPlan(seed=1, k_per_class=5), config,
                            random_backbone=False, checkpoint_dir=run_dir, resume=True)
    trained.record.test_accuracy        # a RunRecord (record.py)

The run's training data come from ``base`` (k labelled images per class, nested and
seeded; symmetric label noise on train only: val/test stay clean), its model is built
fresh with the domain's modules initialised from the seed, and loop.train_domain trains
it. ``codesign train`` (runner.run_domain_study) and ``compare`` (a train point) both run
their runs through this function, so the two give the same numbers for the same run.

The features of a cacheable family depend only on the backbone, so a study builds them
once per domain (:class:`DomainFeatures`) and every run trains on a view of them. The
model trains on ``config.accelerator`` and is returned on the CPU.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from codesign.data import apply_label_noise, k_per_class_subset
from codesign.network.factory import build_model
from codesign.train.config import TrainConfig
from codesign.train.accelerator import resolve_accelerator, torch_device
from codesign.train.features import FeatureCache, build_feature_cache, feature_route
from codesign.train.inputs import DomainSplits
from codesign.train.loop import add_seeded_domain, train_domain
from codesign.train.record import RunRecord
from codesign.train.runs import RunPlan
from codesign.train.seeding import derived_seed, seed_everything

RANDOM_BACKBONE_SEED = 0  # one fixed random backbone: fixed hardware is the same for every run


def build_study_model(spec, random_backbone: bool = False):
    """The graph's model; ``random_backbone`` re-draws the backbone's quantised weights
    uniform in [-1, 1] (the starting point of pre-training, see pretrain.py) from a
    fixed seed. Without it, a spec with no weights keeps PyTorch's default init, under
    which nearly every 4-bit weight is on the zero level and the features are constant."""
    model = build_model(spec)
    if random_backbone:
        from codesign.train.pretrain import init_quantised_uniform

        seed_everything(RANDOM_BACKBONE_SEED)
        init_quantised_uniform(model.backbone)
    return model


def run_splits(base: DomainSplits, plan: RunPlan) -> tuple[DomainSplits, np.ndarray, dict]:
    """The run's training data: k-per-class subset, then label noise (train only)."""
    y_train = base.train.y.numpy()
    index = np.arange(len(y_train)) if plan.k_per_class is None else \
        k_per_class_subset(y_train, plan.k_per_class, plan.seed)
    labels = y_train[index]
    info = {"train_samples": int(len(index)), "realised_noise": 0.0}
    if plan.label_noise:
        # A seed per (seed, rate) so that two rates do not flip nested label sets.
        labels, realised = apply_label_noise(labels, plan.label_noise, base.num_classes,
                                             derived_seed(plan.seed, int(round(plan.label_noise * 1e6))))
        info["realised_noise"] = realised
    train = base.train.subset(index)
    train = dataclasses.replace(train, y=torch.from_numpy(np.asarray(labels, dtype=np.int64)))
    return dataclasses.replace(base, train=train), index, info


def subset_cache(cache: FeatureCache, index: np.ndarray, labels: torch.Tensor) -> FeatureCache:
    return dataclasses.replace(cache, train=cache.train.subset(index).with_labels(labels))


class DomainFeatures:
    """The backbone outputs of one domain's splits, built on first use and then shared
    by every run on that domain (the backbone, hence the features, is the same in all)."""

    def __init__(self, base: DomainSplits, log: Callable[[str], None] | None = None):
        self.base, self.say, self.cache = base, log or (lambda _m: None), None

    def get(self, model, batch_size: int) -> FeatureCache:
        if self.cache is None:
            self.cache = build_feature_cache(model, self.base.name, self.base, batch_size)
            self.say(f"[{self.base.name}] feature cache: {self.cache.info['images']} images in "
                     f"{self.cache.build_seconds:.1f} s, {self.cache.nbytes / 2**20:.1f} MiB")
        return self.cache


@dataclass
class TrainedRun:
    record: RunRecord  # the run's numbers (history kept; no tag, config or checkpoint yet)
    model: object  # the MultiDomainModel with the trained domain (a study saves main runs')


def train_one_run(spec, base: DomainSplits, plan: RunPlan, config: TrainConfig, *, random_backbone: bool,
                  features: DomainFeatures | None = None, checkpoint_dir: str | Path | None = None,
                  resume: bool = False, run_key: dict | None = None,
                  log: Callable[[str], None] | None = None) -> TrainedRun:
    """Train ``plan``'s run of domain ``base`` (``config`` with the plan's seed); see the
    module docstring. ``features``: a cache shared with other runs on ``base`` (None: a
    run's own, if the family is cacheable); ``checkpoint_dir``/``resume``/``run_key``:
    per-epoch checkpoints and what a resumed one must match (loop.train_domain)."""
    say = log or (lambda _m: None)
    data, index, info = run_splits(base, plan)
    run_config = dataclasses.replace(config, seed=plan.seed)
    device = torch_device(resolve_accelerator(run_config.accelerator, option="accelerator"))
    model = build_study_model(spec, random_backbone)  # built and initialised on the CPU: same init anywhere
    add_seeded_domain(model, base.name, base.num_classes, plan.seed)
    model.to(device)
    run_cache = None
    if run_config.feature_cache and feature_route(model, base.name) is not None:
        features = features or DomainFeatures(base)
        run_cache = subset_cache(features.get(model, run_config.eval_batch_size), index, data.train.y)
    say(f"[{base.name}] {plan.tag}: {info['train_samples']} training images"
        + (f", realised noise {info['realised_noise']:.4f}" if plan.label_noise else ""))
    start = time.perf_counter()
    result = train_domain(model, base.name, data, run_config, checkpoint_dir=checkpoint_dir, resume=resume,
                          cache=run_cache, run_key=run_key, log=log)
    numbers = {**plan.to_dict(), **info, **result.to_dict(), "adaptation_seconds": time.perf_counter() - start}
    return TrainedRun(RunRecord(**numbers), model.cpu())
