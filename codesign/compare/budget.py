"""The budget of a comparison: ``interconnect_bits=64,lut=40000,bram=120,energy_uj=900``.

Every limit is an upper bound except ``fps`` (a lower bound). Resource limits may be
given as a share of the device (``lut=80%``). ``energy_uj`` is the energy per inference
at the design's throughput (board power / FPS) unless the budget's ``energy`` says
``single-image`` (one image in isolation; ``codesign compare --energy``); the Pareto
front on energy follows the same choice. A budget that no architecture meets is a
result of the comparison (the report says so), never an error; only a malformed
budget string is an error, naming the item and what is expected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from codesign.cost.summary import EstimateSummary
from codesign.errors import InputError
from codesign.records import OMIT_IF_NONE, Record


class BudgetError(InputError, ValueError):
    """A malformed ``--budget`` string (one-line message)."""


# metric -> (what it is, unit, maximum?); each is read from an estimate summary by metric_value
METRICS: dict[str, tuple[str, str, bool]] = {
    "interconnect_bits": ("data wires between fixed and reconfigurable parts", "bits", True),
    "streams": ("AXI streams between fixed and reconfigurable parts", "streams", True),
    "lut": ("look-up tables", "LUT", True),
    "ff": ("flip-flops", "FF", True),
    "bram": ("block RAM", "BRAM18", True),
    "dsp": ("DSP slices", "DSP", True),
    "energy_uj": ("energy per inference (at throughput, or single image: --energy)", "uJ", True),
    "latency_ms": ("latency of one image", "ms", True),
    "fps": ("throughput", "frames/s", False),  # a minimum, not a maximum
}
RESOURCE_KEYS = {"lut": "lut", "ff": "ff", "bram": "bram18", "dsp": "dsp"}  # budget name -> device resource
# Which energy figure energy_uj means: per inference at the design's throughput (the default:
# a pipelined design runs at its rate) or one image in isolation.
ENERGY_FIGURES = ("throughput", "single-image")


def metric_value(metric: str, estimate: EstimateSummary, energy: str = "throughput") -> float:
    """The value of a budget (or Pareto) metric in an architecture's estimate summary;
    ``energy`` picks the energy figure (ENERGY_FIGURES)."""
    if metric == "interconnect_bits":
        return float(estimate.interconnect.interconnect_bits)
    if metric == "streams":
        return float(estimate.interconnect.streams)
    if metric in RESOURCE_KEYS:
        return float(getattr(estimate.resources, RESOURCE_KEYS[metric]))
    if metric == "energy_uj":
        if energy not in ENERGY_FIGURES:
            raise BudgetError(f"--energy: expected one of {', '.join(ENERGY_FIGURES)}, got {energy!r}")
        figures = estimate.energy_uj
        return float(figures.per_inference_at_throughput if energy == "throughput" else figures.single_image)
    if metric == "latency_ms":
        return float(estimate.latency_ms)
    if metric == "fps":
        return float(estimate.fps)
    raise BudgetError(f"unknown budget metric {metric!r}")


def metric_interval(metric: str, estimate: EstimateSummary) -> tuple[float, float] | None:
    """(low, high) of a resource metric from a calibrated estimate; None for metrics
    without an interval (counted wires, FINN's cycle counts) and older summaries."""
    if metric not in RESOURCE_KEYS or estimate.resources_low is None or estimate.resources_high is None:
        return None
    name = RESOURCE_KEYS[metric]
    return float(getattr(estimate.resources_low, name)), float(getattr(estimate.resources_high, name))


# LimitCheck.certainty: the verdict of a limit over the estimate's interval.
CERTAIN, UNCERTAIN = "certain", "uncertain"
# BudgetCheck.state: meets at the estimate with every interval inside the limits; meets at the
# estimate but a resource limit lies inside the calibrated interval; does not meet.
MEETS, MEETS_WITHIN_ERROR, VIOLATES = "meets", "meets only within estimator error", "violates"


@dataclass
class LimitCheck(Record):
    metric: str
    value: float | None  # None: no estimate
    limit: float
    ok: bool  # at the estimate's point value
    comparator: str  # "<=" (a maximum) or ">=" (fps, a minimum)
    low: float | None = field(default=None, metadata=OMIT_IF_NONE)  # the value's interval, where it has one
    high: float | None = field(default=None, metadata=OMIT_IF_NONE)
    # "certain": the whole interval is on the same side of the limit as the point value;
    # "uncertain": the limit lies inside the interval (the data cannot tell).
    certainty: str | None = field(default=None, metadata=OMIT_IF_NONE)


def _certainty(ok: bool, is_max: bool, limit: float, interval: tuple[float, float] | None) -> str | None:
    if interval is None:
        return None
    low, high = interval
    inside = (high <= limit) if is_max else (low >= limit)
    outside = (low > limit) if is_max else (high < limit)
    return CERTAIN if (inside if ok else outside) else UNCERTAIN


@dataclass
class BudgetCheck(Record):
    meets: bool  # at the estimates' point values
    checks: list[LimitCheck]
    reasons: list[str] = field(default_factory=list)  # why it does not meet the budget, one line each
    # Limits whose verdict the estimate's interval cannot decide (resource limits crossing
    # the interval); None when there are none (and in documents written before intervals).
    uncertain: list[str] | None = field(default=None, metadata=OMIT_IF_NONE)
    # MEETS, MEETS_WITHIN_ERROR or VIOLATES (budget_state); None in documents written before it
    state: str | None = field(default=None, metadata=OMIT_IF_NONE)


def budget_state(check: BudgetCheck) -> str:
    """The three-way verdict of a check: a budget met at the point estimates whose limit lies
    inside an estimate's calibrated interval is met only within the estimator's error."""
    if not check.meets:
        return VIOLATES
    unsure = any(c.ok and c.certainty == UNCERTAIN for c in check.checks)
    return MEETS_WITHIN_ERROR if unsure else MEETS


@dataclass(frozen=True)
class Budget(Record):
    spec: str | None = None  # the text it was parsed from
    limits: dict[str, float] = field(default_factory=dict)  # metric -> limit in the metric's unit
    energy: str = "throughput"  # the figure energy_uj means (ENERGY_FIGURES)

    def check(self, estimate: EstimateSummary | None) -> BudgetCheck:
        """Every limit against ``estimate``; no estimate fails all."""
        checks = []
        for metric, limit in self.limits.items():
            value = None if estimate is None else metric_value(metric, estimate, self.energy)
            is_max = METRICS[metric][2]
            ok = value is not None and (value <= limit if is_max else value >= limit)
            interval = None if estimate is None else metric_interval(metric, estimate)
            checks.append(LimitCheck(metric, value, limit, ok, "<=" if is_max else ">=",
                                     *(interval or (None, None)), _certainty(ok, is_max, limit, interval)))
        return BudgetCheck(meets=all(c.ok for c in checks), checks=checks,
                           uncertain=[c.metric for c in checks if c.certainty == UNCERTAIN] or None)


def parse_budget(text: str | None, available: dict[str, int] | None = None,
                 energy: str = "throughput") -> Budget:
    """Parse ``metric=value,...``; ``available`` (device resources) resolves ``lut=80%``;
    ``energy`` is the figure ``energy_uj`` means (ENERGY_FIGURES)."""
    if energy not in ENERGY_FIGURES:
        raise BudgetError(f"--energy: expected one of {', '.join(ENERGY_FIGURES)}, got {energy!r}")
    if text is None or not text.strip():
        return Budget(energy=energy)
    limits: dict[str, float] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, raw = item.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep or not name or not raw:
            raise BudgetError(f"--budget: {item!r} is not metric=value (e.g. interconnect_bits=64,lut=40000)")
        if name not in METRICS:
            raise BudgetError(f"--budget: unknown metric {name!r}; expected one of {', '.join(METRICS)}")
        if name in limits:
            raise BudgetError(f"--budget: {name} is given twice")
        limits[name] = _parse_value(name, raw, available)
    if not limits:
        raise BudgetError(f"--budget: no limit in {text!r}")
    return Budget(spec=text.strip(), limits=limits, energy=energy)


def _parse_value(name: str, raw: str, available: dict[str, int] | None) -> float:
    percent = raw.endswith("%")
    number = raw[:-1].strip() if percent else raw
    try:
        value = float(number)
    except ValueError:
        raise BudgetError(f"--budget: {name}={raw!r}: expected a number"
                          f"{' or a percentage of the device' if name in RESOURCE_KEYS else ''}") from None
    if not math.isfinite(value) or value < 0:
        raise BudgetError(f"--budget: {name}={raw!r}: expected a finite number >= 0")
    if percent:
        if name not in RESOURCE_KEYS:
            raise BudgetError(f"--budget: {name}={raw!r}: a percentage is only allowed for "
                              f"{', '.join(RESOURCE_KEYS)} (a share of the device)")
        if available is None:
            raise BudgetError(f"--budget: {name}={raw!r}: a percentage needs the device's resources")
        value = value / 100.0 * float(available[RESOURCE_KEYS[name]])
    return value
