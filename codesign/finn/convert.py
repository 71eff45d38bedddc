"""Brevitas -> QONNX -> FINN HW layers, in-process and without Vivado.

The step order mirrors finn-plus 1.6.1 ``finn/builder/build_dataflow_steps.py``
(step_qonnx_to_finn, step_tidy_up, step_streamline, step_convert_to_hw,
step_create_dataflow_partition, step_specialize_layers), which cannot be imported
here (see :mod:`codesign.finn.compat`). Streamlining (with the extra fork/join and
layout passes adapters need) lives in :mod:`codesign.finn.streamline`, graph rewrites
FINN lacks in :mod:`codesign.finn.transforms`, the HW layer inference in
:mod:`codesign.finn.hw_inference`, the check for what is left in
:mod:`codesign.finn.non_hw`. Deliberate differences from FINN's steps:

* ``standalone_thresholds`` (default True): every MultiThreshold becomes its own
  ``Thresholding`` layer instead of being fused into the preceding MVAU, so that
  fixed weights (MVAU) and per-domain BN/activation thresholds are separate nodes;
* only integer joins become ``Elementwise*`` layers, constant Slices on the H/W axes
  become ``Crop``, and no ``Shuffle`` is inferred for a leftover Transpose (it is
  reported as a non-HW node instead: streamlining should have removed it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from codesign.finn.compat import BREVITAS_EXPORT_KWARGS, ensure_finn, quiet_warnings
from codesign.finn.compat.fast_qonnx import fast_qonnx, fixed_tensor_names
from codesign.finn.hw_inference import convert_to_hw
from codesign.finn.nodekinds import is_hw
from codesign.finn.non_hw import NonHWNodeError, non_hw_nodes
from codesign.finn.streamline import qonnx_to_finn, streamline  # noqa: F401 (API)

# Ops allowed to stay outside the dataflow partition by default: the final
# dequantisation (scale) and label selection of a classifier, done by the host.
DEFAULT_HOST_OPS = ("Mul", "Add", "TopK", "Reshape", "Flatten", "Transpose")


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


def to_generic_hw(qonnx_path_or_model, standalone_thresholds=True,
                  host_ops=DEFAULT_HOST_OPS, report: ConversionReport | None = None, fast: bool = True):
    """QONNX (file or ModelWrapper) -> FINN graph with generic HW nodes (MVAU,
    Thresholding, ...). These still execute in Python (``execute_onnx``); the
    specialised ``*_hls``/``*_rtl`` nodes only run in cppsim/rtlsim (Vivado).

    Raises NonHWNodeError if a non-HW node sits between HW nodes, or if a node
    outside the dataflow is not one of `host_ops` (``host_ops=None``: allow any).
    ``fast=False``: qonnx's own pass bodies instead of :mod:`codesign.finn.compat.fast_qonnx`
    (the same result, 4-5x slower; for comparisons). Tensor names qonnx draws at random
    come from a fixed seed, so converting one model twice gives the same file."""
    ensure_finn()
    report = report if report is not None else ConversionReport()
    t0 = time.perf_counter()
    with quiet_warnings(), fast_qonnx(fast), fixed_tensor_names():
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
        if is_hw(n):
            report.hw_op_types[n.op_type] = report.hw_op_types.get(n.op_type, 0) + 1
    return model


def specialize(model, fpgapart="xc7z020clg400-1"):
    """SpecializeLayers(fpgapart): generic HW nodes -> ``*_hls``/``*_rtl``."""
    ensure_finn()
    from qonnx.transformation.general import GiveUniqueNodeNames, SortGraph

    from finn.transformation.fpgadataflow.specialize_layers import SpecializeLayers

    with quiet_warnings(), fast_qonnx(), fixed_tensor_names():
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
        if is_hw(n) and n.op_type.startswith(op_prefix):
            inst = getHWCustomOp(n)
            known = inst.get_nodeattr_types()
            for k, v in attrs.items():
                if k not in known:
                    raise KeyError(f"{n.op_type} has no attribute {k!r}")
                inst.set_nodeattr(k, v)
            hits += 1
    return hits
