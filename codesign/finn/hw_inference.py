"""FINN's step_convert_to_hw, as codesign runs it: which Infer* transform makes which
HW layer, in FINN's order (finn-plus 1.6.1 ``build_dataflow_steps.step_convert_to_hw``),
with the differences listed in :mod:`codesign.finn.convert`.
"""

from __future__ import annotations

from codesign.finn.transforms.crop import InferCropFromSlice


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
