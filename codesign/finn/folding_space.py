"""The folding values FINN allows per node, and a folding as FINN's folding config.

A folding is PE/SIMD (and an RTL sliding window's ``parallel_window``) per HW node:
the attributes FINN's ``SetFolding`` sets (finn-plus 1.6.1,
transformation/fpgadataflow/set_folding.py). ``knobs(model)`` lists, per node and
attribute, the values FINN accepts there:

- the divisors of the bound SetFolding itself folds up to (MVAU: SIMD | MW, PE | MH;
  PE ops: PE | NumChannels, else the output's last axis; SIMD ops: SIMD | IFMChannels /
  NumChannels; VVAU and Pool_hls: PE | Channels; LabelSelect: PE | Labels);
- each value checked by FINN's own folded-shape asserts (``get_folded_input_shape``
  / ``get_folded_output_shape`` raise on an illegal PE/SIMD, e.g. Reshape's "PE must
  divide last axis"), and the MVAU_hls SIMD floor codegen needs
  (codesign.finn.compat.hls_folding);
- a depthwise sliding window's SIMD is tied to its consumer's PE (SetFolding sets it so:
  the two move together), and an RTL window's ``parallel_window`` is only set at full SIMD.

Streams wider than HLS's ap_uint limit depend on PE x SIMD together: the explorer
checks each folding's nodes with codesign.finn.compat.hls_folding.hls_codegen_refusal.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from codesign.finn.compat.hls_folding import HLS_MVAU_MAX_INPUT_FOLD

FOLDING_ATTRS = ("PE", "SIMD", "parallel_window")  # what SetFolding sets per node
PE_BOUND = {"MVAU": "MH", "VVAU": "Channels", "Pool": "Channels", "LabelSelect": "Labels"}
SIMD_BOUND = {"MVAU": "MW", "ConvolutionInputGenerator": "IFMChannels"}
DEPTHWISE_CONSUMERS = ("VVAU_hls", "VVAU_rtl", "Pool_hls")

Folding = dict[str, dict[str, int]]  # node name -> {"PE": .., "SIMD": .., "parallel_window": ..}


@dataclass(frozen=True)
class Knob:
    """One foldable attribute of one node, its legal values (ascending) and the
    (node, attribute) pairs that always take the same value (a depthwise window's SIMD)."""
    node: str
    attr: str
    values: tuple[int, ...]
    tied: tuple[tuple[str, str], ...] = ()


def _inst(node):
    from finn.util.basic import getHWCustomOp

    return getHWCustomOp(node)


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, int(n) + 1) if n % d == 0]


def folding_of(model) -> Folding:
    """The folding attributes each HW node of ``model`` has now (only those it defines)."""
    out = {}
    for node in model.graph.node:
        inst = _inst(node)
        types = inst.get_nodeattr_types()
        values = {a: int(inst.get_nodeattr(a)) for a in FOLDING_ATTRS if a in types}
        if values:
            out[node.name] = values
    return out


def folding_key(folding: Folding) -> tuple:
    """A hashable, order-independent identity of a folding."""
    return tuple(sorted((name, tuple(sorted(attrs.items()))) for name, attrs in folding.items()))


def to_config(folding: Folding) -> dict:
    """FINN's folding config (``ApplyConfig`` / ``folding_config_file``): {"Defaults": {}, node: {...}}."""
    return {"Defaults": {}, **{name: dict(attrs) for name, attrs in folding.items()}}


def _bound(inst, kind: str, attr: str) -> int:
    table = PE_BOUND if attr == "PE" else SIMD_BOUND
    names = [table[kind]] if kind in table else ["NumChannels"]
    types = inst.get_nodeattr_types()
    for name in names:
        if name in types and inst.get_nodeattr(name):
            return int(inst.get_nodeattr(name))
    shape = inst.get_normal_output_shape() if attr == "PE" else inst.get_normal_input_shape()
    return int(shape[-1])


def _accepts(inst, attr: str, value: int) -> bool:
    """FINN's folded-shape asserts accept ``attr = value`` (restored afterwards)."""
    old = inst.get_nodeattr(attr)
    try:
        inst.set_nodeattr(attr, int(value))
        inst.get_folded_input_shape()
        inst.get_folded_output_shape()
        return True
    except Exception:  # noqa: BLE001 - FINN asserts (AssertionError) or raises its own errors
        return False
    finally:
        inst.set_nodeattr(attr, old)


def _values(node, inst, kind: str, attr: str) -> tuple[int, ...]:
    values = [v for v in _divisors(_bound(inst, kind, attr)) if _accepts(inst, attr, v)]
    if node.op_type == "MVAU_hls" and attr == "SIMD":
        floor = -(-int(inst.get_nodeattr("MW")) // HLS_MVAU_MAX_INPUT_FOLD)
        values = [v for v in values if v >= floor]
    return tuple(values)


def knobs(model) -> list[Knob]:
    """Every foldable (node, attribute) of ``model`` with its legal values, in graph order.
    Not varied: a VVAU's SIMD and ``parallel_window`` (SetFolding sets them only at full
    PE/SIMD; :func:`normalise` keeps them consistent) and ops SetFolding does not fold."""
    from codesign.finn.nodekinds import generic_kind

    out = []
    for node in model.graph.node:
        inst = _inst(node)
        kind, types = generic_kind(node.op_type), inst.get_nodeattr_types()
        if kind == "ConvolutionInputGenerator" and int(inst.get_nodeattr("depthwise")):
            continue  # its SIMD is its consumer's PE (tied below)
        for attr in ("PE", "SIMD"):
            if attr not in types or (kind == "VVAU" and attr == "SIMD"):
                continue
            tied = ()
            if node.op_type in DEPTHWISE_CONSUMERS and attr == "PE":
                window = model.find_producer(node.input[0])
                if window is not None and window.op_type.startswith("ConvolutionInputGenerator"):
                    tied = ((window.name, "SIMD"),)
            values = _values(node, inst, kind, attr)
            if len(values) > 1:
                out.append(Knob(node.name, attr, values, tied))
    return out


def normalise(model, folding: Folding) -> Folding:
    """``folding`` with the attributes SetFolding derives made consistent: an RTL window's
    ``parallel_window`` only at SIMD = IFMChannels (depthwise: only under a VVAU with
    SIMD > 1), a VVAU's SIMD 1 below full PE."""
    out = {name: dict(attrs) for name, attrs in folding.items()}
    by_name = {n.name: n for n in model.graph.node}
    for name, attrs in out.items():
        node = by_name[name]
        if not node.op_type.startswith(("VVAU", "ConvolutionInputGenerator_rtl")):
            continue
        inst = _inst(node)
        if node.op_type.startswith("VVAU") and attrs.get("PE") != int(inst.get_nodeattr("Channels")):
            attrs["SIMD"] = 1
        if node.op_type == "ConvolutionInputGenerator_rtl" and attrs.get("parallel_window"):
            if int(inst.get_nodeattr("depthwise")):
                consumer = model.find_consumer(node.output[0])
                keep = consumer is not None and consumer.op_type.startswith("VVAU") and \
                    out.get(consumer.name, {}).get("SIMD", 1) > 1
            else:
                keep = attrs.get("SIMD") == int(inst.get_nodeattr("IFMChannels"))
            attrs["parallel_window"] = int(keep)
    return out


def set_folding(model, folding: Folding) -> None:
    """Write ``folding`` into ``model``'s nodes (in place)."""
    by_name = {n.name: n for n in model.graph.node}
    for name, attrs in folding.items():
        inst = _inst(by_name[name])
        for attr, value in attrs.items():
            inst.set_nodeattr(attr, int(value))


def apply_folding(model, folding: Folding):
    """A copy of ``model`` folded as ``folding``, with FINN's ``cycles_estimate`` annotated
    (what ``SetFolding`` leaves behind and FINN's dataflow_performance reads)."""
    from finn.transformation.fpgadataflow.annotate_cycles import AnnotateCycles

    folded = copy.deepcopy(model)
    set_folding(folded, folding)
    return folded.transform(AnnotateCycles())
