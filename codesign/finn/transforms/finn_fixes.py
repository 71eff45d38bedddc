"""FINN passes redone: one with a bug fixed, one faster with the same decisions.

* MakeMaxPoolNHWCForkSafe: FINN's ``MakeMaxPoolNHWC`` miscompiles a MaxPool whose
  output forks (series/parallel/side after a pooled unit).
* AbsorbScalarBiasIntoMultiThresholdBatched: a faster equivalent of FINN's pass.
* MoveMulPastJoinAddArrays: FINN's ``MoveMulPastJoinAdd`` compares per-channel scales
  with ``!=`` and raises on arrays (the parallel adapter's BN beside a depthwise conv).
"""

from __future__ import annotations

from onnx import helper
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_shapes import InferShapes


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



def _same_constants(finn_pass, model, producers) -> bool:
    """``MoveMulPastJoinAdd.are_producers_identical`` with the constants compared as arrays."""
    import numpy as np
    from finn.transformation.streamline.reorder import MoveIdenticalOpPastJoinOp

    if not MoveIdenticalOpPastJoinOp.are_producers_identical(finn_pass, model, producers):
        return False
    first = model.get_initializer(producers[0].input[1])
    others = [model.get_initializer(p.input[1]) for p in producers[1:]]
    return first is not None and all(o is not None and np.array_equal(first, o) for o in others)


class MoveMulPastJoinAddArrays(Transformation):
    """FINN's ``MoveMulPastJoinAdd`` for per-channel scales too.

    finn-plus 1.6.1 (reorder.py, ``MoveMulPastJoinAdd.are_producers_identical``) tests
    ``first_mul != other`` on the two branches' Mul constants: fine for scalars,
    ``ValueError: The truth value of an array ... is ambiguous`` for per-channel ones
    (both branches of a ``parallel`` adapter on MobileNetV2 end in per-channel Muls).
    Same pass and decision, the constants compared as arrays (equal shape and values)."""

    def apply(self, model):
        from functools import partial

        from finn.transformation.streamline.reorder import MoveMulPastJoinAdd

        finn_pass = MoveMulPastJoinAdd()
        finn_pass.are_producers_identical = partial(_same_constants, finn_pass)
        return finn_pass.apply(model)
