"""QONNX -> streamlined FINN graph (integer MatMuls, thresholds, NHWC layout).

Mirrors finn-plus 1.6.1 ``build_dataflow_steps.py`` (step_qonnx_to_finn,
step_tidy_up, step_streamline) with two additions for adapter branches:

* fork/join reorders (``StreamlinePlus``-style) so that ``Add``/``Mul`` joins of
  quantised branches lose their float scales and become integer joins;
* layout rewrites (``codesign.finn.transforms``) that keep gates, crops and
  pooled forks in the backbone's NHWC layout.

Speed: FINN's ``Streamline`` and qonnx's ``ComposedTransformation`` deep-copy
the model, re-infer shapes (serialising all weights) and rename every tensor
after each step, whether or not the step changed anything. :func:`apply_steps`
runs the same steps in the same order and does the follow-ups only after a step
that changed the graph; tensors get readable names once at the end. On CNV this
cuts streamlining from ~20 s (head) / ~80 s (attention) to a few seconds.
"""

from __future__ import annotations

import copy
import os
import time

from codesign.finn.compat import keep_tiny_constants

_MAX_PASSES = 8  # bound on repeating a list of reorders until nothing changes
_TRACE = bool(os.environ.get("CODESIGN_FINN_TRACE"))  # print each step that changes the graph


def qonnx_to_finn(model):
    """step_qonnx_to_finn + step_tidy_up."""
    from qonnx.transformation.fold_constants import FoldConstants
    from qonnx.transformation.general import (
        GiveReadableTensorNames,
        GiveUniqueNodeNames,
        RemoveStaticGraphInputs,
    )
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes
    from qonnx.util.cleanup import cleanup_model

    from finn.transformation.qonnx.convert_qonnx_to_finn import ConvertQONNXtoFINN

    with keep_tiny_constants():
        model = cleanup_model(model)
        model = model.transform(ConvertQONNXtoFINN())
        for t in (InferShapes(), FoldConstants(), GiveUniqueNodeNames(),
                  GiveReadableTensorNames(), InferDataTypes(), RemoveStaticGraphInputs()):
            model = model.transform(t)
    return model


def _signature(model):
    """The graph's nodes (ops, wiring, attributes), not its initializer values."""
    return [n.SerializeToString() for n in model.graph.node]


def apply_steps(model, steps, until_stable=False):
    """Apply each transformation (to a fixed point, as ModelWrapper.transform does)
    and, only if it changed the graph, the follow-ups FINN's ``Streamline`` runs
    after every step: RemoveIdentityOps (exact identities only, see
    :func:`codesign.finn.compat.keep_tiny_constants`), GiveUniqueNodeNames,
    InferDataTypes, InferDataLayouts, then ModelWrapper's cleanup. Not done: the
    deep copy, the per-step tensor renaming (O(tensors^2)) and qonnx
    ``ComposedTransformation``'s per-step InferShapes (which serialises all
    weights); steps that change shapes infer them themselves. ``until_stable``:
    repeat the list until a full pass changes nothing (bounded: two reorders can
    undo each other, e.g. Mul/Transpose swaps). Returns (model, changed)."""
    from qonnx.transformation.general import GiveUniqueNodeNames
    from qonnx.transformation.infer_data_layouts import InferDataLayouts
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes
    from qonnx.transformation.remove import RemoveIdentityOps

    changed_total = False
    for _ in range(_MAX_PASSES):
        changed_any = False
        for step in steps:
            t0 = time.perf_counter()
            before = _signature(model)
            model = model.transform(step, make_deepcopy=False, cleanup=False)
            if _signature(model) == before:
                continue
            changed_any = True
            for t in (RemoveIdentityOps(atol=0.0), GiveUniqueNodeNames(),
                      InferDataTypes(), InferDataLayouts()):
                model = model.transform(t, make_deepcopy=False, cleanup=False)
            model.cleanup()
            if _TRACE:
                print(f"streamline step changed the graph: {type(step).__name__} "
                      f"({time.perf_counter() - t0:.2f} s)", flush=True)
        changed_total = changed_total or changed_any
        if not (until_stable and changed_any):
            break
    return model, changed_total


def _streamline_steps():
    """The list in finn-plus 1.6.1 ``Streamline.apply``, in its order."""
    from qonnx.transformation.batchnorm_to_affine import BatchNormToAffine
    from qonnx.transformation.general import ConvertDivToMul, ConvertSubToAdd

    import finn.transformation.streamline.absorb as A
    import finn.transformation.streamline.collapse_repeated as C
    import finn.transformation.streamline.reorder as R
    from finn.transformation.streamline.sign_to_thres import ConvertSignToThres

    return [
        ConvertSubToAdd(), ConvertDivToMul(), BatchNormToAffine(), ConvertSignToThres(),
        R.MoveMulPastMaxPool(), A.AbsorbScalarBiasIntoMultiThreshold(),
        R.MoveScalesPastIm2Col(), R.MoveScalarLinearPastInvariants(), R.MoveAddPastMul(),
        R.MoveScalarAddPastMatMul(), R.MoveAddPastConv(), R.MoveScalarMulPastMatMul(),
        R.MoveScalarMulPastConv(), R.MoveAddPastMul(), C.CollapseRepeatedAdd(),
        C.CollapseRepeatedMul(), R.MoveMulPastMaxPool(), A.AbsorbAddIntoMultiThreshold(),
        A.FactorOutMulSignMagnitude(), A.AbsorbMulIntoMultiThreshold(),
        A.Absorb1BitMulIntoMatMul(), A.Absorb1BitMulIntoConv(),
    ]


def _residual_steps():
    """Fork/join reorders (as StreamlinePlus): scales past residual forks and joins, so that
    Add/Mul joins of quantised branches become integer joins."""
    import finn.transformation.streamline.reorder as reorder

    from codesign.finn.transforms import MoveMulPastJoinAddArrays

    return [
        reorder.MoveLinearPastEltwiseAdd(),
        reorder.MoveChannelwiseLinearPastFork(),
        reorder.MoveScalarLinearPastInvariants(),
        reorder.MoveMulPastFork(),
        MoveMulPastJoinAddArrays(),  # FINN's MoveMulPastJoinAdd fails on per-channel scales
        reorder.MoveAddPastJoinAdd(),
        reorder.MoveConstMulPastJoinMul(),
    ]


def _layout_steps():
    """After LowerConvsToMatMul every conv is NCHW->Transpose->NHWC-MatMul->Transpose;
    at forks/joins the transposes must be pushed through (as StreamlinePlus does) or they
    survive as Shuffle HW nodes around the join."""
    import finn.transformation.streamline.absorb as absorb
    import finn.transformation.streamline.collapse_repeated as collapse
    import finn.transformation.streamline.remove as remove
    import finn.transformation.streamline.reorder as reorder

    from codesign.finn.transforms import (
        MakeMaxPoolNHWCForkSafe,
        MoveForkTransposesBeforeMultiThreshold,
        MoveTransposeBeforeSlice,
    )

    return [
        reorder.MoveTransposePastFork(),
        reorder.MoveTransposePastEltwise(),
        reorder.MoveTransposePastJoinAdd(),
        reorder.MoveTransposePastJoinMul(),
        MoveTransposeBeforeSlice(),
        collapse.CollapseRepeatedTranspose(),
        remove.RemoveIdentityTranspose(),
        absorb.AbsorbTransposeIntoMultiThreshold(),
        MoveForkTransposesBeforeMultiThreshold(),
        MakeMaxPoolNHWCForkSafe(),
        absorb.AbsorbConsecutiveTransposes(),
    ]


def _gate_steps():
    """Gates and global pooling (SE / side networks): put the join into NHWC and turn
    integer-input GlobalAveragePool into GlobalAccPool + Mul(1/N) during streamlining, so
    that the Mul ends in the next threshold (step_convert_to_hw does it last, leaving a
    float Mul between GlobalAccPool and the next layer)."""
    from finn.transformation.fpgadataflow.convert_to_hw.global_acc_pool import (
        InferGlobalAccPoolLayer,
    )

    import finn.transformation.streamline.absorb as absorb

    from codesign.finn.transforms import MoveTransposePastBroadcastJoin, TrivialLayoutToReshape

    # AbsorbConsecutiveTransposes before TrivialLayoutToReshape: the Transpose that
    # MoveTransposePastBroadcastJoin puts after a gate join usually meets the inverse
    # Transpose of the next conv. On a 1x1 map (MobileNetV2's last stages at 32 px) it
    # only moves size-1 axes, and as a Reshape it would no longer cancel: the pair
    # Reshape -> Transpose(0,2,3,1) -> MultiThreshold survived conversion (issue 16).
    return [MoveTransposePastBroadcastJoin(), absorb.AbsorbConsecutiveTransposes(),
            InferGlobalAccPoolLayer(), TrivialLayoutToReshape()]


def _streamline_to_fixpoint(model, extra_groups):
    """FINN's streamlining, then each group of extra reorders until stable, in rounds until
    a round changes nothing (at most 4); streamlining is re-run after a round that changed
    something (a reorder can expose a new scale to absorb). The groups are re-run even
    when streamlining then changes nothing: a later group can hand an earlier one new
    work (the gate group's MoveTransposePastBroadcastJoin leaves a Transpose in front of a
    MultiThreshold for the layout group; left there, it stayed a non-HW node on
    MobileNetV2's 1x1 stages, issue 16)."""
    model, _ = apply_steps(model, _streamline_steps())
    for _ in range(4):
        changed = False
        for group in extra_groups:
            model, group_changed = apply_steps(model, group, until_stable=True)
            changed = changed or group_changed
        if not changed:
            break
        model, _ = apply_steps(model, _streamline_steps())
    return model


def _lower_convs(model, layout):
    """Convolutions -> Im2Col + MatMul in NHWC (with the MaxPool/Transpose clean-up around
    forks), then the ``layout`` reorders until stable. A graph without Conv is unchanged."""
    import finn.transformation.streamline.absorb as absorb
    from qonnx.transformation.lower_convs_to_matmul import LowerConvsToMatMul

    from codesign.finn.transforms import MakeMaxPoolNHWCForkSafe

    if not model.get_nodes_by_op_type("Conv"):
        return model
    model, _ = apply_steps(model, [
        LowerConvsToMatMul(), MakeMaxPoolNHWCForkSafe(),
        absorb.AbsorbTransposeIntoMultiThreshold(), MakeMaxPoolNHWCForkSafe(),
        absorb.AbsorbConsecutiveTransposes()])
    model, _ = apply_steps(model, layout, until_stable=True)
    return model


def _finish(model):
    """Thresholds rounded/clipped to integers, final clean-up, readable names (once)."""
    import finn.transformation.streamline.absorb as absorb
    from qonnx.transformation.general import (
        GiveReadableTensorNames,
        GiveUniqueNodeNames,
        RemoveUnusedTensors,
    )
    from qonnx.transformation.infer_data_layouts import InferDataLayouts

    from finn.transformation.streamline.round_thresholds import RoundAndClipThresholds

    for t in (RoundAndClipThresholds(), absorb.AbsorbScalarMulAddIntoTopK(),
              InferDataLayouts(), RemoveUnusedTensors(), GiveUniqueNodeNames(),
              GiveReadableTensorNames()):
        model = model.transform(t, make_deepcopy=False)
    return model


def streamline(model):
    """step_streamline, plus fork/join reorders and layout rewrites for adapters (a copy;
    ``model`` is left as it is)."""
    from qonnx.transformation.bipolar_to_xnor import ConvertBipolarMatMulToXnorPopcount

    from codesign.finn.transforms import AbsorbScalarBiasIntoMultiThresholdBatched

    model = copy.deepcopy(model)  # everything below transforms in place
    # one instance of each reorder for the whole run, as FINN's own step lists
    residual, layout = _residual_steps(), _layout_steps()
    model, _ = apply_steps(model, [AbsorbScalarBiasIntoMultiThresholdBatched()])
    model = _streamline_to_fixpoint(model, [residual])
    model = _lower_convs(model, layout)
    model, _ = apply_steps(model, [ConvertBipolarMatMulToXnorPopcount()])
    model = _streamline_to_fixpoint(model, [residual, layout, _gate_steps()])
    return _finish(model)
