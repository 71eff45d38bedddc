"""Calibration rows from the shipped data set and from FINN build folders.

- ``load_rows(folder)``: ``data/calibration/`` (nodes.csv: one row per node of a
  published build; builds.csv: one row per build with its totals; columns in
  data/calibration/README.md). Builds marked ``use != yes`` are skipped.
- ``read_build_dir(folder)``: a user's own FINN output folder:
  ``report/estimate_layer_resources.json`` (FINN's estimate per node) with
  ``report/post_synth_resources.json`` (per-node and ``(top)`` post-synthesis figures of a
  bitfile build) or, failing that, ``report/ooc_synth_and_timing.json`` (out-of-context
  totals only); ``final_hw_config.json`` adds PE/SIMD where present.
IODMA nodes are not node rows: they belong to FINN's platform shell, which a SHELL row
(whole design minus its dataflow nodes) carries for builds with a per-node breakdown.
A malformed file stops with one line naming the file, the entry and what is expected.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path
from typing import Any

from codesign.cost.calibration import (
    DESIGN, SHELL, CalibrationRow, EstimateTerms, Measured, shell_family, shell_key,
)
from codesign.errors import InputError

MULTIPLIER_OPS = ("MVAU", "VVAU")
DSP_CAPABLE = ("auto", "dsp")  # resType values that let HLS put the products in DSP48s
PARTITION = re.compile(r"^StreamingDataflowPartition_\d+_")
NODE_FILES = ("nodes.csv", "nodes_more.csv")  # per-node data; the first is required
SHELL_OPS = ("IODMA",)  # FINN's shell inserts these around the dataflow partition: costed with the shell


def is_shell(op_type: str) -> bool:
    return op_type.split("_")[0] in SHELL_OPS


def _number(text: Any, where: str) -> float | None:
    """A count >= 0, None for an empty cell; one-line InputError otherwise."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value < 0 or isinstance(text, bool):
        raise InputError(f"{where}: expected a number >= 0, got {text!r}")
    return value


def _bram18(ramb36: float | None, ramb18: float | None, tiles: float | None = None) -> float | None:
    """18K equivalents from RAMB36/RAMB18 primitive counts, else from 36K tiles."""
    if ramb36 is None and ramb18 is None:
        return None if tiles is None else 2.0 * tiles
    return 2.0 * (ramb36 or 0.0) + (ramb18 or 0.0)


def _pe_simd(op: str, pe: float | None, simd: float | None, res_type: str) -> float:
    if op.split("_")[0] in MULTIPLIER_OPS and res_type in DSP_CAPABLE and pe and simd:
        return pe * simd
    return 0.0


def shell_row(design: CalibrationRow, nodes: list[CalibrationRow]) -> CalibrationRow | None:
    """Whole design minus the sum of its dataflow nodes: IODMAs, PS glue, interconnect,
    instrumentation; for a design measured with its per-node breakdown."""
    nodes = [n for n in nodes if n.build == design.build]
    if not nodes:
        return None

    def rest(resource: str) -> float | None:
        total, parts = getattr(design.measured, resource), [getattr(n.measured, resource) for n in nodes]
        return None if total is None or None in parts else max(total - sum(parts), 0.0)

    measured = Measured(*(rest(r) for r in ("lut", "ff", "bram18", "dsp")))
    family = shell_family(design.part)
    return CalibrationRow(design.build, design.group, shell_key(family) if family else SHELL,
                          EstimateTerms(), measured, design.name, design.source, design.part)


# --------------------------------------------------------------------------- CSV data set

def _read_csv(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
            return [(n, row) for n, row in enumerate(reader, start=2)]
    except OSError as exc:
        raise InputError(f"{path}: cannot read calibration data ({exc.strerror})") from None


def _cells(row: dict[str, str], names: tuple[str, ...], where: str) -> list[float | None]:
    return [_number(row.get(n), f"{where}: {n}") for n in names]


def _node_row(row: dict[str, str], where: str, groups: dict[str, str]) -> CalibrationRow:
    op = row["op_type"] + (f"_{row['impl_style']}" if row.get("impl_style") else "")
    lut, bram, uram, dsp, pe, simd = _cells(
        row, ("est_lut", "est_bram18", "est_uram", "est_dsp", "pe", "simd"), where)
    m_lut, m_ff, r36, r18, m_dsp = _cells(
        row, ("meas_lut", "meas_ff", "meas_ramb36", "meas_ramb18", "meas_dsp"), where)
    terms = EstimateTerms(lut or 0.0, bram or 0.0, uram or 0.0, dsp or 0.0,
                          _pe_simd(op, pe, simd, row.get("res_type", "")))
    source = f"{row.get('source_repo', '')}@{row.get('source_commit', '')[:8]}"
    if op.split("_")[0] in MULTIPLIER_OPS and not terms.pe_simd:
        if not m_dsp:
            op += ":lut"  # products in LUTs (codesign.cost.calibrated.calibration_key)
        else:
            m_dsp = None  # DSP-mapped, but PE x SIMD not published: no term to fit DSPs on
    return CalibrationRow(row["build_id"], groups.get(row["build_id"], row["build_id"]), op, terms,
                          Measured(m_lut, m_ff, _bram18(r36, r18), m_dsp), row["node"], source)


def _design_row(row: dict[str, str], where: str) -> CalibrationRow:
    lut, bram, uram, dsp = _cells(row, ("est_lut", "est_bram18", "est_uram", "est_dsp"), where)
    m_lut, m_ff, r36, r18, tiles, m_dsp = _cells(
        row, ("meas_lut", "meas_ff", "meas_ramb36", "meas_ramb18", "meas_bram_tiles", "meas_dsp"), where)
    source = row.get("source_url") or f"{row.get('source_repo', '')}@{row.get('source_commit', '')[:8]}"
    return CalibrationRow(row["build_id"], row["group"] or row["build_id"], DESIGN,
                          EstimateTerms(lut or 0.0, bram or 0.0, uram or 0.0, dsp or 0.0),
                          Measured(m_lut, m_ff, _bram18(r36, r18, tiles), m_dsp), row["build_id"], source,
                          row.get("part", "").strip())


def read_builds_csv(folder: str | Path) -> dict[str, tuple[dict[str, str], CalibrationRow]]:
    """build_id -> (its builds.csv row, its whole-design row), used or not."""
    path = Path(folder) / "builds.csv"
    return {r["build_id"]: (r, _design_row(r, f"{path}:{n}"))
            for n, r in _read_csv(path, ("build_id", "group", "use", "measured_scope", "est_lut", "meas_lut"))}


def load_rows(folder: str | Path) -> list[CalibrationRow]:
    """Node and whole-design rows of the builds marked ``use = yes`` in builds.csv."""
    folder = Path(folder)
    builds = read_builds_csv(folder).values()
    used = {r["build_id"]: r["group"] or r["build_id"] for r, _ in builds if r["use"].strip() == "yes"}
    designs = [row for r, row in builds if r["build_id"] in used and r["est_lut"].strip()]
    whole = {r["build_id"] for r, _ in builds if r.get("measured_scope", "").strip() == "post_synth_top"}
    node_rows = []
    for name in NODE_FILES:
        if name != NODE_FILES[0] and not (folder / name).is_file():
            continue
        nodes = _read_csv(folder / name, ("build_id", "node", "op_type", "est_lut", "meas_lut"))
        node_rows += [_node_row(r, f"{folder / name}:{n}", used) for n, r in nodes if r["build_id"] in used]
    node_rows = [r for r in node_rows if not is_shell(r.op_type)]
    measured_nodes = [r for r in node_rows if r.measured.lut is not None]
    shells = [s for s in (shell_row(d, measured_nodes) for d in designs if d.build in whole) if s is not None]
    shells += load_shells(folder, {s.build for s in shells})
    return designs + node_rows + shells


SHELL_FAMILY_NAMES = ("zynq7000", "zynquplus", "alveo")


def load_shells(folder: Path, known: set[str]) -> list[CalibrationRow]:
    """shells.csv: published shell figures per build (each its own LOBO group); builds in
    ``known`` already have a shell computed from their node rows and are skipped."""
    path = folder / "shells.csv"
    if not path.is_file():
        return []
    rows = []
    for n, row in _read_csv(path, ("build_id", "family", "part", "lut", "ff", "bram18", "dsp")):
        where = f"{path}:{n}"
        if row["build_id"] in known:
            continue
        family = row["family"].strip()
        if family not in SHELL_FAMILY_NAMES:
            raise InputError(f"{where}: family: expected one of {', '.join(SHELL_FAMILY_NAMES)}, got {family!r}")
        lut, ff, bram18, dsp = _cells(row, ("lut", "ff", "bram18", "dsp"), where)
        source = row.get("source_url") or f"{row.get('source_repo', '')}@{row.get('source_commit', '')[:8]}"
        rows.append(CalibrationRow(row["build_id"], row["build_id"], shell_key(family), EstimateTerms(),
                                   Measured(lut, ff, bram18, dsp), row["build_id"], source, row["part"].strip()))
    return rows


# --------------------------------------------------------------------------- FINN build folder

def _json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object of name -> resources")
    return data


def _entry(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    entry = data[key]
    if not isinstance(entry, dict):
        raise InputError(f"{path}: {key}: expected an object of resource counts, got {entry!r}")
    return entry


def _get(entry: dict[str, Any], field: str, where: str, required: bool = True) -> float | None:
    if field not in entry:
        if required:
            raise InputError(f"{where}.{field}: missing")
        return None
    value = _number(entry[field], f"{where}.{field}")
    if value is None:
        raise InputError(f"{where}.{field}: expected a number >= 0, got {entry[field]!r}")
    return value


def _estimates(path: Path) -> dict[str, EstimateTerms]:
    data, out = _json_object(path), {}
    for key in data:
        entry, where = _entry(data, key, path), f"{path}: {key}"
        uram, dsp = (_get(entry, name, where, False) or 0.0 for name in ("URAM", "DSP"))
        out[key] = EstimateTerms(_get(entry, "LUT", where), _get(entry, "BRAM_18K", where), uram, dsp)
    return out


def _synth(entry: dict[str, Any], where: str) -> Measured:
    r36, r18 = _get(entry, "BRAM_36K", where, False), _get(entry, "BRAM_18K", where, False)
    tiles = _get(entry, "BRAM", where, False)
    return Measured(_get(entry, "LUT", where), _get(entry, "FF", where, False), _bram18(r36, r18, tiles),
                    _get(entry, "DSP", where, False))


def _folding(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / "final_hw_config.json"
    return {k: v for k, v in _json_object(path).items() if isinstance(v, dict)} if path.exists() else {}


def _node_rows(folder: Path, estimates: dict[str, EstimateTerms], group: str
               ) -> tuple[list[CalibrationRow], Measured]:
    path = folder / "report" / "post_synth_resources.json"
    data, rows, top = _json_object(path), [], None
    folding = _folding(folder)
    for key in data:
        measured = _synth(_entry(data, key, path), f"{path}: {key}")
        if key == "(top)":
            top = measured
            continue
        name = PARTITION.sub("", key)
        if is_shell(name):
            continue
        cfg = folding.get(name, {})
        est = estimates.get(name, EstimateTerms())
        pe_simd = _pe_simd(name, _number(cfg.get("PE"), f"{folder}/final_hw_config.json: {name}.PE"),
                           _number(cfg.get("SIMD"), f"{folder}/final_hw_config.json: {name}.SIMD"),
                           str(cfg.get("resType", "")))
        rows.append(CalibrationRow(folder.name, group, re.sub(r"_\d+$", "", name),
                                   EstimateTerms(est.lut, est.bram18, est.uram, est.dsp, pe_simd),
                                   measured, key, str(path)))
    if top is None:
        raise InputError(f"{path}: (top): missing (expected the whole-design row of a bitfile build)")
    return rows, top


def read_build_dir(folder: str | Path, group: str | None = None, part: str = "") -> list[CalibrationRow]:
    """Rows of one FINN build: a row per synthesised node (post_synth_resources.json)
    and one whole-design row; only the latter from ooc_synth_and_timing.json."""
    folder = Path(folder)
    group = group or folder.name
    report = folder / "report"
    if not (report / "estimate_layer_resources.json").exists():
        raise InputError(f"{folder}: no report/estimate_layer_resources.json (run FINN with ESTIMATE_REPORTS)")
    estimates = _estimates(report / "estimate_layer_resources.json")
    total = estimates.pop("total", None)
    if total is None:
        total = EstimateTerms(*(sum(e.term(t) for e in estimates.values())
                                for t in ("lut", "bram18", "uram", "dsp")))
    if (report / "post_synth_resources.json").exists():
        rows, measured = _node_rows(folder, estimates, group)
    elif (report / "ooc_synth_and_timing.json").exists():
        path = report / "ooc_synth_and_timing.json"
        rows, measured = [], _synth(_json_object(path), str(path))
    else:
        raise InputError(f"{folder}: no report/post_synth_resources.json or report/ooc_synth_and_timing.json "
                         "(run FINN with BITFILE or OOC_SYNTH)")
    design = CalibrationRow(folder.name, group, DESIGN, total, measured, folder.name, str(report), part)
    shell = shell_row(design, rows)  # None without a per-node breakdown
    return rows + [design] + ([shell] if shell else [])
