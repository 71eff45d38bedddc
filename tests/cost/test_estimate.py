"""The estimator on real FINN conversions of tiny models (every family)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from codesign.cost.calibrated import calibrated_amounts, calibration_key, node_terms
from codesign.cost.errors import EstimateError, UnreachableTargetError
from codesign.cost.estimate import Estimator
from codesign.graph.design import prepare_design
from codesign.graph.hwgraph import build_graph
from codesign.graph.ownership import RECONFIGURABLE
from codesign.specs.device import load_device
from tests.conftest import FAMILY_PARAMS, tiny_graph

PART = "xc7z020clg400-1"
TARGET_FPS = 2000.0  # frames/s: reachable for every tiny family at 100 MHz


@pytest.fixture(scope="module")
def designs():
    cache = {}

    def get(family, **adapter):
        key = (family, repr(sorted(adapter.items())))  # values may be lists (sites)
        if key not in cache:
            torch.manual_seed(0)
            cache[key] = prepare_design(tiny_graph(family, **adapter), PART)
        return cache[key]

    return get


@pytest.fixture(scope="module")
def pynq():
    return load_device("pynq-z1")


# FINN conversions take ~20-60 s each on 2 cores: the fast suite converts two designs
# (the head, the side network) and reuses them; every
# family is covered in the slow suite (here on tiny, and on cnv in tests/finn).
FAST = [("head", {}), ("side", {})]
ALL = [pytest.param(f, {}, marks=pytest.mark.slow) for f in sorted(FAMILY_PARAMS)]


@pytest.mark.parametrize("family, adapter", FAST + ALL)
def test_estimates_equal_finn_on_the_folded_graph(family, adapter, designs, pynq):
    from finn.analysis.fpgadataflow.exp_cycles_per_layer import exp_cycles_per_layer
    from finn.analysis.fpgadataflow.res_estimation import res_estimation

    design = designs(family, **adapter)
    estimator = Estimator(design, pynq)
    folding = estimator.fold(TARGET_FPS)
    finn_res = folding.model.analysis(lambda m: res_estimation(m, PART))
    finn_cycles = folding.model.analysis(exp_cycles_per_layer)
    estimate = estimator.estimate(TARGET_FPS)
    graph = estimator.graph(TARGET_FPS)
    assert {n.name for n in estimate.nodes} == set(finn_res)
    for node in estimate.nodes:
        for key in ("LUT", "BRAM_18K", "URAM", "DSP"):
            assert node.finn[key] == finn_res[node.name][key], (node.name, key)
        assert node.cycles == finn_cycles[node.name]
        # The node's resources are FINN's terms through the shipped calibration, each inside its interval.
        attrs = {"kind": node.op_type.split("_")[0], "op_type": node.op_type, "lut": node.finn["LUT"],
                 "bram18": node.finn["BRAM_18K"], "dsp": node.finn["DSP"], "pe": node.pe, "simd": node.simd,
                 **{k: graph.nodes[node.name][k] for k in ("res_type", "weight_bits", "input_bits")}}
        expected, _ = calibrated_amounts(estimator.calibration.model, calibration_key(attrs),
                                         node_terms(attrs, node.uram), node.uram)
        assert (node.lut, node.ff, node.dsp) == (expected.lut.value, expected.ff.value, expected.dsp.value)
        assert node.calibrated.lut.low <= node.lut <= node.calibrated.lut.high
        assert node.ff > 0
    assert estimate.fps >= TARGET_FPS
    assert estimate.cycles_per_frame == max(finn_cycles.values())


EXPECTED_RECONFIGURABLE_KINDS = {
    "head": {"MVAU"},
    "scale_bias": {"Thresholding", "MVAU"},  # thresholds + the head
    "finetune": {"MVAU", "Thresholding", "ConvolutionInputGenerator", "FMPadding", "Pool"},
    "parallel": {"MVAU", "Thresholding", "ElementwiseAdd"},
    "series": {"MVAU", "Thresholding", "ElementwiseAdd", "DuplicateStreams"},
    "attention": {"MVAU", "Thresholding", "ElementwiseMul", "GlobalAccPool", "DuplicateStreams"},
    "side": {"MVAU", "Thresholding", "GlobalAccPool", "ElementwiseAdd"},
}


@pytest.mark.parametrize("family, adapter", FAST + ALL)
def test_split_carries_to_memory_modes(family, adapter, designs, pynq):
    design = designs(family, **adapter)
    graph = build_graph(design.model, PART, design.roles)
    reconf = {a["kind"] for _, a in graph.nodes(data=True) if a["role"] == RECONFIGURABLE}
    assert EXPECTED_RECONFIGURABLE_KINDS[family] <= reconf | {"FMPadding", "Pool"}
    for _, attrs in graph.nodes(data=True):
        if attrs["kind"] == "MVAU":
            expected = "internal_decoupled" if attrs["role"] == RECONFIGURABLE else "internal_embedded"
            assert attrs["mem_mode"] == expected
            assert attrs["runtime_writeable"] == (attrs["role"] == RECONFIGURABLE)
        if attrs["kind"] == "Thresholding":
            assert attrs["runtime_writeable"] == (attrs["role"] == RECONFIGURABLE)
    last = list(graph.nodes)[-1]
    assert graph.nodes[last]["role"] == RECONFIGURABLE  # every family owns its head


@pytest.mark.slow
def test_series_at_one_site_known_interconnect(designs, pynq):
    """Series adapter after conv1 of tiny (8 channels, 8x8 px after pooling), fully
    folded: one 4-bit stream into the adapter (the fork that feeds its conv and its skip
    lives in the reconfigurable region) and one back, 8 x 8 x 8 elements of 4 bits each
    way; plus the stream into the domain's own head (fc0's 32 features)."""
    design = designs("series", sites=["conv1"])
    estimate = Estimator(design, pynq).estimate(target_fps=10.0)
    ic = estimate.interconnect
    assert (ic.fixed_to_reconfigurable.streams, ic.reconfigurable_to_fixed.streams) == (2, 1)
    assert ic.fixed_to_reconfigurable.elems_per_frame == 8 * 8 * 8 + 32
    assert ic.reconfigurable_to_fixed.elems_per_frame == 8 * 8 * 8
    assert ic.interconnect_bits == 4 + 4 + 4 and ic.bits_per_frame == (2 * 512 + 32) * 4


def test_side_network_known_interconnect(designs, pynq):
    """Side taps after conv1 (8ch 8x8), conv2 (16ch 4x4), conv3 (16ch 2x2): three streams
    leave the backbone, none come back."""
    estimate = Estimator(designs("side"), pynq).estimate(target_fps=10.0)
    ic = estimate.interconnect
    assert ic.fixed_to_reconfigurable.streams == 3
    assert ic.reconfigurable_to_fixed.streams == 0
    assert ic.fixed_to_reconfigurable.elems_per_frame == 8 * 8 * 8 + 16 * 4 * 4 + 16 * 2 * 2


def test_unreachable_target_names_best_and_bottleneck(designs, pynq):
    with pytest.raises(UnreachableTargetError) as info:
        Estimator(designs("head"), pynq).estimate(target_fps=1e9)
    message = str(info.value)
    assert "unreachable" in message and "best reachable is" in message and "limited by" in message


def test_design_that_does_not_fit_names_resource_and_shortfall(designs, pynq):
    small = dataclasses.replace(pynq, resources=dataclasses.replace(pynq.resources, lut=500))
    estimator = Estimator(designs("head"), small)
    estimate = estimator.estimate(target_fps=10.0)
    assert not estimate.fits and "lut" in estimate.shortfall
    with pytest.raises(EstimateError, match=r"LUT needs [\d,]+ of 500 \(short by [\d,]+"):
        estimator.estimate(target_fps=10.0, require_fit=True)


def test_fastest_fitting_search_fits(designs, pynq):
    estimate = Estimator(designs("side"), pynq).estimate()
    assert estimate.fits and estimate.fps > 0
    energy = estimate.energy  # both figures, at the estimate's own FPS and latency
    assert energy["fps"] == estimate.fps and energy["latency_s"] == estimate.latency_s
    assert energy["per_inference_at_throughput_uj"] == pytest.approx(
        energy["power_at_throughput_w"] / estimate.fps * 1e6)
    assert energy["single_image_uj"] == pytest.approx(
        (pynq.board_idle_power_w + pynq.static_power_w) * estimate.latency_s * 1e6 + energy["dynamic_uj"])
    assert estimate.switch["payload_bytes"] > 0


def test_node_memo_across_foldings_changes_no_number(designs, pynq):
    """build_graph's per-node memo (node proto -> attributes) gives the estimates that
    computing every node afresh gives, at the fastest folding and at a target."""
    import dataclasses

    memo = Estimator(designs("side"), pynq)
    fastest = memo.estimate()
    at_target = memo.estimate(target_fps=fastest.fps / 3)
    assert memo._node_memo  # filled by the search
    fresh = Estimator(designs("side"), pynq)
    fresh._node_memo = None
    assert dataclasses.asdict(fresh.estimate()) == dataclasses.asdict(fastest)
    assert dataclasses.asdict(fresh.estimate(target_fps=fastest.fps / 3)) == dataclasses.asdict(at_target)


def test_unmappable_layer_is_named(tmp_path):
    from brevitas.nn import QuantIdentity

    from codesign.finn.convert import NonHWNodeError, export_qonnx, to_generic_hw
    from codesign.models.quant import qconv, signed_act

    class WithSigmoid(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.q_in, self.conv, self.act = QuantIdentity(bit_width=8), qconv(3, 4, 3, 4), signed_act(4)
            self.conv2 = qconv(4, 4, 1, 4)

        def forward(self, x):
            return self.conv2(self.act(torch.sigmoid(self.conv(self.q_in(x)))))

    path = export_qonnx(WithSigmoid().eval(), (1, 3, 8, 8), tmp_path / "s.onnx")
    # FINN cannot map the float sigmoid: the nodes it leaves are named with op type,
    # node name and reason.
    with pytest.raises(NonHWNodeError, match=r"non-HW nodes left in the design: \w+ '\w+': \w+"):
        to_generic_hw(str(path))


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FAMILY_PARAMS))
def test_cnv_estimates_equal_finn(family, pynq):
    """Every shipped cnv graph: complete conversion, and our LUT/BRAM/URAM/DSP/cycles
    equal FINN's res_estimation / exp_cycles_per_layer on the same folded graph."""
    from finn.analysis.fpgadataflow.exp_cycles_per_layer import exp_cycles_per_layer
    from finn.analysis.fpgadataflow.res_estimation import res_estimation

    from codesign.specs.graph import load_graph

    design = prepare_design(load_graph(f"cnv_{family}"), PART)
    estimator = Estimator(design, pynq)
    estimate = estimator.estimate(target_fps=500.0)
    folded = estimator.fold(500.0).model
    finn_res = folded.analysis(lambda m: res_estimation(m, PART))
    finn_cycles = folded.analysis(exp_cycles_per_layer)
    for node in estimate.nodes:
        assert node.cycles == finn_cycles[node.name]
        for key in ("LUT", "BRAM_18K", "URAM", "DSP"):
            assert node.finn[key] == finn_res[node.name][key]
    assert estimate.fits and estimate.interconnect.streams >= 1
