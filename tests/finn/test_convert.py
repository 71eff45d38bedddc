"""Brevitas -> QONNX -> FINN HW: complete mapping + bit-exact Python execution.

No Vivado is needed: generic HW nodes execute in Python; specialised
(*_hls/*_rtl) nodes are only checked structurally and by FINN's estimators.
"""

import numpy as np
import pytest
import torch

pytest.importorskip("finn")

from codesign.finn import patterns as P  # noqa: E402
from codesign.finn.convert import (  # noqa: E402
    ConversionReport,
    NonHWNodeError,
    dataflow_partition,
    export_qonnx,
    set_node_attrs,
    specialize,
    to_generic_hw,
)

PART = "xc7z020clg400-1"


def _convert(tmp_path, model, shape, **kw):
    torch.manual_seed(0)
    model = P.randomize_bn(model).eval()
    path = export_qonnx(model, shape, tmp_path / "m.onnx")
    rep = ConversionReport()
    gen = to_generic_hw(path, report=rep, **kw)
    return model, gen, rep


def _check_exact(model, gen, shape, n=2):
    from finn.core.onnx_exec import execute_onnx

    g = torch.Generator().manual_seed(1)
    for _ in range(n):
        x = torch.rand(*shape, generator=g) * 2 - 1
        ref = model(x).detach().numpy()
        out = execute_onnx(gen, {gen.graph.input[0].name: x.numpy()})[gen.graph.output[0].name]
        # outputs are integers times one scale: equal up to float32 rounding
        np.testing.assert_allclose(out.reshape(ref.shape), ref, rtol=0, atol=1e-6)


def _ops(model):
    return [n.op_type for n in model.graph.node]


def _assert_complete(hw):
    """Only the input NCHW->NHWC transpose and the output transpose/scale are
    outside the HW region, and every HW node got specialised."""
    ops = _ops(hw)
    hw_ops = [o for o in ops if o.endswith(("_hls", "_rtl"))]
    first = ops.index(hw_ops[0])
    last = len(ops) - 1 - ops[::-1].index(hw_ops[-1])
    assert all(o.endswith(("_hls", "_rtl")) for o in ops[first:last + 1]), ops
    assert set(ops[:first]) <= {"Transpose"} and set(ops[last + 1:]) <= {"Transpose", "Mul"}


def test_cnv_like_chain(tmp_path):
    shape = (1, 3, 16, 16)
    model, gen, rep = _convert(tmp_path, P.CNVLike(), shape)
    assert rep.hw_op_types == {"Thresholding": 5, "ConvolutionInputGenerator": 4,
                               "MVAU": 5, "Pool": 1}
    assert rep.host_nodes == [("Transpose", "Transpose_0"), ("Mul", "Mul_0")]
    _check_exact(model, gen, shape)
    _assert_complete(specialize(gen, PART))


def test_parallel_adapter_sum_of_accumulators(tmp_path):
    shape = (1, 3, 12, 12)
    model, gen, rep = _convert(tmp_path, P.Parallel(), shape)
    for op in ("DuplicateStreams", "FMPadding", "ElementwiseAdd"):
        assert op in rep.hw_op_types
    _check_exact(model, gen, shape)
    _assert_complete(specialize(gen, PART))


def test_parallel_adapter_unpadded_crops_the_1x1_branch(tmp_path):
    shape = (1, 3, 12, 12)
    model, gen, rep = _convert(tmp_path, P.Parallel(pad=0), shape)
    assert {"DuplicateStreams", "Crop", "ElementwiseAdd"} <= set(rep.hw_op_types)
    assert "FMPadding" not in rep.hw_op_types
    crop = [n for n in gen.graph.node if n.op_type == "Crop"]
    from finn.util.basic import getHWCustomOp

    inst = getHWCustomOp(crop[0])  # both slices (H and W) in one Crop
    assert len(crop) == 1 and [inst.get_nodeattr(f"Crop{d}") for d in
                               ("North", "South", "West", "East")] == [1, 1, 1, 1]
    _check_exact(model, gen, shape)
    _assert_complete(specialize(gen, PART))


def test_parallel_adapter_shared_quantiser_w2(tmp_path):
    shape = (1, 3, 12, 12)
    model, gen, rep = _convert(tmp_path, P.Parallel(shared_q=True, wb=2), shape)
    assert "ElementwiseAdd" in rep.hw_op_types
    _check_exact(model, gen, shape)


def test_residual_adapter_shared_quantiser(tmp_path):
    shape = (1, 3, 12, 12)
    model, gen, rep = _convert(tmp_path, P.Residual(), shape)
    assert {"DuplicateStreams", "ElementwiseAdd"} <= set(rep.hw_op_types)
    _check_exact(model, gen, shape)
    _assert_complete(specialize(gen, PART))


@pytest.mark.parametrize("kw", [dict(), dict(gate="identity", pool="adaptive_q")])
def test_se_gate_broadcast_mul(tmp_path, kw):
    shape = (1, 3, 10, 10)
    model, gen, rep = _convert(tmp_path, P.SE(**kw), shape)
    assert {"GlobalAccPool", "ElementwiseMul", "DuplicateStreams"} <= set(rep.hw_op_types)
    mul = [n for n in gen.graph.node if n.op_type == "ElementwiseMul"][0]
    from finn.util.basic import getHWCustomOp

    inst = getHWCustomOp(mul)
    assert inst.get_nodeattr("rhs_shape") == [1, 1, 1, 8]  # streamed, broadcast over H, W
    assert inst.get_nodeattr("rhs_style") == "input"
    _check_exact(model, gen, shape)
    _assert_complete(specialize(gen, PART))


def test_se_gate_with_mean_is_rejected(tmp_path):
    with pytest.raises(NonHWNodeError, match="ReduceMean"):
        _convert(tmp_path, P.SE(pool="mean"), (1, 3, 10, 10))


@pytest.mark.slow
def test_side_network(tmp_path):
    shape = (1, 3, 10, 10)
    model, gen, rep = _convert(tmp_path, P.Side(), shape)
    assert rep.hw_op_types["GlobalAccPool"] == 2 and "ElementwiseAdd" in rep.hw_op_types
    _check_exact(model, gen, shape)
    _assert_complete(specialize(gen, PART))


def test_per_domain_bn_standalone_thresholds(tmp_path):
    shape = (1, 3, 8, 8)
    outs = []
    for d in (0, 1):
        torch.manual_seed(0)
        m = P.PerDomain(domain=d)
        model, gen, rep = _convert(tmp_path, m, shape)
        _check_exact(model, gen, shape)
        mvau = [n for n in gen.graph.node if n.op_type == "MVAU"]
        thr = [n for n in gen.graph.node if n.op_type == "Thresholding"]
        assert len(mvau) == 1 and len(thr) == 2
        outs.append((gen.get_initializer(mvau[0].input[1]), gen.get_initializer(thr[1].input[1])))
    # same MVAU weights in both domains, different thresholds
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    assert not np.array_equal(outs[0][1], outs[1][1])
    # without standalone thresholds the BN+act is fused into the MVAU
    _, gen, _ = _convert(tmp_path, P.PerDomain(), shape, standalone_thresholds=False)
    fused = [n for n in gen.graph.node if n.op_type == "MVAU"][0]
    assert _ops(gen).count("Thresholding") == 1 and len(fused.input) == 3  # x, W, thresholds


def test_mvau_attributes_and_estimates(tmp_path):
    from finn.analysis.fpgadataflow.exp_cycles_per_layer import exp_cycles_per_layer
    from finn.analysis.fpgadataflow.res_estimation import res_estimation

    _, gen, _ = _convert(tmp_path, P.PerDomain(), (1, 3, 8, 8))
    hw = specialize(gen, PART)
    # FINN leaves PE/SIMD at 0 (unset); estimators need them set
    assert set_node_attrs(hw, "MVAU", mem_mode="internal_embedded", ram_style="block",
                          PE=1, SIMD=1) == 1
    set_node_attrs(hw, "Thresholding", PE=1, runtime_writeable_weights=1)
    set_node_attrs(hw, "ConvolutionInputGenerator", SIMD=1)
    cycles = exp_cycles_per_layer(hw)
    set_node_attrs(hw, "MVAU", mem_mode="internal_decoupled", runtime_writeable_weights=1,
                   PE=2, SIMD=3)
    res = res_estimation(hw, PART)
    cyc2 = exp_cycles_per_layer(hw)
    mv = [k for k in cycles if k.startswith("MVAU")][0]
    assert cyc2[mv] * 6 == cycles[mv]
    assert all({"LUT", "BRAM_18K", "DSP"} <= set(r) for r in res.values())
    with pytest.raises(KeyError):
        set_node_attrs(hw, "ConvolutionInputGenerator", mem_mode="internal_embedded")
    parent, child = dataflow_partition(hw)
    assert _ops(parent) == ["Transpose", "StreamingDataflowPartition", "Transpose", "Mul"]
    assert all(o.endswith(("_hls", "_rtl")) for o in _ops(child))


@pytest.mark.slow
def test_cnv_w2a2_full_size(tmp_path):
    from brevitas_examples.bnn_pynq.models.CNV import CNV

    shape = (1, 3, 32, 32)
    model, gen, rep = _convert(tmp_path, CNV(10, 2, 2, 8, 3), shape)
    assert rep.hw_op_types == {"Thresholding": 9, "ConvolutionInputGenerator": 8,
                               "MVAU": 9, "Pool": 2}
    _check_exact(model, gen, shape, n=1)
