"""The Brevitas models of the published builds that scripts/rebuild_published.py
rebuilds, exported to QONNX with the pre/post-processing the published flows add.

Weights are random with a fixed seed: FINN's resource estimate depends on shapes, bit
widths and folding, and on weight values only through the accumulator and threshold
widths that MinimizeAccumulatorWidth derives from them (binary layers: not at all).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SEED = 0


def cnv_w1a1():
    """BNN-PYNQ CNV-W1A1 (brevitas_examples, the topology of cnv-w1a1_qonnx.onnx)."""
    from brevitas_examples.bnn_pynq.models import model_with_cfg

    model, _ = model_with_cfg("cnv_1w1a", pretrained=False)
    return model, (1, 3, 32, 32)


def tfc_w2a2():
    """BNN-PYNQ TFC-W2A2: 784-64-64-64-10, 2-bit weights and activations."""
    from brevitas_examples.bnn_pynq.models import model_with_cfg

    model, _ = model_with_cfg("tfc_2w2a", pretrained=False)
    return model, (1, 1, 28, 28)


def cybsec_mlp():
    """The UNSW-NB15 MLP of FINN's cybersecurity notebook (Xilinx/finn@01431f34
    notebooks/end2end_example/cybersecurity, 1-train-mlp-with-brevitas and the export
    wrapper CybSecMLPForExport): 593 inputs zero-padded to 600 bipolar bits, mapped to
    {0, 1} by (x + 1) / 2; three QuantLinear(64, 2-bit weights) + BatchNorm1d +
    QuantReLU(2 bit) blocks; QuantLinear(64 -> 1); a bipolar output quantiser."""
    import torch
    from brevitas.nn import QuantIdentity, QuantLinear, QuantReLU
    from brevitas.quant import SignedBinaryActPerTensorConst
    from torch import nn

    def block(n_in, n_out):
        return [QuantLinear(n_in, n_out, bias=True, weight_bit_width=2),
                nn.BatchNorm1d(n_out), nn.Dropout(0.5), QuantReLU(bit_width=2)]

    class CybSecMLPForExport(nn.Module):
        def __init__(self):
            super().__init__()
            self.pretrained = nn.Sequential(*block(600, 64), *block(64, 64), *block(64, 64),
                                            QuantLinear(64, 1, bias=True, weight_bit_width=2))
            self.qnt_output = QuantIdentity(act_quant=SignedBinaryActPerTensorConst)

        def forward(self, x):
            return self.qnt_output(self.pretrained((x + torch.tensor([1.0])) / 2.0))

    return CybSecMLPForExport(), (1, 600)


MODELS = {"cnv_w1a1": cnv_w1a1, "tfc_w2a2": tfc_w2a2, "cybsec_mlp": cybsec_mlp}


def export_design(model_name: str, folder: Path):
    """QONNX ModelWrapper of `model_name` with the published pre/post-processing:
    BNN-PYNQ models get finn-plus's add_preproc_divide_by_255 and add_postproc_top1
    (benchmarking/dut/bnn-pynq.yml steps); the cybersecurity MLP gets its input marked
    BIPOLAR, as the notebook's export does."""
    import torch
    from qonnx.core.datatype import DataType
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.util.cleanup import cleanup_model

    from codesign.finn.convert import export_qonnx

    torch.manual_seed(SEED)
    module, shape = MODELS[model_name]()
    path = export_qonnx(module, shape, folder / f"{model_name}.onnx")
    model = cleanup_model(ModelWrapper(str(path)))
    if model_name == "cybsec_mlp":
        model.set_tensor_datatype(model.graph.input[0].name, DataType["BIPOLAR"])
        return model
    return _add_top1(_add_divide_by_255(model))


def _add_divide_by_255(model):
    """A Div by 255 in front of the graph and a UINT8 input (finn-plus 1.6.1
    finn/builder/custom_step_library/general.py add_preproc_divide_by_255)."""
    from onnx import helper
    from qonnx.core.datatype import DataType

    in_name = model.graph.input[0].name
    divided = model.make_new_valueinfo_name()
    divisor = model.make_new_valueinfo_name()
    model.set_initializer(divisor, np.asarray(255.0, dtype=np.float32))
    for node in model.graph.node:
        node.input[:] = [divided if name == in_name else name for name in node.input]
    model.graph.node.insert(0, helper.make_node("Div", [in_name, divisor], [divided],
                                                name="PreprocDiv"))
    model.set_tensor_datatype(in_name, DataType["UINT8"])
    return model


def _add_top1(model):
    from qonnx.transformation.insert_topk import InsertTopK

    return model.transform(InsertTopK(k=1))
