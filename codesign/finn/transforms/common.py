"""ONNX node helpers shared by the rewrites of this package."""

from __future__ import annotations

import numpy as np
from onnx import helper
from qonnx.util.basic import get_by_name


def perm_of(node):
    """The ``perm`` attribute of a Transpose as a list, or None."""
    p = get_by_name(node.attribute, "perm")
    return list(p.ints) if p is not None else None


def make_reshape(model, inp, out, shape):
    """A Reshape node ``inp`` -> ``out`` to the constant ``shape`` (its initializer added)."""
    name = model.make_new_valueinfo_name()
    model.set_initializer(name, np.asarray(shape, dtype=np.int64))
    return helper.make_node("Reshape", [inp, name], [out])
