"""The time-left estimate of a comparison's progress line.

The per-point cost weights (plan.FAMILY_COST, ESTIMATE_COST) only order the points,
longest first; as a clock they are wrong by large factors (a cached design makes an
estimate point take a second, not "40 training runs"), and a rate taken from the wall
clock since the start charges worker start-up and imports to the first few points. So
the estimate measures instead: seconds per cost unit of the points finished in this
run (as their worker timed them; cached points are never seen), per group of alike
points (kind, architecture and which folding; falling back to the kind), as a median so that one slow
first point (imports, a cold design cache) does not set the rate. Until a point of
every remaining kind has finished there is no estimate. The remaining points' cost times that rate,
shared by the workers, is the time left; it is capped at what the remaining points
would take, a wave of ``workers`` at a time, if each took as long as the longest point
seen so far (points start longest first, so a later one should not take longer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import median


@dataclass
class TimeLeft:
    workers: int
    # seconds per cost unit of the finished points, per group; "cold" = a worker's first
    # point, which also paid for starting the process and importing torch/FINN
    warm_rates: dict[tuple, list[float]] = field(default_factory=dict)
    cold_rates: dict[tuple, list[float]] = field(default_factory=dict)
    longest_s: float = 0.0  # the longest finished point (worker-measured)
    seen_workers: set = field(default_factory=set)

    def finished(self, group: tuple, cost: float, seconds: float, worker: object = None) -> None:
        """A point of ``group`` (e.g. ("train", architecture)) took ``seconds`` on ``worker``."""
        rates = self.cold_rates if worker not in self.seen_workers else self.warm_rates
        self.seen_workers.add(worker)
        rates.setdefault(group, []).append(seconds / max(cost, 1e-9))
        self.longest_s = max(self.longest_s, seconds)

    def _rate(self, group: tuple) -> float:
        """Seconds per cost unit: warm points first (the group's own, else its kind's),
        then cold ones in the same order."""
        for rates in (self.warm_rates, self.cold_rates):
            if group in rates:
                return median(rates[group])
            same_kind = [r for g, values in rates.items() if g[0] == group[0] for r in values]
            if same_kind:
                return median(same_kind)
        raise KeyError(group)  # seconds_left asks only for measured kinds

    def seconds_left(self, remaining: list[tuple[tuple, float]]) -> float | None:
        """Seconds until the ``remaining`` (group, cost) points are done (running ones
        included); None while a remaining point's kind has no finished point yet (the
        weights of estimate and training points are not comparable: no guess is better
        than one off by orders of magnitude)."""
        if not remaining:
            return 0.0
        measured_kinds = {group[0] for group in (*self.warm_rates, *self.cold_rates)}
        if any(group[0] not in measured_kinds for group, _ in remaining):
            return None
        work_s = sum(self._rate(group) * cost for group, cost in remaining)
        parallel = min(self.workers, len(remaining))
        cap_s = math.ceil(len(remaining) / self.workers) * self.longest_s
        return max(0.0, min(work_s / parallel, cap_s))


def format_left(seconds: float | None) -> str:
    """", ~40 s left" / ", ~12 min left" / ", ~2.5 h left"; "" when nothing is measured or left."""
    if seconds is None or seconds <= 0:
        return ""
    if seconds < 1:
        return ", <1 s left"
    if seconds < 120:
        return f", ~{seconds:.0f} s left"
    if seconds < 2 * 3600:
        return f", ~{seconds / 60:.0f} min left"
    return f", ~{seconds / 3600:.1f} h left"
