"""What a comparison computes: its settings, and the points they expand to.

For every architecture: one training point per (domain, seed, setting), where the
settings are the main run (all training labels, clean), each k-shot subset (sample
efficiency) and each label-noise rate; and two estimate points (its hardware on the
device, folding_policy.py): its fastest folding within the budget, then its folding for
the comparison's common frame rate. Both estimate from the trained weights of the
first domain's main run of the first seed (``Plan.weights_source``), so they are made
once that run is finished (runner.py). Data are prepared in the coordinating process,
once per input size (prepared.py), so every point's key holds the prepared data's
content hash.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path

from codesign.compare.budget import Budget, parse_budget
from codesign.compare.points import Point, as_json_data, code_key
from codesign.compare.prepared import PreparedDomain, Shape, domains_of, prepare_domains
from codesign.compare.result import DomainInfo
from codesign.errors import InputError
from codesign.store import cache_root, designs_dir, domains_dir, tool_versions

# Point costs only order the points, longest first, so that the last worker is not left
# alone: a training run costs its family's ``training_cost`` (the adapter registry;
# measured on cnv, 3 domains, 40/class) per 300 training images.
ESTIMATE_COST = 40.0  # one conversion pair on cnv ~ 40 training-cost units
FOLD_COST = 2.0  # an estimate at a target: the conversion is cached, one folding and estimate
FASTEST, AT_TARGET = "fastest within budget", "at target"  # the two estimate points' ``folding``


@dataclass(frozen=True)
class DomainWeights:
    """Trained domain weights an architecture's estimate uses (a checkpoint a train point saved)."""
    checkpoint: str  # the checkpoint's <domain>.json (absolute)
    sha256: str  # of that JSON (it holds the tensors' SHA-256): the estimate's key
    label: str  # what the estimate's ``domain_weights`` says


class CompareError(InputError, ValueError):
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
    lr: list = field(default_factory=lambda: [5e-3])  # Adam step sizes; >1: chosen per architecture
    batch_size: int = 64
    max_per_class: int | None = None  # cap on each class's train + val images (bounds CPU time); test is fixed
    target_fps: float | None = None  # None: the highest FPS every architecture reaches within the budget
    cache_dir: str | None = None  # the cache root (points/, designs/, domains/); None: store.cache_root
    rank_by: str = "accuracy"  # "accuracy" (mean over domains) or "decathlon" (score vs finetune)
    energy: str = "throughput"  # the energy figure budgets and the Pareto front use (budget.ENERGY_FIGURES)
    executor: str = "local"
    workers: int = 2
    scheduler: str | None = None
    calibration: str | None = None  # --calibration FILE; None: the device spec's, else the shipped one
    accelerator: str = "cpu"  # torch device of the training points: auto, cpu or cuda (resolved by make_plan)
    # BatchNorm statistics (train.config.BN_STATS; "batch,frozen": chosen per architecture like lr)
    bn_stats: list = field(default_factory=lambda: ["batch"])

    def __post_init__(self) -> None:
        if not self.graphs:
            raise CompareError("expected at least one graph spec (graphs/*.yaml)")
        if self.seeds < 1:
            raise CompareError(f"--seeds: expected a count >= 1, got {self.seeds}")
        if self.workers < 1:
            raise CompareError(f"--workers: expected a count >= 1, got {self.workers}")
        if isinstance(self.lr, (int, float)):
            self.lr = [float(self.lr)]
        if not self.lr or any(not (isinstance(v, (int, float)) and v > 0) for v in self.lr):
            raise CompareError(f"--lr: expected one or more positive step sizes, got {self.lr!r}")
        if len(set(self.lr)) != len(self.lr):
            raise CompareError(f"--lr: a step size is given twice in {self.lr!r}")
        if self.target_fps is not None and not self.target_fps > 0:
            raise CompareError(f"--target-fps: expected frames/s > 0, got {self.target_fps}")
        from codesign.compare.executors import EXECUTORS
        from codesign.compare.verdict import RANKINGS

        if self.rank_by not in RANKINGS:
            raise CompareError(f"--rank-by: expected one of {', '.join(RANKINGS)}, got {self.rank_by!r}")

        EXECUTORS.get(self.executor)  # an unknown name fails here, listing the registered ones
        if self.scheduler and self.executor != "dask":
            raise CompareError("--scheduler is for --executor dask (the local executor runs on this machine)")
        if self.max_per_class is not None and self.max_per_class < 2:
            raise CompareError(f"--max-per-class: expected >= 2 images per class, got {self.max_per_class}")
        from codesign.train.config import BN_STATS

        if isinstance(self.bn_stats, str):
            self.bn_stats = [v.strip() for v in self.bn_stats.split(",")]
        for value in self.bn_stats:
            if value not in BN_STATS:
                raise CompareError(f"--bn-stats: expected one of {', '.join(BN_STATS)} (or both, comma-separated), "
                                   f"got {value!r}")
        if not self.bn_stats or len(set(self.bn_stats)) != len(self.bn_stats):
            raise CompareError(f"--bn-stats: expected each of {', '.join(BN_STATS)} at most once, "
                               f"got {','.join(self.bn_stats)!r}")
        if self.accelerator not in ("auto", "cpu", "cuda"):
            raise CompareError(f"--accelerator: expected auto, cpu or cuda, got {self.accelerator!r}")
        self.cache_dir = str(cache_root(self.cache_dir))  # absolute: workers may run elsewhere


@dataclass
class Plan:
    config: CompareConfig
    specs: list  # GraphSpec per architecture, in the order given
    device: object  # DeviceSpec
    budget: Budget
    domains: list[DomainInfo]  # each domain once (as prepared for the first input size)
    points: list[Point]  # the first round: main training runs at every step size
    train_config: dict  # TrainConfig.to_dict() of the runs (part of every training point's key)
    device_file: str  # the device spec file (absolute)
    prepared: dict[Shape, dict[str, PreparedDomain]]  # (size, channels) -> domain name ->
    tools: dict[str, str]  # tool versions (part of every key)
    data_root: Path
    calibration: object = None  # LoadedCalibration (codesign.cost.calibration_files) of the estimates

    def _all_runs(self) -> list:
        from codesign.train.runs import plan_runs

        return plan_runs(list(range(self.config.first_seed, self.config.first_seed + self.config.seeds)),
                         self.config.k_shot, self.config.noise)

    def is_weights_source(self, domain: str, run) -> bool:
        """Whether a training run saves the domain checkpoint the estimates use: the main
        run of the first seed on the first domain (at every step size: the choice comes later)."""
        return run.is_main and run.seed == self.config.first_seed and domain == self.domains[0].name

    def bn_grid(self, spec) -> list[str]:
        """The --bn-stats values ``spec`` trains under: all for a family with BatchNorms copied
        from the backbone, else the first (the others would train it identically)."""
        from codesign.adapters import ADAPTERS

        return list(self.config.bn_stats) if ADAPTERS.get(spec.family).copies_backbone_norm else self.config.bn_stats[:1]

    def weights_source(self, spec, lr: float, bn_stats: str | None = None) -> Point:
        """The train point whose saved checkpoint the architecture's estimates use."""
        return next(p for p in self.train_points(spec, lr, bn_stats, sweeps=False) if p.task.get("save_domain"))

    def estimate_point(self, spec, weights: DomainWeights | None, target_fps: float | None) -> Point:
        """``target_fps`` None: the fastest folding within the budget's resource limits;
        else the least parallelism reaching ``target_fps``. ``weights`` None: seeded random."""
        from codesign.compare.folding_policy import resource_limits

        limits = resource_limits(self.budget) if target_fps is None else {}
        folding = FASTEST if target_fps is None else AT_TARGET
        calibration, device = self.calibration, self.device
        at = "fastest folding within the budget" if target_fps is None else f"folded for {target_fps:,.1f} FPS"
        return Point(
            kind="estimate", architecture=spec.name, label=f"{spec.name} / estimate on {device.name}, {at}",
            key={"graph": _spec_identity(spec), "device": _device_identity(device), "target_fps": target_fps,
                 "limits": limits, "classes": self._max_classes(), "tools": self.tools, "code": code_key("estimate"),
                 "calibration": calibration.sha256, "domain_weights": weights.sha256 if weights else "random"},
            task={"kind": "estimate", "graph": str(Path(spec.path).resolve()), "device": self.device_file,
                  "target_fps": target_fps, "limits": limits, "classes": self._max_classes(),
                  "design_cache": str(designs_dir(cache_root(self.config.cache_dir))),
                  "calibration": str(calibration.path), "calibration_sha256": calibration.sha256,
                  "calibration_origin": calibration.origin,
                  **({"checkpoint": weights.checkpoint, "weights_label": weights.label} if weights else {})},
            cost=ESTIMATE_COST if target_fps is None else FOLD_COST, setting={"folding": folding})

    def _max_classes(self) -> int:
        return max(d.classes for d in self.domains)

    def train_points(self, spec, lr: float, bn_stats: str | None = None, sweeps: bool = True,
                     main: bool = True) -> list[Point]:
        """Training points of one architecture at one step size and BatchNorm setting (None:
        the first of --bn-stats): the main runs (every seed) and, with ``sweeps``, the k-shot
        and label-noise runs."""
        from codesign.adapters import ADAPTERS

        runs = [r for r in self._all_runs() if (r.is_main and main) or (not r.is_main and sweeps)]
        bn_stats = bn_stats or self.config.bn_stats[0]
        config = {**self.train_config, "lr": lr, "bn_stats": bn_stats}  # one --bn-stats value: the key as before
        identity = _spec_identity(spec)
        shape = (spec.backbone.input_size or 32, 3)
        family_cost = ADAPTERS.get(spec.family).training_cost
        points = []
        for name, domain in self.prepared[shape].items():
            info = domain.info
            for run in runs:
                setting = {**run.to_dict(), "lr": lr, "bn_stats": bn_stats}
                share = 1.0 if run.k_per_class is None else min(1.0, run.k_per_class * info.classes / info.train)
                data_params = {"size": shape[0], "channels": shape[1], "max_per_class": self.config.max_per_class}
                points.append(Point(
                    kind="train", architecture=spec.name, domain=name, setting=setting,
                    label=f"{spec.name} / {name} / {_setting_label(run)}"
                          + (f" / lr={lr:g}" if len(self.config.lr) > 1 else "")
                          + (f" / bn={bn_stats}" if len(self.config.bn_stats) > 1 else ""),
                    key={"graph": identity, "domain": name, "data": info.content_hash,
                         "data_params": {**data_params, "split_seed": 0}, "plan": run.to_dict(),
                         "config": config, "tools": self.tools, "code": code_key("train")},
                    task={"kind": "train", "graph": str(Path(spec.path).resolve()), "domain": domain.spec,
                          "plan": run.to_dict(), "config": config,
                          "data": {"cache_dir": str(self.data_root), **data_params,
                                   "content_hash": info.content_hash},
                          **({"save_domain": True} if self.is_weights_source(name, run) else {})},
                    cost=family_cost * info.train / 300.0 * max(share, 0.2)))
        return points


def say(message: str) -> None:
    """The comparison's progress lines (stderr, so stdout keeps the result table)."""
    print(f"[compare] {message}", file=sys.stderr, flush=True)


def _spec_identity(spec) -> dict:
    from codesign.compare.work import uses_random_backbone
    from codesign.train.runner import weights_identity

    from codesign.plugins import cache_key_part

    weights = weights_identity(spec, uses_random_backbone(spec))
    # a plugin backbone/family's source is not in codesign's code digests: its own hash is
    # keyed here (empty for codesign's parts, so their keys do not change)
    return {"fingerprint": spec.fingerprint(), "weights_sha256": weights["sha256"],
            "weights_init": weights.get("init"), **cache_key_part(spec.backbone.name, spec.family)}


def _device_identity(device) -> dict:
    # the calibration file's path is left out: its content is keyed by its SHA-256 instead
    return as_json_data({k: v for k, v in dataclasses.asdict(device).items() if k != "calibration"})


def load_inputs(config: CompareConfig):
    """Validate every input before anything is computed: specs, device, calibration,
    budget, domains."""
    from codesign.cost.calibration_files import load_calibration
    from codesign.data import parse_domain_arg
    from codesign.specs.device import load_device
    from codesign.specs.graph import load_graph

    # The cheap checks first: a bad device, budget or domain list is reported before the
    # graph specs import torch and Brevitas (seconds).
    device = load_device(config.device)
    calibration = load_calibration(config.calibration, device)
    resources = {k: getattr(device.resources, k) for k in ("lut", "ff", "bram18", "uram", "dsp")}
    budget = parse_budget(config.budget, resources, config.energy)
    domain_specs = parse_domain_arg(config.domains)
    specs = [load_graph(g) for g in config.graphs]
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise CompareError(f"architecture {dupes[0]!r} is given twice (graph names must differ)")
    return specs, device, budget, domain_specs, calibration


def make_plan(config: CompareConfig, progress=say) -> Plan:
    from codesign.specs.device import device_file
    from codesign.train.config import TrainConfig

    from codesign.train.accelerator import resolve_accelerator

    specs, device, budget, domain_specs, calibration = load_inputs(config)
    # after the cheap checks: asking whether torch sees a GPU imports torch (seconds); the
    # resolved device ("cpu"/"cuda") is in every training point's key
    accelerator = resolve_accelerator(config.accelerator)
    train_config = TrainConfig(lr=config.lr[0], batch_size=config.batch_size, epochs=config.epochs,
                               patience=config.patience, seed=config.first_seed,
                               accelerator=accelerator, bn_stats=config.bn_stats[0]).to_dict()
    root = cache_root(config.cache_dir)
    data_root = domains_dir(root)
    prepared = prepare_domains(specs, domain_specs, data_root, config.max_per_class, progress)
    domains = domains_of(prepared)
    device_path = str(device_file(config.device).resolve())
    plan = Plan(config, specs, device, budget, domains, [], train_config, device_path, prepared, tool_versions(),
                data_root, calibration)
    # the first round: the main runs at every step size and BatchNorm setting (the sweeps and
    # the estimates wait for the recipe chosen on them and for its weights: runner.run_compare)
    for spec in specs:
        for lr in config.lr:
            for bn_stats in plan.bn_grid(spec):
                plan.points += plan.train_points(spec, lr, bn_stats, sweeps=False)
    return plan


def _setting_label(run) -> str:
    parts = [f"seed{run.seed}"]
    if run.k_per_class is not None:
        parts.append(f"k={run.k_per_class}")
    if run.label_noise:
        parts.append(f"noise={run.label_noise:g}")
    if run.is_main:
        parts.append("main")
    return " / ".join(parts)
