"""Graph rewrites FINN's streamliner lacks for our adapter patterns.

All are exact (they only move layout ops or rename reshapes), so execution
results are unchanged. They exist because after ``LowerConvsToMatMul`` the
backbone is NHWC, while a gate/pooling branch that went through a Linear layer
comes back as an NCHW ``[1, C, 1, 1]`` tensor; FINN's ``MoveTransposePastEltwise``
only handles a *constant* second operand (reorder.py, MoveTransposePastEltwise).
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
            if (n.op_type == "Transpose" and _non_unit_order_kept(shp, _perm(n))) or (
                n.op_type == "Flatten"
            ):
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
