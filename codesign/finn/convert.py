"""Brevitas -> QONNX -> FINN HW layers, in-process and without Vivado.

The step order mirrors finn-plus 1.6.1 ``finn/builder/build_dataflow_steps.py``
(step_qonnx_to_finn, step_tidy_up, step_streamline, step_convert_to_hw,
step_create_dataflow_partition, step_specialize_layers), which cannot be imported
here (see :mod:`codesign.finn.compat`). Streamlining (with the extra fork/join and
layout passes adapters need) lives in :mod:`codesign.finn.streamline`, graph rewrites
FINN lacks in :mod:`codesign.finn.transforms`. Deliberate differences here:

* ``standalone_thresholds`` (default True): every MultiThreshold becomes its own
  ``Thresholding`` layer instead of being fused into the preceding MVAU, so that
  fixed weights (MVAU) and per-domain BN/activation thresholds are separate nodes;
* only integer joins become ``Elementwise*`` layers, constant Slices on the H/W axes
  become ``Crop``, and no ``Shuffle`` is inferred for a leftover Transpose (it is
  reported as a non-HW node instead: streamlining should have removed it).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from codesign.finn.compat import BREVITAS_EXPORT_KWARGS, ensure_finn, quiet_warnings
from codesign.finn.streamline import qonnx_to_finn, streamline  # noqa: F401 (API)
from codesign.finn.transforms import InferCropFromSlice
from codesign.errors import DesignRejected

# FINN custom-op domain prefix: everything under it is a HW (dataflow) node.
HW_DOMAIN = "finn.custom_op.fpgadataflow"
# Ops allowed to stay outside the dataflow partition by default: the final
# dequantisation (scale) and label selection of a classifier, done by the host.
DEFAULT_HOST_OPS = ("Mul", "Add", "TopK", "Reshape", "Flatten", "Transpose")


class NonHWNodeError(DesignRejected, RuntimeError):
    """A node that is not a FINN HW layer sits where hardware is required."""

    def __init__(self, nodes: list[tuple[str, str, str]]):
        self.nodes = nodes
        lines = [f"{op} '{name}': {why}" for op, name, why in nodes]
        super().__init__("non-HW nodes left in the design:\n  " + "\n  ".join(lines))


@dataclass
class ConversionReport:
    """What `to_hw` did: timings per stage and what stayed outside the dataflow."""

    seconds: dict[str, float] = field(default_factory=dict)
    host_nodes: list[tuple[str, str]] = field(default_factory=list)
    hw_op_types: dict[str, int] = field(default_factory=dict)


def export_qonnx(module, input_shape, path, input_t=None):
    """Export a Brevitas module (eval mode) to a QONNX file; returns the path."""
    import torch
    from brevitas.export import export_qonnx as _export

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    module = module.eval()
    if input_t is None:
        input_t = torch.zeros(*input_shape)
    with quiet_warnings():
        _export(module, input_t=input_t, export_path=str(path), **BREVITAS_EXPORT_KWARGS)
    return path


def _load(qonnx_path_or_model):
    from qonnx.core.modelwrapper import ModelWrapper

    if isinstance(qonnx_path_or_model, ModelWrapper):
        return qonnx_path_or_model
    return ModelWrapper(str(qonnx_path_or_model))


def convert_to_hw(model, standalone_thresholds=True):
    """step_convert_to_hw (same transforms, same order; Transpose/Reshape kept)."""
    from qonnx.transformation.general import GiveUniqueNodeNames, SortGraph
    from qonnx.transformation.infer_data_layouts import InferDataLayouts
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes

    import finn.transformation.streamline.absorb as absorb
    from finn.transformation.fpgadataflow.absorb_into_requant import (
        AbsorbElementwiseOpsIntoRequant,
    )
    from finn.transformation.move_reshape import RemoveCNVtoFCFlatten

    H = _hw_inferers()

    def has(*ops):
        return any(model.get_nodes_by_op_type(o) for o in ops)

    seq = []
    if standalone_thresholds:
        seq += [(("MultiThreshold", "Quant"), H.InferRequantLayer(bitwidth_threshold=9)),
                (("MultiThreshold",), H.InferThresholdingLayer())]
    seq += [
        (("XnorPopcountMatMul",), H.InferBinaryMatrixVectorActivation()),
        (("MatMul",), H.InferQuantizedMatrixVectorActivation()),
        (("MatMul",), H.InferVectorVectorActivation()),
        (("TopK",), H.InferLabelSelectLayer()),
        (("MultiThreshold", "Quant"), H.InferRequantLayer(bitwidth_threshold=9)),
        (("MultiThreshold",), H.InferThresholdingLayer()),
        (("Pad",), H.InferFMPadding()),
        (("MaxPool", "AveragePool", "MaxPoolNHWC", "QuantAvgPool2d"), H.InferPool()),
        (("ReduceMax", "ReduceSum", "ReduceMean"), H.InferPoolFromReduce()),
        (("Im2Col",), H.InferConvInpGen()),
        (("ConvolutionInputGenerator",), RemoveCNVtoFCFlatten()),
        (("Concat",), H.InferConcatLayer()),
        (("Split",), H.InferSplitLayer()),
        (("Mul", "Add", "Sub", "Div"), H.InferElementwiseBinaryOperation(_integer_only)),
        (("Relu",), H.InferReLUAsElementwiseMax()),
        (("Upsample", "Resize"), H.InferUpsample()),
        (("GlobalAveragePool",), H.InferGlobalAccPoolLayer()),
        (("Gather",), H.InferCrop()),
        (("PWPolyF", "Gelu", "Sigmoid", "Tanh", "Erf"), H.InferPWPolyFLayer()),
        (("Slice",), InferCropFromSlice()),
    ]
    for ops, t in seq:
        if has(*ops):
            model = model.transform(t)
    model = model.transform(H.InferDuplicateStreamsLayer())
    if has("Requant"):
        model = model.transform(AbsorbElementwiseOpsIntoRequant())
    for t in (absorb.AbsorbConsecutiveTransposes(), RemoveCNVtoFCFlatten(),
              GiveUniqueNodeNames(), InferDataLayouts(), InferDataTypes(),
              InferShapes(), H.InferReshape()):
        model = model.transform(t)
    # Unlike step_convert_to_hw we do not run InferShuffle: a Transpose left
    # between HW layers means streamlining failed to move it out, and a Shuffle
    # (a full-frame transpose buffer) is never what we want in the backbone.
    return model.transform(SortGraph())


def _integer_only(model, node):
    """Filter for InferElementwiseBinaryOperation: only integer joins go to HW.
    finn-plus would also build float32 Elementwise* layers (e.g. from CNV's
    TensorNorm or an output dequant scale); those belong on the host."""
    import numpy as np

    for name in list(node.input) + list(node.output[:1]):
        init = model.get_initializer(name)
        if init is not None:
            if not np.array_equal(init, np.round(init)):
                return False
        elif name not in node.output and not model.get_tensor_datatype(name).is_integer():
            return False
    return True


def _hw_inferers():
    """Namespace of all convert_to_hw Infer* classes (finn-plus 1.6.1 has no
    InferAddStreamsLayer/InferChannelwiseLinearLayer/InferStreamingMaxPool any more:
    adds and channelwise ops go to Elementwise*, max pooling to InferPool)."""
    import importlib
    import pkgutil
    from types import SimpleNamespace

    import finn.transformation.fpgadataflow.convert_to_hw as pkg

    ns = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
        ns.update({k: v for k, v in vars(mod).items() if k.startswith("Infer")})
    return SimpleNamespace(**ns)


_REASONS = {
    "MatMul": "not turned into an MVAU/VVAU: its input or weight is not integer-typed "
              "(a float scale/bias was not streamlined away)",
    "Conv": "convolution was not lowered (grouped/dilated or non-quantised weights?)",
    "Mul": "float scale not absorbed into a MultiThreshold (no quantiser after it?) "
           "or a non-integer operand",
    "Add": "float bias/join not absorbed: operands are not integer-typed or scales differ",
    "Transpose": "layout transpose not absorbed into a neighbouring op",
    "MultiThreshold": "threshold not converted (non-integer input?)",
    "Sigmoid": "float activation; use a quantiser (QuantReLU/QuantIdentity) instead",
    "GlobalAveragePool": "GAP input not integer (needs a quantiser before it)",
}


def _is_hw(node):
    return node.domain.startswith(HW_DOMAIN)


def non_hw_nodes(model):
    """Classify every non-HW node: returns (inside, boundary) lists of
    (op_type, name, reason). `inside` nodes have a HW node both upstream and
    downstream (they would split the dataflow partition); `boundary` nodes only
    run before the first or after the last HW node (host pre/post-processing)."""
    nodes = list(model.graph.node)
    up = {}  # node name -> has HW ancestor (graph is sorted)
    for n in nodes:
        preds = model.find_direct_predecessors(n) or []
        up[n.name] = any(_is_hw(p) or up[p.name] for p in preds)
    down = {}
    for n in reversed(nodes):
        succ = model.find_direct_successors(n) or []
        down[n.name] = any(_is_hw(s) or down[s.name] for s in succ)
    inside, boundary = [], []
    for n in nodes:
        if _is_hw(n):
            continue
        if up[n.name] and down[n.name]:
            inside.append((n.op_type, n.name, _REASONS.get(n.op_type, "no FINN HW layer")))
        else:
            where = "after the dataflow (host)" if up[n.name] else "before the dataflow (host)"
            boundary.append((n.op_type, n.name, where))
    return inside, boundary


def to_generic_hw(qonnx_path_or_model, standalone_thresholds=True,
                  host_ops=DEFAULT_HOST_OPS, report: ConversionReport | None = None):
    """QONNX (file or ModelWrapper) -> FINN graph with generic HW nodes (MVAU,
    Thresholding, ...). These still execute in Python (``execute_onnx``); the
    specialised ``*_hls``/``*_rtl`` nodes only run in cppsim/rtlsim (Vivado).

    Raises NonHWNodeError if a non-HW node sits between HW nodes, or if a node
    outside the dataflow is not one of `host_ops` (``host_ops=None``: allow any)."""
    ensure_finn()
    report = report if report is not None else ConversionReport()
    t0 = time.perf_counter()
    with quiet_warnings():
        model = _load(qonnx_path_or_model)
        stages = [("qonnx_to_finn", qonnx_to_finn), ("streamline", streamline),
                  ("convert_to_hw", lambda m: convert_to_hw(m, standalone_thresholds))]
        for name, fn in stages:
            model = fn(model)
            report.seconds[name] = time.perf_counter() - t0
            t0 = time.perf_counter()
    inside, boundary = non_hw_nodes(model)
    bad = inside + ([] if host_ops is None else [b for b in boundary if b[0] not in host_ops])
    if bad:
        raise NonHWNodeError(bad)
    report.host_nodes = [(op, name) for op, name, _ in boundary]
    report.hw_op_types = {}
    for n in model.graph.node:
        if _is_hw(n):
            report.hw_op_types[n.op_type] = report.hw_op_types.get(n.op_type, 0) + 1
    return model


def specialize(model, fpgapart="xc7z020clg400-1"):
    """SpecializeLayers(fpgapart): generic HW nodes -> ``*_hls``/``*_rtl``."""
    ensure_finn()
    from qonnx.transformation.general import GiveUniqueNodeNames, SortGraph

    from finn.transformation.fpgadataflow.specialize_layers import SpecializeLayers

    with quiet_warnings():
        model = model.transform(SpecializeLayers(fpgapart))
        # SpecializeLayers re-inserts each node at an index that counts HW nodes
        # only (specialize_layers.py, SpecializeLayers.apply), so host nodes in
        # front of the dataflow break the topological order: sort again.
        model = model.transform(SortGraph())
        return model.transform(GiveUniqueNodeNames())


def to_hw(qonnx_path_or_model, fpgapart="xc7z020clg400-1", **kw):
    """The full chain: QONNX -> checked generic HW graph -> specialised for fpgapart."""
    return specialize(to_generic_hw(qonnx_path_or_model, **kw), fpgapart)


def dataflow_partition(model):
    """Split into (parent, dataflow child) with CreateDataflowPartition; the child
    holds only HW nodes and is what res_estimation / IP generation work on."""
    build_dir = ensure_finn()
    import tempfile

    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.custom_op.registry import getCustomOp

    from finn.transformation.fpgadataflow.create_dataflow_partition import (
        CreateDataflowPartition,
    )

    d = tempfile.mkdtemp(prefix="partition_", dir=build_dir)
    with quiet_warnings():
        parent = model.transform(CreateDataflowPartition(partition_model_dir=d))
    sdp = parent.get_nodes_by_op_type("StreamingDataflowPartition")
    if len(sdp) != 1:
        raise NonHWNodeError([("StreamingDataflowPartition", str(len(sdp)),
                               "expected exactly one dataflow partition")])
    child = ModelWrapper(getCustomOp(sdp[0]).get_nodeattr("model"))
    return parent, child


def set_node_attrs(model, op_prefix, **attrs):
    """Set HW node attributes (e.g. PE, SIMD, mem_mode, ram_style, resType,
    runtime_writeable_weights) on every node whose op_type starts with
    `op_prefix`; raises KeyError for attributes that op does not declare."""
    from finn.util.basic import getHWCustomOp

    hits = 0
    for n in model.graph.node:
        if _is_hw(n) and n.op_type.startswith(op_prefix):
            inst = getHWCustomOp(n)
            known = inst.get_nodeattr_types()
            for k, v in attrs.items():
                if k not in known:
                    raise KeyError(f"{n.op_type} has no attribute {k!r}")
                inst.set_nodeattr(k, v)
            hits += 1
    return hits
