"""FIFO cost between FINN nodes, and the buffer a branch needs before a two-input join.

FIFOs are finn-rtllib fifo.sv instances (StreamingFIFO_rtl). Their storage style follows
fifo.sv's RAM_STYLE_EFF ladder (mirrored in finn.util.resource_models._resolve):
depth <= 33 -> SRL shift register; depth <= 64 and width < 12 -> SRL; depth <= 257 or
width < 5 -> LUTRAM; depth <= 2028 -> BRAM (RAMB18 aspects 512x36 .. 16Kx1); deeper ->
URAM (288 Kb, 4Kx72) where the part has it, else BRAM.
LUT/BRAM18/URAM come from FINN's own model (``finn.util.resource_models._fifo_cost``,
fitted on Vivado OOC runs: tile counts exact, LUTs within a few percent) when finn is
importable, else from the simpler fallback below. FFs are counted from fifo.sv's
registers (FINN has no FF model).
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx

from codesign.cost.node_attrs import attr, clog2
from codesign.finn.nodekinds import kind_of

# FINN's InsertFIFO takes max(outFIFODepths, inFIFODepths), both default [2]
# (hwcustomop.py), and only creates a FIFO when that depth is > 2: HLS stream
# interfaces already buffer 2 words (insert_fifo.py). So the default is "no FIFO".
DEFAULT_FIFO_DEPTH = 2  # words


def default_fifo_depth() -> int:
    """FINN's InsertFIFO default depth between two nodes (words); such a FIFO is not built."""
    return DEFAULT_FIFO_DEPTH


SRL_MAX_DEPTH = 33  # fifo.sv: a shift register at any requested style up to here
URAM_DEPTH_THRESHOLD = 2028  # fifo.sv: auto picks URAM beyond this depth
RAMB18_ASPECTS = ((36, 512), (18, 1024), (9, 2048), (4, 4096), (2, 8192), (1, 16384))
URAM_ASPECT = (72, 4096)  # UltraScale+ URAM288E2: one 4096 x 72 configuration


def fifo_style(width_bits: int, depth: int, ram_style: str = "auto", has_uram: bool = True) -> str:
    """Storage fifo.sv elaborates: "srl", "distributed", "block" or "ultra"."""
    if depth <= SRL_MAX_DEPTH:
        style = "srl"
    elif ram_style != "auto":
        style = ram_style
    elif depth <= 64 and width_bits < 12:
        style = "srl"
    elif depth <= 257 or width_bits < 5:
        style = "distributed"
    else:
        style = "block" if depth <= URAM_DEPTH_THRESHOLD else "ultra"
    # Vivado drops a URAM request on a part without URAM and builds BRAM instead.
    return "block" if style == "ultra" and not has_uram else style


def _fallback_cost(width: int, depth: int, style: str) -> tuple[int, int, int]:
    """(lut, bram18, uram) without FINN: SRLC32E = 32 bits/LUT; RAM32X2 LUTRAM = 32 rows
    x 2 bits/LUT; RAMB18 best single aspect; URAM 4Kx72; control LUTs ~ counter width
    (overhead terms as fitted in finn.util.resource_models)."""
    cw = clog2(depth + 1) + 1
    if style == "srl":
        return math.ceil(max(depth - 1, 4) / 32) * width + 5 * cw - 7, 0, 0
    if style == "distributed":
        rows = 2 ** clog2(depth - 1)  # + 5/4 write-decode and a LUT level per 128 rows
        lutram = math.ceil(rows / 32) * math.ceil(width / 2) * 5 // 4 + rows // 128 * (width // 2)
        return lutram + 8 * cw - 15, 0, 0
    if style == "ultra":
        return 6 * cw + width, 0, math.ceil(depth / URAM_ASPECT[1]) * math.ceil(width / URAM_ASPECT[0])
    tiles = min(math.ceil(depth / rows) * math.ceil(width / w) for w, rows in RAMB18_ASPECTS)
    return 54 + 3 * math.ceil(depth / 512), tiles, 0


def _fifo_ff(width: int, depth: int, style: str) -> int:
    """fifo.sv registers: output register B (width) + valid/ready flags, plus
    srl: one up/down pointer; distributed: write/read pointers and credit/fill counters;
    block/ultra: the same pointers plus a 2-3 stage read-valid pipeline."""
    abits = max(clog2(depth), 1)
    if style == "srl":
        return width + abits + 3
    if style == "distributed":
        return width + 4 * abits + 4
    return width + 4 * abits + 8 + (width if style == "ultra" else 0)


def fifo_cost(width_bits: int, depth: int, ram_style: str = "auto",
              has_uram: bool = True) -> dict[str, Any]:
    """LUT, FF, BRAM18 and URAM of one FIFO of ``depth`` words of ``width_bits`` bits.

    Depths <= DEFAULT_FIFO_DEPTH cost nothing: FINN does not instantiate them."""
    if depth <= DEFAULT_FIFO_DEPTH or width_bits <= 0:
        return {"lut": 0, "ff": 0, "bram18": 0, "uram": 0, "style": "none",
                "basis": f"depth {depth} <= {DEFAULT_FIFO_DEPTH}: FINN InsertFIFO creates no FIFO"}
    style = fifo_style(width_bits, depth, ram_style, has_uram)
    try:
        from finn.util.resource_models import _fifo_cost  # Vivado-fitted mirror of fifo.sv

        cost = _fifo_cost(depth, width_bits, style)
        lut, bram18, uram = int(cost.lut), int(cost.bram), int(cost.uram)
        source = "finn.util.resource_models._fifo_cost (fitted on Vivado OOC runs)"
    except ImportError:  # pragma: no cover - finn is a declared dependency
        lut, bram18, uram = _fallback_cost(width_bits, depth, style)
        source = "fallback model (SRLC32E/RAM32X2/RAMB18 aspect ratios), finn not importable"
    ff = _fifo_ff(width_bits, depth, style)
    return {"lut": lut, "ff": ff, "bram18": bram18, "uram": uram, "style": style,
            "basis": f"fifo.sv style {style!r} for {depth} x {width_bits} bit; LUT/BRAM/URAM "
                     f"from {source}; FF counted from fifo.sv registers (uncertainty ~1.3x)"}


# --- join buffers -----------------------------------------------------------------

# A registered HLS/RTL stage emits its first word a few cycles after its first input:
# assumed 4 cycles per node (pipeline depth of simple FINN HLS loops), uncertainty 2x.
PIPELINE_CYCLES = 4


def first_output_latency(node: dict[str, Any]) -> tuple[int, str]:
    """Cycles from a node's first input word to its first output word."""
    kind = kind_of(node)
    simd = int(attr(node, "simd", 1)) or 1
    pe = int(attr(node, "pe", 1)) or 1
    k = int(attr(node, "kernel", 1)) or 1
    w = int(attr(node, "ifm_dim", 1)) or 1
    c = int(attr(node, "channels", 1)) or 1
    if kind == "ConvolutionInputGenerator":
        lat = (k - 1) * w * math.ceil(c / simd) + k * math.ceil(c / simd)
        return lat + PIPELINE_CYCLES, f"sliding window fills (K-1) rows + K pixels = {lat} cycles"
    if kind == "GlobalAccPool":
        lat = w * w * math.ceil(c / pe)
        return lat + PIPELINE_CYCLES, f"global pooling outputs after the whole frame, H*W*C/PE = {lat}"
    if kind in ("MVAU", "VVAU"):
        mw = (k * k) if kind == "VVAU" else (int(attr(node, "mw", simd)) or simd)
        lat = math.ceil(mw / simd)
        return lat + PIPELINE_CYCLES, f"{kind} first output after one synapse fold, MW/SIMD = {lat}"
    if kind == "Pool":
        return k * k + PIPELINE_CYCLES, "pool consumes one K*K window per output"
    if kind == "StreamingDataWidthConverter":
        ratio = math.ceil((attr(node, "out_width_bits", 1) or 1) / (attr(node, "in_width_bits", 1) or 1))
        return ratio + PIPELINE_CYCLES, f"width converter assembles {ratio} input words"
    return PIPELINE_CYCLES, f"assumed: {kind} is a {PIPELINE_CYCLES}-cycle pipeline stage"


def _words_per_frame(edge: dict[str, Any]) -> int:
    """Stream words per frame on an edge: elements x element bits / stream width."""
    elems, bits = attr(edge, "elems_per_frame", 0), attr(edge, "element_bits", 0)
    width = attr(edge, "width_bits", 0)
    if elems and bits and width:
        return max(int(math.ceil(elems * bits / width)), 1)
    return int(elems) or 0


def _path_latency(graph: nx.DiGraph, fork: Any, node: Any) -> int:
    """Longest first-output latency (cycles) from the fork's output to ``node``'s output,
    over all paths (the fork itself excluded): the branch waits for its slowest path."""
    if node == fork:
        return 0
    best = {fork: 0}
    for n in nx.topological_sort(graph.subgraph(nx.descendants(graph, fork) | {fork})):
        if n == fork:
            continue
        preds = [best[p] for p in graph.predecessors(n) if p in best]
        if preds:
            best[n] = max(preds) + first_output_latency(graph.nodes[n])[0]
    return best.get(node, 0)


def _common_fork(graph: nx.DiGraph, preds: list[Any]) -> Any:
    """Nearest node from which every predecessor of the join is reachable."""
    common = set.intersection(*({p} | nx.ancestors(graph, p) for p in preds))
    if not common:
        return None
    order = {n: i for i, n in enumerate(nx.topological_sort(graph))}
    return max(common, key=order.__getitem__)


def join_buffer_depths(graph: nx.DiGraph) -> dict[tuple[Any, Any], dict[str, Any]]:
    """FIFO depth (stream words) each input edge of a two-input join needs.

    For every node with two or more stream inputs (ElementwiseAdd/Mul ...), find the
    nearest common fork, take each branch's first-output latency from the fork, and
    give the faster branch a FIFO of (latency difference) words at one word per cycle,
    capped at one frame of that edge (it can never need more). The slowest branch gets
    DEFAULT_FIFO_DEPTH. The classic case is input-dependent attention: a gate computed
    by GlobalAccPool emits only after the whole frame, so the other branch must hold
    H*W*C/PE words."""
    result: dict[tuple[Any, Any], dict[str, Any]] = {}
    for join in graph.nodes:
        preds = list(graph.predecessors(join))
        if len(preds) < 2:
            continue
        fork = _common_fork(graph, preds)
        if fork is None:
            for p in preds:
                result[(p, join)] = {"depth": DEFAULT_FIFO_DEPTH, "delta_cycles": 0, "fork": None,
                                     "basis": "inputs share no fork (independent streams): default depth"}
            continue
        lat = {p: _path_latency(graph, fork, p) for p in preds}
        slowest = max(lat.values())
        for p in preds:
            delta = slowest - lat[p]
            words = _words_per_frame(graph.edges[p, join])
            depth = min(delta, words) if words else delta
            depth = max(depth, DEFAULT_FIFO_DEPTH)
            result[(p, join)] = {
                "depth": int(depth), "delta_cycles": int(delta), "fork": fork,
                "basis": (f"branch via {p!r} emits first after {lat[p]} cycles from fork "
                          f"{fork!r}, slowest branch after {slowest}: buffer {delta} words at "
                          f"1 word/cycle (upper bound), capped at {words} words/frame"),
            }
    return result
