"""The study runner: one graph over several domains, seeds, k-shot subsets and noise.

For each domain it plans the runs (runs.plan_runs): the main run (all labels, no
noise) per seed, plus k labelled images per class (nested, seeded subsets of train)
and symmetric label noise on train (val/test stay clean). Each run builds a fresh
model, adds the domain with its modules initialised from the seed, trains it
(loop.train_domain) and appends its numbers to ``<out>/<domain>.json``, rewritten
atomically after every run. ``resume`` skips finished runs and continues an
interrupted one from its per-epoch checkpoint under ``<out>/checkpoints/``. Main runs
save the trained domain (``<out>/domains/seed<S>/<domain>.safetensors`` + ``.json``).

The features of a cacheable family depend only on the backbone, so the runner builds
them once per domain and every run (seed, k, noise) trains on a view of them.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from codesign.data import apply_label_noise, k_per_class_subset
from codesign.models.accounting import storage_report
from codesign.models.factory import build_model
from codesign.models.weights import resolve_path
from codesign.store import file_sha256
from codesign.train.config import TrainConfig, TrainDivergedError
from codesign.train.features import FeatureCache, build_feature_cache
from codesign.train.inputs import DomainSplits
from codesign.train.loop import add_seeded_domain, train_domain
from codesign.train.macs import count_macs
from codesign.train.metrics import METRICS
from codesign.train.results import atomic_write_json, summarise_domain
from codesign.train.runs import RunPlan
from codesign.train.seeding import derived_seed, seed_everything

RESULTS_VERSION = 1


def with_backbone_weights(spec, weights: str | None):
    """The same graph spec with another backbone weight file (None: random init)."""
    return dataclasses.replace(spec, backbone=dataclasses.replace(spec.backbone, weights=weights))


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


def weights_identity(spec, random_backbone: bool = False) -> dict:
    """Which backbone weights a run used: path and SHA-256, or how they were drawn."""
    weights = spec.backbone.weights
    if not weights or weights in ("none", "random"):
        init = (f"uniform [-1, 1], seed {RANDOM_BACKBONE_SEED}" if random_backbone
                else "factory default (PyTorch)")
        return {"path": None, "sha256": None, "init": init}
    path = resolve_path(weights)
    if not path.is_file():
        return {"path": str(weights), "sha256": None}
    return {"path": str(weights), "sha256": file_sha256(path)}


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


def static_facts(spec, domain: str, num_classes: int, seed: int) -> dict:
    model = build_model(spec)  # counts do not depend on the backbone's weights
    add_seeded_domain(model, domain, num_classes, seed)
    report = storage_report(model.domain(domain)).to_dict()
    report.pop("tensors")
    backbone_params = sum(p.numel() for p in model.backbone.parameters())
    report["fraction_of_backbone"] = report["trainable_parameters"] / backbone_params
    return {"parameters": report, "macs": count_macs(model, domain).to_dict()}


def _read_existing(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None  # a torn file cannot happen (atomic writes); a foreign one is replaced


def run_domain_study(spec, base: DomainSplits, plans: list[RunPlan], config: TrainConfig,
                     out_dir: str | Path, resume: bool = False, data_info: dict | None = None,
                     log: Callable[[str], None] | None = None, random_backbone: bool = False) -> dict:
    """Run every plan on one domain; return (and write) ``<out>/<domain>.json``."""
    say = log or (lambda m: print(m, file=sys.stderr, flush=True))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{base.name}.json"
    if random_backbone and spec.backbone.weights not in (None, "none", "random"):
        raise ValueError("random_backbone needs a spec without backbone weights")
    run_key = {"graph": spec.fingerprint(), "weights": weights_identity(spec, random_backbone),
               "data": (data_info or {}).get("content_hash")}
    existing = _read_existing(path) if resume else None
    done: dict[str, dict] = {}
    if existing and existing.get("run_key") == run_key:
        done = {r["tag"]: r for r in existing.get("runs", [])
                if r.get("config") == config.to_dict() and not r.get("interrupted")}
    doc = {
        "format_version": RESULTS_VERSION, "domain": base.name, "graph": str(spec.path),
        "family": spec.family, "num_classes": base.num_classes,
        "sizes": {"train": len(base.train), "val": len(base.val), "test": len(base.test)},
        "data": data_info or {}, "run_key": run_key, "config": config.to_dict(),
        "metrics": {k: m.to_dict() for k, m in METRICS.items()},
        **static_facts(spec, base.name, base.num_classes, config.seed), "runs": [],
    }
    cache: FeatureCache | None = None
    for plan in plans:
        if plan.tag in done:
            doc["runs"].append(done[plan.tag])
            say(f"[{base.name}] {plan.tag}: already done (resume)")
            continue
        data, index, info = run_splits(base, plan)
        run_config = dataclasses.replace(config, seed=plan.seed)
        model = build_study_model(spec, random_backbone)
        add_seeded_domain(model, base.name, base.num_classes, plan.seed)
        run_cache = None
        if run_config.feature_cache and model.domain(base.name).feature_cacheable:
            if cache is None:
                cache = build_feature_cache(model, base.name, base, run_config.eval_batch_size)
                say(f"[{base.name}] feature cache: {cache.info['images']} images in "
                    f"{cache.build_seconds:.1f} s, {cache.nbytes / 2**20:.1f} MiB")
            run_cache = subset_cache(cache, index, data.train.y)
        say(f"[{base.name}] {plan.tag}: {info['train_samples']} training images"
            + (f", realised noise {info['realised_noise']:.4f}" if plan.label_noise else ""))
        start = time.perf_counter()
        run_dir = out_dir / "checkpoints" / base.name / plan.tag
        try:
            result = train_domain(model, base.name, data, run_config, checkpoint_dir=run_dir,
                                  resume=resume, cache=run_cache, run_key={**run_key, "plan": plan.tag})
        except TrainDivergedError:
            # its last checkpoint only leads to the same divergence, and one written with
            # this --lr would refuse the smaller --lr of the next try under --resume
            shutil.rmtree(run_dir, ignore_errors=True)
            remove_empty_checkpoint_dirs(out_dir, base.name)
            raise
        record = {"tag": plan.tag, **plan.to_dict(), **info, **result.to_dict(),
                  "adaptation_seconds": time.perf_counter() - start, "config": config.to_dict()}
        if plan.is_main:
            saved = model.save_domain(base.name, out_dir / "domains" / f"seed{plan.seed}")
            record["checkpoint"] = str(saved)
        doc["runs"].append(record)
        doc["summary"] = summarise_domain(doc["runs"], doc)
        atomic_write_json(path, doc)
        # The run is in the results now (resume skips it): its epoch checkpoint is spent.
        shutil.rmtree(run_dir, ignore_errors=True)
    doc["summary"] = summarise_domain(doc["runs"], doc)
    atomic_write_json(path, doc)
    remove_empty_checkpoint_dirs(out_dir, base.name)
    return doc


def remove_empty_checkpoint_dirs(out_dir: Path, domain: str) -> None:
    """``<out>/checkpoints/<domain>/`` and ``<out>/checkpoints/`` once no run checkpoint is
    left in them (each finished run deletes its own): a finished study leaves no empty
    folders. rmdir refuses a folder that is not empty, so another domain's or an
    interrupted run's checkpoints are never touched."""
    for folder in (out_dir / "checkpoints" / domain, out_dir / "checkpoints"):
        try:
            folder.rmdir()
        except OSError:  # not empty (or already gone): keep it
            return
