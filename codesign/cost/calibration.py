"""Corrections to FINN's analytical resource estimates, fitted on published builds.

A ``Correction`` maps one op type's FINN estimate (finn-plus 1.6.1 ``res_estimation``;
FF uses the LUT estimate, DSP falls back to PE*SIMD where HLS puts products in DSP48s)
to a synthesis figure for one resource: a ratio measured + 1 = r * (term + 1) (geometric
mean) where FINN's term is > 0; a per-node constant (mean, so totals are unbiased) where
FINN says 0 or where a constant fits better; the pooled fit for op types with fewer than
``MIN_ROWS`` rows; shells (``(shell:<family>)``) their own constant. Each carries its
leave-one-build-out error; intervals are the 10..90 % quantiles of the held-out log
residuals (in-sample with too few, and ``interval_basis`` says so). The model and its
data: docs/calibration.md. numpy only, so the command line loads it cheaply.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from codesign.errors import InputError
from codesign.store.atomic import atomic_write_text

RESOURCES = ("lut", "ff", "bram18", "dsp")
# FINN estimate term per resource, in order of preference (the first one FINN gives for MIN_ROWS rows)
TERMS = {"lut": ("lut",), "ff": ("lut",), "bram18": ("bram18",), "dsp": ("dsp", "pe_simd")}
MIN_ROWS = 5  # fewer rows than this for an op type: the pooled node fit is used
MIN_RESIDUALS = 8  # fewer held-out residuals than this: in-sample residuals give the interval
QUANTILES = (0.10, 0.90)
POOLED = "*"
# Where an interval's residuals came from (Correction.interval_basis)
HELD_OUT, IN_SAMPLE = "held-out", "in-sample"
IN_SAMPLE_DESIGNS, HELD_OUT_DESIGNS = "in-sample (whole designs)", "held-out whole designs"
INTERVAL_BASES = (HELD_OUT, IN_SAMPLE, IN_SAMPLE_DESIGNS, HELD_OUT_DESIGNS)
DESIGN = "(design)"  # whole-design totals: used to evaluate, not fitted into the model
SHELL = "(shell)"  # whole design minus the sum of its FINN nodes; per family "(shell:zynq7000)"
SPECIAL = (DESIGN, SHELL)  # never pooled with node rows, always their own correction
# Shell families: part-number prefix -> family (Alveo cards are UltraScale+ silicon under a
# Vitis shell, which differs from the Zynq ones).
SHELL_FAMILIES = (("xc7z", "zynq7000"), ("xczu", "zynquplus"), ("xck", "zynquplus"), ("xcu", "alveo"))


def shell_key(family: str) -> str:
    """The correction key of the platform shell of a device family."""
    return f"(shell:{family})"


def shell_family(part: str) -> str:
    """The shell family of a part number ("" if not one FINN builds shells for)."""
    part = part.strip().lower()
    return next((family for prefix, family in SHELL_FAMILIES if part.startswith(prefix)), "")


def is_special(op_type: str) -> bool:
    """Whole-design and shell keys: never pooled with node rows, always their own correction."""
    return op_type.startswith("(")


@dataclass(frozen=True)
class EstimateTerms:
    """FINN's estimate of one node (or design total) and the folding it needs."""

    lut: float = 0.0
    bram18: float = 0.0
    uram: float = 0.0
    dsp: float = 0.0
    pe_simd: float = 0.0  # PE * SIMD of an MVAU/VVAU whose products HLS may map to DSPs

    def term(self, name: str) -> float:
        return float(getattr(self, name))


@dataclass(frozen=True)
class Measured:
    """Post-synthesis figures; None where the source does not give the resource."""

    lut: float | None = None
    ff: float | None = None
    bram18: float | None = None  # 18K equivalents: 2 * RAMB36 + RAMB18
    dsp: float | None = None


@dataclass(frozen=True)
class CalibrationRow:
    build: str  # one synthesis run
    group: str  # builds of the same design share a group; LOBO holds out a whole group
    op_type: str  # e.g. MVAU_hls, StreamingFIFO_rtl, or DESIGN for a total
    terms: EstimateTerms
    measured: Measured
    name: str = ""
    source: str = ""
    part: str = ""  # FPGA part of the build (whole-design rows), for the shell family


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float

    def __iter__(self) -> Iterator[float]:
        return iter((self.value, self.low, self.high))


@dataclass
class Correction:
    op_type: str
    resource: str
    form: str  # "ratio", "constant" or "ratio+constant" (which rows were fitted)
    term: str  # EstimateTerms field the ratio multiplies ("" if none)
    ratio: float  # r, used where the term is > 0
    constant: float  # per-node value where the term is 0
    log_low: float  # residual quantiles: interval = (pred + 1) * exp(q) - 1
    log_high: float
    n_rows: int
    n_groups: int
    lobo_mean_abs_error: float | None = None  # mean |pred - meas| / meas over held-out rows, meas >= 1
    lobo_n: int = 0
    interval_basis: str = HELD_OUT  # one of INTERVAL_BASES

    # A constant chosen over the ratio holds only where the training rows were: beyond the
    # largest FINN term they had (``range_max`` of ``range_term``), the ratio fitted on the
    # same rows takes over (a 600-LUT threshold unit is not a 30-LUT one).
    range_term: str = ""
    range_max: float = 0.0
    range_ratio: float = 1.0

    def point(self, terms: EstimateTerms) -> float:
        if self.range_term and terms.term(self.range_term) > self.range_max:
            return max(self.range_ratio * (terms.term(self.range_term) + 1.0) - 1.0, 0.0)
        x = terms.term(self.term) if self.term else 0.0
        return max(self.ratio * (x + 1.0) - 1.0, 0.0) if x > 0 else self.constant

    def predict(self, terms: EstimateTerms) -> Interval:
        value = self.point(terms)
        low = max((value + 1.0) * np.exp(self.log_low) - 1.0, 0.0)
        high = max((value + 1.0) * np.exp(self.log_high) - 1.0, 0.0)
        return Interval(float(value), float(min(low, value)), float(max(high, value)))


@dataclass(frozen=True)
class Prediction:
    lut: Interval
    ff: Interval
    bram18: Interval
    dsp: Interval


@dataclass
class CalibrationModel:
    corrections: list[Correction]
    quantiles: tuple[float, float] = QUANTILES
    sources: list[str] = field(default_factory=list)

    def correction(self, op_type: str, resource: str) -> Correction:
        """The op type's own correction, else the pooled one of its scope."""
        # "MVAU_hls:lut" (products in LUTs) falls back on "MVAU_hls", then on the pooled fit.
        chain = (op_type,) if is_special(op_type) else (op_type, op_type.split(":")[0], POOLED)
        for key in dict.fromkeys(chain):
            for c in self.corrections:
                if c.op_type == key and c.resource == resource:
                    return c
        raise KeyError(f"no calibration for {op_type}/{resource}")

    def predict(self, op_type: str, terms: EstimateTerms) -> Prediction:
        return Prediction(*(self.correction(op_type, r).predict(terms) for r in RESOURCES))

    def to_dict(self) -> dict:
        return {"quantiles": list(self.quantiles), "sources": list(self.sources),
                "corrections": [asdict(c) for c in self.corrections]}

    @classmethod
    def from_dict(cls, data: dict, origin: str = "calibration") -> "CalibrationModel":
        names = {f.name for f in fields(Correction)}
        try:
            corrections = [Correction(**{k: v for k, v in c.items() if k in names})
                           for c in data["corrections"]]
            low, high = data.get("quantiles", QUANTILES)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{origin}: corrections: expected a list of corrections ({exc})") from None
        return cls(corrections, (float(low), float(high)), list(data.get("sources", [])))

    def save(self, path: str | Path) -> None:
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1) + "\n")

def _usable(rows: Sequence[CalibrationRow], resource: str) -> list[CalibrationRow]:
    return [r for r in rows if getattr(r.measured, resource) is not None]


def _members(rows: Sequence[CalibrationRow], op_type: str) -> list[CalibrationRow]:
    """The rows a correction for ``op_type`` covers: pooled = every node row."""
    if op_type == POOLED:
        return [r for r in rows if not is_special(r.op_type)]
    return [r for r in rows if r.op_type == op_type]


def _choose_term(rows: Sequence[CalibrationRow], resource: str) -> str:
    """The first candidate term FINN gives (> 0) for at least MIN_ROWS rows."""
    for term in TERMS[resource]:
        if sum(r.terms.term(term) > 0 for r in rows) >= min(MIN_ROWS, len(rows)):
            return term
    return ""


def _fit_form(rows: Sequence[CalibrationRow], resource: str, op_type: str, term: str) -> Correction:
    """Geometric-mean ratio (least squares in log space) where the term is > 0, mean
    measured value where it is 0 (all rows when ``term`` is empty)."""
    x = np.array([r.terms.term(term) if term else 0.0 for r in rows], dtype=float)
    y = np.array([getattr(r.measured, resource) for r in rows], dtype=float)
    on, off = x > 0, x <= 0
    ratio = float(np.exp(np.mean(np.log((y[on] + 1.0) / (x[on] + 1.0))))) if on.any() else 1.0
    # Node constants are means, so that totals over many such nodes are unbiased; a shell
    # occurs once per design, and its few published figures have outliers: the median.
    centre = np.median if op_type.startswith(SHELL[:-1]) else np.mean
    constant = float(centre(y[off])) if off.any() else 0.0
    form = "+".join(name for name, part in (("ratio", on), ("constant", off)) if part.any())
    return Correction(op_type, resource, form, term if on.any() else "", ratio, constant, 0.0, 0.0,
                      len(rows), len({r.group for r in rows}))


def _fit_point(rows: Sequence[CalibrationRow], resource: str, op_type: str) -> Correction:
    """The ratio on FINN's term, or a plain constant where that fits the training rows
    better (smaller mean squared log residual; both have one parameter per part)."""
    constant = _fit_form(rows, resource, op_type, "")
    term = _choose_term(rows, resource)
    if not term:
        return constant
    ratio = _fit_form(rows, resource, op_type, term)
    sse = [float(np.mean([_residual(c, r) ** 2 for r in rows])) for c in (ratio, constant)]
    if sse[0] <= sse[1]:
        return ratio
    constant.range_term, constant.range_ratio = term, ratio.ratio
    constant.range_max = float(max(r.terms.term(term) for r in rows))
    return constant


def _residual(c: Correction, row: CalibrationRow) -> float:
    return float(np.log((getattr(row.measured, c.resource) + 1.0) / (c.point(row.terms) + 1.0)))


def _fit_for(rows: Sequence[CalibrationRow], op_type: str, resource: str) -> Correction | None:
    """The point fit that would serve ``op_type`` given ``rows``: its own if it has
    ``MIN_ROWS`` rows, else the pooled node fit; None if nothing to fit on."""
    own = _members(rows, op_type)
    if op_type == POOLED or is_special(op_type) or len(own) >= MIN_ROWS:
        return _fit_point(own, resource, op_type) if own else None
    pool = _members(rows, POOLED)
    return _fit_point(pool, resource, POOLED) if pool else None


def lobo_predictions(rows: Sequence[CalibrationRow], op_type: str, resource: str
                     ) -> list[tuple[CalibrationRow, float]]:
    """(row, held-out prediction) for every row ``op_type`` covers: each build group is
    predicted by a fit that never saw any of its rows (pooled fallbacks included)."""
    rows = _usable(rows, resource)
    targets = _members(rows, op_type)
    out = []
    for group in sorted({r.group for r in targets}):
        c = _fit_for([r for r in rows if r.group != group], op_type, resource)
        if c is not None:
            out += [(r, c.point(r.terms)) for r in targets if r.group == group]
    return out


def mean_abs_error(pairs: Sequence[tuple[float, float]]) -> float | None:
    """Mean |predicted - measured| / measured over (predicted, measured) with measured >= 1."""
    errs = [abs(p - m) / m for p, m in pairs if m >= 1.0]
    return float(np.mean(errs)) if errs else None


def _finish(c: Correction, rows: Sequence[CalibrationRow], quantiles: tuple[float, float]) -> Correction:
    """Attach the LOBO error and the residual quantiles that give the interval."""
    held = lobo_predictions(rows, c.op_type, c.resource)
    c.lobo_n = len(held)
    c.lobo_mean_abs_error = mean_abs_error([(p, getattr(r.measured, c.resource)) for r, p in held])
    res = [float(np.log((getattr(r.measured, c.resource) + 1.0) / (p + 1.0))) for r, p in held]
    if len(res) < MIN_RESIDUALS:  # a single training group: nothing held out to learn from
        members = _members(_usable(rows, c.resource), c.op_type)
        res = [_residual(c, r) for r in members]
        c.interval_basis = IN_SAMPLE
    c.log_low, c.log_high = (float(q) for q in np.quantile(res, quantiles)) if res else (0.0, 0.0)
    return c


def fit_correction(rows: Sequence[CalibrationRow], op_type: str, resource: str,
                   quantiles: tuple[float, float] = QUANTILES) -> Correction:
    """One correction (``op_type`` may be POOLED or a SPECIAL kind) fitted on ``rows``,
    with its LOBO error and interval."""
    usable = _usable(rows, resource)
    return _finish(_fit_point(_members(usable, op_type), resource, op_type), usable, quantiles)


def fit(rows: Sequence[CalibrationRow], quantiles: tuple[float, float] = QUANTILES) -> CalibrationModel:
    """Pooled, per-op-type and shell corrections for every resource the rows measure,
    each with its leave-one-build-out error and interval (DESIGN rows are ignored)."""
    corrections = []
    for resource in RESOURCES:
        usable = _usable(rows, resource)
        nodes = _members(usable, POOLED)
        ops = sorted({r.op_type for r in nodes})
        keys = ([POOLED] if nodes else []) + [o for o in ops if len(_members(nodes, o)) >= MIN_ROWS]
        keys += sorted({r.op_type for r in usable if is_special(r.op_type) and r.op_type != DESIGN})
        corrections += [fit_correction(usable, op, resource, quantiles) for op in keys]
    sources = sorted({r.source for r in rows if r.source})
    return CalibrationModel(corrections, quantiles, sources)
