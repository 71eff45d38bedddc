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

import json

import pytest

from codesign.cli import main
from tests.fpga_build.conftest import write_checkpoints, write_spec

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
    from codesign.store import checkout_root, domains_dir

    root = checkout_root()  # prepared data is kept in the checkout's cache between runs
    data_cache = domains_dir(root / ".cache") if root is not None else tmp_path / "domains"
    spec = write_spec(tmp_path, MOBILENET_V2_W4A4_SPEC)
    ckpt = write_checkpoints(spec, tmp_path / "checkpoints", domains=DOMAINS)
    out = tmp_path / "builds" / "mobilenet_v2"
    rc = main(["build", str(spec), "--device", "zcu104", "--domains", ",".join(DOMAINS), "--checkpoints",
               str(ckpt), "--out", str(out), "--data-cache", str(data_cache)])
    assert rc == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["design"]["reconfigurable"] > 0
    for name in DOMAINS:
        v = m["verification"][name]
        assert v["passed"] and v["images"] == 64 and v["mode"] == "integer", v
        assert m["crosscheck"][name]["passed"]
        assert m["switch"]["per_domain"][name]["write_bytes"] > 0
    roles = m["design"]["roles"]
    kinds = {n.rsplit("_", 2)[0] for n, r in roles.items() if r == "reconfigurable"}
    assert {"MVAU", "Thresholding"} <= kinds
    vvaus = [n for n in roles if n.startswith("VVAU")]
    assert len(vvaus) == DEPTHWISE_CONVS and all(roles[n] == "fixed" for n in vvaus)
