"""Graph rewrites FINN's streamliner and HW conversion lack for our adapters.

All are exact: they move layout ops, rename reshapes, or re-express a node as an
equivalent HW layer, so execution results are unchanged (tests/finn). Each says
which FINN gap or bug it covers (finn-plus 1.6.1):

* TrivialLayoutToReshape, MoveTransposePastBroadcastJoin: after
  ``LowerConvsToMatMul`` the backbone is NHWC while a gate that went through a
  Linear layer is ``[1, C, 1, 1]``; FINN's ``MoveTransposePastEltwise`` only
  handles a constant second operand (attention).
* MakeMaxPoolNHWCForkSafe: FINN's ``MakeMaxPoolNHWC`` miscompiles a MaxPool whose
  output forks (series/parallel/side after a pooled unit).
* MoveTransposeBeforeSlice, InferCropFromSlice: the parallel adapter's crop on
  unpadded convs; FINN has no Slice reorder and infers ``Crop`` only from Gather.
* MoveForkTransposesBeforeMultiThreshold: an NCHW threshold (the input quantiser)
  feeding several NHWC branches (parallel at conv0).
* AbsorbScalarBiasIntoMultiThresholdBatched: a faster equivalent of FINN's pass.
"""

from __future__ import annotations

import numpy as np
from onnx import helper
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.basic import get_by_name


def _perm(node):
    p = get_by_name(node.attribute, "perm")
    return list(p.ints) if p is not None else None


def _non_unit_order_kept(shape, perm):
    """True if a Transpose only moves size-1 axes (then it is a Reshape)."""
    kept = [a for a in perm if shape[a] != 1]
    return kept == sorted(kept)


def _feeds_multithreshold(model, node):
    """A Transpose into a MultiThreshold is left to FINN's
    AbsorbTransposeIntoMultiThreshold, which also sets the threshold node's
    ``data_layout``; as a Reshape it would leave an NCHW-annotated
    MultiThreshold on an NHWC stream (InferThresholdingLayer rejects that,
    e.g. after the attention gate on CNV's 1x1 conv5 output)."""
    return any(c.op_type == "MultiThreshold" for c in model.find_consumers(node.output[0]))


def _make_reshape(model, inp, out, shape):
    name = model.make_new_valueinfo_name()
    model.set_initializer(name, np.asarray(shape, dtype=np.int64))
    return helper.make_node("Reshape", [inp, name], [out])


class TrivialLayoutToReshape(Transformation):
    """Transpose that only moves size-1 axes, and Flatten, become Reshape; a
    Reshape feeding only another Reshape is folded into it; identity Reshapes
    are removed. (A reshape is free on a stream; HW ``Reshape`` is a passthrough.)"""

    def apply(self, model):
        g = model.graph
        for i, n in enumerate(g.node):
            shp = model.get_tensor_shape(n.input[0]) if n.input else None
            out_shp = model.get_tensor_shape(n.output[0])
            if shp is None or out_shp is None:
                continue
            if (n.op_type == "Transpose" and _non_unit_order_kept(shp, _perm(n))
                    and not _feeds_multithreshold(model, n)) or n.op_type == "Flatten":
                g.node.insert(i, _make_reshape(model, n.input[0], n.output[0], out_shp))
                g.node.remove(n)
                return model.transform(InferShapes()), True
            if n.op_type == "Reshape":
                if list(shp) == list(out_shp) and n.output[0] not in [o.name for o in g.output]:
                    for c in model.find_consumers(n.output[0]):
                        for k, x in enumerate(c.input):
                            if x == n.output[0]:
                                c.input[k] = n.input[0]
                    g.node.remove(n)
                    return model.transform(InferShapes()), True
                prod = model.find_producer(n.input[0])
                if (prod is not None and prod.op_type == "Reshape"
                        and len(model.find_consumers(prod.output[0])) == 1):
                    n.input[0] = prod.input[0]
                    g.node.remove(prod)
                    return model.transform(InferShapes()), True
        return model, False


class MoveTransposePastBroadcastJoin(Transformation):
    """Mul/Add(Transpose(x, perm), b) with a *dynamic* b that is broadcast on all
    but one axis (an SE gate ``[1, C, 1, 1]``) ->
    Transpose(Mul/Add(x, Reshape(b, inverse-permuted shape)), perm).
    Keeps the join in the backbone's NHWC layout, so it becomes an Elementwise*
    HW layer and the trailing Transpose can be absorbed downstream."""

    def apply(self, model):
        g = model.graph
        for i, n in enumerate(g.node):
            if n.op_type not in ("Mul", "Add") or len(n.input) != 2:
                continue
            for k in (0, 1):
                t = model.find_producer(n.input[k])
                b = n.input[1 - k]
                if (t is None or t.op_type != "Transpose"
                        or model.get_initializer(b) is not None
                        or len(model.find_consumers(t.output[0])) != 1):
                    continue
                perm = _perm(t)
                bshape = model.get_tensor_shape(b)
                xshape = model.get_tensor_shape(t.input[0])
                if perm is None or bshape is None or len(bshape) != len(perm):
                    continue
                if sum(d != 1 for d in bshape) > 1:
                    continue
                inv = [perm.index(a) for a in range(len(perm))]
                new_bshape = [bshape[a] for a in inv]
                if list(np.broadcast_shapes(xshape, new_bshape)) != list(xshape):
                    continue
                b_nhwc = model.make_new_valueinfo_name()
                mid = model.make_new_valueinfo_name()
                rs = _make_reshape(model, b, b_nhwc, new_bshape)
                out = n.output[0]
                new_join = helper.make_node(n.op_type, [t.input[0], b_nhwc], [mid])
                new_t = helper.make_node("Transpose", [mid], [out], perm=perm)
                for node in (new_t, new_join, rs):
                    g.node.insert(i, node)
                g.node.remove(n)
                g.node.remove(t)
                model.set_tensor_shape(out, None)  # re-inferred
                dt = model.get_tensor_datatype(out)
                model = model.transform(InferShapes())
                model.set_tensor_datatype(mid, dt)
                return model, True
        return model, False


class MakeMaxPoolNHWCForkSafe(Transformation):
    """FINN's ``MakeMaxPoolNHWC`` without its fork bug.

    For ``MaxPool -> Transpose(0,2,3,1)`` it looks up the consumer with
    ``find_consumer`` (the *first* consumer) and rewires the tensors as if there
    were only one: when the pooled map forks (a ``series`` adapter after a pooled
    unit: the identity branch and the 1x1 conv both read it), the other consumers
    silently end up reading the *unpooled* map (finn-plus 1.6.1, reorder.py
    ``MakeMaxPoolNHWC.apply``, first branch). Here a forking MaxPool temporarily
    gets a single Identity consumer, so only the fork-safe second branch
    (``Transpose(0,3,1,2) -> MaxPool`` -> ``MaxPoolNHWC -> Transpose``) applies."""

    def apply(self, model):
        from finn.transformation.streamline.reorder import MakeMaxPoolNHWC

        g = model.graph
        guards = []
        for i, n in enumerate(list(g.node)):
            if n.op_type in ("MaxPool", "MaxPoolNHWC") and model.is_fork_node(n):
                tmp = model.make_new_valueinfo_name()
                model.set_tensor_shape(tmp, model.get_tensor_shape(n.output[0]))
                guard = helper.make_node("Identity", [tmp], [n.output[0]],
                                         name=model.make_new_valueinfo_name())
                n.output[0] = tmp
                g.node.insert(list(g.node).index(n) + 1, guard)
                guards.append(guard.name)
        model = model.transform(MakeMaxPoolNHWC(), make_deepcopy=False, cleanup=False)
        for n in list(model.graph.node):
            if n.op_type == "Identity" and n.name in guards:
                prod = model.find_producer(n.input[0])
                prod.output[0] = n.output[0]
                model.graph.node.remove(n)
        return model.transform(InferShapes()), False


def _slice_params(model, node):
    """(axes, starts, ends, steps) of a Slice with constant parameters, axes
    normalised to non-negative; None if any parameter is dynamic."""
    rank = len(model.get_tensor_shape(node.input[0]))
    vals = []
    for k in range(1, 5):
        if k >= len(node.input) or node.input[k] == "":
            vals.append(None)
            continue
        init = model.get_initializer(node.input[k])
        if init is None:
            return None
        vals.append([int(v) for v in np.atleast_1d(init)])
    starts, ends, axes, steps = vals
    axes = list(range(len(starts))) if axes is None else [a % rank for a in axes]
    steps = [1] * len(axes) if steps is None else steps
    return axes, starts, ends, steps


class MoveTransposeBeforeSlice(Transformation):
    """``Slice(axes) -> Transpose(perm)`` -> ``Transpose(perm) -> Slice(axes')``.

    Exact (a slice commutes with a permutation of the axes). The ``parallel``
    adapter on an unpadded 3x3 conv crops the 1x1 branch's input in NCHW
    (``x[:, :, 1:-1, 1:-1]``); lowering then puts an NCHW->NHWC Transpose after
    the crop. Moving it in front lets it cancel against the NHWC->NCHW Transpose
    at the fork, so the crop happens on the NHWC stream (FINN has no
    MoveTransposePastSlice)."""

    def apply(self, model):
        g = model.graph
        for i, s in enumerate(g.node):
            if s.op_type != "Slice" or s.output[0] in [o.name for o in g.output]:
                continue
            cons = model.find_consumers(s.output[0])
            if len(cons) != 1 or cons[0].op_type != "Transpose":
                continue
            params = _slice_params(model, s)
            if params is None:
                continue
            t = cons[0]
            perm = _perm(t)
            axes = params[0]
            new_axes = [perm.index(a) for a in axes]
            mid = model.make_new_valueinfo_name()
            new_t = helper.make_node("Transpose", [s.input[0]], [mid], perm=perm)
            ax_name = model.make_new_valueinfo_name()
            model.set_initializer(ax_name, np.asarray(new_axes, dtype=np.int64))
            ins = list(s.input[:3]) + [ax_name] + (list(s.input[4:5]) if len(s.input) > 4 else [])
            new_s = helper.make_node("Slice", [mid] + ins[1:], [t.output[0]])
            dt = model.get_tensor_datatype(s.input[0])
            g.node.remove(t)
            g.node.remove(s)
            g.node.insert(i, new_s)
            g.node.insert(i, new_t)
            model.set_tensor_datatype(mid, dt)
            model = model.transform(InferShapes())
            return model, True
        return model, False


class InferCropFromSlice(Transformation):
    """Constant, unit-step Slices on the H/W axes of an NHWC stream (and chains
    of them, e.g. ``x[:, 1:-1, :, :][:, :, 1:-1, :]``) -> one FINN ``Crop`` HW
    layer. FINN's own ``InferCrop`` only reads ``Gather`` (one axis per node);
    the node attributes here are the ones it sets (convert_to_hw/crop.py)."""

    def apply(self, model):
        g = model.graph
        for i, s in enumerate(g.node):
            if s.op_type != "Slice":
                continue
            shape = model.get_tensor_shape(s.input[0])
            params = _slice_params(model, s)
            if params is None or len(shape) != 4 or model.get_tensor_layout(s.input[0]) not in (
                None, ["N", "H", "W", "C"]):
                continue
            axes, starts, ends, steps = params
            if any(a not in (1, 2) for a in axes) or any(st != 1 for st in steps):
                continue
            crop = {"CropNorth": 0, "CropSouth": 0, "CropWest": 0, "CropEast": 0}
            for a, b, e in zip(axes, starts, ends):
                lo, hi, _ = slice(b, e).indices(shape[a])
                crop["CropNorth" if a == 1 else "CropWest"] += lo
                crop["CropSouth" if a == 1 else "CropEast"] += shape[a] - hi
            prod = model.find_producer(s.input[0])
            if (prod is not None and prod.op_type == "Crop"
                    and len(model.find_consumers(prod.output[0])) == 1):
                # fold into the previous crop (same stream, crops add up)
                from qonnx.custom_op.registry import getCustomOp

                inst = getCustomOp(prod)
                for k, v in crop.items():
                    inst.set_nodeattr(k, inst.get_nodeattr(k) + v)
                prod.output[0] = s.output[0]
                g.node.remove(s)
            else:
                dt = model.get_tensor_datatype(s.input[0])
                node = helper.make_node(
                    "Crop", [s.input[0]], [s.output[0]],
                    domain="finn.custom_op.fpgadataflow", backend="fpgadataflow",
                    name="Crop_" + s.name, DataType=dt.name, SIMD=1,
                    ImgDim=[shape[1], shape[2]], NumChannels=shape[3],
                    numInputVectors=[shape[0]], cpp_interface="hls_vector",
                    hls_style="freerunning", **crop)
                g.node.insert(i, node)
                g.node.remove(s)
            return model.transform(InferShapes()), True
        return model, False


class MoveForkTransposesBeforeMultiThreshold(Transformation):
    """NCHW ``MultiThreshold`` whose consumers are all ``Transpose(0,2,3,1)`` ->
    one ``Transpose(0,2,3,1)`` before an NHWC MultiThreshold.

    The input quantiser feeds two branches when a ``parallel`` adapter sits at
    the first conv (3x3 conv + cropped 1x1 conv): each branch gets its own
    NCHW->NHWC Transpose after lowering, and FINN's AbsorbTransposeIntoMultiThreshold
    only handles a Transpose *before* the threshold, so the fork would stay in
    NCHW (a DuplicateStreams between Transposes). Exact: thresholds act per
    channel, and ``data_layout`` tells MultiThreshold where the channel axis is."""

    def apply(self, model):
        from qonnx.custom_op.registry import getCustomOp

        g = model.graph
        for i, n in enumerate(g.node):
            if n.op_type != "MultiThreshold" or len(model.get_tensor_shape(n.input[0])) != 4:
                continue
            inst = getCustomOp(n)
            if inst.get_nodeattr("data_layout") != "NCHW":
                continue
            cons = model.find_consumers(n.output[0])
            if not cons or n.output[0] in [o.name for o in g.output] or any(
                    c.op_type != "Transpose" or _perm(c) != [0, 2, 3, 1] for c in cons):
                continue
            mid = model.make_new_valueinfo_name()
            new_t = helper.make_node("Transpose", [n.input[0]], [mid], perm=[0, 2, 3, 1])
            model.set_tensor_datatype(mid, model.get_tensor_datatype(n.input[0]))
            out = cons[0].output[0]
            for c in cons[1:]:
                for k in model.find_consumers(c.output[0]):
                    for j, x in enumerate(k.input):
                        if x == c.output[0]:
                            k.input[j] = out
            for c in cons:
                g.node.remove(c)
            n.input[0] = mid
            n.output[0] = out
            inst.set_nodeattr("data_layout", "NHWC")
            g.node.insert(i, new_t)
            return model.transform(InferShapes()), True
        return model, False


class AbsorbScalarBiasIntoMultiThresholdBatched(Transformation):
    """FINN's ``AbsorbScalarBiasIntoMultiThreshold``, same decisions, faster.

    FINN's version absorbs ONE bias per ``apply`` and then re-infers datatypes
    and shapes of the whole graph (two deep copies of the model, weights
    included) before looking for the next; every quantiser of a QONNX export
    has such a bias (CNV with series adapters: 28, ~19 s of ~47 s streamlining
    on a busy 2-core machine). Here the per-absorption re-inference is skipped
    (FINN already sets the one datatype an absorption changes) and done once at
    the end."""

    def apply(self, model):
        from finn.transformation.streamline.absorb import AbsorbScalarBiasIntoMultiThreshold
        from qonnx.transformation.infer_datatypes import InferDataTypes

        inner = AbsorbScalarBiasIntoMultiThreshold()
        changed_any = False
        model.transform = lambda t, **kw: model  # FINN's per-absorption InferDataTypes/Shapes
        try:
            changed = True
            while changed:
                model, changed = inner.apply(model)
                changed_any = changed_any or changed
        finally:
            del model.transform  # back to ModelWrapper.transform
        if changed_any:
            model = model.transform(InferDataTypes()).transform(InferShapes())
        return model, False
