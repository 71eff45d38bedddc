"""What a comparison computes: its settings, and the points they expand to.

For every architecture: one estimate point (its hardware on the device), and one
training point per (domain, seed, setting), where the settings are the main run (all
training labels, clean), each k-shot subset (sample efficiency) and each label-noise
rate. Data are prepared here, in the coordinating process, once per input size, so
every point's key holds the prepared data's content hash.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path

from codesign.compare.budget import Budget, parse_budget
from codesign.compare.points import Point, tool_versions

# Relative cost of one training run per family (measured on cnv, 3 domains, 40/class:
# finetune/parallel ~1.5-1.7x attention; head/side train on cached features), used only
# to start the longest points first so that the last worker is not left alone.
FAMILY_COST = {"finetune": 4.0, "series": 4.0, "parallel": 3.5, "attention": 2.0, "scale_bias": 2.0,
               "side": 1.5, "head": 0.5}
ESTIMATE_COST = 40.0  # one conversion pair on cnv ~ 40 training-cost units


class CompareError(ValueError):
    """Bad comparison arguments (one-line message naming the argument)."""


@dataclass
class CompareConfig:
    graphs: list[str]
    device: str
    domains: str
    out: str
    seeds: int = 1
    first_seed: int = 0
    k_shot: list = field(default_factory=list)  # k images per class (None = all), beside the main run
    noise: list = field(default_factory=list)  # label-noise rates, beside the main run
    budget: str | None = None
    epochs: int = 30
    patience: int = 5
    lr: float = 5e-3
    batch_size: int = 64
    max_per_class: int | None = None  # cap per class before splitting (bounds CPU time)
    target_fps: float | None = None  # None: the fastest folding that fits
    cache_dir: str = ".cache"  # points/, designs/, domains/ below it
    executor: str = "local"
    workers: int = 2
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if not self.graphs:
            raise CompareError("expected at least one graph spec (graphs/*.yaml)")
        if self.seeds < 1:
            raise CompareError(f"--seeds: expected a count >= 1, got {self.seeds}")
        if self.workers < 1:
            raise CompareError(f"--workers: expected a count >= 1, got {self.workers}")
        if self.target_fps is not None and not self.target_fps > 0:
            raise CompareError(f"--target-fps: expected frames/s > 0, got {self.target_fps}")
        from codesign.compare.executors import EXECUTORS

        EXECUTORS.get(self.executor)  # an unknown name fails here, listing the registered ones
        if self.scheduler and self.executor != "dask":
            raise CompareError("--scheduler is for --executor dask (the local executor runs on this machine)")
        if self.max_per_class is not None and self.max_per_class < 2:
            raise CompareError(f"--max-per-class: expected >= 2 images per class, got {self.max_per_class}")


@dataclass
class Plan:
    config: CompareConfig
    specs: list  # GraphSpec per architecture, in the order given
    device: object  # DeviceSpec
    budget: Budget
    domains: list[dict]  # name, classes, sizes, source, licence, content hash (per input size)
    points: list[Point]
    train_config: dict
    device_file: str  # the device spec file (absolute)


def _say(message: str) -> None:
    print(f"[compare] {message}", file=sys.stderr, flush=True)


def _spec_identity(spec) -> dict:
    from codesign.compare.work import uses_random_backbone
    from codesign.train.runner import weights_identity

    weights = weights_identity(spec, uses_random_backbone(spec))
    return {"fingerprint": spec.fingerprint(), "weights_sha256": weights["sha256"],
            "weights_init": weights.get("init")}


def _device_identity(device) -> dict:
    return json_safe(dataclasses.asdict(device))


def json_safe(obj):
    import json

    return json.loads(json.dumps(obj, sort_keys=True, default=str))


def load_inputs(config: CompareConfig):
    """Validate every input before anything is computed: specs, device, budget, domains."""
    from codesign.data import parse_domain_arg
    from codesign.specs.device import load_device
    from codesign.specs.graph import load_graph

    specs = [load_graph(g) for g in config.graphs]
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise CompareError(f"architecture {dupes[0]!r} is given twice (graph names must differ)")
    device = load_device(config.device)
    resources = {k: getattr(device.resources, k) for k in ("lut", "ff", "bram18", "uram", "dsp")}
    budget = parse_budget(config.budget, resources)
    domain_specs = parse_domain_arg(config.domains)
    return specs, device, budget, domain_specs


def make_plan(config: CompareConfig, progress=_say) -> Plan:
    from codesign.data import prepare_domain
    from codesign.data.domains import DOMAINS
    from codesign.train.config import TrainConfig
    from codesign.train.runs import plan_runs

    specs, device, budget, domain_specs = load_inputs(config)
    train_config = TrainConfig(lr=config.lr, batch_size=config.batch_size, epochs=config.epochs,
                               patience=config.patience, seed=config.first_seed).to_dict()
    cache_root = Path(config.cache_dir).resolve()
    data_root = cache_root / "domains"
    prepared_by_size: dict[tuple[int, int], dict[str, dict]] = {}
    domains: dict[str, dict] = {}
    for spec in specs:
        shape = (spec.backbone.input_size or 32, 3)
        if shape in prepared_by_size:
            continue
        prepared_by_size[shape] = {}
        for domain_spec in domain_specs:
            prepared = prepare_domain(domain_spec, data_root, size=shape[0], seed=0, channels=shape[1],
                                      max_per_class=config.max_per_class, progress=progress)
            entry = DOMAINS.get(prepared.name) if prepared.name in DOMAINS else None
            info = {"name": prepared.name, "classes": prepared.num_classes, "train": len(prepared.y_train),
                    "val": len(prepared.y_val), "test": len(prepared.y_test),
                    "source": entry.source if entry else f"user data {domain_spec}",
                    "licence": entry.licence if entry else "user's", "content_hash": prepared.stats["content_hash"],
                    "spec": prepared.name if entry else f"{domain_spec.name}={Path(domain_spec.path).resolve()}", "size": shape[0],
                    "channels": shape[1]}
            prepared_by_size[shape][prepared.name] = info
            domains.setdefault(prepared.name, info)
    max_classes = max(d["classes"] for d in domains.values())
    device_identity = _device_identity(device)
    tools = tool_versions()
    plans = plan_runs(list(range(config.first_seed, config.first_seed + config.seeds)),
                      config.k_shot, config.noise)
    points: list[Point] = []
    for spec in specs:
        identity = _spec_identity(spec)
        points.append(Point(
            kind="estimate", architecture=spec.name, label=f"{spec.name} / estimate on {device.name}",
            key={"graph": identity, "device": device_identity, "target_fps": config.target_fps,
                 "classes": max_classes, "tools": tools},
            task={"kind": "estimate", "graph": str(Path(spec.path).resolve()), "device": _device_file(config.device),
                  "target_fps": config.target_fps, "classes": max_classes,
                  "design_cache": str(cache_root / "designs")},
            cost=ESTIMATE_COST))
        shape = (spec.backbone.input_size or 32, 3)
        for name, info in prepared_by_size[shape].items():
            for run in plans:
                setting = run.to_dict()
                share = 1.0 if run.k_per_class is None else min(1.0, run.k_per_class * info["classes"] / info["train"])
                points.append(Point(
                    kind="train", architecture=spec.name, domain=name, setting=setting,
                    label=f"{spec.name} / {name} / {_setting_label(run)}",
                    key={"graph": identity, "domain": name, "data": info["content_hash"],
                         "data_params": {"size": shape[0], "channels": shape[1],
                                         "max_per_class": config.max_per_class, "split_seed": 0},
                         "plan": setting, "config": train_config, "tools": tools},
                    task={"kind": "train", "graph": str(Path(spec.path).resolve()), "domain": info["spec"],
                          "plan": setting, "config": train_config,
                          "data": {"cache_dir": str(data_root), "size": shape[0], "channels": shape[1],
                                   "max_per_class": config.max_per_class, "content_hash": info["content_hash"]}},
                    cost=FAMILY_COST.get(spec.family, 2.0) * info["train"] / 300.0 * max(share, 0.2)))
    return Plan(config, specs, device, budget, list(domains.values()), points, train_config,
                _device_file(config.device))


def _device_file(arg: str) -> str:
    """The device spec file a name or path refers to (load_device's lookup)."""
    from codesign.specs.device import DEVICE_DIR

    path = Path(arg)
    if not path.exists() and path.suffix == "" and len(path.parts) == 1:
        path = DEVICE_DIR / f"{path.name}.yaml"
    return str(path.resolve())


def _setting_label(run) -> str:
    parts = [f"seed{run.seed}"]
    if run.k_per_class is not None:
        parts.append(f"k={run.k_per_class}")
    if run.label_noise:
        parts.append(f"noise={run.label_noise:g}")
    if run.is_main:
        parts.append("main")
    return " / ".join(parts)
