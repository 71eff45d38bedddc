"""The whole-design part of benchmarks/bench_calibration.py: published designs rebuilt with
finn-plus 1.6.1 (data/calibration/rebuilt_nodes.csv), each predicted the way ``codesign
estimate`` predicts a design (codesign.cost.calibrated: corrected nodes, a FIFO per
stream, width converters, the shell where the measurement includes it) by a model that
never saw its design group (codesign.cost.calibration_designs.fit_everything), against
the published synthesis; and the in-sample coverage of the shipped model's intervals on
the same designs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codesign.cost.calibration import CalibrationModel, mean_abs_error
from codesign.cost.calibration_designs import DesignCheck, fit_everything, load_rebuilt, predict

RESOURCES = ("lut", "ff", "bram18", "dsp")


@dataclass(frozen=True)
class DesignSummary:
    """One resource over the rebuilt designs (None: no design measured it)."""
    n: int
    mean_abs_error: float | None  # calibrated, leave one design group out
    finn_mean_abs_error: float | None  # FINN's node sum of the rebuild (none for FF)
    coverage: float | None  # share of measured values inside the held-out interval
    in_sample_coverage: float | None  # the same with the shipped model (fitted on everything)


def pct(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "-"
    return f"{100 * x:+.0f}%" if signed else f"{100 * x:.0f}%"


def print_checks(checks: list[DesignCheck]) -> None:
    print(f"{'build':28s} {'resource':8s} {'measured':>9s} {'FINN sum':>9s} {'predicted [low-high]':>26s} "
          f"{'error':>6s} in")
    for c in sorted(checks, key=lambda c: (RESOURCES.index(c.resource), c.build)):
        finn = "-" if c.resource == "ff" else f"{c.finn:9.0f}"
        value, low, high = c.predicted
        span = f"{value:8.0f} [{low:.0f}-{high:.0f}]"
        print(f"{c.build:28s} {c.resource:8s} {c.measured:9.0f} {finn:>9s} {span:>26s} "
              f"{pct(c.error, signed=True):>6s} {'y' if c.covered else 'n'}")


def in_sample_hits(model: CalibrationModel, folder: str | Path) -> dict[str, list[bool]]:
    """Per resource, whether each rebuilt design's measurement lies inside the interval of
    the shipped model (which saw the design): a check of the intervals' width only."""
    hits: dict[str, list[bool]] = {r: [] for r in RESOURCES}
    for design in load_rebuilt(folder):
        totals = predict(design, model)
        for r in RESOURCES:
            m = design.measured.get(r)
            if m is not None and m >= 1:
                hits[r].append(totals[r].low <= m <= totals[r].high)
    return hits


def summarise(checks: list[DesignCheck], hits: dict[str, list[bool]]) -> dict[str, DesignSummary]:
    out = {}
    for r in RESOURCES:
        mine = [c for c in checks if c.resource == r]
        finn = mean_abs_error([(c.finn, c.measured) for c in mine]) if mine and r != "ff" else None
        out[r] = DesignSummary(
            len(mine), mean_abs_error([(c.predicted.value, c.measured) for c in mine]), finn,
            float(np.mean([c.covered for c in mine])) if mine else None,
            float(np.mean(hits[r])) if hits[r] else None)
    return out


def rebuilt_section(folder: str | Path) -> tuple[CalibrationModel, dict[str, DesignSummary]]:
    """Print the held-out whole-design checks; return the shipped model and the summary."""
    model, checks = fit_everything(folder)
    print("\nWhole designs rebuilt with finn-plus 1.6.1 (leave one design group out): the rebuilt node"
          "\nlist through the calibrated bill of materials of a model fitted without the build's group;"
          "\nFINN sum: FINN's node estimate of the rebuild; interval: the estimate's 10..90 % interval")
    print_checks(checks)
    summary = summarise(checks, in_sample_hits(model, folder))
    builds = len({c.build for c in checks})
    groups = len({c.group for c in checks})
    print(f"{builds} builds in {groups} groups; mean |error| calibrated (FINN's node sum), coverage:")
    for r, s in summary.items():
        if s.n:
            print(f"  {r:8s} {pct(s.mean_abs_error):>5s} ({pct(s.finn_mean_abs_error):>5s})  "
                  f"inside {pct(s.coverage):>5s} of {s.n}")
    return model, summary
