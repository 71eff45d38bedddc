"""Every shipped ``graphs/mobilenet_v2_*.yaml`` (ImageNet weights, 17 blocks, 32 px)
converts COMPLETELY to FINN HW layers, splits into fixed and reconfigurable nodes and
gets an estimate with intervals on the zcu104 (issue 16).

The reduced model in test_mobilenet_v2_conversion.py checks bit-exactness per family in
seconds; this one runs the real network, as ``codesign estimate`` does (~2 min a graph
on 2 cores: two conversions, the domain and the ownership probe, then the folding).

HW layer counts of the backbone (52 conv units + the classifier): the stem, 16 expand
and 17 project 1x1 convs, the last 1x1 conv and the head are 36 MVAUs; the 17 depthwise
3x3 convs are VVAUs; 10 residual joins (a DuplicateStreams and an ElementwiseAdd each);
one global pooling. Each family adds its own layers on top (see ``HW_OPS``).
"""

from __future__ import annotations

import time

import pytest

from codesign.specs.graph import list_graphs

PART = "xczu7ev-ffvc1156-2-e"  # hw_specs/zcu104.yaml
COUNTED = ("MVAU", "VVAU", "DuplicateStreams", "ElementwiseAdd", "GlobalAccPool")
BACKBONE = {"MVAU": 36, "VVAU": 17, "DuplicateStreams": 10, "ElementwiseAdd": 10, "GlobalAccPool": 1}
HW_OPS = {
    "mobilenet_v2_head": BACKBONE,
    "mobilenet_v2_scale_bias": BACKBONE,  # per-domain thresholds, same layers
    "mobilenet_v2_finetune": BACKBONE,  # per-domain weights, same layers
    # 5 gates: a GAP, two FC layers and a fork to the gate multiply each
    "mobilenet_v2_attention": {**BACKBONE, "MVAU": 36 + 2 * 5, "DuplicateStreams": 10 + 5,
                               "GlobalAccPool": 1 + 5},
    # a dense 1x1 beside the stem, a depthwise 1x1 beside each of the 17 depthwise 3x3
    "mobilenet_v2_parallel": {**BACKBONE, "MVAU": 36 + 1, "VVAU": 17 + 17,
                              "DuplicateStreams": 10 + 18, "ElementwiseAdd": 10 + 18},
    # the backbone stops at features.17.project (no 1280-channel conv, no backbone GAP);
    # 4 tap convs, the hidden layer and the head; 3 taps fork, 3 adds sum the 4 taps
    "mobilenet_v2_side": {"MVAU": 34 + 4 + 2, "VVAU": 17, "DuplicateStreams": 10 + 3,
                          "ElementwiseAdd": 10 + 3, "GlobalAccPool": 4},
}
# (fixed, reconfigurable) HW nodes, measured; finetune owns every layer per domain, so
# nothing is fixed there (the dataflow structure is the same as head's)
ROLES = {"mobilenet_v2_head": (181, 2), "mobilenet_v2_attention": (169, 59), "mobilenet_v2_parallel": (180, 62),
         "mobilenet_v2_finetune": (0, 183), "mobilenet_v2_scale_bias": (89, 94), "mobilenet_v2_side": (182, 23)}
SHIPPED = [p.stem for p in list_graphs() if p.stem.startswith("mobilenet_v2_")]


def test_every_shipped_mobilenet_v2_graph_has_expected_layer_counts():
    assert sorted(HW_OPS) == SHIPPED


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_mobilenet_v2_graph_converts_splits_and_estimates(name):
    pytest.importorskip("finn")
    from codesign.cost.estimate import Estimator
    from codesign.graph.design import prepare_generic, specialise_design
    from codesign.graph.ownership import FIXED, RECONFIGURABLE
    from codesign.specs.device import load_device
    from codesign.specs.graph import load_graph

    start = time.perf_counter()
    generic = prepare_generic(load_graph(name))  # raises NonHWNodeError if incomplete
    converted_s = time.perf_counter() - start
    design = specialise_design(generic, PART)
    roles = list(design.roles.values())
    estimate = Estimator(design, load_device("zcu104")).estimate()
    counts = {op: generic.hw_op_types.get(op, 0) for op in COUNTED}
    print(f"\n{name}: converted in {converted_s:.0f} s, estimated in "
          f"{time.perf_counter() - start - converted_s:.0f} s; {counts}; "
          f"{roles.count(FIXED)} fixed, {roles.count(RECONFIGURABLE)} reconfigurable nodes; "
          f"{estimate.fps:,.0f} FPS, LUT {estimate.totals['lut']:,.0f}, fit: {estimate.fit_confidence}")

    assert [op for op, _ in generic.host_nodes] == ["Transpose", "Mul"]
    split = (roles.count(FIXED), roles.count(RECONFIGURABLE))
    assert split == ROLES.get(name, split) and len(roles) == sum(split)
    if name != "mobilenet_v2_finetune":
        assert split[0] > 0 and split[1] > 0
    assert estimate.intervals is not None and estimate.fps > 0
    for resource, point in estimate.totals.items():
        interval = estimate.intervals.get(resource)
        assert interval.low <= point <= interval.high, (resource, interval, point)
    assert estimate.intervals.get("lut").high > estimate.intervals.get("lut").low > 0
    assert counts == HW_OPS[name]
