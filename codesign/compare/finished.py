"""A comparison's finished points by name: estimates per architecture (the fastest folding
within the budget, and the one at the common target), training runs per
(architecture, domain, seed, setting, step size), failures per architecture, statistics.

Each round's training records are kept in the order of its points in the plan, not in
the order they finished: the summaries add them up in this order, so that the last bit
of a mean over more than two runs does not depend on which worker finished first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from codesign.compare.outcomes import TrainPointResult
from codesign.compare.plan import FASTEST
from codesign.compare.result import PointStats
from codesign.cost.summary import EstimateSummary


class TrainKey(NamedTuple):
    """Which training run a record belongs to."""
    architecture: str
    domain: str
    seed: int
    k_per_class: int | None  # None: all training images
    label_noise: float
    lr: float
    bn_stats: str

    @property
    def is_main(self) -> bool:
        return self.k_per_class is None and self.label_noise == 0.0


@dataclass
class FinishedPoints:
    """A comparison's finished points by name, failures by architecture, and statistics."""
    estimates: dict[str, EstimateSummary] = field(default_factory=dict)  # architecture -> at the common target
    fastest: dict[str, EstimateSummary] = field(default_factory=dict)  # architecture -> fastest within budget
    runs: dict[TrainKey, TrainPointResult] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # architecture -> one line per failed point
    stats: PointStats | None = None

    def add(self, point, record) -> None:
        if point.kind == "estimate":
            self._estimates_of(point)[point.architecture] = record
        else:
            self.runs[train_key(point)] = record

    def has(self, point) -> bool:
        if point.kind == "estimate":
            return point.architecture in self._estimates_of(point)
        return train_key(point) in self.runs

    def _estimates_of(self, point) -> dict[str, EstimateSummary]:
        """The fastest folding within the budget, or the estimate at the common target
        (plan.Plan.estimate_point's ``folding``)."""
        return self.fastest if point.setting.get("folding") == FASTEST else self.estimates

    def in_plan_order(self, points: list) -> None:
        """Order the training records of one round as its ``points`` (in plan order) are."""
        keys = [train_key(p) for p in points if p.kind == "train"]
        self.runs = {k: self.runs[k] for k in keys if k in self.runs}

    def merge(self, more: "FinishedPoints") -> None:
        """A second round of points (the sweeps at the chosen step sizes)."""
        self.estimates.update(more.estimates)
        self.fastest.update(more.fastest)
        self.runs.update(more.runs)
        for name, lines in more.errors.items():
            self.errors.setdefault(name, []).extend(lines)
        self.stats = more.stats if self.stats is None else self.stats.merged(more.stats)

    def runs_of(self, architecture: str, domain: str | None = None, lr: float | None = None,
                main: bool = False, bn_stats: str | None = None) -> list[TrainPointResult]:
        """Records of one architecture (on one domain, at one step size and BatchNorm
        setting, main runs only)."""
        return [r for k, r in self.runs.items() if k.architecture == architecture
                and (domain is None or k.domain == domain) and (lr is None or k.lr == lr)
                and (bn_stats is None or k.bn_stats == bn_stats) and (not main or k.is_main)]


def train_key(point) -> TrainKey:
    s = point.setting
    return TrainKey(point.architecture, point.domain, s["seed"], s["k_per_class"], s["label_noise"], s["lr"],
                    s["bn_stats"])
