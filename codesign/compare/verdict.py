"""Judging the architectures: budget checks, Decathlon-style scores, Pareto fronts, verdict.

An architecture meets the budget when it has an estimate, fits the device, has an
accuracy on every domain and is within every limit. "Best" is the highest mean
accuracy over the domains (ties: fewer crossing wires), or with ``rank_by="decathlon"``
the highest Decathlon-style score against the compared fine-tuning baseline.
"""

from __future__ import annotations

from typing import Callable

from codesign.compare.budget import Budget, BudgetCheck, metric_value
from codesign.compare.result import ArchitectureResult, Verdict
from codesign.compare.summaries import decathlon_against
from codesign.cost.summary import EstimateSummary

PARETO_METRICS = ("interconnect_bits", "lut", "energy_uj")  # cost axes against mean accuracy
RANKINGS = ("accuracy", "decathlon")  # what "best under the budget" means (--rank-by)


def check_budget(budget: Budget, estimate: EstimateSummary | None, has_accuracy: bool,
                 device_name: str) -> BudgetCheck:
    """The budget's limits against an architecture's estimate, and every reason it does
    not meet them (no estimate, does not fit, no accuracy on every domain, a limit)."""
    check = budget.check(estimate)
    reasons = [f"{c.metric} = {c.value:,.6g} is not {c.comparator} {c.limit:,.6g}"
               for c in check.checks if not c.ok and c.value is not None]
    if estimate is None:
        reasons.insert(0, "no hardware estimate (its point failed)")
    elif not estimate.fits:
        short = ", ".join(f"{r.upper()} short by {v:,.0f}" for r, v in estimate.shortfall.items())
        reasons.insert(0, f"does not fit {device_name} ({short})")
    if not has_accuracy:
        reasons.append("no accuracy on every domain (a training point failed)")
    check.meets = not reasons
    check.reasons = reasons
    return check


def add_decathlon(architectures: list[ArchitectureResult], is_baseline: Callable[[str], bool]) -> None:
    """Scores against the first compared architecture whose family ``is_baseline`` (the
    full fine-tuning baseline) and that has an accuracy on every domain, if any."""
    baseline = next((a for a in architectures if is_baseline(a.family) and a.mean_accuracy is not None), None)
    if baseline is None:
        return
    for arch in architectures:
        if arch.mean_accuracy is not None:
            arch.decathlon = decathlon_against(arch.domains, baseline.domains, baseline.name)


def pareto_front(points: dict[str, tuple[float, float]]) -> list[str]:
    """Names of (accuracy, cost) points not dominated: no other has accuracy >= and
    cost <= with one strict."""
    front = []
    for name, (acc, cost) in points.items():
        dominated = any(a >= acc and c <= cost and (a > acc or c < cost)
                        for other, (a, c) in points.items() if other != name)
        if not dominated:
            front.append(name)
    return front


def pareto_fronts(architectures: list[ArchitectureResult], energy: str = "throughput") -> dict[str, list[str]]:
    """Per cost metric, the architectures on its front; sets each architecture's flags.
    ``energy``: the energy figure of the energy front (budget.ENERGY_FIGURES)."""
    fronts = {}
    for metric in PARETO_METRICS:
        candidates = {a.name: (a.mean_accuracy, metric_value(metric, a.estimate, energy))
                      for a in architectures if a.estimate is not None and a.mean_accuracy is not None}
        fronts[metric] = pareto_front(candidates)
    for arch in architectures:
        arch.pareto = {m: arch.name in fronts[m] for m in PARETO_METRICS}
    return fronts


def _fewer_wires(arch: ArchitectureResult) -> int:
    """Tie-break: fewer crossing data wires ranks higher."""
    return -arch.estimate.interconnect.interconnect_bits


def verdict(architectures: list[ArchitectureResult], budget: Budget, device_name: str,
            rank_by: str = "accuracy", baseline_families: tuple[str, ...] = ()) -> Verdict:
    """Who meets the budget, and the best of them; ``baseline_families`` (the registered
    fine-tuning baselines) are named when a Decathlon ranking lacks its baseline."""
    meeting = [a for a in architectures if a.budget.meets]
    what = "meet the budget and fit" if budget.limits else "fit"
    if not meeting:
        text = (f"no architecture meets the budget ({budget.spec}) on {device_name}" if budget.limits
                else f"no architecture fits {device_name} with accuracy on every domain")
        return Verdict(meeting=[], best=None, infeasible=True, text=text, rank_by=rank_by)
    of = f"of the {len(meeting)} of {len(architectures)} architecture(s) that {what} {device_name}"
    if rank_by == "decathlon" and all(a.decathlon for a in meeting):
        best = max(meeting, key=lambda a: (a.decathlon.score, a.mean_accuracy, _fewer_wires(a)))
        text = (f"{best.name} has the best Decathlon-style score ({best.decathlon.score:,.0f} of "
                f"{best.decathlon.max_score:,.0f}, against {best.decathlon.baseline}) {of}")
    else:
        best = max(meeting, key=lambda a: (a.mean_accuracy, _fewer_wires(a)))
        text = f"{best.name} has the best mean accuracy ({100 * best.mean_accuracy:.1f} %) {of}"
        if rank_by == "decathlon":
            baseline = " or ".join(baseline_families) or "fine-tuning baseline"
            text += f" (no Decathlon score: compare a {baseline} architecture too)"
    return Verdict(meeting=[a.name for a in meeting], best=best.name, infeasible=False, text=text, rank_by=rank_by)
