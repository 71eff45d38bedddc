"""The folding policy of a comparison: every architecture at one frame rate, budgets met by folding.

Folded each for itself, architectures would be compared at different frame rates (a
fast design looks large, a slow one cheap), and a resource budget would be checked
after the fact on a folding chosen without it. Instead:

1. each architecture's own maximum FPS within the budget: the fastest folding whose
   calibrated point values fit the device and meet the budget's lut/ff/bram/dsp limits
   (an estimate point, codesign.cost.estimate.Estimator with ``limits``);
2. the common target: ``--target-fps``, else the highest FPS every architecture reaches
   within the budget, i.e. the minimum of those maxima (an architecture that no folding
   brings within the limits, or whose point failed, is left out and named);
3. every architecture's estimate at that target: FINN's SetFolding for the target's
   cycles per frame, the least parallelism that reaches it (the fewest resources at
   that rate). The budget is still checked on that estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from codesign.compare.budget import RESOURCE_KEYS, Budget
from codesign.cost.summary import EstimateSummary
from codesign.records import Record

# Floating-point slack when comparing a summary's resources with the limit its folding met.
LIMIT_TOLERANCE = 1e-9


@dataclass
class FoldingPolicy(Record):
    policy: str  # the rule, in words, as the report prints it
    target_fps: float | None  # frames/s every architecture is folded for; None: none reaches any within the budget
    target_source: str  # "--target-fps" or "minimum of the maxima within the budget"
    max_fps_within_budget: dict[str, float | None]  # architecture -> its fastest folding's FPS (None: none meets it)
    left_out: dict[str, str]  # architecture -> why it is not in the minimum


def resource_limits(budget: Budget) -> dict[str, float]:
    """The budget's resource limits by device resource name (``bram`` -> ``bram18``): what a
    folding must meet; the other metrics do not constrain the folding search."""
    return {RESOURCE_KEYS[metric]: limit for metric, limit in budget.limits.items() if metric in RESOURCE_KEYS}


def over_limits(summary: EstimateSummary, limits: dict[str, float]) -> list[str]:
    """What ``summary`` uses beyond the device or ``limits``, one phrase each (empty: within)."""
    reasons = [f"{r.upper()} {amount:,.0f} over the device" for r, amount in summary.shortfall.items()]
    for resource, limit in limits.items():
        used = getattr(summary.resources, resource)
        if used > limit * (1 + LIMIT_TOLERANCE):
            reasons.append(f"{resource.upper()} {used:,.0f} > {limit:,.0f}")
    return reasons


def choose_target(fastest: dict[str, EstimateSummary | None], budget: Budget, device: str,
                  target_fps: float | None = None) -> FoldingPolicy:
    """The common target from each architecture's fastest folding within the budget
    (``fastest``: architecture -> its summary, None where its point failed), or ``target_fps``."""
    limits = resource_limits(budget)
    maxima: dict[str, float | None] = {}
    left_out: dict[str, str] = {}
    for name, summary in fastest.items():
        if summary is None:
            maxima[name], left_out[name] = None, "its estimate point failed"
            continue
        over = over_limits(summary, limits)
        maxima[name] = None if over else summary.fps
        if over:
            left_out[name] = f"even its slowest folding is over the budget ({', '.join(over)})"
    reached = [fps for fps in maxima.values() if fps is not None]
    limit_text = _limits_text(limits)
    if target_fps is not None:
        return FoldingPolicy(
            policy=f"every architecture folded for {target_fps:,.1f} FPS on {device} (--target-fps), with the "
                   f"least parallelism that reaches it (fewest resources at that rate); each one's own "
                   f"maximum within {limit_text} is shown beside it",
            target_fps=float(target_fps), target_source="--target-fps", max_fps_within_budget=maxima,
            left_out=left_out)
    target = min(reached) if reached else None
    if target is None:
        policy = (f"no architecture has a folding within {limit_text} on {device}: each is shown at its "
                  f"fastest folding that fits the device")
    else:
        policy = (f"every architecture folded for {target:,.1f} FPS on {device}, the highest frame rate "
                  f"{'every' if not left_out else 'each'} architecture{'' if not left_out else ' not left out'} "
                  f"reaches within {limit_text} (the minimum of their own maxima), with the least parallelism "
                  f"that reaches it (fewest resources at that rate)")
        if left_out:
            policy += f"; left out of the minimum: {', '.join(sorted(left_out))}"
    return FoldingPolicy(policy=policy, target_fps=target, target_source="minimum of the maxima within the budget",
                         max_fps_within_budget=maxima, left_out=left_out)


def _limits_text(limits: dict[str, float]) -> str:
    if not limits:
        return "the device's resources"
    return "the device's resources and " + ", ".join(f"{r.upper()} <= {v:,.0f}" for r, v in limits.items())
