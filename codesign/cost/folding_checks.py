"""A folding config applied to a converted design, every entry checked before FINN sees it.

FINN's ApplyConfig sets whatever it is given; a PE that does not divide the channels
fails only later, as a bare ``assert`` deep in a shape function or at HLS code
generation. Here every entry is checked up front with the node's own attributes (the
bounds are FINN's SetFolding's, finn-plus 1.6.1 set_folding.py), and the memory
attributes against codesign's fixed/reconfigurable split (codesign.graph.design
``apply_memory_modes``): reconfigurable weights must stay ``internal_decoupled`` and
run-time writeable, fixed ones baked in.
"""

from __future__ import annotations

import io
import math
from contextlib import redirect_stderr, redirect_stdout

from codesign.cost.folding_config import DEFAULTS, READABLE_ATTRS, FoldingConfig, FoldingConfigError, \
    effective_attributes
from codesign.finn.nodekinds import generic_kind
from codesign.graph.ownership import RECONFIGURABLE

SHOWN_NAMES = 6  # valid node names listed in an unknown-name error
WHERE_NAMES = "`codesign estimate GRAPH --device D --finn-reports DIR` writes this design's DIR/final_hw_config.json"
FIXED_WEIGHT_MODES = ("internal_embedded", "internal_decoupled")  # weights stay on chip, not writeable


def apply_folding_config(design, config: FoldingConfig):
    """``config`` applied to a copy of ``design.model`` with FINN's ApplyConfig, after every
    entry is checked against the design's nodes; returns a codesign.cost.folding.FoldingResult."""
    import copy

    from finn.transformation.fpgadataflow.annotate_cycles import AnnotateCycles
    from finn.transformation.general import ApplyConfig

    from codesign.cost.folding import FoldingResult, node_cycles

    check_entries(design, config)
    model = copy.deepcopy(design.model)
    # ApplyConfig logs the design's nodes the file does not mention (they keep the
    # design's values): expected for a partial config, so its chatter is muted.
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        model = model.transform(ApplyConfig(config.as_finn_dict()))
    check_folded(model, config)
    # dataflow_performance reads each node's cycles_estimate, which SetFolding sets and
    # ApplyConfig does not: annotate them for the folding just applied.
    model = model.transform(AnnotateCycles())
    cycles = node_cycles(model)
    bottleneck = max(cycles, key=cycles.get)
    return FoldingResult(model, cycles[bottleneck], cycles[bottleneck], bottleneck)


def check_entries(design, config: FoldingConfig) -> None:
    """Every node name, attribute and value of ``config`` against ``design``'s nodes."""
    from finn.util.basic import getHWCustomOp

    nodes = {n.name: n for n in design.model.graph.node}
    unknown = [name for name in config.nodes if name not in nodes]
    if unknown:
        shown = ", ".join(list(nodes)[:SHOWN_NAMES])
        raise FoldingConfigError(
            f"{config.path}: {unknown[0]}: no such node in this design ({len(nodes)} HW nodes: {shown}, ...); "
            f"{WHERE_NAMES}")
    for name, node in nodes.items():
        inst = getHWCustomOp(node)
        role = design.roles.get(name, "fixed")
        for attr, (value, field) in effective_attributes(config, node).items():
            _check_attribute(config.path, field, node, inst, attr, value)
            _check_split(config.path, field, node, role, attr, value)


def _check_attribute(path: str, field: str, node, inst, attr: str, value) -> None:
    types = inst.get_nodeattr_types()
    if attr not in types:
        own = ", ".join(a for a in READABLE_ATTRS if a in types) or "none"
        raise FoldingConfigError(f"{path}: {field}: {node.op_type} has no attribute {attr!r} "
                                 f"(its folding attributes: {own})")
    if attr not in READABLE_ATTRS:
        raise FoldingConfigError(f"{path}: {field}: {attr!r} is not a folding attribute (FINN's folding "
                                 f"configs set {', '.join(READABLE_ATTRS)}); it would change the layer itself")
    dtype, _required, _default, allowed = inst.get_nodeattr_def(attr)
    expected = {"i": "an integer", "s": "a string", "f": "a number", "ints": "a list of integers"}.get(dtype, dtype)
    ok = {"i": lambda v: isinstance(v, int) and not isinstance(v, bool), "s": lambda v: isinstance(v, str),
          "f": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
          "ints": lambda v: isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v)}
    if not ok.get(dtype, lambda v: True)(value):
        raise FoldingConfigError(f"{path}: {field}: expected {expected}, got {value!r}")
    if allowed is not None and value not in allowed:
        raise FoldingConfigError(f"{path}: {field}: expected one of {', '.join(map(str, sorted(allowed)))}, "
                                 f"got {value!r}")
    if attr in ("PE", "SIMD"):
        _check_parallelism(path, field, node, inst, attr, value)


def parallelism_bounds(node, inst, attr: str) -> tuple[str, list[int]]:
    """What ``attr`` (PE or SIMD) of ``node`` must divide: (what it is, the numbers)."""
    kind = generic_kind(node.op_type)

    def get(name):
        return inst.get_nodeattr(name)

    if attr == "PE":
        for kinds, name, what in ((("MVAU",), "MH", "output channels"), (("VVAU", "Pool"), "Channels", "channels"),
                                  (("LabelSelect",), "Labels", "labels")):
            if kind in kinds:
                return f"{name}={get(name)} ({what})", [int(get(name))]
    else:
        if kind == "MVAU":
            return f"MW={get('MW')} (input width)", [int(get("MW"))]
        if kind == "VVAU":
            window = int(math.prod(get("Kernel")))
            return f"kernel window {window}", [window]
        if kind.startswith("ConvolutionInputGenerator"):
            return f"IFMChannels={get('IFMChannels')} (input channels)", [int(get("IFMChannels"))]
        if kind in ("StreamingConcat", "StreamingSplit"):
            parts = [int(c) for c in get("ChannelsPerStream")]
            return f"ChannelsPerStream={parts}", parts
    if "NumChannels" in inst.get_nodeattr_types():
        return f"NumChannels={get('NumChannels')} (channels)", [int(get("NumChannels"))]
    shape = inst.get_normal_output_shape() if attr == "PE" else inst.get_normal_input_shape()
    return f"channels {int(shape[-1])} (last dimension)", [int(shape[-1])]


def _check_parallelism(path: str, field: str, node, inst, attr: str, value: int) -> None:
    if value < 1:
        raise FoldingConfigError(f"{path}: {field}: expected a positive integer, got {value}")
    what, numbers = parallelism_bounds(node, inst, attr)
    if any(n % value for n in numbers):
        divisors = [d for d in range(1, min(numbers) + 1) if all(n % d == 0 for n in numbers)]
        shown = ", ".join(map(str, divisors[:12])) + (", ..." if len(divisors) > 12 else "")
        raise FoldingConfigError(f"{path}: {field}: {attr} must divide the node's {what}; got {value} "
                                 f"(valid: {shown})")


def _check_split(path: str, field: str, node, role: str, attr: str, value) -> None:
    """mem_mode / runtime_writeable_weights as codesign's split sets them."""
    reconf = role == RECONFIGURABLE
    if attr == "runtime_writeable_weights" and bool(value) != reconf:
        why = ("its values change per domain and are written over AXI-lite at a switch" if reconf
               else "it is fixed (backbone) hardware whose values are baked into the bitstream")
        raise FoldingConfigError(f"{path}: {field}: expected {int(reconf)} for this {role} node ({why}), "
                                 f"got {value!r}")
    if attr == "mem_mode" and generic_kind(node.op_type) in ("MVAU", "VVAU"):
        if reconf and value != "internal_decoupled":
            raise FoldingConfigError(
                f"{path}: {field}: expected 'internal_decoupled' for this reconfigurable node (its weights are "
                f"per domain: only decoupled memories are run-time writeable), got {value!r}")
        if not reconf and value not in FIXED_WEIGHT_MODES:
            raise FoldingConfigError(
                f"{path}: {field}: expected {' or '.join(map(repr, FIXED_WEIGHT_MODES))} for this fixed node "
                f"(codesign keeps fixed weights on chip), got {value!r}")


def check_folded(model, config: FoldingConfig) -> None:
    """After ApplyConfig: FINN's own shape functions and the HLS code generator's limits
    accept every node (a last net under the checks above)."""
    from finn.util.basic import getHWCustomOp

    from codesign.finn.compat.hls_folding import hls_codegen_refusal

    for node in model.graph.node:
        inst = getHWCustomOp(node)
        field = node.name if node.name in config.nodes else DEFAULTS
        refusal = hls_codegen_refusal(node, inst)
        if refusal:
            raise FoldingConfigError(f"{config.path}: {field}: {refusal}")
        try:
            inst.get_folded_input_shape()
            inst.get_folded_output_shape()
            inst.get_exp_cycles()
        except Exception as err:  # FINN asserts; its message is often empty
            raise FoldingConfigError(f"{config.path}: {field}: FINN rejects this folding of {node.name} "
                                     f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else 'assertion'})") \
                from None
