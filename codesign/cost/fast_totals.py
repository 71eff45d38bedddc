"""Totals of one design at many foldings, without rebuilding its HW graph.

A folding changes node attributes only: the graph's nodes, streams, forks and joins are
those of the design. ``GraphStructure`` reads them once from a graph built by
codesign.graph.hwgraph.build_graph; per folding, the caller writes each node's cached
attributes and stream widths into that graph (``refresh``) and this module recomputes
what depends on neighbours the way the slow path does, with the same functions:

- join buffers: fifo.join_buffer_depths's arithmetic (longest first-output latency from
  the fork to each branch, capped at a frame of words) over the precomputed forks and
  topological orders, instead of networkx's ancestor/descendant searches per call;
- FIFOs, width converters: calibrated.stream_items on the refreshed graph;
- totals: calibrated.total over the items in the slow path's order (sums of floats are
  order-sensitive; the order is the same, so the totals are identical);
- cycles: FINN's dataflow_performance (max node cycles; critical path = node cycles +
  slowest predecessor's, in graph order).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from codesign.cost import fifo
from codesign.cost.calibrated import CostItem, ResourceIntervals, shell_item, stream_items, total


@dataclass(frozen=True)
class Join:
    """A node with two or more input streams, its nearest common fork and, for the
    longest-latency search, the fork's descendants in topological order."""
    node: str
    preds: tuple[str, ...]
    fork: str | None
    order: tuple[str, ...]  # descendants of the fork (fork excluded), topologically sorted


@dataclass(frozen=True)
class Performance:
    max_cycles: int
    bottleneck: str
    critical_path_cycles: int


class GraphStructure:
    """What stays fixed over foldings: node order, stream ends (producer output index)
    and joins. ``graph`` is the design's HW graph; ``refresh`` rewrites its attributes."""

    def __init__(self, graph: nx.DiGraph, model):
        self.graph = graph
        self.order = tuple(graph.nodes)
        self.preds = {n: tuple(graph.predecessors(n)) for n in self.order}
        self.edge_output = _edge_outputs(model, set(self.order))
        self.edges = tuple(graph.edges)
        self.joins = tuple(_join(graph, n) for n in self.order if len(self.preds[n]) >= 2)

    def refresh(self, node_attrs: dict[str, dict], out_widths: dict[str, tuple[int, ...]]) -> None:
        """Write each node's attributes and each stream's width (its producer's output width)."""
        nodes, edges = self.graph.nodes, self.graph.edges
        for name in self.order:
            nodes[name].update(node_attrs[name])
        for src, dst in self.edges:
            edges[src, dst]["width_bits"] = out_widths[src][self.edge_output[src, dst]]

    def join_depths(self, first_latency: dict[str, int]) -> dict[tuple[str, str], dict]:
        """fifo.join_buffer_depths of the refreshed graph (``first_latency``: each node's
        fifo.first_output_latency cycles), with the same depths."""
        result: dict[tuple[str, str], dict] = {}
        edges = self.graph.edges
        for join in self.joins:
            if join.fork is None:
                for p in join.preds:
                    result[(p, join.node)] = {"depth": fifo.DEFAULT_FIFO_DEPTH, "delta_cycles": 0, "fork": None}
                continue
            best = {join.fork: 0}
            for n in join.order:
                known = [best[p] for p in self.preds[n] if p in best]
                if known:
                    best[n] = max(known) + first_latency[n]
            lat = {p: (0 if p == join.fork else best.get(p, 0)) for p in join.preds}
            slowest = max(lat.values())
            for p in join.preds:
                delta = slowest - lat[p]
                words = fifo._words_per_frame(edges[p, join.node])
                depth = max(min(delta, words) if words else delta, fifo.DEFAULT_FIFO_DEPTH)
                result[(p, join.node)] = {"depth": int(depth), "delta_cycles": int(delta), "fork": join.fork}
        return result

    def performance(self, cycles: dict[str, int]) -> Performance:
        """FINN's dataflow_performance over ``cycles`` (each node's cycles_estimate)."""
        latency: dict[str, int] = {}
        max_cycles, bottleneck = 0, ""
        for name in self.order:
            c = cycles[name]
            if c > max_cycles:
                max_cycles, bottleneck = c, name
            latency[name] = c + max((latency[p] for p in self.preds[name]), default=0)
        return Performance(int(max_cycles), bottleneck, int(max(latency.values())))


def _edge_outputs(model, hw: set[str]) -> dict[tuple[str, str], int]:
    """(producer, consumer) -> the producer's output index on that stream; the last one
    where a pair shares several (build_graph's add_edge keeps the last attributes)."""
    producer = {}
    for node in model.graph.node:
        if node.name in hw:
            for index, tensor in enumerate(node.output):
                producer[tensor] = (node.name, index)
    out = {}
    for node in model.graph.node:
        if node.name not in hw:
            continue
        for tensor in node.input:
            if tensor in producer:
                src, index = producer[tensor]
                out[src, node.name] = index
    return out


def _join(graph: nx.DiGraph, node: str) -> Join:
    preds = tuple(graph.predecessors(node))
    fork = fifo._common_fork(graph, list(preds))
    if fork is None:
        return Join(node, preds, None, ())
    sub = graph.subgraph(nx.descendants(graph, fork) | {fork})
    return Join(node, preds, fork, tuple(n for n in nx.topological_sort(sub) if n != fork))


def assemble_totals(structure: GraphStructure, node_items: list[CostItem], axi_items: list[CostItem],
                    calibration_model, device, first_latency: dict[str, int]) -> ResourceIntervals:
    """calibrated.calibrated_cost's totals from per-node items (graph order) and the
    refreshed graph: nodes, streams, AXI-lite write paths, shell, in that order."""
    has_uram = device.resources.uram > 0
    joins = structure.join_depths(first_latency)
    items = list(node_items) + stream_items(structure.graph, calibration_model, has_uram, joins)
    items += axi_items
    shell = shell_item(calibration_model, device.part)
    if shell is not None:
        items.append(shell)
    return total(items, calibration_model)
