"""Every adapter family converts COMPLETELY to FINN HW layers and runs bit-exactly.

For each family: build the model, give the domain random (non-initial) weights and
BatchNorm statistics, export (backbone + domain) to QONNX, convert with
:func:`codesign.finn.convert.to_generic_hw` and compare FINN's Python execution with
the PyTorch forward. Complete: nothing but FINN HW layers between the input
NCHW->NHWC Transpose and the output dequantisation Mul (to_generic_hw raises
otherwise), and every HW layer specialises to an HLS/RTL implementation. Exact: the
outputs are integers times one scale and agree to within float rounding of that
scale (a single differing accumulator would be off by at least one step).

Float near-ties: a BatchNorm before a quantiser is computed in float32 by PyTorch and
folded into float32 thresholds by FINN; a value within ~1e-7 of a rounding boundary
can land on either side (seen once in ten random inputs on cnv_side, at conv0 of the
fixed backbone: 1.6e-7 steps from the boundary). Such an input says nothing about
the conversion, so the comparison uses inputs whose every quantiser input in PyTorch
is at least ``AMBIGUOUS_STEPS`` from a rounding boundary. Quantisers wrapped in
``HalfUp`` are exempt: their exact ties are resolved identically on both sides.

Fast suite: the tiny backbone (padded convs, 16x16 input). Slow suite: the shipped
``graphs/cnv_*.yaml`` (unpadded 3x3 convs, where ``parallel`` needs a Crop).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("finn")

from codesign.finn.convert import (  # noqa: E402
    ConversionReport,
    non_hw_nodes,
    specialize,
    to_generic_hw,
)
from codesign.finn.nodekinds import is_hw  # noqa: E402
from codesign.graph.design import perturb_domain  # noqa: E402
from codesign.models.export import export_domain_qonnx  # noqa: E402
from tests.conftest import FAMILY_PARAMS, tiny_model  # noqa: E402

PART = "xc7z020clg400-1"
FAMILIES = sorted(FAMILY_PARAMS)

# HW layers per shipped cnv graph (CNV: 6 convs -> 8 sliding windows incl. 2 for
# the max-pools, 9 MVAUs; every family adds its own layers on top).
CNV_HW_OPS = {
    "head": {"Thresholding": 9, "ConvolutionInputGenerator": 8, "MVAU": 9, "Pool": 2},
    "scale_bias": {"Thresholding": 9, "ConvolutionInputGenerator": 8, "MVAU": 9, "Pool": 2},
    "finetune": {"Thresholding": 9, "ConvolutionInputGenerator": 8, "MVAU": 9, "Pool": 2},
    # 1x1 conv beside each of the 6 convs, its input cropped by one pixel per side
    "parallel": {"Thresholding": 9, "ConvolutionInputGenerator": 8, "MVAU": 15, "Pool": 2,
                 "DuplicateStreams": 6, "Crop": 6, "ElementwiseAdd": 6},
    # 1x1 residual adapter after each of the 6 convs
    "series": {"Thresholding": 27, "ConvolutionInputGenerator": 8, "MVAU": 15, "Pool": 2,
               "DuplicateStreams": 6, "ElementwiseAdd": 6},
    # channel attention after conv1, conv3, conv5
    "attention": {"Thresholding": 18, "ConvolutionInputGenerator": 8, "MVAU": 15, "Pool": 2,
                  "DuplicateStreams": 3, "GlobalAccPool": 3, "Reshape": 3,
                  "ElementwiseMul": 3},
    # side network on conv1, conv3, conv5 (the backbone stops after conv5)
    "side": {"Thresholding": 15, "ConvolutionInputGenerator": 8, "MVAU": 11, "Pool": 2,
             "DuplicateStreams": 2, "GlobalAccPool": 3, "ElementwiseAdd": 2},
}


def convert(model, tmp_path, domain="d"):
    path = export_domain_qonnx(model, domain, tmp_path / "model.onnx")
    report = ConversionReport()
    return to_generic_hw(str(path), report=report), report


def output_scale(hw) -> float:
    """The dequantisation scale the host applies after the dataflow."""
    mul = [n for n in hw.graph.node if n.op_type == "Mul"][-1]
    return float(np.abs(hw.get_initializer(mul.input[1])).max())


AMBIGUOUS_STEPS = 2e-6  # no mismatch seen beyond 1.6e-7 steps; see the module docstring


def reference(model, x, domain="d"):
    """PyTorch output and the smallest distance (in quantisation steps) of any
    quantiser input to a rounding boundary, HalfUp-resolved quantisers excepted."""
    from brevitas.nn import QuantIdentity, QuantReLU

    from codesign.models.quant import HalfUp

    exempt = {id(m.quant) for m in model.modules() if isinstance(m, HalfUp)}
    nearest = [np.inf]

    def hook(mod, args):
        if id(mod) in exempt:
            return
        r = args[0].detach().double() / float(mod.act_quant.scale())
        nearest[0] = min(nearest[0], float((r - torch.floor(r) - 0.5).abs().min()))

    handles = [m.register_forward_pre_hook(hook) for m in model.modules()
               if isinstance(m, (QuantIdentity, QuantReLU))]
    try:
        ref = model(x, domain).detach().numpy()
    finally:
        for h in handles:
            h.remove()
    return ref, nearest[0]


def assert_exact(model, hw, n_inputs=3, domain="d", max_draws=12):
    from qonnx.core.onnx_exec import execute_onnx

    b = model.backbone
    shape = (1, b.in_channels, b.input_size, b.input_size)
    gen = torch.Generator().manual_seed(1)
    step = output_scale(hw)
    checked = 0
    for _ in range(max_draws):
        x = torch.rand(*shape, generator=gen) * 2 - 1
        ref, nearest = reference(model, x, domain)
        if nearest < AMBIGUOUS_STEPS:
            continue
        out = execute_onnx(hw, {hw.graph.input[0].name: x.numpy()})[hw.graph.output[0].name]
        assert out.shape == ref.shape
        # equal integers x step, up to float32 rounding of the step and of the values (a
        # few ulps: MobileNetV2's logits reach ~2e5 steps, where an ulp is ~0.01 step);
        # still far below the one step a differing accumulator would be off by
        tol = 1e-3 * step + 8 * np.finfo(np.float32).eps * float(np.abs(ref).max())
        assert tol < 0.5 * step, (tol, step)
        assert np.abs(out - ref).max() <= tol, np.abs(out - ref).max() / step
        checked += 1
        if checked == n_inputs:
            return
    pytest.fail(f"only {checked} of {max_draws} random inputs were free of float near-ties")


def assert_complete(hw, report):
    inside, boundary = non_hw_nodes(hw)
    assert inside == []
    assert [op for op, _, _ in boundary] == ["Transpose", "Mul"]
    assert [op for op, _ in report.host_nodes] == ["Transpose", "Mul"]
    spec = specialize(hw, PART)
    for n in spec.graph.node:
        if is_hw(n):
            assert n.op_type.endswith(("_hls", "_rtl")), n.op_type


def build(family, cnv: bool):
    if cnv:
        from codesign.network.factory import build_model
        from codesign.specs.graph import load_graph

        torch.manual_seed(0)
        model = build_model(load_graph(f"cnv_{family}"))
    else:
        model = tiny_model(family)
    model.add_domain("d", 10)
    # no adapter at its identity initialisation: the same perturbation as the ownership probe
    perturb_domain(model.domains["d"], seed=0, scale=0.3)
    return model.eval()


@pytest.mark.parametrize("family", FAMILIES)
def test_tiny_family_converts_completely_and_exactly(family, tmp_path):
    model = build(family, cnv=False)
    hw, report = convert(model, tmp_path)
    assert_complete(hw, report)
    assert_exact(model, hw)


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_cnv_family_converts_completely_and_exactly(family, tmp_path):
    model = build(family, cnv=True)
    hw, report = convert(model, tmp_path)
    assert report.hw_op_types == CNV_HW_OPS[family]
    assert_complete(hw, report)
    assert_exact(model, hw, n_inputs=2)
