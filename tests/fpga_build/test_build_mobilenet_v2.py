"""`codesign build` on MobileNetV2 (ImageNet weights, 17 inverted-residual blocks, 32x32)
with the attention adapter and two 10-class domains (slow suite; ~17 min on a busy
2-core machine: convert ~300 s, fold + code generation ~200 s, domain files ~170 s,
verification ~380 s).

The shipped W8A8 graph does not fit a ZCU104 (its 8-bit thresholds alone need ~144 Mbit
of BRAM, docs/mobilenet_v2.md); W4A4 with 8-bit inputs does, so the build is of that
variant, otherwise the shipped mobilenet_v2_attention.yaml. BRAM18 sits at the edge
(100.0 %): the build's fastest folding is 651 FPS (LUT 78 %), not the 904 FPS of a
folding whose classifier MVAU keeps SIMD=1, which FINN's HLS code generation refuses
(SIMD >= MW / 1024, MW = 1280; codesign/finn/compat/hls_folding.py).
MobileNetV2 adds to what the CNV build exercises: depthwise convolutions (VVAU), residual
adds (DuplicateStreams + ElementwiseAdd) and global average pools.
"""

from __future__ import annotations

import pytest

from tests.fpga_build.conftest import build_two_domains

MOBILENET_V2_W4A4_SPEC = {
    "name": "mobilenet_v2_attention_w4a4_test",
    "backbone": {"name": "mobilenet_v2", "weights": "imagenet", "weight_bits": 4, "act_bits": 4,
                 "input_bits": 8, "input_size": 32},
    "head": {"weight_bits": 4},
    "adapter": {"family": "attention",
                "sites": ["features.3.project", "features.6.project", "features.13.project",
                          "features.16.project", "features.17.project"],
                "reduction": 16, "weight_bits": 4, "act_bits": 4, "gate_bits": 4},
}
DOMAINS = ("sklearn_digits", "animal_mnist")  # both 10 classes: one shared head shape
DEPTHWISE_CONVS = 17  # one 3x3 depthwise conv per inverted-residual block -> one VVAU each


@pytest.mark.slow
def test_mobilenet_v2_attention_two_domains_end_to_end(tmp_path):
    m = build_two_domains(tmp_path, MOBILENET_V2_W4A4_SPEC, DOMAINS, "mobilenet_v2")
    roles = m["design"]["roles"]
    vvaus = [n for n in roles if n.startswith("VVAU")]
    assert len(vvaus) == DEPTHWISE_CONVS and all(roles[n] == "fixed" for n in vvaus)
