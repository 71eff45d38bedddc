"""Faster drop-in bodies for five qonnx/FINN passes that made MobileNetV2 take minutes.

Why (issue 16): converting MobileNetV2 (~350 QONNX nodes, 750 weight tensors, 9 MB)
took ~9 minutes on one core, and a profile (cProfile, qonnx 1.0.0 / finn-plus 1.6.1)
put most of it in bookkeeping that grows with the square of the graph, not in
streamlining itself:

* ``InferShapes`` (called ~400 times, also inside FINN passes): serialises the whole
  model with every weight for ONNX's shape inference, then wraps the result in a new
  ``ModelWrapper``, whose constructor looks up every tensor's shape by a linear scan
  of all value infos (48 % of the run);
* ``SortGraph`` (in every ``ModelWrapper.cleanup``): finds each node's producer by
  scanning all nodes, then removes nodes one by one by value (13 %);
* ``GiveUniqueParameterTensors`` (cleanup too): converts every weight tensor to numpy
  to learn whether a name is an initializer (8 %);
* ``FoldQuantWeights``: builds an execution context holding every tensor of the
  model (all weights as numpy, zeros for all activations) once per folded Quant
  node, to run that one node (16 %).

Each replacement computes exactly what the original computes (same value infos in
the same order, same node order, same tensors; ``tests/finn/test_fast_qonnx.py``
compares whole conversions with and without them), only without the repeated full
scans: weights go to ONNX's shape inference as typed graph inputs (only small
constants, which ops such as Reshape read, go as values), lookups use dicts built once
per call, and the execution context is filled on first use of a tensor.
:func:`fast_qonnx` installs them for the duration of a ``with`` block.
"""

from __future__ import annotations

import contextlib

# Constants ONNX shape inference may need the values of (Reshape's shape, Slice's
# starts, Pad's pads, Resize's scales ...) are small; weights are not.
_VALUE_NEEDED_MAX_ELEMENTS = 64


def _value_needed(tensor) -> bool:
    from onnx import TensorProto

    elements = 1
    for d in tensor.dims:
        elements *= d
    return tensor.data_type not in (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16) \
        or elements <= _VALUE_NEEDED_MAX_ELEMENTS


def _shape_inference_model(model):
    """A light copy of ``model`` for ONNX's shape inference: custom ops replaced by
    their shape-compatible standard ops (as qonnx's ``_hide_finn_ops``), weights as
    typed graph inputs without data."""
    import onnx
    from onnx import helper
    from qonnx.custom_op.registry import is_custom_op
    from qonnx.transformation.infer_shapes import _make_shape_compatible_op

    graph = model.graph
    light = onnx.ModelProto()
    light.ir_version = model.model.ir_version
    light.opset_import.extend(model.model.opset_import)
    nodes = []
    for node in graph.node:  # first: making shape-compatible ops may set shapes on model
        if is_custom_op(node.domain):
            node = _make_shape_compatible_op(node, model)
        nodes.append(node)
    light.graph.node.extend(nodes)
    light.graph.input.extend(graph.input)
    light.graph.output.extend(graph.output)
    light.graph.value_info.extend(graph.value_info)
    inputs = {vi.name for vi in graph.input}
    for tensor in graph.initializer:
        if _value_needed(tensor):
            light.graph.initializer.append(tensor)
        elif tensor.name not in inputs:
            light.graph.input.append(helper.make_tensor_value_info(
                tensor.name, tensor.data_type, list(tensor.dims)))
    return light


def infer_shapes_apply(self, model):
    """``InferShapes.apply`` without serialising weights; the result is what qonnx's
    version returns: the inferred value infos and outputs, then (as the new
    ``ModelWrapper``'s ``fix_missing_initializer_valueinfo``) a value info for each
    initializer a node uses that has none, in node order."""
    import onnx.shape_inference as si

    inferred = si.infer_shapes(_shape_inference_model(model))
    graph = model.graph
    graph.ClearField("value_info")
    graph.value_info.extend(inferred.graph.value_info)
    graph.ClearField("output")
    graph.output.extend(inferred.graph.output)
    known = {vi.name for vi in graph.input} | {vi.name for vi in graph.output} \
        | {vi.name for vi in graph.value_info}
    initializers = {t.name: t for t in graph.initializer}
    for node in graph.node:
        for name in list(node.input) + list(node.output):
            if name and name not in known and name in initializers:
                tensor = initializers[name]
                model.set_tensor_shape(name, tuple(tensor.dims), dtype=tensor.data_type)
                known.add(name)
    return model, False


def sort_graph_apply(self, model):
    """``SortGraph.apply`` with producers and positions from dicts (same dependencies,
    same ``toposort_flatten``, same result; floating nodes are dropped as there)."""
    from toposort import toposort_flatten

    nodes = list(model.graph.node)
    if len(nodes) == 1:
        return model, False
    producer: dict[str, int] = {}
    for index, node in enumerate(nodes):
        for name in node.output:
            producer.setdefault(name, index)
    sources = {t.name for t in model.graph.initializer} | {vi.name for vi in model.graph.input}
    dependencies: dict[int, set[int]] = {}
    for index, node in enumerate(nodes):
        preds = {producer[name] for name in node.input if name in producer}
        if preds:
            dependencies[index] = preds
        elif any(name in sources for name in node.input):
            dependencies[index] = set()
    order = toposort_flatten(dependencies)
    del model.graph.node[:]
    model.graph.node.extend(nodes[i] for i in order)
    return model, False


def give_unique_parameter_tensors_apply(self, model):
    """``GiveUniqueParameterTensors.apply``, reading an initializer's values only when
    it has to be copied (a second use of the same parameter tensor)."""
    initializers = {t.name for t in model.graph.initializer}
    seen: set[str] = set()
    for node in model.graph.node:
        for index, name in enumerate(list(node.input)):
            if name not in initializers:
                continue
            if name not in seen:
                seen.add(name)
                continue
            new_name = model.make_new_valueinfo_name()
            model.set_initializer(new_name, model.get_initializer(name))
            model.set_tensor_datatype(new_name, model.get_tensor_datatype(name))
            initializers.add(new_name)
            node.input[index] = new_name
    return model, False


class _LazyExecContext(dict):
    """``make_empty_exec_context`` filled on first use: an initializer's values or a
    zero tensor of a value info's shape, as the eager version would hold."""

    def __init__(self, model):
        super().__init__()
        graph = model.graph
        self._infos = {vi.name: vi for vi in (*graph.input, *graph.output, *graph.value_info)}
        self._inits = {t.name: t for t in graph.initializer}
        self[""] = None

    def __missing__(self, name):
        from onnx import numpy_helper
        from qonnx.util import onnx as onnxutil

        if name in self._inits:
            value = numpy_helper.to_array(self._inits[name])
        elif name in self._infos:
            value = onnxutil.valueinfo_to_tensor(self._infos[name])
        else:
            raise KeyError(name)
        self[name] = value
        return value


def _with_lazy_context(apply):
    def fold_quant_weights_apply(self, model):
        model.make_empty_exec_context = lambda: _LazyExecContext(model)
        try:
            return apply(self, model)
        finally:
            del model.make_empty_exec_context
    return fold_quant_weights_apply


def _indexed_datatypes(apply):
    """``InferDataTypes.apply`` with ``get_tensor_datatype`` answered from dicts built
    once per call (annotations by tensor, value infos, initializer types); qonnx scans
    all annotations for each of the ~10 lookups per node. During the pass only
    ``set_tensor_datatype`` changes annotations: it appends one (the dict is rebuilt
    when their number changes) or edits one in place (the dict holds the live entry)."""
    from onnx import TensorProto
    from qonnx.core.datatype import DataType

    def infer_datatypes_apply(self, model):
        graph = model.graph
        annotations = graph.quantization_annotation
        by_tensor: dict = {}
        counted = [-1]
        infos = {}
        for vi in (*graph.input, *graph.output, *graph.value_info):
            infos.setdefault(vi.name, vi)
        init_types = {t.name: t.data_type for t in graph.initializer}

        def get_tensor_datatype(name):
            if len(annotations) != counted[0]:
                by_tensor.clear()
                for qa in annotations:
                    by_tensor.setdefault(qa.tensor_name, qa)
                counted[0] = len(annotations)
            qa = by_tensor.get(name)
            if qa is not None:
                for entry in qa.quant_parameter_tensor_names:
                    if entry.key == "finn_datatype":
                        return DataType[entry.value]
            vi = infos.get(name)
            onnx_type = vi.type.tensor_type.elem_type if vi is not None else init_types.get(name)
            return DataType["FLOAT16"] if onnx_type == TensorProto.FLOAT16 else DataType["FLOAT32"]

        model.get_tensor_datatype = get_tensor_datatype
        try:
            return apply(self, model)
        finally:
            del model.get_tensor_datatype
    return infer_datatypes_apply


def _replacements():
    from qonnx.transformation.general import GiveUniqueParameterTensors, SortGraph
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes

    from finn.transformation.qonnx.fold_quant_weights import FoldQuantWeights

    return [(InferShapes, infer_shapes_apply), (SortGraph, sort_graph_apply),
            (GiveUniqueParameterTensors, give_unique_parameter_tensors_apply),
            (FoldQuantWeights, _with_lazy_context(FoldQuantWeights.apply)),
            (InferDataTypes, _indexed_datatypes(InferDataTypes.apply))]


@contextlib.contextmanager
def fixed_tensor_names(seed: int = 0):
    """qonnx names new tensors with ``random.choice`` (``util.random_string``), so two
    conversions of one model differed in tensor names; within the block Python's
    ``random`` starts from ``seed`` (the caller's random state is restored after)."""
    import random

    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


_ACTIVE = [False]  # the classes are patched (nested blocks patch once)


@contextlib.contextmanager
def fast_qonnx(enabled: bool = True):
    """Within the block, the passes above run their fast bodies (``enabled=False``:
    unchanged, for comparisons). Not thread-safe: it patches the classes."""
    if not enabled or _ACTIVE[0]:
        yield
        return
    _ACTIVE[0] = True
    saved = []
    for cls, apply in _replacements():
        saved.append((cls, cls.__dict__["apply"]))
        cls.apply = apply
    try:
        yield
    finally:
        for cls, apply in saved:
            cls.apply = apply
        _ACTIVE[0] = False
