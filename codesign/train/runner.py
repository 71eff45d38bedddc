"""The study runner: one graph over several domains, seeds, k-shot subsets and noise.

For each domain it plans the runs (runs.plan_runs): the main run (all labels, no
noise) per seed, plus k labelled images per class and symmetric label noise on train.
Each run is one_run.train_one_run (the same run ``compare`` makes); its RunRecord is
appended to ``<out>/<domain>.json``, rewritten atomically after every run. ``resume``
skips finished runs and continues an interrupted one from its per-epoch checkpoint under
``<out>/checkpoints/``. Main runs save the trained domain
(``<out>/domains/seed<S>/<domain>.safetensors`` + ``.json``). The features of a cacheable
family are built once per domain and shared by its runs (one_run.DomainFeatures).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from codesign.models.accounting import storage_report
from codesign.network.factory import build_model
from codesign.models.weights import resolve_path
from codesign.store import file_sha256
from codesign.train.config import TrainConfig, TrainDivergedError
from codesign.train.inputs import DomainSplits
from codesign.train.loop import add_seeded_domain
from codesign.train.macs import count_macs
from codesign.train.metrics import METRICS
from codesign.train.one_run import RANDOM_BACKBONE_SEED, DomainFeatures, train_one_run
from codesign.train.results import atomic_write_json, summarise_domain
from codesign.train.runs import RunPlan

RESULTS_VERSION = 1


def with_backbone_weights(spec, weights: str | None):
    """The same graph spec with another backbone weight file (None: random init)."""
    return dataclasses.replace(spec, backbone=dataclasses.replace(spec.backbone, weights=weights))


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


def _finished_runs(path: Path, run_key: dict, config: TrainConfig, resume: bool) -> dict[str, dict]:
    """tag -> stored record of each run a resumed study need not make again."""
    existing = _read_existing(path) if resume else None
    if not existing or existing.get("run_key") != run_key:
        return {}
    return {r["tag"]: r for r in existing.get("runs", [])
            if r.get("config") == config.to_dict() and not r.get("interrupted")}


def _study_document(spec, base: DomainSplits, config: TrainConfig, data_info: dict | None,
                    run_key: dict) -> dict:
    """``<out>/<domain>.json`` before its first run: the study's facts, no runs yet."""
    return {
        "format_version": RESULTS_VERSION, "domain": base.name, "graph": str(spec.path),
        "family": spec.family, "num_classes": base.num_classes,
        "sizes": {"train": len(base.train), "val": len(base.val), "test": len(base.test)},
        "data": data_info or {}, "run_key": run_key, "config": config.to_dict(),
        "metrics": {k: m.to_dict() for k, m in METRICS.items()},
        **static_facts(spec, base.name, base.num_classes, config.seed), "runs": [],
    }


@dataclass
class _Study:
    """What every run of one domain's study shares."""
    spec: object  # GraphSpec
    base: DomainSplits
    config: TrainConfig
    out_dir: Path
    resume: bool
    run_key: dict  # graph, weights and data identity: what a resumed result or checkpoint must match
    random_backbone: bool
    features: DomainFeatures
    say: Callable[[str], None]

    def run_dir(self, plan: RunPlan) -> Path:
        return self.out_dir / "checkpoints" / self.base.name / plan.tag


def _run_plan(study: _Study, plan: RunPlan) -> dict:
    """One run of the study, as its record in ``<out>/<domain>.json``; main runs save the domain."""
    run_dir = study.run_dir(plan)
    try:
        trained = train_one_run(study.spec, study.base, plan, study.config, random_backbone=study.random_backbone,
                                features=study.features, checkpoint_dir=run_dir, resume=study.resume,
                                run_key={**study.run_key, "plan": plan.tag}, log=study.say)
    except TrainDivergedError:
        # its last checkpoint only leads to the same divergence, and one written with
        # this --lr would refuse the smaller --lr of the next try under --resume
        shutil.rmtree(run_dir, ignore_errors=True)
        remove_empty_checkpoint_dirs(study.out_dir, study.base.name)
        raise
    record = dataclasses.replace(trained.record, tag=plan.tag, config=study.config.to_dict())
    if plan.is_main:
        saved = trained.model.save_domain(study.base.name, study.out_dir / "domains" / f"seed{plan.seed}")
        record.checkpoint = str(saved)
    return record.to_dict()


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
    done = _finished_runs(path, run_key, config, resume)
    doc = _study_document(spec, base, config, data_info, run_key)
    study = _Study(spec, base, config, out_dir, resume, run_key, random_backbone, DomainFeatures(base, say), say)
    for plan in plans:
        if plan.tag in done:
            doc["runs"].append(done[plan.tag])
            say(f"[{base.name}] {plan.tag}: already done (resume)")
            continue
        doc["runs"].append(_run_plan(study, plan))
        doc["summary"] = summarise_domain(doc["runs"], doc)
        atomic_write_json(path, doc)
        # The run is in the results now (resume skips it): its epoch checkpoint is spent.
        shutil.rmtree(study.run_dir(plan), ignore_errors=True)
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
