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

from codesign.cost import energy, ff, switch
from codesign.cost.calibrated import CalibratedCost, ResourceIntervals, calibrated_cost
from codesign.cost.uncalibrated import extras_without_calibration
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
    lut: float  # calibrated point values (``calibrated`` has the intervals)
    ff: float
    bram18: float
    uram: float
    dsp: float
    finn: dict[str, float]  # FINN's raw estimate (LUT, BRAM_18K, URAM, DSP) before corrections
    corrections: list[str]
    energy_pj: float
    ff_basis: str = ""
    calibrated: ResourceIntervals | None = None


@dataclass
class Estimate:
    graph: str
    device: str
    part: str
    clock_mhz: float
    target_fps: float | None
    nodes: list[NodeEstimate]
    extras: dict[str, dict[str, float]]  # "fifos", "width_converters", "axi_lite", "shell" -> resources
    totals: dict[str, float]  # calibrated point values, the ones fit checks and budgets use
    available: dict[str, int]
    utilisation_pct: dict[str, float]
    fits: bool  # at the point values
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
    intervals: ResourceIntervals | None = None  # totals as value [low, high]
    fit_confidence: str = ""  # "fits", "uncertain" or "does not fit" over the intervals
    finn_totals: dict[str, float] = field(default_factory=dict)  # FINN's node sum + codesign's models, uncalibrated
    calibration: str = ""  # the calibration file used
    calibration_notes: list[str] = field(default_factory=list)
    folding_source: str = ""  # a folding config file estimated as it is (--folding); "": folded here

    def to_dict(self) -> dict:
        return asdict(self)


def fit_confidence(intervals: ResourceIntervals, available: dict[str, int]) -> str:
    """"fits" when every interval's top fits, "does not fit" when some interval's bottom
    is over the device, "uncertain" in between."""
    if any(intervals.get(r).low > available[r] for r in RESOURCES):
        return "does not fit"
    return "fits" if all(intervals.get(r).high <= available[r] for r in RESOURCES) else "uncertain"


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
    def __init__(self, design, device, calibration=None, limits: dict[str, float] | None = None):
        """``calibration``: a codesign.cost.calibration_files.LoadedCalibration; None: the
        device spec's calibration file, else the shipped one. ``limits``: resource name
        (RESOURCES) -> the most a folding may use besides the device's capacity (a
        comparison's budget); the fastest folding without a target meets them all."""
        from codesign.cost.calibration_files import load_calibration

        self.design = design
        self.device = device
        self.has_uram = device.resources.uram > 0
        self.calibration = calibration if calibration is not None else load_calibration(None, device)
        unknown = sorted(set(limits or {}) - set(RESOURCES))
        if unknown:
            raise ValueError(f"resource limits: unknown resource {unknown[0]!r}; expected one of {', '.join(RESOURCES)}")
        self.limits = {r: float(v) for r, v in (limits or {}).items()}
        self._node_memo: dict = {}  # build_graph's node attributes, shared by every folding
        self.last_folding: FoldingResult | None = None  # of the last estimate: its reports and graph

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
        return fastest_fitting(self.design.model, lambda r: self._fits(self._costs(build_graph(
            r.model, self.design.fpgapart, self.design.roles, self._node_memo))[1]))

    # -- estimate -----------------------------------------------------------------------
    def estimate(self, target_fps: float | None = None, require_fit: bool = False,
                 folding: FoldingResult | None = None) -> Estimate:
        """The estimate at ``target_fps`` (None: the fastest folding that fits the device and
        meets ``limits``). ``folding``:
        this design's ``fold(target_fps)`` when the caller already has it (the
        fastest-fitting search is the slow part: minutes on CNV); None folds here."""
        if folding is None:
            folding = self.fold(target_fps)
        self.last_folding = folding
        graph = build_graph(folding.model, self.design.fpgapart, self.design.roles, self._node_memo)
        finn_used, cost = self._costs(graph)
        totals = cost.totals.values()
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
        energy_breakdown = energy.energy_per_inference(graph, self.device, latency_s,
                                                       clock_hz / perf["max_cycles"])
        return Estimate(
            graph=self.design.spec.name, device=self.device.name, part=self.device.part,
            clock_mhz=self.device.clock_mhz, target_fps=target_fps,
            nodes=_node_estimates(graph, finn_used, cost, energy_breakdown), extras=_extras(cost),
            totals=totals, available=available, utilisation_pct=util, fits=not shortfall,
            shortfall=shortfall, cycles_per_frame=perf["max_cycles"],
            critical_path_cycles=perf["critical_path_cycles"],
            fps=clock_hz / perf["max_cycles"], latency_s=latency_s,
            bottleneck=perf["max_cycles_node_name"], interconnect=interconnect(graph),
            energy=_energy_dict(energy_breakdown), switch=_switch_dict(switch.domain_switch_cost(graph, self.device)),
            sources={**SOURCES, "calibration": self.calibration.origin}, domain_weights=self.design.domain_weights,
            intervals=cost.totals, fit_confidence=fit_confidence(cost.totals, available),
            finn_totals=_finn_totals(finn_used, graph, self.device, self.has_uram),
            calibration=self.calibration.origin, calibration_notes=list(cost.notes))

    def graph(self, target_fps: float | None = None) -> nx.DiGraph:
        return build_graph(self.fold(target_fps).model, self.design.fpgapart, self.design.roles,
                           self._node_memo)

    def _costs(self, graph: nx.DiGraph) -> tuple[dict[str, dict], CalibratedCost]:
        """FINN's own per-node figures (URAM-corrected, structural FF) and the calibrated cost."""
        finn_used = {}
        for name, attrs in graph.nodes(data=True):
            used, notes = corrected_resources(attrs, self.has_uram)
            used["ff"], used["ff_basis"] = ff.flip_flops(attrs)
            used["corrections"] = notes
            finn_used[name] = used
        cost = calibrated_cost(graph, self.device, self.calibration.model, self.calibration.origin,
                               {name: used["uram"] for name, used in finn_used.items()})
        return finn_used, cost

    def allowed(self) -> dict[str, float]:
        """What a folding may use per resource: the device's capacity, or a lower limit."""
        return {r: min(float(getattr(self.device.resources, r)), self.limits.get(r, float("inf")))
                for r in RESOURCES}

    def _fits(self, cost: CalibratedCost) -> bool:
        """Whether the calibrated point values meet every resource limit (device and ``limits``)."""
        allowed = self.allowed()
        return all(cost.totals.get(r).value <= allowed[r] for r in RESOURCES)


def _node_estimates(graph: nx.DiGraph, finn_used: dict, cost: CalibratedCost, energy_breakdown) -> list:
    by_name = {item.name: item for item in cost.items if item.kind == "node"}
    node_energy = {n: e.total_pj for n, e in energy_breakdown.per_node.items()}
    nodes = []
    for name, attrs in graph.nodes(data=True):
        used, item = finn_used[name], by_name[str(name)]
        nodes.append(NodeEstimate(
            name, attrs["op_type"], attrs["role"], attrs["pe"], attrs["simd"], attrs["cycles"],
            *(item.amounts.get(r).value for r in RESOURCES),
            {"LUT": attrs["lut"], "BRAM_18K": attrs["bram18"], "URAM": attrs["uram"], "DSP": attrs["dsp"],
             "FF (codesign register model)": used["ff"]},
            used["corrections"] + [item.basis], node_energy.get(name, 0.0), used["ff_basis"], item.amounts))
    return nodes


def _extras(cost: CalibratedCost) -> dict[str, dict[str, float]]:
    """What a build adds around the nodes, point values per kind."""
    names = {"fifo": "fifos", "dwc": "width_converters", "axi_lite": "axi_lite", "shell": "shell"}
    kinds = cost.by_kind()
    return {label: kinds[kind] for kind, label in names.items() if kind in kinds}


def _finn_totals(finn_used: dict, graph: nx.DiGraph, device, has_uram: bool) -> dict[str, float]:
    """The uncalibrated figure: FINN's node sum, codesign's FF model, join buffers and AXI-lite."""
    extras = extras_without_calibration(graph, device, has_uram)
    return {r: sum(n[r] for n in finn_used.values()) + sum(e.get(r, 0) for e in extras.values())
            for r in RESOURCES}


def _performance(model) -> dict:
    from finn.analysis.fpgadataflow.dataflow_performance import dataflow_performance

    perf = model.analysis(dataflow_performance)
    return {"critical_path_cycles": int(perf["critical_path_cycles"]),
            "max_cycles": int(perf["max_cycles"]), "max_cycles_node_name": perf["max_cycles_node_name"]}


def _energy_dict(breakdown) -> dict:
    """The two energy figures (µJ), the powers they come from (W) and the dynamic breakdown."""
    per_node = {name: {**asdict(e), "total_pj": e.total_pj} for name, e in breakdown.per_node.items()}
    return {"per_inference_at_throughput_uj": breakdown.per_inference_at_throughput_uj,
            "single_image_uj": breakdown.single_image_uj, "dynamic_uj": breakdown.dynamic_uj,
            "power_at_throughput_w": breakdown.power_at_throughput_w,
            "dynamic_power_w": breakdown.dynamic_power_w,
            "board_idle_power_w": breakdown.board_idle_power_w, "static_power_w": breakdown.static_power_w,
            "fps": breakdown.fps, "latency_s": breakdown.latency_s,
            "terms_uj": {t: breakdown.term_pj(t) * 1e-6 for t in energy.TERMS},
            "per_node_pj": per_node, "sources": dict(breakdown.sources)}


def _switch_dict(cost) -> dict:
    return {**asdict(cost), "payload_bytes": cost.payload_bytes, "speedup": cost.speedup}
