"""Whole designs predicted the way ``codesign estimate`` predicts them, against synthesis.

A published build whose topology and folding are known is rebuilt with finn-plus
(data/calibration/rebuilt_nodes.csv: FINN's per-node estimate; scripts/rebuild_published.py);
its node list goes through the same calibrated bill of materials as an estimate
(codesign.cost.calibrated: corrected nodes, a FIFO per stream, width converters, the
shell where the measurement includes it) and the total is compared with the published
synthesis figure (builds.csv). This is the check that matters to a user: the node
corrections are fitted on other builds' nodes, the shell on other builds' shells.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import networkx as nx

from codesign.cost.calibrated import RESOURCES, calibrated_cost
from codesign.cost.calibration import HELD_OUT_DESIGNS, IN_SAMPLE_DESIGNS, CalibrationModel, Interval
from codesign.cost.calibration_data import read_builds_csv
from codesign.errors import InputError

# measured_scope (builds.csv) -> whether the measurement includes the platform shell
SCOPE_HAS_SHELL = {"post_synth_top": True, "ooc_synth": False, "post_synth_excl_shell": False}
INT_COLUMNS = ("pe", "simd", "weight_bits", "input_bits", "in_width_bits", "out_width_bits")
FLOAT_COLUMNS = ("est_lut", "est_bram18", "est_uram", "est_dsp")


@dataclass(frozen=True)
class RebuiltDesign:
    build: str
    group: str
    part: str
    scope: str  # measured_scope of the build
    graph: nx.DiGraph  # the node chain, with the attributes calibrated.py reads
    measured: dict[str, float | None]  # lut, ff, bram18, dsp of the published synthesis
    finn_lut: float  # FINN's node sum


@dataclass(frozen=True)
class DesignCheck:
    build: str
    group: str
    resource: str
    measured: float
    finn: float  # FINN's node sum (LUT, BRAM18, DSP; FF: none)
    predicted: Interval

    @property
    def error(self) -> float:
        return (self.predicted.value - self.measured) / self.measured

    @property
    def covered(self) -> bool:
        return self.predicted.low <= self.measured <= self.predicted.high


def _number(row: dict, name: str, where: str) -> float:
    try:
        return float(row[name] or 0)
    except ValueError:
        raise InputError(f"{where}: {name}: expected a number, got {row[name]!r}") from None


def _node_attrs(row: dict, where: str) -> dict:
    attrs = {name: int(_number(row, name, where)) for name in INT_COLUMNS}
    lut, bram18, uram, dsp = (_number(row, name, where) for name in FLOAT_COLUMNS)
    kind = row["op_type"]
    return {**attrs, "kind": kind, "op_type": f"{kind}_{row['impl_style']}" if row["impl_style"] else kind,
            "lut": lut, "bram18": bram18, "uram": uram, "dsp": dsp, "res_type": row["res_type"],
            "runtime_writeable": False}


def _chain(rows: list[tuple[int, dict]], path: Path) -> nx.DiGraph:
    """The rebuilt designs are chains (CNV, MLPs): one stream from each node to the next."""
    graph = nx.DiGraph()
    previous = None
    for n, row in rows:
        attrs = _node_attrs(row, f"{path}:{n}")
        graph.add_node(row["node"], **attrs)
        if previous is not None:
            graph.add_edge(previous, row["node"], width_bits=graph.nodes[previous]["out_width_bits"])
        previous = row["node"]
    return graph


def load_rebuilt(folder: str | Path) -> list[RebuiltDesign]:
    """The rebuilt designs of ``rebuilt_nodes.csv`` whose rebuild has that build's folding:
    FINN's BRAM18 total (set by the folding and memory modes alone) equals the published
    one, or none was published. The TFC benchmark's folding is unknown (its rebuild has
    52 BRAM18 against 9); the cybersecurity notebook's LUT estimate differs only because
    FINN's MVAU LUT formula changed since, its BRAM18 matches."""
    folder = Path(folder)
    path = folder / "rebuilt_nodes.csv"
    if not path.is_file():
        return []
    builds = read_builds_csv(folder)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(enumerate(csv.DictReader(handle), start=2))
    designs = []
    for build in dict.fromkeys(r["build_id"] for _, r in rows):
        mine = [(n, r) for n, r in rows if r["build_id"] == build]
        if build not in builds:
            continue
        info, row = builds[build]
        bram = sum(_number(r, "est_bram18", str(path)) for _, r in mine)
        if row.terms.bram18 and abs(bram - row.terms.bram18) > 0.5:
            continue  # another folding than the published build's (BRAM follows the folding)
        measured = {r: getattr(row.measured, r) for r in ("lut", "ff", "bram18", "dsp")}
        graph = _chain(mine, path)
        designs.append(RebuiltDesign(build, info["group"] or build, mine[0][1]["part"],
                                     info["measured_scope"], graph, measured,
                                     sum(a["lut"] for _, a in graph.nodes(data=True))))
    return designs


def predict(design: RebuiltDesign, model: CalibrationModel) -> dict[str, Interval]:
    """The calibrated total of a rebuilt design, with the shell only where measured with it."""
    cost = calibrated_cost(design.graph, _device(design), model, "check", {n: 0.0 for n in design.graph.nodes})
    return {r: cost.totals.get(r) for r in RESOURCES}


def design_checks(designs: list[RebuiltDesign], fit_without) -> list[DesignCheck]:
    """Each design predicted by ``fit_without(group)``: a model that saw nothing of its group."""
    checks = []
    for group in sorted({d.group for d in designs}):
        model = fit_without(group)
        for d in (d for d in designs if d.group == group):
            totals = predict(d, model)
            finn = {"lut": d.finn_lut, "ff": 0.0,
                    "bram18": sum(a["bram18"] for _, a in d.graph.nodes(data=True)),
                    "dsp": sum(a["dsp"] for _, a in d.graph.nodes(data=True))}
            for r in ("lut", "ff", "bram18", "dsp"):
                value = d.measured.get(r)
                if value is not None and float(value) >= 1:
                    checks.append(DesignCheck(d.build, d.group, r, float(value), finn[r], totals[r]))
    return checks


def fit_lut_mapped(model: CalibrationModel, designs: list[RebuiltDesign], quantiles=(0.1, 0.9)) -> list:
    """Ratios for matrix units whose products sit in LUTs (key ``<op>:lut``), fitted on
    whole designs: measured total minus everything else the model predicts, over FINN's
    LUT estimate of those units; the geometric mean over builds (each group weighted
    once), the interval from the spread of the builds' own ratios (in-sample: few builds)."""
    import numpy as np

    from codesign.cost.calibration import Correction

    corrections = []
    for resource in ("lut", "ff"):
        per_group: dict[str, list[float]] = {}
        ops: set[str] = set()
        for d in designs:
            measured = d.measured.get(resource)
            cost = calibrated_cost(d.graph, _device(d), model, "fit", {n: 0.0 for n in d.graph.nodes})
            mine = [i for i in cost.items if i.key.endswith(":lut")]
            finn = sum(i.finn_lut for i in mine)
            if measured is None or not finn:
                continue
            other = sum(i.amounts.get(resource).value for i in cost.items if not i.key.endswith(":lut"))
            ops |= {i.key for i in mine}
            per_group.setdefault(d.group, []).append(max(measured - other, 0.05 * measured) / finn)
        if not per_group:
            continue
        logs = [float(np.mean(np.log(v))) for v in per_group.values()]
        ratio = float(np.exp(np.mean(logs)))
        spread = [float(np.log(r / ratio)) for v in per_group.values() for r in v]
        low, high = (float(q) for q in np.quantile(spread, quantiles))
        # Few builds in few design families: at least as wide as the families are apart.
        between = max(abs(g - np.log(ratio)) for g in logs)
        low, high = min(low, -between), max(high, between)
        builds = sum(len(v) for v in per_group.values())
        for op in sorted(ops):
            corrections.append(Correction(op, resource, "ratio", "lut", ratio, 0.0, low, high, builds,
                                          len(per_group), None, 0, IN_SAMPLE_DESIGNS))
    return corrections


def _device(design: RebuiltDesign) -> SimpleNamespace:
    return SimpleNamespace(part=design.part if SCOPE_HAS_SHELL.get(design.scope) else "",
                           family="", resources=SimpleNamespace(uram=0))


def design_spread(checks: list[DesignCheck], quantiles=(0.1, 0.9)) -> list:
    """Per resource, the quantiles of the held-out whole designs' log residuals: how far
    totals missed, beyond what the node intervals knew (added to every total's interval)."""
    import numpy as np

    from codesign.cost.calibrated import SPREAD
    from codesign.cost.calibration import Correction

    out = []
    for resource in ("lut", "ff", "bram18", "dsp"):
        mine = [c for c in checks if c.resource == resource]
        if not mine:
            continue
        res = [float(np.log((c.measured + 1.0) / (c.predicted.value + 1.0))) for c in mine]
        low, high = (float(q) for q in np.quantile(res, quantiles))
        err = float(np.mean([abs(c.error) for c in mine]))
        out.append(Correction(SPREAD, resource, "spread", "", 1.0, 0.0, low, high, len(mine),
                              len({c.group for c in mine}), err, len(mine), HELD_OUT_DESIGNS))
    return out


def fit_everything(folder: str | Path, quantiles=(0.1, 0.9)):
    """The shipped model: node corrections and shells (calibration.fit), the LUT-mapped
    matrix units fitted on whole designs, and the whole-design spread from their
    leave-one-group-out checks. Returns (model, checks)."""
    from codesign.cost.calibration import fit
    from codesign.cost.calibration_data import load_rows

    rows = load_rows(folder)
    designs = load_rebuilt(folder)

    def fit_without(group: str | None) -> CalibrationModel:
        model = fit([r for r in rows if r.group != group], quantiles)
        model.corrections += fit_lut_mapped(model, [d for d in designs if d.group != group], quantiles)
        return model

    checks = design_checks(designs, fit_without)
    model = fit_without(None)
    model.corrections += design_spread(checks, quantiles)
    return model, checks
