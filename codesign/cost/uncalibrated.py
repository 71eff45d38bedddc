"""The uncalibrated figure codesign gave before calibration, kept for comparison.

FINN's node sum plus codesign's own models of what FINN leaves out: join buffers deeper
than FINN's default FIFO (fifo.py) and AXI-lite write paths (axilite.py). Streams of
default depth get no FIFO here; the calibrated estimate (calibrated.py) costs the FIFOs
FINN's automatic sizing inserts, the width converters and the shell.
"""

from __future__ import annotations

import networkx as nx

from codesign.cost import axilite, fifo

RESOURCES = ("lut", "ff", "bram18", "uram", "dsp")


def extras_without_calibration(graph: nx.DiGraph, device, has_uram: bool) -> dict[str, dict[str, float]]:
    """Costs FINN's estimate leaves out: inter-node FIFOs, join buffers, AXI-lite write paths."""
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
