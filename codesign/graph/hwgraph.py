"""The hardware graph: one networkx node per FINN HW layer, one edge per stream.

Node attributes (units in names): kind, op_type, role (fixed|reconfigurable), pe,
simd, mw, mh, channels, kernel, ifm_dim, ofm_dim, weight_bits, input_bits,
output_bits, acc_bits, weight_count, threshold_count, threshold_bits, mem_mode,
ram_style, runtime_writeable, res_type, cycles (per frame), lut, bram18, uram, dsp
(FINN's estimators), macs_per_frame, in_width_bits, out_width_bits,
in_elems_per_frame, out_elems_per_frame. Edge attributes: width_bits (wires at the
current folding), element_bits, elems_per_frame, crossing (fixed<->reconfigurable).
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np

from codesign.finn.nodekinds import generic_kind, is_hw
from codesign.graph.ownership import FIXED, RECONFIGURABLE


def _attr(inst, name, default=None):
    try:
        return inst.get_nodeattr(name) if name in inst.get_nodeattr_types() else default
    except Exception:  # noqa: BLE001 - FINN raises generic errors for unset attributes
        return default


def _bits(datatype_getter) -> int:
    try:
        return int(datatype_getter().bitwidth())
    except Exception:  # noqa: BLE001
        return 0


def _dim(value) -> int:
    if value is None:
        return 0
    if isinstance(value, (list, tuple)):
        return int(value[0]) if value else 0
    return int(value)


MATRIX_KINDS = ("MVAU", "VVAU")  # generic kinds with a weight matrix (input 1)


def node_attributes(model, node, fpgapart: str) -> dict:
    """The attributes of one HW node (see the module docstring), in that order."""
    from finn.util.basic import getHWCustomOp

    inst = getHWCustomOp(node)
    kind = generic_kind(node.op_type)
    res = inst.node_res_estimation(fpgapart)
    weights, thresholds = _node_memories(model, node, kind)
    is_matrix = kind in MATRIX_KINDS
    return {"kind": kind, "op_type": node.op_type, **_folding_attributes(inst),
            **_datatype_attributes(inst, is_matrix),
            **_memory_attributes(inst, weights if is_matrix else None, thresholds),
            **_cost_attributes(inst, res), **_stream_attributes(inst)}


def _node_memories(model, node, kind: str):
    """(weights, thresholds): the initializers of input 1 and, for matrix units, input 2
    (a Thresholding node's input 1 holds its thresholds); None where there are none."""
    weights = model.get_initializer(node.input[1]) if len(node.input) > 1 else None
    thresholds = None
    if kind == "Thresholding" and weights is not None:
        thresholds, weights = weights, None
    elif kind in MATRIX_KINDS and len(node.input) > 2:
        thresholds = model.get_initializer(node.input[2])
    return weights, thresholds


def _folding_attributes(inst) -> dict:
    """Parallelism (PE, SIMD), matrix and feature-map sizes."""
    return {
        "pe": int(_attr(inst, "PE", 0) or 0),
        "simd": int(_attr(inst, "SIMD", 0) or 0),
        "mw": int(_attr(inst, "MW", 0) or 0),
        "mh": int(_attr(inst, "MH", 0) or 0),
        "channels": int(_attr(inst, "Channels", 0) or _attr(inst, "NumChannels", 0) or 0),
        "kernel": _dim(_attr(inst, "Kernel", _attr(inst, "ConvKernelDim", 0))),
        "ifm_dim": _dim(_attr(inst, "IFMDim", 0)) or _frame_rows(inst),
        "ofm_dim": _dim(_attr(inst, "OFMDim", 0)),
    }


def _frame_rows(inst) -> int:
    """Layers without IFMDim (GlobalAccPool, Thresholding, ...) carry the frame as
    numInputVectors = [N, H, W]: H is what latency/FIFO models need (0 if absent)."""
    vectors = _attr(inst, "numInputVectors", []) or []
    vectors = list(vectors) if isinstance(vectors, (list, tuple)) else [vectors]
    return int(vectors[1]) if len(vectors) >= 2 else 0


def _datatype_attributes(inst, is_matrix: bool) -> dict:
    """Bit widths of the input, output, weights (matrix units) and accumulator."""
    acc = _attr(inst, "accDataType")
    return {
        "input_bits": _bits(lambda: inst.get_input_datatype(0)),
        "output_bits": _bits(lambda: inst.get_output_datatype(0)),
        "weight_bits": _bits(lambda: inst.get_input_datatype(1)) if is_matrix else 0,
        "acc_bits": _bits(lambda: __import__("qonnx.core.datatype", fromlist=["DataType"]).DataType[acc])
        if acc else 0,
    }


def _memory_attributes(inst, weights, thresholds) -> dict:
    """What the node stores (weights of matrix units, thresholds) and how."""
    return {
        "weight_count": int(np.asarray(weights).size) if weights is not None else 0,
        "threshold_count": int(np.asarray(thresholds).size) if thresholds is not None else 0,
        "threshold_bits": _threshold_bits(thresholds),
        "mem_mode": _attr(inst, "mem_mode", "") or "",
        "ram_style": _attr(inst, "ram_style", "") or "",
        "runtime_writeable": bool(_attr(inst, "runtime_writeable_weights", 0)),
        "res_type": _attr(inst, "resType", "") or "",
    }


def _cost_attributes(inst, res: dict) -> dict:
    """Cycles per frame and FINN's resource estimates; MACs per frame."""
    ops = {}
    try:
        ops = inst.get_op_and_param_counts()
    except Exception:  # noqa: BLE001 - not every op implements it
        pass
    return {
        "cycles": int(inst.get_exp_cycles()),
        "lut": float(res.get("LUT", 0)),
        "bram18": float(res.get("BRAM_18K", 0)),
        "uram": float(res.get("URAM", 0)),
        "dsp": float(res.get("DSP", 0)),
        "macs_per_frame": int(sum(v for k, v in ops.items() if k.startswith("op_"))),
    }


def _stream_attributes(inst) -> dict:
    """Stream widths (bits, at the current folding) and elements per frame."""
    return {
        "in_width_bits": int(inst.get_instream_width(0)),
        "out_width_bits": int(inst.get_outstream_width(0)),
        "in_elems_per_frame": int(math.prod(inst.get_normal_input_shape())),
        "out_elems_per_frame": int(math.prod(inst.get_normal_output_shape())),
    }


def _threshold_bits(thresholds) -> int:
    if thresholds is None:
        return 0
    values = np.asarray(thresholds)
    if values.size == 0:
        return 0
    low, high = float(values.min()), float(values.max())
    # Signed integer wide enough for every threshold (they are integers after streamlining).
    magnitude = max(abs(low), abs(high), 1.0)
    return int(math.ceil(math.log2(magnitude + 1))) + 1


def build_graph(model, fpgapart: str, roles: dict[str, str] | None = None,
                memo: dict | None = None) -> nx.DiGraph:
    """One node per HW layer of a specialised FINN model; edges are the streams.
    ``memo``: node attributes by (part, the node's serialised proto), for graphs of one
    design at many foldings (a folding changes only node attributes, which the proto
    holds; weights, thresholds and tensor types stay), so that the fastest-fitting
    search runs FINN's per-node estimators once per distinct node, not once per step."""
    graph = nx.DiGraph()
    hw_nodes = [n for n in model.graph.node if is_hw(n)]
    by_name = {n.name: n for n in hw_nodes}
    producer = {}
    for node in hw_nodes:
        key = (fpgapart, node.SerializeToString()) if memo is not None else None
        if key is not None and key in memo:
            attrs = dict(memo[key])
        else:
            attrs = node_attributes(model, node, fpgapart)
            if key is not None:
                memo[key] = dict(attrs)
        attrs["role"] = (roles or {}).get(node.name, FIXED)
        graph.add_node(node.name, **attrs)
        for out_index, tensor in enumerate(node.output):
            producer[tensor] = (node.name, out_index)
    from finn.util.basic import getHWCustomOp

    for node in hw_nodes:
        for tensor in node.input:
            if tensor not in producer:
                continue
            src, out_index = producer[tensor]
            src_inst = getHWCustomOp(by_name[src])
            dtype_bits = _bits(lambda: src_inst.get_output_datatype(out_index))
            shape = src_inst.get_normal_output_shape(out_index)
            graph.add_edge(src, node.name, tensor=tensor,
                           width_bits=int(src_inst.get_outstream_width(out_index)),
                           element_bits=dtype_bits, elems_per_frame=int(math.prod(shape)))
    mark_crossings(graph)
    return graph


def mark_crossings(graph: nx.DiGraph) -> None:
    for src, dst, data in graph.edges(data=True):
        a, b = graph.nodes[src]["role"], graph.nodes[dst]["role"]
        data["crossing"] = "" if a == b else f"{a}->{b}"


def write_graphml(graph: nx.DiGraph, path: str | Path) -> None:
    """GraphML with every attribute (lists/None are stringified, as GraphML needs scalars)."""
    clean = nx.DiGraph()
    for name, attrs in graph.nodes(data=True):
        clean.add_node(name, **{k: _scalar(v) for k, v in attrs.items()})
    for src, dst, attrs in graph.edges(data=True):
        clean.add_edge(src, dst, **{k: _scalar(v) for k, v in attrs.items()})
    nx.write_graphml(clean, str(path))


def _scalar(value):
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def to_dot(graph: nx.DiGraph, title: str = "") -> str:
    """Graphviz DOT: fixed nodes grey boxes, reconfigurable nodes orange rounded boxes,
    crossing streams bold red with their width in bits."""
    lines = [f'digraph "{title or "hw"}" {{', "  rankdir=LR;", '  node [fontname="Helvetica" fontsize=10];']
    for name, a in graph.nodes(data=True):
        style = ('shape=box style="rounded,filled" fillcolor="#f6b26b"' if a["role"] == RECONFIGURABLE
                 else 'shape=box style=filled fillcolor="#d9d9d9"')
        fold = f"PE={a['pe']} SIMD={a['simd']}" if a["pe"] or a["simd"] else ""
        lines.append(f'  "{name}" [{style} label="{a["op_type"]}\\n{fold}\\n{a["cycles"]} cyc"];')
    for src, dst, e in graph.edges(data=True):
        extra = ' color="#cc0000" penwidth=2.5' if e.get("crossing") else ""
        lines.append(f'  "{src}" -> "{dst}" [label="{e["width_bits"]} b"{extra}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
