"""Benchmark: leave-one-build-out error of FINN's raw estimate vs the calibrated one.

    python benchmarks/bench_calibration.py [--data data/calibration] [--write-model FILE]

For every resource (LUT, FF, BRAM18, DSP) and op type of the calibration data
(data/calibration/, docs/calibration.md) it prints, over held-out nodes only:
- the mean |error| of FINN's raw estimate (FINN has no FF estimate: "-"),
- the mean |error| of the corrected estimate, whose fit never saw the build group
  being predicted (codesign.cost.calibration.lobo_predictions),
- the coverage of the 10 %..90 % interval, nested: the interval of a held-out build comes
  from a model fitted, residuals included, without that build.
Errors are |predicted - measured| / measured over rows with measured >= 1; coverage
counts rows where the prediction or the measurement is non-zero. Whole-design totals
follow, per build: a ratio on FINN's total and, for the builds published per node, the
corrected nodes + shell; then the designs rebuilt with finn-plus 1.6.1, each predicted by
``codesign estimate``'s calibrated bill of materials from a model that never saw its
design group (calibration_report.py); then the aims of issue 12. --write-model writes the
shipped model (``fit_everything``: fitted on all the data, JSON) for ``codesign
estimate`` to load.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codesign.cost.calibration import (  # noqa: E402
    DESIGN, MIN_ROWS, POOLED, RESOURCES, SHELL, SPECIAL, CalibrationRow, fit, fit_correction,
    lobo_predictions, mean_abs_error)
from codesign.cost.calibration_data import load_rows  # noqa: E402

from calibration_report import DesignSummary, pct, rebuilt_section  # noqa: E402  (this folder)

RAW_TERM = {"lut": "lut", "ff": None, "bram18": "bram18", "dsp": "dsp"}  # FINN has no FF estimate
SIZE_TERM = {"lut": "lut", "ff": "lut", "bram18": "bram18", "dsp": "dsp"}  # "FINN estimates the node"


def measured(row: CalibrationRow, resource: str) -> float | None:
    return getattr(row.measured, resource)


def raw(row: CalibrationRow, resource: str) -> float | None:
    term = RAW_TERM[resource]
    return None if term is None else row.terms.term(term)


def estimated(r: CalibrationRow, resource: str) -> bool:
    """FINN gives the node a size for this resource (for DSP: PE*SIMD of a DSP-capable MVAU)."""
    return r.terms.term(SIZE_TERM[resource]) > 0 or (resource == "dsp" and r.terms.pe_simd > 0)


def held_out(rows: list[CalibrationRow], resource: str) -> list[tuple[CalibrationRow, float]]:
    """Held-out corrected prediction of every node row: its op type's correction, or the
    pooled one where the op type has fewer than MIN_ROWS rows (as the model does)."""
    usable = [r for r in rows if measured(r, resource) is not None]
    out = []
    for op in sorted({r.op_type for r in usable} - set(SPECIAL)):
        own = [r for r in usable if r.op_type == op]
        key = op if len(own) >= MIN_ROWS else POOLED
        out += [(r, p) for r, p in lobo_predictions(usable, key, resource) if r.op_type == op]
    return out


def nested_intervals(rows: list[CalibrationRow]) -> dict[tuple[str, str], tuple[float, float]]:
    """(row key, resource) -> interval from a model fitted, residuals included, without the row's group."""
    out = {}
    for group in sorted({r.group for r in rows}):
        model = fit([r for r in rows if r.group != group])
        for r in (r for r in rows if r.group == group and r.op_type != DESIGN):
            for resource in RESOURCES:
                try:
                    _, low, high = model.correction(r.op_type, resource).predict(r.terms)
                except KeyError:
                    continue
                out[(key(r), resource)] = (low, high)
    return out


def key(r: CalibrationRow) -> str:
    return f"{r.build}/{r.op_type}/{r.name}"


def coverage(pairs, intervals, resource) -> float | None:
    """Share of rows inside their nested interval, rows where prediction and measurement are both 0 left out."""
    hits = [intervals[(key(r), resource)][0] <= measured(r, resource) <= intervals[(key(r), resource)][1]
            for r, p in pairs if (key(r), resource) in intervals and (measured(r, resource) > 0 or p > 0)]
    return float(np.mean(hits)) if hits else None


def sum_error(pairs: list[tuple[float, float]]) -> float | None:
    total = sum(m for _, m in pairs)
    return (sum(p for p, _ in pairs) - total) / total if total else None


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:+5.0f}%" if x < 0 else f"{100 * x:5.0f}%"


def raw_pairs(items, resource) -> list[tuple[float, float]]:
    """(FINN raw, measured) pairs; none for FF, which FINN does not estimate."""
    if RAW_TERM[resource] is None:
        return []
    return [(raw(item[0], resource), measured(item[0], resource)) for item in items]


def errors(items, resource, intervals) -> tuple:
    """Mean |error| and total error of FINN raw and corrected, and coverage."""
    r_pairs = raw_pairs(items, resource)
    c_pairs = [(p, measured(r, resource)) for r, p in items]
    return (mean_abs_error(r_pairs) if r_pairs else None, mean_abs_error(c_pairs),
            sum_error(r_pairs) if r_pairs else None, sum_error(c_pairs), coverage(items, intervals, resource))


def node_table(rows, intervals) -> dict[str, tuple]:
    print("Per node, leave-one-build-out: mean |error| (and error of the summed nodes) of FINN raw / corrected")
    print(f"{'resource':8s} {'op type':32s} {'n':>4s} {'raw':>6s} {'corr.':>6s} {'raw sum':>8s} "
          f"{'corr. sum':>9s} {'cover':>6s}")
    summary = {}
    for resource in RESOURCES:
        pairs = held_out(rows, resource)
        ops = sorted({r.op_type for r, _ in pairs})
        groups = {op: [(r, p) for r, p in pairs if r.op_type == op] for op in ops}
        groups["(nodes FINN estimates)"] = [(r, p) for r, p in pairs if estimated(r, resource)]
        groups["(all nodes)"] = pairs
        for op, items in groups.items():
            m_raw, m_cor, s_raw, s_cor, cov = errors(items, resource, intervals)
            if m_cor is None and cov is None:
                continue  # a resource the op type never uses (all zero)
            print(f"{resource:8s} {op:32s} {len(items):4d} {fmt(m_raw):>6s} {fmt(m_cor):>6s} {fmt(s_raw):>8s} "
                  f"{fmt(s_cor):>9s} {fmt(cov):>6s}")
        summary[resource] = errors(groups["(nodes FINN estimates)"], resource, intervals)
    return summary


def design_ratio(rows, resource) -> list[tuple[CalibrationRow, float, float, float]]:
    """Held-out (row, prediction, low, high) of a ratio on FINN's design total."""
    design = [r for r in rows if r.op_type == DESIGN and measured(r, resource) is not None]
    out = []
    for group in sorted({r.group for r in design}):
        c = fit_correction([r for r in design if r.group != group], DESIGN, resource)
        out += [(r, *c.predict(r.terms)) for r in design if r.group == group]
    return out


def node_sums(rows, intervals, resource) -> list[tuple[CalibrationRow, float, float, float]]:
    """Held-out design totals of builds with node rows: sum of node predictions + shell;
    interval = sum of the node and shell intervals (errors taken as fully correlated)."""
    designs = {r.build: r for r in rows if r.op_type == DESIGN}
    shells = sorted({r.op_type for r in rows if r.op_type.startswith(SHELL[:-1])})
    parts = held_out(rows, resource) + [p for key in shells for p in lobo_predictions(rows, key, resource)]
    out = []
    node_builds = {r.build for r, _ in parts if r.op_type not in shells}
    for build in sorted({r.build for r, _ in parts if r.op_type in shells} & node_builds & set(designs)):
        mine = [(r, p) for r, p in parts if r.build == build]
        bounds = [intervals.get((key(r), resource), (p, p)) for r, p in mine]
        low, high = (sum(b[i] for b in bounds) for i in (0, 1))
        out.append((designs[build], sum(p for _, p in mine), low, high))
    return out


def design_table(rows, intervals) -> None:
    print("\nWhole designs, leave-one-build-out. ratio: a ratio on FINN's total (FF on the LUT total);"
          "\nnodes: corrected nodes + shell, for builds published with their per-node breakdown")
    print(f"{'build':28s} {'resource':8s} {'measured':>9s} {'FINN':>8s} {'method':6s} {'predicted':>9s} "
          f"{'interval':>19s} in")
    summary: dict[str, dict[str, tuple]] = {}
    for resource in RESOURCES:
        summary[resource] = {}
        methods = (("ratio", design_ratio(rows, resource)), ("nodes", node_sums(rows, intervals, resource)))
        for method, results in methods:
            for r, p, low, high in sorted(results, key=lambda x: x[0].build):
                m, finn = measured(r, resource), raw(r, resource)
                finn_text = "-" if finn is None else f"{finn:8.0f}"
                print(f"{r.build:28s} {resource:8s} {m:9.0f} {finn_text:>8s} {method:6s} "
                      f"{p:9.0f} {low:9.0f}..{high:<9.0f} {'y' if low <= m <= high else 'n'}")
            pairs = [(p, measured(r, resource)) for r, p, _, _ in results]
            raws = raw_pairs(results, resource)
            hits = [lo <= measured(r, resource) <= hi for r, p, lo, hi in results
                    if measured(r, resource) > 0 or p > 0]
            summary[resource][method] = (mean_abs_error(raws) if raws else None, mean_abs_error(pairs),
                                         float(np.mean(hits)) if hits else None)
    print("mean |error| corrected (FINN raw), coverage:")
    for resource, methods in summary.items():
        print(f"  {resource:8s} " + " | ".join(f"{method} {pct(m):>4s} ({pct(r):>4s}) cover {pct(c):>4s}"
                                             for method, (r, m, c) in methods.items()))


def print_aims(nodes: dict[str, tuple], designs: dict[str, DesignSummary]) -> None:
    print("\nAims (issue 12): whole design mean |error| <= 25 % (LUT, FF, BRAM), per node <= 35 %, "
          "coverage >= 80 %"
          "\nnode: nodes FINN estimates, leave one build out (FINN raw in brackets); design: rebuilt designs,"
          "\nleave one design group out (FINN's node sum in brackets); in-sample: the shipped model's"
          "\ninterval on the same designs")
    for resource in RESOURCES:
        n, d = nodes[resource], designs[resource]
        design = (f"design {pct(d.mean_abs_error):>4s} ({pct(d.finn_mean_abs_error):>4s}) cover "
                  f"{pct(d.coverage):>4s} of {d.n} | in-sample cover {pct(d.in_sample_coverage):>4s}"
                  if d.n else "design: no build measured it")
        print(f"{resource:8s} node {pct(n[1]):>4s} ({pct(n[0]):>4s}) cover {pct(n[4]):>4s} | {design}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/calibration")
    parser.add_argument("--write-model", default=None, help="write the shipped model (fit_everything, JSON)")
    args = parser.parse_args()
    rows = load_rows(args.data)
    groups = sorted({r.group for r in rows})
    builds = len({r.build for r in rows})
    print(f"{len(rows)} rows, {builds} builds in {len(groups)} groups: {', '.join(groups)}\n")
    intervals = nested_intervals(rows)
    nodes = node_table(rows, intervals)
    design_table(rows, intervals)
    model, designs = rebuilt_section(args.data)
    print_aims(nodes, designs)
    if args.write_model:
        model.save(args.write_model)
        print(f"\nmodel written to {args.write_model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
