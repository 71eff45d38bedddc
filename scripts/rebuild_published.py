#!/usr/bin/env python3
"""Rebuild published FINN designs with finn-plus 1.6.1 to get FINN's per-node estimate.

    .venv/bin/python scripts/rebuild_published.py [--only DESIGN] [--out CSV]

For each design of data/calibration/published_foldings.yaml (the published folding,
copied with its source): build the Brevitas model with random weights (fixed seed;
scripts/published_models.py), convert it with codesign's FINN path with the
thresholds fused into the MVAUs as in FINN's standard build (standalone_thresholds
False), minimise weight/accumulator widths as finn-plus's default steps do
(step_minimize_bit_width_initial before specialisation, step_minimize_bit_width after
folding; only RoundAndClipThresholds where the build turned it off), apply the folding
and read FINN's per-node estimate (node_res_estimation, what res_estimation sums).
Writes data/calibration/rebuilt_nodes.csv (one block of rows per build id) and prints
per design FINN's total next to the published FINN total. Several minutes on CNV.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from codesign.store.atomic import atomic_write_text  # noqa: E402

FOLDINGS = ROOT / "data" / "calibration" / "published_foldings.yaml"
OUT = ROOT / "data" / "calibration" / "rebuilt_nodes.csv"
FINN_VERSION = "finn-plus 1.6.1"


@dataclass
class RebuiltNode:
    """One row of rebuilt_nodes.csv: a node of a rebuilt design and FINN's estimate."""

    build_id: str
    design: str
    node: str
    op_type: str
    impl_style: str
    pe: int
    simd: int
    mem_mode: str
    ram_style: str
    res_type: str
    weight_bits: int
    input_bits: int
    output_bits: int
    acc_bits: int
    mw: int
    mh: int
    in_width_bits: int
    out_width_bits: int
    est_lut: float
    est_bram18: float
    est_uram: float
    est_dsp: float
    finn_version: str
    part: str
    minimize_bit_width: bool
    folding_source: str
    total_check: str


COLUMNS = [f.name for f in fields(RebuiltNode)]


def load_designs(path: Path = FOLDINGS) -> list[dict]:
    with path.open() as f:
        return yaml.safe_load(f)["designs"]


def minimize_bit_width(model, enabled: bool):
    """finn-plus 1.6.1 build_dataflow_steps._minimize_bit_width (not importable here:
    build_dataflow_steps imports the Vivado simulator binding)."""
    from qonnx.transformation.infer_datatypes import InferDataTypes

    from finn.transformation.fpgadataflow.minimize_accumulator_width import (
        MinimizeAccumulatorWidth,
    )
    from finn.transformation.fpgadataflow.minimize_weight_bit_width import (
        MinimizeWeightBitWidth,
    )
    from finn.transformation.streamline.round_thresholds import RoundAndClipThresholds

    if enabled:
        model = model.transform(MinimizeWeightBitWidth())
        model = model.transform(MinimizeAccumulatorWidth())
        model = model.transform(InferDataTypes())
    model = model.transform(RoundAndClipThresholds())
    model = model.transform(InferDataTypes())
    if enabled:
        model = model.transform(MinimizeWeightBitWidth())
        model = model.transform(InferDataTypes())
    return model


def apply_folding(model, design: dict) -> None:
    """Set the published attributes; a node or attribute FINN does not have is an error
    (the rebuild would silently differ from the published build)."""
    from finn.util.basic import getHWCustomOp

    from codesign.finn.nodekinds import generic_kind, is_hw

    hw_nodes = {n.name: n for n in model.graph.node if is_hw(n)}
    for kind, attrs in (design.get("defaults") or {}).items():
        for node in hw_nodes.values():
            if generic_kind(node.op_type) == kind:
                _set_attrs(getHWCustomOp(node), node.name, attrs)
    for name, attrs in (design.get("nodes") or {}).items():
        if name not in hw_nodes:
            raise SystemExit(f"{FOLDINGS.name}: design {design['design']}: node {name!r} "
                             f"not in the rebuilt graph (has {sorted(hw_nodes)})")
        _set_attrs(getHWCustomOp(hw_nodes[name]), name, attrs)


def _set_attrs(inst, name: str, attrs: dict) -> None:
    known = inst.get_nodeattr_types()
    for key, value in attrs.items():
        if key not in known:
            raise SystemExit(f"{FOLDINGS.name}: node {name}: no attribute {key!r}")
        inst.set_nodeattr(key, value)


def auto_fold(model, spec: dict):
    """step_target_fps_parallelization: SetFolding at clock / target_fps cycles."""
    from finn.transformation.fpgadataflow.set_folding import SetFolding

    cycles = int(spec["clock_mhz"] * 1e6 / spec["target_fps"])
    return model.transform(SetFolding(cycles, mvau_wwidth_max=spec["mvau_wwidth_max"],
                                      two_pass_relaxation=True))


def rebuild(design: dict, folder: Path):
    """The folded, specialised FINN model of one design."""
    from qonnx.transformation.general import GiveUniqueNodeNames

    from codesign.finn.convert import specialize, to_generic_hw
    from published_models import export_design

    qonnx = export_design(design["model"], folder)
    model = to_generic_hw(qonnx, standalone_thresholds=False, host_ops=None)
    model = minimize_bit_width(model, design["minimize_bit_width"])
    model = specialize(model, design["part"])
    if design.get("auto_folding"):
        model = auto_fold(model, design["auto_folding"])
        model = model.transform(GiveUniqueNodeNames())
    apply_folding(model, design)
    return minimize_bit_width(model, design["minimize_bit_width"])


def node_rows(model, design: dict) -> list[RebuiltNode]:
    """One RebuiltNode per HW node and build id, from codesign's hardware graph."""
    from codesign.graph.hwgraph import build_graph

    graph = build_graph(model, design["part"])
    rows = []
    for build_id in design["build_ids"]:
        for name, a in graph.nodes(data=True):
            impl = a["op_type"].rsplit("_", 1)[1] if a["op_type"].endswith(("_hls", "_rtl")) else ""
            rows.append(RebuiltNode(
                build_id=build_id, design=design["design"], node=name, op_type=a["kind"],
                impl_style=impl, pe=a["pe"], simd=a["simd"], mem_mode=a["mem_mode"],
                ram_style=a["ram_style"], res_type=a["res_type"],
                weight_bits=a["weight_bits"], input_bits=a["input_bits"],
                output_bits=a["output_bits"], acc_bits=a["acc_bits"], mw=a["mw"],
                mh=a["mh"], in_width_bits=a["in_width_bits"],
                out_width_bits=a["out_width_bits"], est_lut=a["lut"],
                est_bram18=a["bram18"], est_uram=a["uram"], est_dsp=a["dsp"],
                finn_version=FINN_VERSION, part=design["part"],
                minimize_bit_width=bool(design["minimize_bit_width"]),
                folding_source=" ".join(design["folding_source"].split()),
                total_check=""))
    check = total_check(design, totals(rows, design["build_ids"][0]))
    for r in rows:
        r.total_check = check
    return rows


# A rebuild whose LUT and BRAM18 totals are this close to the published FINN total is
# taken to be the published build (CNV-W1A1: -1.2 % / 0 %; cybsec finn-plus: +0.2 % / 0 %).
MATCH_TOLERANCE = 0.05


def total_check(design: dict, got: dict[str, float]) -> str:
    """'match' / 'mismatch' against the published FINN total, 'none' without one."""
    pub = design.get("published_total")
    if not pub:
        return "none"
    close = all(abs(got[k] / pub[k] - 1) <= MATCH_TOLERANCE for k in ("lut", "bram18"))
    return "match" if close else "mismatch"


def totals(rows: list[RebuiltNode], build_id: str) -> dict[str, float]:
    mine = [r for r in rows if r.build_id == build_id]
    return {k: round(sum(getattr(r, f"est_{k}") for r in mine), 3)
            for k in ("lut", "bram18", "uram", "dsp")}


def print_comparison(design: dict, rows: list[RebuiltNode]) -> None:
    build_id = design["build_ids"][0]
    got = totals(rows, build_id)
    pub = design.get("published_total")
    line = (f"{design['design']:<30} {', '.join(design['build_ids'])}: rebuilt FINN "
            f"{got['lut']:,.0f} LUT / {got['bram18']:,.0f} BRAM18 / {got['uram']:,.0f} URAM"
            f" / {got['dsp']:,.0f} DSP")
    if pub:
        line += (f"; published FINN {pub['lut']:,} LUT / {pub['bram18']:,} BRAM18 "
                 f"({100 * (got['lut'] / pub['lut'] - 1):+.1f} % LUT, "
                 f"{100 * (got['bram18'] / pub['bram18'] - 1):+.1f} % BRAM18)")
    else:
        line += "; no published FINN estimate"
    print(line, flush=True)
    for r in rows:
        if r.build_id == build_id:
            print(f"    {r.node:<34} PE {r.pe:>3} SIMD {r.simd:>3} W{r.weight_bits} "
                  f"A{r.input_bits} acc {r.acc_bits:>2} {r.mem_mode:<18} {r.ram_style:<11}"
                  f" {r.est_lut:>8.0f} LUT {r.est_bram18:>5.0f} BRAM18")


def write_csv(rows: list[RebuiltNode], path: Path) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _fmt(v) for k, v in asdict(r).items()})
    atomic_write_text(path, buf.getvalue())


def _fmt(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="rebuild only this design (the CSV is not written)")
    parser.add_argument("--out", type=Path, default=OUT, help="output CSV (default: %(default)s)")
    args = parser.parse_args(argv)
    designs = load_designs()
    if args.only:
        designs = [d for d in designs if d["design"] == args.only]
        if not designs:
            parser.error(f"--only: no design {args.only!r} in {FOLDINGS.name}")
    from codesign.finn.compat import ensure_finn, quiet_warnings

    ensure_finn()
    rows: list[RebuiltNode] = []
    with tempfile.TemporaryDirectory(prefix="rebuild_") as tmp, quiet_warnings():
        for design in designs:
            design_rows = node_rows(rebuild(design, Path(tmp)), design)
            print_comparison(design, design_rows)
            rows += design_rows
    if not args.only:
        write_csv(rows, args.out)
        print(f"wrote {len(rows)} rows to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
