"""The estimate: resources, interconnects, throughput, energy and domain switch cost.

``Estimator(design, device)`` holds one converted design (see codesign.graph.design)
and re-folds/re-estimates it in milliseconds; ``estimate(target_fps=None)`` returns
an :class:`Estimate`. Where each number comes from:

- LUT/BRAM18/URAM/DSP and cycles per node: FINN's own estimators on the folded graph
  (``node_res_estimation``, ``get_exp_cycles``), with two documented corrections
  (see :func:`corrected_resources`);
- flip-flops, FIFOs (incl. join buffers) and the AXI-lite write path: our models in
  ff.py, fifo.py, axilite.py, each with its basis;
- FPS/latency: slowest node's cycles / critical path cycles at the device clock
  (FINN's dataflow_performance);
- energy: energy.py with the device spec's coefficients (and their sources);
- switch cost: switch.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import networkx as nx

from codesign.cost import axilite, energy, ff, fifo, switch
from codesign.cost.errors import EstimateError, UnreachableTargetError
from codesign.cost.folding import FoldingResult, cycles_for_fps, fastest_fitting, fold
from codesign.cost.interconnect import Interconnect, interconnect
from codesign.graph.hwgraph import build_graph

RESOURCES = ("lut", "ff", "bram18", "uram", "dsp")
SOURCES = {
    "lut": "FINN node estimators (finn-plus 1.6.1) + FIFO/AXI-lite models",
    "ff": "codesign register-count model (cost/ff.py), FIFO and AXI-lite models",
    "bram18": "FINN node estimators + FIFO model (cost/fifo.py)",
    "uram": "FINN node estimators, corrected for parts without URAM",
    "dsp": "FINN node estimators",
    "cycles": "FINN get_exp_cycles per node (analytical)",
    "fps": "device clock / slowest node's cycles (FINN dataflow_performance)",
    "latency": "critical-path cycles (FINN dataflow_performance) / device clock",
}


@dataclass
class NodeEstimate:
    name: str
    op_type: str
    role: str
    pe: int
    simd: int
    cycles: int
    lut: float
    ff: float
    bram18: float
    uram: float
    dsp: float
    finn: dict[str, float]  # FINN's raw estimate (LUT, BRAM_18K, URAM, DSP) before corrections
    corrections: list[str]
    energy_pj: float
    ff_basis: str = ""


@dataclass
class Estimate:
    graph: str
    device: str
    part: str
    clock_mhz: float
    target_fps: float | None
    nodes: list[NodeEstimate]
    extras: dict[str, dict[str, float]]  # "fifos", "join_buffers", "axi_lite" -> resources
    totals: dict[str, float]
    available: dict[str, int]
    utilisation_pct: dict[str, float]
    fits: bool
    shortfall: dict[str, float]  # resource -> amount over the device (empty when it fits)
    cycles_per_frame: int  # initiation interval: slowest node
    critical_path_cycles: int
    fps: float
    latency_s: float
    bottleneck: str
    interconnect: Interconnect
    energy: dict
    switch: dict
    sources: dict[str, str] = field(default_factory=dict)
    domain_weights: str = "random"

    def to_dict(self) -> dict:
        return asdict(self)


def corrected_resources(attrs: dict, has_uram: bool) -> tuple[dict[str, float], list[str]]:
    """FINN's numbers with the two corrections we found necessary (finn-plus 1.6.1):

    1. MVAU ``uram_estimation`` ignores the part and, for embedded weights deeper than
       128 words, reports URAM *and* BRAM for the same memory. Embedded weights live
       in BRAM unless ram_style is "ultra": URAM is dropped then, and always on parts
       without URAM.
    2. Nothing else is changed: LUT, BRAM and DSP are FINN's.
    """
    used = {"lut": attrs["lut"], "bram18": attrs["bram18"], "uram": attrs["uram"], "dsp": attrs["dsp"]}
    notes = []
    if used["uram"] and (not has_uram or (attrs["mem_mode"] == "internal_embedded"
                                          and attrs["ram_style"] != "ultra")):
        notes.append(f"URAM {used['uram']:.0f} -> 0: FINN counts embedded weights in both BRAM and "
                     f"URAM{'' if has_uram else ' and the part has no URAM'}")
        used["uram"] = 0.0
    return used, notes


class Estimator:
    def __init__(self, design, device):
        self.design = design
        self.device = device
        self.has_uram = device.resources.uram > 0

    # -- folding ------------------------------------------------------------------------
    def fold(self, target_fps: float | None) -> FoldingResult:
        clock = self.device.clock_mhz
        if target_fps is not None:
            result = fold(self.design.model, cycles_for_fps(target_fps, clock))
            reachable = clock * 1e6 / result.achieved_cycles
            if result.achieved_cycles > result.target_cycles:
                raise UnreachableTargetError(
                    f"target {target_fps:,.0f} FPS is unreachable: the best reachable is "
                    f"{reachable:,.1f} FPS at {clock:.0f} MHz, limited by {result.bottleneck} "
                    f"({result.achieved_cycles:,d} cycles/frame at its maximum parallelism)")
            return result
        return fastest_fitting(self.design.model, lambda r: self._totals(build_graph(
            r.model, self.design.fpgapart, self.design.roles))[2])

    # -- estimate -----------------------------------------------------------------------
    def estimate(self, target_fps: float | None = None, require_fit: bool = False,
                 folding: FoldingResult | None = None) -> Estimate:
        """The estimate at ``target_fps`` (None: the fastest folding that fits). ``folding``:
        this design's ``fold(target_fps)`` when the caller already has it (the
        fastest-fitting search is the slow part: minutes on CNV); None folds here."""
        if folding is None:
            folding = self.fold(target_fps)
        graph = build_graph(folding.model, self.design.fpgapart, self.design.roles)
        nodes_used, extras, fits_now = self._totals(graph)
        totals = {r: sum(n[r] for n in nodes_used.values()) + sum(e.get(r, 0) for e in extras.values())
                  for r in RESOURCES}
        available = {r: int(getattr(self.device.resources, r)) for r in RESOURCES}
        util = {r: (100.0 * totals[r] / available[r]) if available[r] else (0.0 if not totals[r] else float("inf"))
                for r in RESOURCES}
        shortfall = {r: totals[r] - available[r] for r in RESOURCES if totals[r] > available[r]}
        if require_fit and shortfall:
            worst = max(shortfall, key=lambda r: util[r])
            raise EstimateError(
                f"design does not fit {self.device.name} ({self.device.part}): {worst.upper()} needs "
                f"{totals[worst]:,.0f} of {available[worst]:,d} (short by {shortfall[worst]:,.0f}, "
                f"{util[worst]:.0f}% utilisation)")
        perf = _performance(folding.model)
        clock_hz = self.device.clock_mhz * 1e6
        latency_s = perf["critical_path_cycles"] / clock_hz
        energy_breakdown = energy.energy_per_inference(graph, self.device, latency_s)
        node_energy = {n: e.total_pj for n, e in energy_breakdown.per_node.items()}
        nodes = []
        for name, attrs in graph.nodes(data=True):
            used = nodes_used[name]
            nodes.append(NodeEstimate(
                name, attrs["op_type"], attrs["role"], attrs["pe"], attrs["simd"], attrs["cycles"],
                used["lut"], used["ff"], used["bram18"], used["uram"], used["dsp"],
                {"LUT": attrs["lut"], "BRAM_18K": attrs["bram18"], "URAM": attrs["uram"], "DSP": attrs["dsp"]},
                used["corrections"], node_energy.get(name, 0.0), used["ff_basis"]))
        switch_cost = switch.domain_switch_cost(graph, self.device)
        return Estimate(
            graph=self.design.spec.name, device=self.device.name, part=self.device.part,
            clock_mhz=self.device.clock_mhz, target_fps=target_fps, nodes=nodes, extras=extras,
            totals=totals, available=available, utilisation_pct=util, fits=not shortfall,
            shortfall=shortfall, cycles_per_frame=perf["max_cycles"],
            critical_path_cycles=perf["critical_path_cycles"],
            fps=clock_hz / perf["max_cycles"], latency_s=latency_s,
            bottleneck=perf["max_cycles_node_name"], interconnect=interconnect(graph),
            energy=_energy_dict(energy_breakdown), switch=_switch_dict(switch_cost),
            sources=dict(SOURCES), domain_weights=self.design.domain_weights)

    def graph(self, target_fps: float | None = None) -> nx.DiGraph:
        return build_graph(self.fold(target_fps).model, self.design.fpgapart, self.design.roles)

    def _totals(self, graph: nx.DiGraph):
        nodes_used = {}
        for name, attrs in graph.nodes(data=True):
            used, notes = corrected_resources(attrs, self.has_uram)
            used["ff"], used["ff_basis"] = ff.flip_flops(attrs)
            used["corrections"] = notes
            nodes_used[name] = used
        extras = _extras(graph, self.device, self.has_uram)
        totals = {r: sum(n[r] for n in nodes_used.values()) + sum(e.get(r, 0) for e in extras.values())
                  for r in RESOURCES}
        fits = all(totals[r] <= getattr(self.device.resources, r) for r in RESOURCES)
        return nodes_used, extras, fits


def _extras(graph: nx.DiGraph, device, has_uram: bool) -> dict[str, dict[str, float]]:
    """Costs FINN leaves out: inter-node FIFOs, join buffers, AXI-lite write paths."""
    sums = {key: {r: 0.0 for r in RESOURCES} for key in ("fifos", "join_buffers", "axi_lite")}
    joins = fifo.join_buffer_depths(graph)
    default_depth = fifo.default_fifo_depth()
    for src, dst, edge in graph.edges(data=True):
        join = joins.get((src, dst))
        depth = max(default_depth, int(join["depth"])) if join else default_depth
        cost = fifo.fifo_cost(edge["width_bits"], depth, has_uram=has_uram)
        key = "join_buffers" if join and join["depth"] > default_depth else "fifos"
        for r in RESOURCES:
            sums[key][r] += float(cost.get(r, 0))
    for name, attrs in graph.nodes(data=True):
        if attrs["runtime_writeable"]:
            cost = axilite.write_path_cost(attrs, device)
            for r in RESOURCES:
                sums["axi_lite"][r] += float(cost.get(r, 0))
    return sums


def _performance(model) -> dict:
    from finn.analysis.fpgadataflow.dataflow_performance import dataflow_performance

    perf = model.analysis(dataflow_performance)
    return {"critical_path_cycles": int(perf["critical_path_cycles"]),
            "max_cycles": int(perf["max_cycles"]), "max_cycles_node_name": perf["max_cycles_node_name"]}


def _energy_dict(breakdown) -> dict:
    per_node = {name: {**asdict(e), "total_pj": e.total_pj} for name, e in breakdown.per_node.items()}
    terms = ("mac_pj", "weight_memory_read_pj", "threshold_read_pj", "stream_pj")
    return {"total_uj": breakdown.total_uj, "dynamic_uj": breakdown.dynamic_uj,
            "static_uj": breakdown.static_uj, "static_power_w": breakdown.static_power_w,
            "latency_s": breakdown.latency_s,
            "terms_uj": {t: breakdown.term_pj(t) * 1e-6 for t in terms},
            "per_node_pj": per_node, "sources": dict(breakdown.sources)}


def _switch_dict(cost) -> dict:
    return {**asdict(cost), "payload_bytes": cost.payload_bytes, "speedup": cost.speedup}
