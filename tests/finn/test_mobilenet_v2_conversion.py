"""A reduced MobileNetV2 converts COMPLETELY to FINN HW layers and runs bit-exactly.

The shipped graphs (17 blocks, 32 px) take tens of minutes of FINN time; the reduced
table below keeps every kind of structure they have at 32 px: the t = 1 block, expanded
blocks with depthwise 3x3 convs, residual joins at 4x4, 2x2 and 1x1 maps, and the last
stages at 1x1, where a layout Transpose moves only size-1 axes (issue 16:
``Transpose 'Transpose_1': layout transpose not absorbed`` with attention gates there).
"""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("finn")

from codesign.adapters import ADAPTERS  # noqa: E402
from codesign.graph.design import perturb_domain  # noqa: E402
from codesign.models.mobilenet_v2 import mobilenet_v2  # noqa: E402
from codesign.network.multidomain import MultiDomainModel  # noqa: E402
from codesign.specs.graph import graph_from_dict  # noqa: E402
from tests.finn.test_finn_families import assert_complete, assert_exact, convert  # noqa: E402

# (t, c, n, s): 32 px -> 16 (stem) -> 8 -> 4 -> 2 -> 1, a residual block at 4x4, 2x2 and
# 1x1, then a stride-1 stage without one (torchvision's table has 17 blocks; this one 8)
SMALL_SETTING = ((1, 16, 1, 2), (6, 24, 2, 2), (6, 32, 2, 2), (6, 64, 2, 2), (6, 96, 1, 1))
ADAPTER = {
    # as the shipped graph's sites: a residual block at 4x4 (there: features.3, 6, 13),
    # a residual block at 1x1 (features.16), the last block at 1x1 (features.17); before
    # the fix the last two left a Transpose (or a FINN layout error) at the gate
    "attention": {"sites": ["features.3.project", "features.7.project", "features.8.project"],
                  "reduction": 16,
                  "weight_bits": 8, "act_bits": 8, "gate_bits": 4},
    "head": {},
    # as the shipped graph: beside the stem and every depthwise 3x3 (a depthwise 1x1
    # there); before the adapter shared the site conv's per-channel weight grid, both
    # branches' scales stayed outside HW as per-channel Muls before the join (issue 16)
    "parallel": {"sites": "spatial", "weight_bits": 8, "domain_bn": True},
    "scale_bias": {"sites": "all"},
    "finetune": {"sites": "all"},
    # taps at the same places as the attention gates; the backbone stops after the last
    "side": {"sites": ["features.3.project", "features.7.project", "features.8.project"],
             "side_channels": 32, "hidden": 64, "weight_bits": 8, "act_bits": 8},
}
# HW layers: 25 units (stem, 2 + 7 x 3 convs in blocks, last conv) -> 17 MVAU + 8 VVAU
# (depthwise 3x3); the stem and the depthwise convs need 9 padded windows; 3 residual joins
BACKBONE_OPS = {"MVAU": 17, "VVAU": 8, "ConvolutionInputGenerator": 9, "FMPadding": 9,
                "DuplicateStreams": 3, "ElementwiseAdd": 3, "GlobalAccPool": 1}


def small_mobilenet(family: str):
    spec = graph_from_dict({
        "name": f"mobilenet_v2_small_{family}",
        "backbone": {"name": "mobilenet_v2", "weights": "none", "weight_bits": 8, "act_bits": 8,
                     "input_bits": 8, "input_size": 32},
        "adapter": {"family": family, **ADAPTER[family]}, "head": {"weight_bits": 8},
    }, f"<mobilenet_v2_small_{family}>")
    torch.manual_seed(0)
    backbone = mobilenet_v2(weights=None, setting=SMALL_SETTING)
    model = MultiDomainModel(backbone, ADAPTERS.get(family)(spec.adapter), head_bits=8,
                             fingerprint=spec.fingerprint(), family_name=family)
    model.add_domain("d", 10)
    perturb_domain(model.domains["d"], seed=0, scale=0.3)  # no identity-initialised gate
    return model.eval()


def test_small_mobilenet_builds_the_same_kinds_of_blocks():
    units = small_mobilenet("head").backbone.units
    assert len(units) == 25


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(ADAPTER))
def test_small_mobilenet_converts_completely_and_exactly(family, tmp_path):
    model = small_mobilenet(family)
    hw, report = convert(model, tmp_path)
    for op, count in BACKBONE_OPS.items():
        assert report.hw_op_types[op] >= count, (op, report.hw_op_types)
    if family == "attention":  # three gates: a GAP each, and a gate multiply on the stream
        assert report.hw_op_types["ElementwiseMul"] == 3
        assert report.hw_op_types["GlobalAccPool"] == 1 + 3
    assert_complete(hw, report)
    assert_exact(model, hw, n_inputs=2)


def test_parallel_adapter_shares_each_site_conv_weight_grid():
    """Bit-equal per-channel weight scales on both branches: FINN can only move a scale
    past the join (and make it an integer add) when the two branches' Muls are equal."""
    from codesign.adapters.base import site_key

    model = small_mobilenet("parallel")
    adapters = model.domains["d"].site_modules
    sites = [s for s in model.backbone.sites if site_key(s.name) in adapters]
    assert len(sites) == 9  # the stem and the 8 depthwise 3x3 convs
    for site in sites:
        conv_scale = model.backbone.units[site.index].layer.quant_weight().scale
        adapter_scale = adapters[site_key(site.name)].conv.quant_weight().scale
        assert conv_scale.shape == (site.out_channels, 1, 1, 1)
        assert torch.equal(adapter_scale, conv_scale), site.name
        assert len(torch.unique(conv_scale)) > 1  # per channel, not one shared constant
