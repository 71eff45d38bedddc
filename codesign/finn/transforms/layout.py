"""Layout rewrites: keep gates and branches in the backbone's NHWC stream layout.

* TrivialLayoutToReshape, MoveTransposePastBroadcastJoin: after
  ``LowerConvsToMatMul`` the backbone is NHWC while a gate that went through a
  Linear layer is ``[1, C, 1, 1]``; FINN's ``MoveTransposePastEltwise`` only
  handles a constant second operand (attention).
* MoveForkTransposesBeforeMultiThreshold: an NCHW threshold (the input quantiser)
  feeding several NHWC branches (parallel at conv0).
"""

from __future__ import annotations

import numpy as np
from onnx import helper
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_shapes import InferShapes

from codesign.finn.transforms.common import make_reshape, perm_of


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
            if (n.op_type == "Transpose" and _non_unit_order_kept(shp, perm_of(n))
                    and not _feeds_multithreshold(model, n)) or n.op_type == "Flatten":
                g.node.insert(i, make_reshape(model, n.input[0], n.output[0], out_shp))
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
                perm = perm_of(t)
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
                rs = make_reshape(model, b, b_nhwc, new_bshape)
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
                    c.op_type != "Transpose" or perm_of(c) != [0, 2, 3, 1] for c in cons):
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
