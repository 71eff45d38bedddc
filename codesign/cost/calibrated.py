"""What a FINN build of the design would spend, calibrated, with an interval per resource.

FINN's per-node estimates (the HW graph's node attributes) go through the corrections
fitted on published builds (codesign.cost.calibration, data/calibration/), and what a
FINN build instantiates around the nodes is added, each as a ``CostItem``:

- ``node``: every HW node; its op type's correction applied to FINN's terms;
- ``fifo``: one StreamingFIFO per stream plus one at the graph's input and output. The
  FPGA build enables FINN's automatic FIFO sizing, which inserts a FIFO wherever the sized
  depth exceeds 2 words; finn-plus 1.6.1 sizes only by simulation (``distributed_sim``,
  ``live_fifo``: Verilator/Vivado or the board), so the depth is not known here and the
  calibrated per-FIFO cost stands in: the mean over the FIFOs of builds sized that way
  (the data splits deep FIFOs the way ``split_large_fifos`` does, so the mean carries
  that). A join buffer whose analytic depth (fifo.py) costs more uses that cost instead;
- ``dwc``: a width converter where a producer's output width differs from its consumer's
  input width (FINN's InsertDWC), at the calibrated per-converter cost;
- ``axi_lite``: codesign's AXI-lite write-path model (axilite.py) per run-time-writeable
  node; not calibrated (no published data), its stated uncertainty is 2x;
- ``shell``: the platform shell of the device family (IODMAs, interconnect, PS glue).

Totals: a correction's error is systematic within a build, so the items that share one
correction are summed with fully correlated errors (their interval ends add up), and the
groups, fitted separately, are combined as independent (deviations in quadrature).
URAM is not calibrated (no published data): FINN's figure, an interval of zero width,
and the item's basis says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx

from codesign.cost import axilite, fifo
from codesign.cost.calibration import (
    POOLED, CalibrationModel, Correction, EstimateTerms, Interval, shell_family, shell_key,
)
from codesign.cost.calibration_data import DSP_CAPABLE, MULTIPLIER_OPS

RESOURCES = ("lut", "ff", "bram18", "uram", "dsp")
CALIBRATED = ("lut", "ff", "bram18", "dsp")
# A FIFO's or width converter's cost scatters with its own depth and width (x0.1..x3 per
# item), but their sum over a build is within a few percent of the mean times their count
# (docs/calibration.md): their errors are independent, not shared like a ratio's.
INDEPENDENT_KINDS = ("fifo", "dwc")
SPREAD = "(spread)"  # whole-design residual spread (codesign.cost.calibration_designs)
FIFO_KEY = "StreamingFIFO_rtl"
DWC_KEY = "StreamingDataWidthConverter_rtl"
AXI_LITE_SPREAD = (0.5, 2.0)  # axilite.py's stated uncertainty (x0.5 .. x2)
@dataclass(frozen=True)
class ResourceIntervals:
    """Each resource as value [low, high]."""
    lut: Interval
    ff: Interval
    bram18: Interval
    uram: Interval
    dsp: Interval

    def get(self, resource: str) -> Interval:
        return getattr(self, resource)

    def values(self) -> dict[str, float]:
        return {r: self.get(r).value for r in RESOURCES}


@dataclass(frozen=True)
class CostItem:
    """One line of the calibrated bill of materials."""
    name: str
    kind: str  # "node", "fifo", "dwc", "axi_lite" or "shell"
    group: str  # the correction it was costed with: items of a group share their error
    amounts: ResourceIntervals
    basis: str
    key: str = ""  # the calibration key asked for (op type, ":lut" for LUT-mapped products)
    finn_lut: float = 0.0  # FINN's LUT term of a node


@dataclass(frozen=True)
class CalibratedCost:
    items: list[CostItem]
    totals: ResourceIntervals
    origin: str  # which calibration file
    notes: list[str] = field(default_factory=list)  # corrections missing from the model, ...

    def by_kind(self) -> dict[str, dict[str, float]]:
        """Point values per item kind and resource (for reports)."""
        out: dict[str, dict[str, float]] = {}
        for item in self.items:
            sums = out.setdefault(item.kind, {r: 0.0 for r in RESOURCES})
            for r in RESOURCES:
                sums[r] += item.amounts.get(r).value
        return out


def fixed(value: float) -> Interval:
    return Interval(float(value), float(value), float(value))


def dsp_products(attrs: dict) -> float:
    """PE x SIMD where FINN's ``resType`` lets the multiplications land in DSP48s:
    "dsp" always; "auto" (HLS decides) when neither operand is 1 bit wide (1-bit
    weights or inputs are XNOR/sign logic, never a multiplier); "lut" never."""
    if attrs.get("kind") not in MULTIPLIER_OPS or attrs.get("res_type") not in DSP_CAPABLE:
        return 0.0
    if attrs.get("res_type") == "auto" and min(attrs.get("weight_bits", 0), attrs.get("input_bits", 0)) <= 1:
        return 0.0
    return float(attrs.get("pe", 0) * attrs.get("simd", 0))


def calibration_key(attrs: dict) -> str:
    """The op type; matrix units whose products cannot land in DSPs (resType "lut", or a
    1-bit operand) are their own class, ``MVAU_hls:lut``: their LUTs are the products,
    and FINN's estimate errs differently for them than for DSP-mapped units."""
    if attrs.get("kind") in MULTIPLIER_OPS and not dsp_products(attrs):
        return f"{attrs['op_type']}:lut"
    return attrs["op_type"]


def node_terms(attrs: dict, uram_used: float) -> EstimateTerms:
    return EstimateTerms(lut=float(attrs["lut"]), bram18=float(attrs["bram18"]), uram=float(uram_used),
                         dsp=float(attrs["dsp"]), pe_simd=dsp_products(attrs))


def _correction(model: CalibrationModel, key: str, resource: str) -> Correction | None:
    try:
        return model.correction(key, resource)
    except KeyError:
        return None


def calibrated_amounts(model: CalibrationModel, key: str, terms: EstimateTerms, uram: float
                       ) -> tuple[ResourceIntervals, str]:
    """``terms`` through the corrections for ``key`` (its own, else the pooled one), and
    which correction served each resource."""
    served, parts = [], {}
    for r in CALIBRATED:
        if r == "dsp" and key.endswith(":lut"):  # products in LUTs: FINN's DSP figure stands
            parts[r] = fixed(terms.dsp)
            served.append("dsp: FINN (no multiplier in DSPs)")
            continue
        c = _correction(model, key, r)
        if c is None:  # a model fitted without this resource: FINN's own term, no interval
            parts[r] = fixed(terms.term(r) if r != "ff" else 0.0)
            served.append(f"{r}: uncalibrated")
            continue
        parts[r] = c.predict(terms)
        served.append(f"{r}: {c.op_type if c.op_type != POOLED else 'pooled'} {c.form}")
    return ResourceIntervals(uram=fixed(uram), **parts), "; ".join(served)


def _group(model: CalibrationModel, key: str) -> str:
    """The correction a key's LUTs come from: own op type, else the pooled one."""
    c = _correction(model, key, "lut")
    return c.op_type if c is not None else key


def node_items(graph: nx.DiGraph, model: CalibrationModel, uram_used: dict[str, float]) -> list[CostItem]:
    return [node_item(model, name, attrs, uram_used[name]) for name, attrs in graph.nodes(data=True)]


def node_item(model: CalibrationModel, name, attrs: dict, uram_used: float) -> CostItem:
    """One HW node's item (also cached per folding by codesign.cost.explore)."""
    key = calibration_key(attrs)
    amounts, served = calibrated_amounts(model, key, node_terms(attrs, uram_used), uram_used)
    return CostItem(str(name), "node", _group(model, key), amounts,
                    f"FINN estimate of {key} through the calibration ({served})", key, float(attrs["lut"]))


def _scaled(cost: dict, spread: tuple[float, float]) -> ResourceIntervals:
    low, high = spread
    return ResourceIntervals(**{r: Interval(float(cost.get(r, 0)), float(cost.get(r, 0)) * low,
                                            float(cost.get(r, 0)) * high) for r in RESOURCES})


def _larger(a: ResourceIntervals, b: ResourceIntervals) -> ResourceIntervals:
    """Per resource the interval with the larger value (a join buffer vs a sized FIFO)."""
    return ResourceIntervals(**{r: max(a.get(r), b.get(r), key=lambda i: i.value) for r in RESOURCES})


def stream_items(graph: nx.DiGraph, model: CalibrationModel, has_uram: bool,
                 joins: dict | None = None) -> list[CostItem]:
    """FIFOs on every stream (and the graph's input and output) and width converters.
    ``joins``: fifo.join_buffer_depths(graph) when the caller has it (codesign.cost.explore)."""
    sized, _ = calibrated_amounts(model, FIFO_KEY, EstimateTerms(), 0.0)
    dwc, _ = calibrated_amounts(model, DWC_KEY, EstimateTerms(), 0.0)
    fifo_group, dwc_group = _group(model, FIFO_KEY), _group(model, DWC_KEY)
    joins = fifo.join_buffer_depths(graph) if joins is None else joins
    items = [CostItem(f"fifo:{end}", "fifo", fifo_group, sized, "graph boundary FIFO, calibrated mean", FIFO_KEY)
             for end in ("input", "output")]
    for src, dst, edge in graph.edges(data=True):
        amounts, basis = sized, "sized FIFO (depth unknown without simulation), calibrated mean"
        join = joins.get((src, dst))
        if join and join["depth"] > fifo.default_fifo_depth():
            cost = fifo.fifo_cost(edge["width_bits"], int(join["depth"]), has_uram=has_uram)
            # The analytic depth is an upper bound (1 word/cycle): the buffer may be as small as a sized FIFO.
            amounts = _larger(_scaled(cost, (0.5, 1.0)), sized)
            basis = f"join buffer {int(join['depth'])} x {edge['width_bits']} bit ({cost['style']}) or a sized FIFO"
        items.append(CostItem(f"fifo:{src}->{dst}", "fifo", fifo_group, amounts, basis, FIFO_KEY))
        out_w, in_w = graph.nodes[src]["out_width_bits"], graph.nodes[dst]["in_width_bits"]
        if out_w != in_w:
            # FINN inserts the converter before the FIFOs, so its stream is split in two,
            # each with its own FIFO.
            items.append(CostItem(f"dwc:{src}->{dst}", "dwc", dwc_group, dwc,
                                  f"width converter {out_w} -> {in_w} bit, calibrated mean", DWC_KEY))
            items.append(CostItem(f"fifo:dwc:{src}->{dst}", "fifo", fifo_group, sized,
                                  "FIFO after the width converter, calibrated mean", FIFO_KEY))
    return items


def axi_lite_items(graph: nx.DiGraph, device) -> list[CostItem]:
    return [axi_lite_item(name, attrs, device) for name, attrs in graph.nodes(data=True) if attrs["runtime_writeable"]]


def axi_lite_item(name, attrs: dict, device) -> CostItem:
    return CostItem(f"axi_lite:{name}", "axi_lite", "axi_lite",
                    _scaled(axilite.write_path_cost(attrs, device), AXI_LITE_SPREAD),
                    "codesign AXI-lite write-path model (cost/axilite.py), stated uncertainty x0.5..x2")


def shell_item(model: CalibrationModel, part: str) -> CostItem | None:
    family = shell_family(part)
    key = shell_key(family)
    if not family or _correction(model, key, "lut") is None:
        return None
    amounts, served = calibrated_amounts(model, key, EstimateTerms(), 0.0)
    return CostItem("shell", "shell", key, amounts, f"platform shell of {family} builds ({served})", key)


def total(items: list[CostItem], model: CalibrationModel | None = None) -> ResourceIntervals:
    """Sum; errors fully correlated within a group, independent between groups, plus the
    model's whole-design spread (``SPREAD``: what held-out whole designs missed by beyond
    the node intervals) as one more independent term."""
    out = {}
    served: dict[tuple[str, str], str] = {}  # (key, resource) -> the correction that served it
    for r in RESOURCES:
        groups: dict[str, list[float]] = {}
        for item in items:
            v, lo, hi = item.amounts.get(r)
            g = groups.setdefault(_served_by(model, item, r, served), [0.0, 0.0, 0.0])
            g[0], g[1], g[2] = g[0] + v, g[1] + lo, g[2] + hi
        value = sum(g[0] for g in groups.values())
        below = sum((g[0] - g[1]) ** 2 for g in groups.values())
        above = sum((g[2] - g[0]) ** 2 for g in groups.values())
        spread = _correction(model, SPREAD, r) if model is not None and r in CALIBRATED else None
        if spread is not None:
            below += (value * (1.0 - math.exp(min(spread.log_low, 0.0)))) ** 2
            above += (value * (math.exp(max(spread.log_high, 0.0)) - 1.0)) ** 2
        out[r] = Interval(value, max(value - math.sqrt(below), 0.0), value + math.sqrt(above))
    return ResourceIntervals(**out)


def _served_by(model: CalibrationModel | None, item: CostItem, resource: str,
               memo: dict[tuple[str, str], str]) -> str:
    """The group whose error an item's ``resource`` shares: the correction that served it
    (an MVAU's FF may come from the pooled fit while its LUT has its own)."""
    if item.kind in INDEPENDENT_KINDS:
        return item.name
    if model is None or not item.key:
        return item.group
    if (item.key, resource) not in memo:
        c = _correction(model, item.key, resource) if resource in CALIBRATED else None
        memo[(item.key, resource)] = f"{c.op_type}/{resource}" if c is not None else item.group
    return memo[(item.key, resource)]


def calibrated_cost(graph: nx.DiGraph, device, model: CalibrationModel, origin: str,
                    uram_used: dict[str, float]) -> CalibratedCost:
    """The calibrated bill of materials of ``graph`` on ``device``."""
    has_uram = device.resources.uram > 0
    items = node_items(graph, model, uram_used) + stream_items(graph, model, has_uram)
    items += axi_lite_items(graph, device)
    notes = []
    shell = shell_item(model, device.part)
    if shell is None:
        family = shell_family(device.part) or device.family
        notes.append(f"no platform shell data for {family} parts in {origin}: "
                     "the shell is not in the totals")
    else:
        items.append(shell)
    return CalibratedCost(items, total(items, model), origin, notes)
