"""CompareResult: the whole comparison, as written to ``compare.json`` and rendered.

One record per architecture (``ArchitectureResult``: its estimate summary, per-domain
summaries, mean accuracy, Decathlon-style score, budget check, Pareto flags, step
size), then the verdict, the Pareto fronts, the point statistics and the sources of
every kind of number. ``to_dict()`` is the JSON document (key order = field order);
``read_result(path)`` reads one back, converting a format-1 document (formats.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from codesign.compare.budget import Budget, BudgetCheck
from codesign.compare.folding_policy import FoldingPolicy
from codesign.compare.formats import FORMAT_VERSION, upgrade  # noqa: F401 (FORMAT_VERSION re-exported)
from codesign.compare.summaries import Decathlon, Difference, DomainSummary, Interval
from codesign.cost.summary import EstimateSummary, ResourceCounts
from codesign.records import OMIT_IF_NONE, Record, RecordError



@dataclass
class DeviceInfo(Record):
    name: str
    board: str
    part: str
    clock_mhz: float
    spec: str  # the device spec file, relative to the working folder when inside it
    resources: ResourceCounts
    static_power_w: float
    static_power_source: str
    full_bitstream_bytes: int
    full_bitstream_source: str


@dataclass
class DomainInfo(Record):
    name: str
    classes: int
    train: int  # images per split
    val: int
    test: int
    source: str
    licence: str
    content_hash: str  # of the prepared data
    # one line on how the images were made when they are synthetic (e.g. font renderings);
    # None for real data and in documents written before the label existed
    synthetic: str | None = field(default=None, metadata=OMIT_IF_NONE)
    # how the fixed test split (the same images for every seed and --max-per-class) was drawn
    test_split: str | None = field(default=None, metadata=OMIT_IF_NONE)


@dataclass
class Settings(Record):
    seeds: list[int]
    k_shot: list[int | None]  # images per class of the sample-efficiency sweep
    noise: list[float]  # label-noise rates of the sweep
    max_per_class: int | None
    target_fps: float | None  # --target-fps; None: the common target of the folding policy (CompareResult.folding)
    train_config: dict  # the training layer's TrainConfig.to_dict(); "lr" says how it was chosen
    lr_grid: list[float]
    executor: str | None
    # --bn-stats with both values: chosen per architecture with the step size (LrChoice)
    bn_stats_grid: list[str] | None = field(default=None, metadata=OMIT_IF_NONE)


@dataclass
class LrChoice(Record):
    """The training recipe chosen on validation: the step size and, when --bn-stats gave
    both, the BatchNorm statistics."""
    selected: float  # the step size every reported run of the architecture used
    validation_accuracy: dict[str, float | None]  # recipe_label -> mean over main runs (None: incomplete)
    bn_stats: str | None = field(default=None, metadata=OMIT_IF_NONE)  # None: --bn-stats had one value


def recipe_label(lr: float, bn_stats: str | None) -> str:
    """The key of LrChoice.validation_accuracy: '0.005', or '0.005 / frozen' on a BatchNorm grid."""
    return f"{lr:g}" if bn_stats is None else f"{lr:g} / {bn_stats}"


@dataclass
class ArchitectureResult(Record):
    name: str
    graph: str
    family: str
    backbone: str
    description: str
    estimate: EstimateSummary | None  # None: its estimate point failed
    domains: dict[str, DomainSummary]
    mean_accuracy: float | None  # over domains; None unless every domain has a finished run
    mean_accuracy_std: float | None
    decathlon: Decathlon | None
    errors: list[str]  # failed points, one line each
    training_lr: LrChoice
    budget: BudgetCheck
    pareto: dict[str, bool]  # cost metric -> on the accuracy/cost Pareto front
    # 95 % interval of mean_accuracy (compare/stats.py); absent in older documents
    mean_accuracy_interval: Interval | None = field(default=None, metadata=OMIT_IF_NONE)


@dataclass
class Verdict(Record):
    meeting: list[str]  # architectures meeting the budget (and fitting the device)
    best: str | None
    infeasible: bool
    text: str
    rank_by: str  # "accuracy" or "decathlon"
    # Whether the best is better than every other admissible architecture beyond the paired
    # difference's 95 % interval; None in documents written before intervals.
    beyond_noise: bool | None = field(default=None, metadata=OMIT_IF_NONE)
    tied: list[str] | None = field(default=None, metadata=OMIT_IF_NONE)  # within noise of the leader
    tie_break: str | None = field(default=None, metadata=OMIT_IF_NONE)  # the stated secondary criterion
    # the leader (highest ranked at the point estimates) minus every other architecture with an accuracy
    differences: list[Difference] | None = field(default=None, metadata=OMIT_IF_NONE)


@dataclass
class PointStats(Record):
    total: int
    from_cache: int
    computed: int
    failed: int
    rejected: int  # failed deterministically (DesignRejected / InputError)
    wall_seconds: float
    executor: str

    def merged(self, more: "PointStats") -> "PointStats":
        """Two rounds of points (main runs, then sweeps) as one."""
        return PointStats(self.total + more.total, self.from_cache + more.from_cache,
                          self.computed + more.computed, self.failed + more.failed,
                          self.rejected + more.rejected, self.wall_seconds + more.wall_seconds, self.executor)


@dataclass
class CompareResult(Record):
    format_version: int
    name: str
    created: str  # UTC, ISO 8601
    codesign_version: str
    command: str
    device: DeviceInfo
    domains: list[DomainInfo]
    settings: Settings
    budget: Budget  # the limits, as given
    architectures: list[ArchitectureResult]
    verdict: Verdict
    pareto: dict[str, list[str]]  # cost metric -> architectures on the front
    sources: dict[str, str]  # kind of number -> where it comes from
    points: PointStats
    # the frame rate every architecture is folded for and each one's own maximum within the
    # budget (compare/folding_policy.py); absent in documents written before the policy
    folding: FoldingPolicy | None = field(default=None, metadata=OMIT_IF_NONE)

    def architecture(self, name: str) -> ArchitectureResult:
        return next(a for a in self.architectures if a.name == name)

    @property
    def domain_names(self) -> list[str]:
        return [d.name for d in self.domains]

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"


def read_result(path: str | Path) -> CompareResult:
    """A ``compare.json`` (format 2, or 1 converted); one-line InputError when it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordError(f"{path}: not a readable compare.json ({' '.join(str(err).split())})") from None
    if not isinstance(data, dict):
        raise RecordError(f"{path}: expected a JSON object (a compare.json), got {type(data).__name__}")
    return CompareResult.from_dict(upgrade(data, path), f"{path}:")
