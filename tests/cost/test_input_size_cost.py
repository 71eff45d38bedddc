"""A larger input is visible in the estimate: a reduced MobileNetV2 (the 8-block table of
tests/finn/test_mobilenet_v2_conversion.py) at 32 and 64 px, converted through the real
flow (spec -> model -> FINN -> estimate) and folded alike.

At equal folding every layer handles 4x the pixels, so the bottleneck takes ~4x the
cycles per frame; the sliding-window generators buffer K rows of a 2x wider feature map,
so they need more LUT (LUTRAM) or BRAM.
"""

from __future__ import annotations

import pytest

pytest.importorskip("finn")

import codesign.network.factory  # noqa: E402
from codesign.cost.design import estimate_design  # noqa: E402
from codesign.models.mobilenet_v2 import mobilenet_v2  # noqa: E402
from codesign.specs.graph import graph_from_dict  # noqa: E402
from tests.finn.test_mobilenet_v2_conversion import SMALL_SETTING  # noqa: E402

SLOW_TARGET_FPS = 1.0  # so slow that every layer keeps its least parallelism: equal folding at both sizes
SWG = "ConvolutionInputGenerator"


def _small_spec(input_size_px: int):
    return graph_from_dict({
        "name": "mobilenet_v2_small_head",
        "backbone": {"name": "mobilenet_v2", "weights": "none", "weight_bits": 8, "act_bits": 8,
                     "input_bits": 8, "input_size": input_size_px},
        "adapter": {"family": "head"}, "head": {"weight_bits": 8},
    }, "<mobilenet_v2_small_head>")


def _small_backbone(spec):
    kwargs = spec.backbone.factory_kwargs()
    return mobilenet_v2(**kwargs, setting=SMALL_SETTING)


@pytest.mark.slow
def test_64_px_costs_4x_the_cycles_and_more_window_buffer_than_32_px(monkeypatch):
    # the spec names the full network; the reduced table is only for the test's time
    monkeypatch.setattr(codesign.network.factory, "build_backbone", _small_backbone)
    estimates = {}
    for size in (32, 64):
        estimates[size], _ = estimate_design(_small_spec(size), "zcu104", target_fps=SLOW_TARGET_FPS,
                                             use_cache=False, parallel=False, progress=None)
    small, large = estimates[32], estimates[64]

    def folding(e):
        return sorted((n.op_type, n.pe, n.simd) for n in e.nodes)

    assert folding(small) == folding(large)  # equal folding, so cycles compare pixels alone
    ratio = large.cycles_per_frame / small.cycles_per_frame
    assert 3.5 <= ratio <= 4.5, (small.cycles_per_frame, large.cycles_per_frame)
    assert large.fps < small.fps / 3.5
    assert large.latency_s > 3 * small.latency_s

    def window_buffers(e):
        nodes = [n for n in e.nodes if n.op_type.startswith(SWG)]
        return len(nodes), sum(n.lut for n in nodes), sum(n.bram18 for n in nodes)

    (count_small, lut_small, bram_small), (count_large, lut_large, bram_large) = map(window_buffers,
                                                                                     (small, large))
    assert count_small == count_large >= 9  # the stem and every depthwise 3x3 conv
    assert lut_large > lut_small or bram_large > bram_small, (lut_small, lut_large, bram_small, bram_large)
    assert large.totals["lut"] + large.totals["bram18"] > small.totals["lut"] + small.totals["bram18"]
