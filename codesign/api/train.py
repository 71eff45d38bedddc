"""Train one architecture's modules on several domains: the study of ``codesign train``.

Two steps, so that a caller can check everything before any data is prepared:
``prepare_study`` validates the domains, the graph, the backbone weights and the
baseline and plans the runs (seeds x main / k-shot / label noise); ``train_study``
prepares each domain's splits (cached), runs the plan (codesign.train.runner) and writes
``<out>/<domain>.json`` per domain and ``<out>/summary.json``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class StudyPlan:
    spec: object  # the GraphSpec, with the backbone weights given (if any)
    domains: list  # the parsed --domains (codesign.data DomainSpec), in order
    runs: list  # codesign.train.runs.RunPlan per run, the same for every domain
    random_backbone: bool  # backbone drawn uniform in [-1, 1] from a fixed seed
    baseline_errors: dict[str, float] | None  # test error per domain of a finetune study


@dataclass
class StudyResult:
    graph: str  # the spec's name
    family: str
    out: Path
    runs_per_domain: int
    domains: dict[str, dict]  # domain -> the training layer's results document (<out>/<domain>.json)
    summary: dict  # the training layer's study summary (<out>/summary.json)


def prepare_study(graph, domains: str, seeds: list[int], k_shot: list, noise: list,
                  backbone_weights: str | None = None, baseline: str | Path | None = None) -> StudyPlan:
    """Everything checked, nothing trained. ``backbone_weights``: a .safetensors file,
    "random" or "none" instead of the spec's; ``baseline``: a finetune study's folder."""
    from codesign.data import parse_domain_arg
    from codesign.models.weights import resolve_path
    from codesign.specs.graph import load_graph
    from codesign.train.config import TrainError
    from codesign.train.results import read_baseline
    from codesign.train.runner import with_backbone_weights
    from codesign.train.runs import plan_runs

    domain_specs = parse_domain_arg(domains)
    if not domain_specs:
        raise TrainError("--domains: expected at least one domain name")
    spec = load_graph(graph)
    if backbone_weights is not None:
        weights = None if backbone_weights in ("none", "random") else backbone_weights
        if weights is not None and not resolve_path(weights).is_file():
            raise FileNotFoundError(f"--backbone-weights {weights}: file not found")
        spec = with_backbone_weights(spec, weights)
    baseline_errors = read_baseline(baseline) if baseline else None
    return StudyPlan(spec, domain_specs, plan_runs(list(seeds), k_shot, noise), backbone_weights == "random",
                     baseline_errors)


def train_study(plan: StudyPlan, config, out: str | Path, max_per_class: int | None = None,
                cache_dir: str | Path | None = None, resume: bool = False,
                log: Callable[[str], None] = say) -> StudyResult:
    """Run ``plan`` with ``config`` (a TrainConfig) into ``out``; ``resume`` skips finished
    runs and continues an interrupted one. ``cache_dir``: the cache root (domains/)."""
    from codesign.data import prepare_domain
    from codesign.store import cache_root, domains_dir
    from codesign.train.inputs import DomainSplits
    from codesign.train.results import atomic_write_json, summarise_study
    from codesign.train.runner import run_domain_study

    out = Path(out)
    splits = domains_dir(cache_root(cache_dir))
    size, channels = plan.spec.backbone.input_size or 32, 3
    docs = {}
    for domain_spec in plan.domains:
        prepared = prepare_domain(domain_spec, splits, size=size, seed=0, channels=channels,
                                  max_per_class=max_per_class, progress=log)
        data_info = {"content_hash": prepared.stats.get("content_hash"), "params": prepared.params,
                     "split_seed": 0, "test_split": prepared.stats.get("test_split"),
                     "synthetic": prepared.stats.get("synthetic_description")}
        docs[prepared.name] = run_domain_study(plan.spec, DomainSplits.from_prepared(prepared), plan.runs, config,
                                               out, resume=resume, data_info=data_info, log=log,
                                               random_backbone=plan.random_backbone)
    summary = summarise_study(docs, plan.baseline_errors, plan.spec.family, str(plan.spec.path))
    atomic_write_json(out / "summary.json", summary)
    return StudyResult(plan.spec.name, plan.spec.family, out, len(plan.runs), docs, summary)
