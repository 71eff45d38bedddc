"""Records and interval arithmetic of the seed-claims analysis (claims.py).

A claim row compares the seed's design (attention) with other architectures; each
comparison holds both values and their difference oriented so that > 0 favours attention,
with a 95 % interval where the quantity is measured (accuracies) and none where it is
counted or estimated exactly (parameters, wires, latency). The intervals are computed
from the result document alone (``METHOD``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from codesign.compare.result import ArchitectureResult
from codesign.records import Record

Z95 = 1.959963984540054  # two-sided 95 % quantile of the normal distribution
METHOD = ("unpaired normal approximation from the result document: variance of a domain's mean accuracy = "
          "seed variance / seeds + p(1 - p) / test images, domains averaged; wider than the verdict's "
          "paired bootstrap")
SUPPORTED, NOT_SUPPORTED, MIXED, NOT_MEASURED = "supported", "not supported", "mixed", "not measured"
BETTER, WORSE, TIE = "better", "worse", "tie"


@dataclass
class Estimate(Record):
    """A quantity with its 95 % interval (fractions for accuracies; None: no interval)."""
    value: float
    low: float | None = None
    high: float | None = None


@dataclass
class Comparison(Record):
    """Attention against one other architecture on one measure."""
    against: str  # the other architecture
    measure: str  # what is compared, with its unit
    attention: float | None
    other: float | None
    difference: Estimate | None  # oriented so that > 0 favours attention
    outcome: str  # better / worse / tie (for attention), or "not measured"


@dataclass
class ClaimRow(Record):
    claim: str  # parameters / interconnect / samples / order / noise
    backbone: str
    device: str  # the device whose estimates a hardware claim used ("" for training claims)
    statement: str  # what the seed claims
    verdict: str  # supported / not supported / mixed / not measured
    summary: str  # one line with the numbers; where attention loses, it says so
    comparisons: list[Comparison] = field(default_factory=list)


@dataclass
class ClaimsTable(Record):
    method: str
    rows: list[ClaimRow]


def outcome(diff: Estimate) -> str:
    """Better/worse when the interval excludes 0 (exact numbers: when they differ), else tie."""
    low = diff.value if diff.low is None else diff.low
    high = diff.value if diff.high is None else diff.high
    return BETTER if low > 0 else WORSE if high < 0 else TIE


def advantage_verdict(outcomes: list[str]) -> str:
    if not outcomes:
        return NOT_MEASURED
    better = outcomes.count(BETTER)
    return SUPPORTED if better == len(outcomes) else NOT_SUPPORTED if better == 0 else MIXED


def normal(mean: float, variance: float) -> Estimate:
    spread = Z95 * math.sqrt(max(variance, 0.0))
    return Estimate(mean, mean - spread, mean + spread)


def _domain_stat(stat, test_images: int) -> tuple[float, float] | None:
    """(mean, variance of the mean) of one domain's accuracy over seeds; None when not run."""
    if stat is None or not stat.n or stat.mean is None:
        return None
    seed_var = (stat.std or 0.0) ** 2 if stat.n > 1 else 0.0
    return stat.mean, seed_var / stat.n + stat.mean * (1.0 - stat.mean) / max(1, test_images)


def _mean_over_domains(stats: list[tuple[float, float]]) -> tuple[float, float]:
    return (sum(m for m, _ in stats) / len(stats), sum(v for _, v in stats) / len(stats) ** 2)


def accuracy_stats(arch: ArchitectureResult, domains: list[str], pick) -> tuple[float, float] | None:
    """Mean over ``domains`` of the accuracy ``pick(domain summary)`` selects (a MeanStd) and
    the variance of that mean; None unless every domain has it."""
    found = []
    for name in domains:
        summary = arch.domains.get(name)
        stat = None if summary is None else _domain_stat(pick(summary), summary.test_images)
        if stat is None:
            return None
        found.append(stat)
    return _mean_over_domains(found) if found else None


def difference(a: tuple[float, float], b: tuple[float, float]) -> Estimate:
    return normal(a[0] - b[0], a[1] + b[1])


def common_domains(*archs: ArchitectureResult) -> list[str]:
    names = list(archs[0].domains)
    return [d for d in names if all(d in a.domains for a in archs[1:])]


def pt(diff: Estimate) -> str:
    return f"{100 * diff.value:+.1f} pt [{100 * diff.low:+.1f}, {100 * diff.high:+.1f}]"
