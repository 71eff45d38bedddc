"""Many foldings of one design estimated in milliseconds each, identical to the slow path.

``Estimator.estimate(folding=...)`` rebuilds the HW graph and re-runs every per-node
estimator for each folding (~0.1-0.2 s on cnv with SetFolding). ``FastEstimator``
computes each node's figures once per distinct (node, PE, SIMD, parallel_window,
mem_mode, ram_style, resType) -- everything FINN's estimators read that a folding can
change; weights, thresholds and data types are the design's -- and caches them:
codesign.graph.hwgraph's node attributes (FINN's node_res_estimation, get_exp_cycles,
stream widths), the URAM correction, the calibrated node item and the AXI-lite item.
Per folding it only looks the nodes up and recomputes what depends on neighbours
(join buffers, FIFOs, width converters) and the totals (codesign.cost.fast_totals).
The same functions on the same numbers in the same order: totals, intervals, cycles,
FPS and latency equal ``Estimator.estimate`` (tests/cost/test_explore.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from codesign.cost import fifo
from codesign.cost.calibrated import CostItem, ResourceIntervals, axi_lite_item, node_item
from codesign.cost.estimate import RESOURCES, corrected_resources, fit_confidence
from codesign.cost.fast_totals import GraphStructure, assemble_totals
from codesign.cost.folding import FoldingResult, node_cycles
from codesign.finn.compat.hls_folding import hls_codegen_refusal
from codesign.finn.folding_space import FOLDING_ATTRS, Folding, apply_folding, folding_of, set_folding
from codesign.graph.hwgraph import build_graph, node_attributes

FIXED_ATTRS = ("mem_mode", "ram_style", "resType")  # read by FINN's estimators; a folding keeps them


@dataclass(frozen=True)
class NodeFigures:
    """One node at one folding: its HW-graph attributes and what the totals need."""
    attrs: dict
    out_widths: tuple[int, ...]  # bits of each output stream
    item: CostItem  # calibrated node item
    axi_item: CostItem | None  # AXI-lite write path (run-time-writeable nodes)
    first_latency: int  # fifo.first_output_latency cycles
    cycles: int  # FINN get_exp_cycles = the cycles_estimate AnnotateCycles writes
    refusal: str | None  # why FINN's HLS code generation would refuse this folding, else None


@dataclass(frozen=True)
class FoldingPoint:
    """The estimate of one folding: what ``Estimate`` says about resources and speed."""
    folding: Folding
    origin: str  # how it was made (SetFolding target, or the move from one)
    intervals: ResourceIntervals  # calibrated totals, value [low, high]
    cycles_per_frame: int
    critical_path_cycles: int
    fps: float
    latency_s: float
    bottleneck: str
    fits: bool  # at the point values
    fit_confidence: str  # over the intervals: "fits", "uncertain", "does not fit"

    @property
    def totals(self) -> dict[str, float]:
        return self.intervals.values()


class FastEstimator:
    """``estimate(folding)`` for one Estimator's design, device and calibration."""

    def __init__(self, estimator):
        self.estimator = estimator
        design = estimator.design
        self.model = copy.deepcopy(design.model)  # a working copy: node attributes are set on it
        self._by_name = {n.name: n for n in self.model.graph.node}
        graph = build_graph(self.model, design.fpgapart, design.roles)
        self.structure = GraphStructure(graph, self.model)
        self._roles = {n: graph.nodes[n]["role"] for n in graph.nodes}
        self._base = folding_of(self.model)
        self._fixed = {name: self._fixed_attrs(name) for name in self.structure.order}
        self._cache: dict[tuple, NodeFigures] = {}
        self.hits = self.misses = 0

    def _fixed_attrs(self, name: str) -> tuple:
        from finn.util.basic import getHWCustomOp

        inst = getHWCustomOp(self._by_name[name])
        types = inst.get_nodeattr_types()
        return tuple(inst.get_nodeattr(a) if a in types else None for a in FIXED_ATTRS)

    def base_folding(self) -> Folding:
        return {name: dict(attrs) for name, attrs in self._base.items()}

    def node(self, name: str, values: dict[str, int]) -> NodeFigures:
        """The node's figures at ``values`` (its folding attributes), computed once."""
        key = (name, tuple(values.get(a) for a in FOLDING_ATTRS), self._fixed[name])
        found = self._cache.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        figures = self._compute(name, values)
        self._cache[key] = figures
        return figures

    def _compute(self, name: str, values: dict[str, int]) -> NodeFigures:
        from finn.util.basic import getHWCustomOp

        node = self._by_name[name]
        set_folding(self.model, {name: values})
        est = self.estimator
        attrs = node_attributes(self.model, node, est.design.fpgapart)
        inst = getHWCustomOp(node)
        widths = tuple(int(inst.get_outstream_width(i)) for i in range(len(node.output)))
        full = {**attrs, "role": self._roles[name]}
        uram = corrected_resources(full, est.has_uram)[0]["uram"]
        item = node_item(est.calibration.model, name, full, uram)
        axi = axi_lite_item(name, full, est.device) if full["runtime_writeable"] else None
        return NodeFigures(attrs, widths, item, axi, fifo.first_output_latency(full)[0], int(attrs["cycles"]),
                           hls_codegen_refusal(node, inst))

    def node_at(self, name: str, folding: Folding) -> NodeFigures:
        """The node's figures in ``folding`` (the design's folding where it has none)."""
        return self.node(name, {**self._base.get(name, {}), **folding.get(name, {})})

    def buildable(self, folding: Folding) -> bool:
        """No node of ``folding`` that FINN's HLS code generation would refuse."""
        return all(self.node_at(n, folding).refusal is None for n in folding)

    def estimate(self, folding: Folding, origin: str = "") -> FoldingPoint:
        """The estimate of ``folding`` (node -> folding attributes; nodes it leaves out keep
        the design's folding)."""
        est, structure = self.estimator, self.structure
        figures = {n: self.node_at(n, folding) for n in structure.order}
        structure.refresh({n: f.attrs for n, f in figures.items()}, {n: f.out_widths for n, f in figures.items()})
        intervals = assemble_totals(
            structure, [figures[n].item for n in structure.order],
            [figures[n].axi_item for n in structure.order if figures[n].axi_item is not None],
            est.calibration.model, est.device, {n: f.first_latency for n, f in figures.items()})
        perf = structure.performance({n: f.cycles for n, f in figures.items()})
        clock_hz = est.device.clock_mhz * 1e6
        available = {r: int(getattr(est.device.resources, r)) for r in RESOURCES}
        totals = intervals.values()
        return FoldingPoint(
            folding={n: dict(v) for n, v in folding.items()}, origin=origin, intervals=intervals,
            cycles_per_frame=perf.max_cycles, critical_path_cycles=perf.critical_path_cycles,
            fps=clock_hz / perf.max_cycles, latency_s=perf.critical_path_cycles / clock_hz,
            bottleneck=perf.bottleneck, fits=not any(totals[r] > available[r] for r in RESOURCES),
            fit_confidence=fit_confidence(intervals, available))


def folding_result(model, folding: Folding) -> FoldingResult:
    """The slow path's input for ``folding``: a folded copy of ``model`` as
    codesign.cost.folding.fold returns it (cycles annotated), for Estimator.estimate."""
    folded = apply_folding(model, folding)
    cycles = node_cycles(folded)
    bottleneck = max(cycles, key=cycles.get)
    return FoldingResult(folded, cycles[bottleneck], cycles[bottleneck], bottleneck)
