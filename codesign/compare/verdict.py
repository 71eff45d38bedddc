"""Judging the architectures: budget checks, Decathlon-style scores, Pareto fronts, verdict.

An architecture meets the budget when it has an estimate, fits the device, has an
accuracy on every domain and is within every limit; it meets it "only within estimator
error" when a resource limit lies inside the estimate's calibrated interval. The leader
is the admissible architecture with the highest mean accuracy over the domains (or with
``rank_by="decathlon"`` the highest Decathlon-style score against the compared
fine-tuning baseline). It is "best" only when the 95 % interval of its paired difference
to every other admissible architecture excludes 0 (compare/stats.py); otherwise the
architectures within noise of it are tied and the tie is broken by fewer interconnect
bits, then fewer trainable parameters per domain (TIE_BREAK).
"""

from __future__ import annotations

from typing import Callable

from codesign.compare.budget import MEETS_WITHIN_ERROR, Budget, BudgetCheck, budget_state, metric_value
from codesign.compare.result import ArchitectureResult, Verdict
from codesign.compare.stats import AccuracyReplicates, difference, interval
from codesign.compare.summaries import Difference, decathlon_against, decathlon_replicates
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
    check.state = budget_state(check)
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


TIE_BREAK = "fewer interconnect bits, then fewer trainable parameters per domain"


def _params_per_domain(arch: ArchitectureResult) -> float:
    counts = [d.trainable_parameters for d in arch.domains.values() if d.trainable_parameters is not None]
    return sum(counts) / len(counts) if counts else float("inf")


def _tie_break_key(arch: ArchitectureResult) -> tuple:
    """Ascending: fewer crossing wires, then fewer parameters per domain (then accuracy, name)."""
    return (arch.estimate.interconnect.interconnect_bits, _params_per_domain(arch), -arch.mean_accuracy, arch.name)


class _Ranking:
    """What "best" is measured on: mean accuracy (fraction) or the Decathlon-style score, its
    point value, its bootstrap replicates and how both are written."""

    def __init__(self, by_decathlon: bool, replicates: AccuracyReplicates | None):
        self.metric = "decathlon" if by_decathlon else "accuracy"
        self.replicates = replicates

    def value(self, arch: ArchitectureResult) -> float | None:
        if self.metric == "decathlon":
            return None if arch.decathlon is None else arch.decathlon.score
        return arch.mean_accuracy

    def samples(self, arch: ArchitectureResult, by_name: dict[str, ArchitectureResult]):
        if self.replicates is None:
            return None
        if self.metric == "accuracy":
            return self.replicates.mean(arch.name)
        if arch.decathlon is None or arch.decathlon.baseline not in by_name:
            return None
        domains = {d: self.replicates.domain(arch.name, d) for d in arch.decathlon.domains}
        base = {d: self.replicates.domain(arch.decathlon.baseline, d) for d in arch.decathlon.domains}
        if any(v is None for v in (*domains.values(), *base.values())):
            return None
        return decathlon_replicates(domains, base, {d: s.test_images for d, s in arch.domains.items()})

    def shown(self, arch: ArchitectureResult, samples) -> str:
        """``81.9 % [78.1, 85.2]`` or ``score 910 [850, 960] of 3,000``."""
        if self.metric == "accuracy":
            iv = arch.mean_accuracy_interval
            return f"{100 * arch.mean_accuracy:.1f} %" + ("" if iv is None else
                                                          f" [{100 * iv.low:.1f}, {100 * iv.high:.1f}]")
        low_high = "" if samples is None else " [{:,.0f}, {:,.0f}]".format(*interval(samples))
        return f"score {arch.decathlon.score:,.0f}{low_high} of {arch.decathlon.max_score:,.0f}"

    def shown_difference(self, diff: Difference) -> str:
        """``+0.3 pt [-2.1, +2.8]`` (percentage points) or ``+25 [-40, +90]`` (score points)."""
        scale, unit, digits = (100.0, " pt", 1) if self.metric == "accuracy" else (1.0, "", 0)
        return (f"{scale * diff.value:+.{digits}f}{unit} "
                f"[{scale * diff.low:+.{digits}f}, {scale * diff.high:+.{digits}f}]")


def _differences(leader: ArchitectureResult, others: list[ArchitectureResult], ranking: _Ranking,
                 by_name: dict[str, ArchitectureResult]) -> list[Difference]:
    """The leader minus every other architecture that has a value, on the same resamples."""
    lead = ranking.samples(leader, by_name)
    found = []
    for other in others:
        samples = ranking.samples(other, by_name)
        if lead is None or samples is None or ranking.value(other) is None:
            continue
        low, high = difference(lead, samples)
        method = ranking.replicates.pair_method(leader.name, other.name)
        found.append(Difference(leader.name, other.name, ranking.metric, ranking.value(leader) - ranking.value(other),
                                low, high, method))
    return found


def verdict(architectures: list[ArchitectureResult], budget: Budget, device_name: str,
            rank_by: str = "accuracy", baseline_families: tuple[str, ...] = (),
            replicates: AccuracyReplicates | None = None) -> Verdict:
    """Who meets the budget, the leader, and whether it is better beyond noise (``replicates``:
    the accuracy replicates of compare/stats.py; without them no difference can be told apart);
    ``baseline_families`` (the fine-tuning baselines) are named when a Decathlon ranking lacks one."""
    meeting = [a for a in architectures if a.budget.meets]
    what = "meet the budget and fit" if budget.limits else "fit"
    if not meeting:
        text = (f"no architecture meets the budget ({budget.spec}) on {device_name}" if budget.limits
                else f"no architecture fits {device_name} with accuracy on every domain")
        return Verdict(meeting=[], best=None, infeasible=True, text=text, rank_by=rank_by)
    of = f"of the {len(meeting)} of {len(architectures)} architecture(s) that {what} {device_name}"
    if replicates is None:
        return _point_verdict(meeting, of, rank_by, baseline_families)
    ranking = _Ranking(rank_by == "decathlon" and all(a.decathlon for a in meeting), replicates)
    leader = max(meeting, key=lambda a: (ranking.value(a), a.mean_accuracy, -_tie_break_key(a)[0]))
    by_name = {a.name: a for a in architectures}
    diffs = _differences(leader, [a for a in architectures if a is not leader and ranking.value(a) is not None],
                         ranking, by_name)
    separated = {d.b for d in diffs if d.beyond_noise and d.value > 0}
    tied = [leader] + [a for a in meeting if a is not leader and a.name not in separated]
    best = min(tied, key=_tie_break_key)
    lead = f"{leader.name} {ranking.shown(leader, ranking.samples(leader, by_name))}"
    text = _text(lead, best, tied, [d for d in diffs if by_name[d.b].budget.meets], ranking, of)
    if ranking.metric == "accuracy" and rank_by == "decathlon":
        baseline = " or ".join(baseline_families) or "fine-tuning baseline"
        text += f" (no Decathlon score: compare a {baseline} architecture too; ranked by mean accuracy)"
    unsure = [a.name for a in meeting if a.budget.state == MEETS_WITHIN_ERROR]
    if unsure:
        verb = MEETS_WITHIN_ERROR if len(unsure) == 1 else MEETS_WITHIN_ERROR.replace("meets", "meet", 1)
        text += f"; {', '.join(unsure)} {verb} (a resource limit inside the calibrated interval)"
    return Verdict(meeting=[a.name for a in meeting], best=best.name, infeasible=False, text=text, rank_by=rank_by,
                   beyond_noise=len(tied) == 1, tied=[a.name for a in tied] if len(tied) > 1 else None,
                   tie_break=TIE_BREAK if len(tied) > 1 else None, differences=diffs or None)


def _point_verdict(meeting: list[ArchitectureResult], of: str, rank_by: str,
                   baseline_families: tuple[str, ...]) -> Verdict:
    """Without replicates (no per-run data): the best at the point estimates, no claim about
    noise (``beyond_noise`` stays None); ties at equal value go to fewer wires."""
    fewer_wires = lambda a: -a.estimate.interconnect.interconnect_bits  # noqa: E731
    if rank_by == "decathlon" and all(a.decathlon for a in meeting):
        best = max(meeting, key=lambda a: (a.decathlon.score, a.mean_accuracy, fewer_wires(a)))
        text = (f"{best.name} has the best Decathlon-style score ({best.decathlon.score:,.0f} of "
                f"{best.decathlon.max_score:,.0f}, against {best.decathlon.baseline}) {of}")
    else:
        best = max(meeting, key=lambda a: (a.mean_accuracy, fewer_wires(a)))
        text = f"{best.name} has the best mean accuracy ({100 * best.mean_accuracy:.1f} %) {of}"
        if rank_by == "decathlon":
            baseline = " or ".join(baseline_families) or "fine-tuning baseline"
            text += f" (no Decathlon score: compare a {baseline} architecture too)"
    return Verdict(meeting=[a.name for a in meeting], best=best.name, infeasible=False, text=text, rank_by=rank_by)


def _text(lead: str, best: ArchitectureResult, tied: list[ArchitectureResult], diffs: list[Difference],
          ranking: _Ranking, of: str) -> str:
    """The verdict line; ``lead``: the leader and its value, ``diffs``: the leader minus each
    other admissible architecture."""
    what = "Decathlon-style score" if ranking.metric == "decathlon" else "mean accuracy"
    if len(tied) == 1:
        closest = min(diffs, key=lambda d: d.value, default=None)
        margin = "" if closest is None else (
            f", ahead of the next, {closest.b}, by {ranking.shown_difference(closest)}")
        return f"{lead} has the best {what} {of}, beyond noise{margin}"
    within = {d.b: d for d in diffs}
    others = ", ".join(f"{a.name} (difference {ranking.shown_difference(within[a.name])})" if a.name in within
                       else f"{a.name} (no interval)" for a in tied[1:])
    bits = best.estimate.interconnect.interconnect_bits
    params = _params_per_domain(best)
    chosen = f"{best.name} ({bits:,} bits, {params:,.0f} trainable parameters per domain)"
    return (f"{lead} has the highest {what} {of} but is tied within noise with {others}; "
            f"tie broken by {TIE_BREAK}: {chosen}")
