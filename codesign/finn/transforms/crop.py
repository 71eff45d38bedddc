"""Crops: the ``parallel`` adapter's crop on unpadded convs, as a FINN ``Crop`` layer.

* MoveTransposeBeforeSlice, InferCropFromSlice: FINN has no Slice reorder and infers
  ``Crop`` only from Gather.
"""

from __future__ import annotations

import numpy as np
from onnx import helper
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_shapes import InferShapes

from codesign.finn.transforms.common import perm_of


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
            perm = perm_of(t)
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
