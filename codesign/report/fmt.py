"""Number and text formatting shared by the Markdown and HTML reports.

Every function takes values of the comparison's records (codesign.compare.result) and
returns display text; a missing value (``None``: a failed point, a sweep not run)
always renders as ``MISSING`` so a failed point never crashes the report.
"""

from __future__ import annotations

import math

MISSING = "—"

# budget metric -> (label, unit, comparator). fps is a minimum, everything else a maximum.
BUDGET_METRICS: dict[str, tuple[str, str, str]] = {
    "interconnect_bits": ("interconnect", "bits", "<="),
    "streams": ("interconnect streams", "streams", "<="),
    "lut": ("LUT", "LUT", "<="),
    "ff": ("FF", "FF", "<="),
    "bram": ("BRAM", "BRAM18", "<="),
    "dsp": ("DSP", "DSP", "<="),
    "energy_uj": ("energy", "µJ", "<="),
    "latency_ms": ("latency", "ms", "<="),
    "fps": ("throughput", "FPS", ">="),
}
COMPARATOR_SYMBOL = {"<=": "≤", ">=": "≥"}

# Pareto key -> (axis label with unit, short name for tables)
PARETO_AXES: dict[str, tuple[str, str]] = {
    "interconnect_bits": ("interconnect data bits (fixed ↔ reconfigurable)", "bits"),
    "lut": ("LUTs", "LUT"),
    "energy_uj": ("energy per inference (µJ)", "energy"),
}
# The energy figure a comparison budgets and ranks on (compare.budget.ENERGY_FIGURES) -> axis label
ENERGY_AXES = {"throughput": "energy per inference at the design's throughput (µJ)",
               "single-image": "energy of a single image alone (µJ)"}


def axis_label(metric: str, energy: str = "throughput") -> str:
    """The label of a Pareto metric's axis; ``energy`` names the energy figure in use."""
    return ENERGY_AXES.get(energy, PARETO_AXES[metric][0]) if metric == "energy_uj" else PARETO_AXES[metric][0]


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def count(value) -> str:
    """An integer count with thousands separators: ``65,024``."""
    return f"{round(value):,}" if _finite(value) else MISSING


def number(value, digits: int = 1) -> str:
    """A real quantity with thousands separators and fixed decimals: ``2,712.7``."""
    return f"{value:,.{digits}f}" if _finite(value) else MISSING


def limit(value) -> str:
    """A budget limit: whole numbers without decimals (``45,000``), else up to 3 significant decimals."""
    if not _finite(value):
        return MISSING
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def percent(fraction, digits: int = 1) -> str:
    """A fraction in [0, 1] as a percentage without the sign: ``93.4``."""
    return f"{100.0 * fraction:.{digits}f}" if _finite(fraction) else MISSING


def accuracy(stat, with_n: bool = True) -> str:
    """A mean/std/n accuracy record (``MeanStd``, fractions) as ``93.4 ± 0.8 (n=3)``."""
    if stat is None or not _finite(stat.mean):
        return MISSING
    text = percent(stat.mean)
    if _finite(stat.std):
        text += f" ± {percent(stat.std)}"
    if with_n and _finite(stat.n):
        text += f" (n={int(stat.n)})"
    return text


def interval(iv, scale: float = 100.0, digits: int = 1) -> str:
    """A 95 % ``Interval`` record (fractions by default shown in %) as ``[78.1, 85.2]``; empty without one."""
    if iv is None or not (_finite(iv.low) and _finite(iv.high)):
        return ""
    return f"[{iv.low * scale:,.{digits}f}, {iv.high * scale:,.{digits}f}]"


def with_interval(text: str, iv) -> str:
    """``text`` followed by the interval, when there is one: ``81.9 [78.1, 85.2]``."""
    shown = interval(iv)
    return f"{text} {shown}" if shown and text != MISSING else text


def difference(diff) -> str:
    """A ``Difference`` record: ``+0.3 pt [-2.1, +2.8]`` (accuracy) or ``+25 [-40, +90]`` (score points)."""
    scale, unit, digits = (100.0, " pt", 1) if diff.metric == "accuracy" else (1.0, "", 0)
    return f"{diff.value * scale:+,.{digits}f}{unit} [{diff.low * scale:+,.{digits}f}, {diff.high * scale:+,.{digits}f}]"


def mean_std(stat, digits: int = 1, scale: float = 1.0) -> str:
    """A ``MeanStd`` of any quantity: ``6.0 ± 0.5``; std omitted when absent or zero."""
    if stat is None or not _finite(stat.mean):
        return MISSING
    text = number(stat.mean * scale, digits)
    if _finite(stat.std) and stat.std > 0:
        text += f" ± {number(stat.std * scale, digits)}"
    return text


def engineering(value) -> str:
    """A large count in engineering notation for tables of MACs: ``1.20e+08``."""
    return f"{value:.2e}" if _finite(value) else MISSING


def k_shot_order(key: str) -> tuple[int, float]:
    """Sort key for ``samples_needed`` keys ("5", "20", "all"): numbers ascending, ``all`` last."""
    try:
        return (0, float(key))
    except ValueError:
        return (1, 0.0)


def noise_order(key: str) -> float:
    """Sort key for ``label_noise`` keys ("0", "0.2"): by rate."""
    try:
        return float(key)
    except ValueError:
        return float("inf")


def yes_no(value) -> str:
    return MISSING if value is None else ("yes" if value else "no")


def budget_check(check) -> str:
    """One ``LimitCheck`` as ``LUT 49,787 (limit ≤ 45,000 LUT)``; ``... no estimate`` without a value."""
    label, unit, default_cmp = BUDGET_METRICS.get(check.metric, (check.metric, "", "<="))
    cmp = COMPARATOR_SYMBOL.get(check.comparator or default_cmp, "≤")
    shown = "no estimate" if check.value is None else limit(check.value)
    if check.value is not None and check.low is not None:
        shown += f" [{limit(check.low)}–{limit(check.high)}]"
    return f"{label} {shown} (limit {cmp} {limit(check.limit)} {unit})".replace(" )", ")")


def budget_limits(limits: dict) -> str:
    """The budget as ``interconnect ≤ 64 bits, LUT ≤ 45,000 LUT``."""
    parts = []
    for metric, value in (limits or {}).items():
        label, unit, cmp = BUDGET_METRICS.get(metric, (metric, "", "<="))
        parts.append(f"{label} {COMPARATOR_SYMBOL[cmp]} {limit(value)} {unit}".rstrip())
    return ", ".join(parts)


def source_kind(text) -> str:
    """The kind of a source line (``measured``, ``estimated``...): the text before its first colon."""
    if not isinstance(text, str) or not text:
        return "source not recorded"
    head, sep, _ = text.partition(":")
    return head.strip() if sep else text


def source_caption(sources: dict, *keys: str) -> str:
    """``Source — estimated: FINN estimators ...`` for a table caption (several keys: joined by ``;``)."""
    texts = [t.rstrip(". ") for t in ((sources or {}).get(k) for k in keys) if isinstance(t, str) and t]
    if not texts:
        return "Source — not recorded in the document."
    return ("Source — " if len(texts) == 1 else "Sources — ") + "; ".join(texts) + "."
