"""Folding that FINN's HLS code generation accepts: MVAU_hls needs SIMD >= MW / 1024
(codesign/finn/compat/hls_folding.py; MobileNetV2's classifier has MW=1280)."""

from __future__ import annotations

import numpy as np
import pytest

from codesign.finn.compat.hls_folding import smallest_legal_simd


@pytest.mark.parametrize("mw, simd, legal", [
    (1280, 1, 2),   # MobileNetV2 classifier: 1280 / 1024 = 1.25 -> the next divisor of 1280
    (1024, 1, 1),   # exactly one buffer: SIMD=1 is legal
    (1025, 1, 5),   # 1025 = 5^2 * 41: 2, 3 and 4 do not divide it
    (3000, 1, 3),
    (1280, 4, 4),   # already legal: unchanged
    (2048, 1, 2),
])
def test_smallest_legal_simd(mw, simd, legal):
    assert smallest_legal_simd(mw, simd) == legal


def _mvau_hls_model(mw: int, mh: int):
    from onnx import TensorProto, helper
    from qonnx.core.datatype import DataType
    from qonnx.core.modelwrapper import ModelWrapper

    node = helper.make_node("MVAU_hls", ["x", "w"], ["y"], name="MVAU_hls_0",
                            domain="finn.custom_op.fpgadataflow.hls", backend="fpgadataflow",
                            MW=mw, MH=mh, SIMD=1, PE=1, inputDataType="INT4", weightDataType="INT4",
                            outputDataType="INT32", accDataType="INT32", noActivation=1, binaryXnorMode=0,
                            mem_mode="internal_decoupled", numInputVectors=[1])
    graph = helper.make_graph([node], "mvau", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, mw])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, mh])])
    model = ModelWrapper(helper.make_model(graph))
    model.set_initializer("w", np.ones((mw, mh), dtype=np.float32))
    model.set_tensor_datatype("x", DataType["INT4"])
    model.set_tensor_datatype("w", DataType["INT4"])
    return model


def test_folding_search_gives_the_wide_classifier_a_legal_simd():
    """A loose cycle target leaves SetFolding at SIMD=1 (12,800 cycles already meet it);
    the folding search raises it to 2, and FINN's ipgen check then passes."""
    from finn.util.basic import getHWCustomOp

    from codesign.cost.folding import fold
    from codesign.finn.compat import ensure_finn

    ensure_finn()
    result = fold(_mvau_hls_model(1280, 10), 10 ** 6)
    inst = getHWCustomOp(result.model.graph.node[0])
    assert inst.get_nodeattr("SIMD") == 2 and inst.get_nodeattr("PE") == 1
    assert result.achieved_cycles == 1280 * 10 // 2
    inst.defines("ipgen")  # FINN's own assertion: SIMD >= MW / 1024
