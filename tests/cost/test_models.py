"""Known answers for the analytical cost models (codesign.cost), computed by hand here.

Calibration against published synthesis results lives in test_calibration.py.
"""

from __future__ import annotations

import math

import networkx as nx
import pytest

from codesign.cost.axilite import write_path_cost, write_time_s
from codesign.cost.energy import PJ_PER_UJ, TERMS, energy_per_inference, mac_energy_pj
from codesign.cost.ff import flip_flops
from codesign.cost.fifo import DEFAULT_FIFO_DEPTH, fifo_cost, fifo_style, join_buffer_depths
from codesign.cost.switch import domain_switch_cost
from codesign.specs.device import load_device


@pytest.fixture(scope="module")
def pynq():
    return load_device("pynq-z1")


def mvau(**kw):
    node = dict(op_type="MVAU_hls", pe=2, simd=4, mw=8, mh=4, weight_bits=2, input_bits=2,
                output_bits=2, acc_bits=8, weight_count=32, mem_mode="internal_embedded")
    return {**node, **kw}


# --- flip-flops ---------------------------------------------------------------------

def test_ff_mvau_hls_known_answer():
    # input buffer MW*a 16 + act 4*2 8 + weights 2*4*2 16 + out 2*2 4
    # + control 40+clog2(SF=2)+clog2(NF=2) 42 + products 2*4*4 32
    # + adder tree PE*(2 sums x 5 b + 1 x 6 b) 32 + accumulators 2*8 16 = 166
    ff, basis = flip_flops(mvau())
    assert ff == 166
    assert "adder_tree 32" in basis and "calibrated" in basis


def test_ff_thresholding_rtl_known_answer():
    # 3 thresholds/channel -> M = clog2(4) = 2 stages; CF = 4/2 = 2
    # 2 PE x 2 stages x (2*8 + 2 + 1 + 4) + out 2*2 + control 12 = 108
    node = dict(op_type="Thresholding_rtl", pe=2, channels=4, input_bits=8, output_bits=2,
                threshold_count=12, threshold_bits=8)
    assert flip_flops(node)[0] == 108


def test_ff_decoupled_memstream_and_rtl_mvau():
    embedded = flip_flops(mvau())[0]
    # memstream: 16-bit word + 2 pointers of clog2(32/8)=2 bits + 10, LUTRAM: +2x16
    assert flip_flops(mvau(mem_mode="internal_decoupled"))[0] == embedded + 16 + 4 + 10 + 32
    assert flip_flops(mvau(mem_mode="internal_decoupled", bram18=1))[0] == embedded + 30
    # DSP-based RTL MVU keeps products/accumulators in DSP48 registers: far fewer FF
    assert flip_flops(mvau(op_type="MVAU_rtl", pe=8, simd=16, mw=64))[0] < \
        flip_flops(mvau(pe=8, simd=16, mw=64))[0] / 2


NODES = [
    mvau(), mvau(op_type="MVAU_rtl"),
    dict(op_type="VVAU_hls", pe=2, simd=3, kernel=3, channels=8, weight_bits=4, input_bits=4, acc_bits=12),
    dict(op_type="Thresholding_hls", pe=2, channels=8, input_bits=10, output_bits=4, threshold_count=120),
    dict(op_type="Thresholding_rtl", pe=2, channels=8, input_bits=10, output_bits=4, threshold_count=120),
    dict(op_type="ConvolutionInputGenerator_rtl", simd=2, kernel=3, ifm_dim=16, channels=8, input_bits=4),
    dict(op_type="Pool_hls", pe=2, kernel=2, input_bits=4),
    dict(op_type="GlobalAccPool_hls", pe=2, input_bits=4, acc_bits=12),
    dict(op_type="DuplicateStreams_hls", pe=2, input_bits=4),
    dict(op_type="ElementwiseAdd_hls", pe=2, input_bits=4, output_bits=5),
    dict(op_type="ElementwiseMul_hls", pe=2, input_bits=4, output_bits=8),
    dict(op_type="FMPadding_rtl", pe=2, input_bits=4),
    dict(op_type="StreamingDataWidthConverter", in_width_bits=8, out_width_bits=32),
    dict(op_type="Reshape_rtl", pe=2, input_bits=4),
]


@pytest.mark.parametrize("node", NODES, ids=lambda n: n["op_type"])
def test_ff_every_kind_positive_with_basis(node):
    ff, basis = flip_flops(node)
    assert isinstance(ff, int) and ff > 0
    assert len(basis) > 20 and "unknown op" not in basis


@pytest.mark.parametrize("node", [n for n in NODES if "pe" in n or "simd" in n], ids=lambda n: n["op_type"])
def test_ff_monotone_in_parallelism(node):
    key = "pe" if "pe" in node else "simd"
    base = {**node, "channels": 16, "mh": 16, "mw": 64}
    assert flip_flops({**base, key: 4})[0] > flip_flops({**base, key: 2})[0]


# --- FIFOs --------------------------------------------------------------------------

def test_default_depth_matches_finn_insertfifo():
    # InsertFIFO takes max(outFIFODepths, inFIFODepths), default [2], and skips depth <= 2
    hwcustomop = pytest.importorskip("finn.custom_op.fpgadataflow.hwcustomop")
    import inspect

    src = inspect.getsource(hwcustomop)
    assert '"inFIFODepths": ("ints", False, [2])' in src
    assert DEFAULT_FIFO_DEPTH == 2
    assert fifo_cost(64, 2)["lut"] == 0 and fifo_cost(64, 2)["style"] == "none"


@pytest.mark.parametrize("width,depth,uram,style", [
    (32, 33, True, "srl"), (8, 64, True, "srl"), (32, 64, True, "distributed"),
    (32, 257, True, "distributed"), (4, 5000, True, "distributed"), (32, 258, True, "block"),
    (32, 2028, True, "block"), (32, 2029, True, "ultra"), (32, 2029, False, "block"),
])
def test_fifo_style_ladder(width, depth, uram, style):
    assert fifo_style(width, depth, has_uram=uram) == style


def test_fifo_known_answers():
    # SRL, 32 x 8 b: one SRLC32E stage per bit (8) + control 5*cw-7 (cw = clog2(33)+1 = 7)
    srl = fifo_cost(8, 32)
    assert (srl["lut"], srl["bram18"]) == (36, 0)
    assert srl["ff"] == 8 + 5 + 3  # output register + 5-bit pointer + Rdy/Vld/spare
    assert fifo_cost(36, 512)["bram18"] == 1  # RAMB18 512 x 36
    assert fifo_cost(36, 1024)["bram18"] == 2
    assert fifo_cost(72, 4096)["uram"] == 1 and fifo_cost(72, 4096, has_uram=False)["uram"] == 0
    for w in (8, 16, 32, 64):  # wider never cheaper
        assert fifo_cost(2 * w, 100)["lut"] >= fifo_cost(w, 100)["lut"]


# --- join buffers -------------------------------------------------------------------

def _edge(g, u, v, elems, bits, width):
    g.add_edge(u, v, elems_per_frame=elems, element_bits=bits, width_bits=width)


def test_join_attention_gap_branch_needs_whole_frame():
    h = w = 8
    c, pe, bits = 16, 2, 4
    g = nx.DiGraph()
    g.add_node("dup", op_type="DuplicateStreams_hls", pe=pe)
    g.add_node("gap", op_type="GlobalAccPool_hls", pe=pe, ifm_dim=h, channels=c)
    g.add_node("fc", op_type="MVAU_hls", mw=c, mh=c, simd=4, pe=4)
    g.add_node("sig", op_type="Thresholding_rtl", pe=4, channels=c)
    g.add_node("mul", op_type="ElementwiseMul_hls", pe=pe)
    _edge(g, "dup", "gap", h * w * c, bits, pe * bits)
    _edge(g, "gap", "fc", c, 12, pe * 12)
    _edge(g, "fc", "sig", c, 12, 4 * 12)
    _edge(g, "sig", "mul", c, bits, 4 * bits)
    _edge(g, "dup", "mul", h * w * c, bits, pe * bits)
    depths = join_buffer_depths(g)
    assert depths[("dup", "mul")]["depth"] == h * w * c // pe  # 512 words
    assert depths[("dup", "mul")]["fork"] == "dup"
    assert depths[("sig", "mul")]["depth"] == DEFAULT_FIFO_DEPTH


def test_join_parallel_3x3_vs_1x1():
    g = nx.DiGraph()
    g.add_node("dup", op_type="DuplicateStreams_hls")
    g.add_node("swg", op_type="ConvolutionInputGenerator_rtl", kernel=3, ifm_dim=10, channels=8, simd=2)
    g.add_node("conv3", op_type="MVAU_hls", mw=72, simd=8)
    g.add_node("conv1", op_type="MVAU_hls", mw=8, simd=2)
    g.add_node("add", op_type="ElementwiseAdd_hls")
    for u, v in [("dup", "swg"), ("swg", "conv3"), ("conv3", "add"), ("dup", "conv1"), ("conv1", "add")]:
        _edge(g, u, v, 100 * 16, 4, 4)
    # 3x3: window (3-1)*10*8/2 + 3*8/2 = 92, + 4 pipeline; MVAU 72/8 = 9, + 4  -> 109
    # 1x1: MVAU 8/2 = 4, + 4                                                -> 8
    d = join_buffer_depths(g)
    assert d[("conv1", "add")]["depth"] == 109 - 8
    assert d[("conv3", "add")]["depth"] == DEFAULT_FIFO_DEPTH


def test_join_without_common_fork_uses_default():
    g = nx.DiGraph()
    g.add_edge("a", "add")
    g.add_edge("b", "add")
    assert all(v["depth"] == DEFAULT_FIFO_DEPTH for v in join_buffer_depths(g).values())


# --- AXI-lite -----------------------------------------------------------------------

def test_axilite_write_time(pynq):
    # 1000 bytes = 250 32-bit writes x 16 cycles at 100 MHz = 40 us
    assert write_time_s(1000, pynq) == pytest.approx(40e-6)


def test_axilite_write_path_known_answer(pynq):
    node = mvau(pe=2, simd=4, weight_bits=4, weight_count=64, runtime_writeable=True)
    cost = write_path_cost(node, pynq)
    # 32-bit word (FOLD 1), depth 8 -> 5 byte-address bits, 3 word bits
    # FF: 3*3 + 2 + 66 + 4 + 32 (axilite) + 34 (memstream config) + 80 (interconnect) = 227
    # LUT: 16 + 3 + 1 + 0 + (3 + 2) + 60 = 85
    assert (cost["lut"], cost["ff"]) == (85, 227)
    assert write_path_cost(dict(op_type="ElementwiseAdd_hls"), pynq)["lut"] == 0
    wide = write_path_cost(mvau(pe=8, simd=8, weight_bits=4, weight_count=1024), pynq)
    assert wide["lut"] > cost["lut"] and wide["ff"] > cost["ff"]


# --- energy -------------------------------------------------------------------------

def test_energy_known_answer_and_units(pynq):
    g = nx.DiGraph()
    g.add_node("A", op_type="MVAU_hls", macs_per_frame=1000, weight_bits=4, input_bits=4,
               weight_count=100, ofm_dim=2, bram18=1, threshold_count=30, threshold_bits=8, channels=10)
    g.add_node("B", op_type="Thresholding_rtl", threshold_count=30, threshold_bits=8, channels=10, ofm_dim=2)
    g.add_edge("A", "B", elems_per_frame=40, element_bits=4, width_bits=8)
    e = energy_per_inference(g, pynq, latency_s=1e-3, fps=2000.0)
    a, b = e.per_node["A"], e.per_node["B"]
    assert a.mac_pj == pytest.approx(1000 * 0.68)  # int4 MAC
    assert a.weight_memory_read_pj == pytest.approx(100 * 4 * 4 * 0.18)  # BRAM, 4 pixels
    assert a.threshold_read_pj == pytest.approx(4 * 10 * 3 * 8 * 0.32)  # HLS: all 3 per element
    assert a.stream_pj == pytest.approx(40 * 4 * 0.56)
    assert b.threshold_read_pj == pytest.approx(4 * 10 * 2 * 8 * 0.32)  # RTL: clog2(4) reads
    assert e.dynamic_pj == pytest.approx(sum(e.term_pj(t) for t in TERMS))
    assert e.dynamic_uj == pytest.approx(e.dynamic_pj / PJ_PER_UJ)
    assert set(e.sources) == set(TERMS) | {"static_power_w", "board_idle_power_w"}
    assert "Horowitz" in e.sources["mac_pj"]


def test_mac_energy_above_8_bits_scales_quadratically(pynq):
    assert mac_energy_pj(pynq.energy, 16) == pytest.approx(4 * pynq.energy.mac_pj(8))
    assert mac_energy_pj(pynq.energy, 3) == pynq.energy.mac_pj(4)


# --- domain switch ------------------------------------------------------------------

def test_switch_bytes_and_time(pynq):
    g = nx.DiGraph()
    g.add_node("backbone", op_type="MVAU_hls", role="fixed", pe=4, simd=8, weight_count=10**6, weight_bits=4)
    g.add_node("adapter", op_type="MVAU_hls", role="reconfigurable", pe=4, simd=8, mw=72, mh=16,
               weight_count=72 * 16, weight_bits=4)
    g.add_node("bn", op_type="Thresholding_rtl", role="reconfigurable", channels=16,
               threshold_count=16 * 15, threshold_bits=12)
    g.add_edge("adapter", "bn")
    s = domain_switch_cost(g, pynq)
    # weights: 128-bit words (4 beats each) x 36 words = 144 beats; 576 payload bytes
    # thresholds: 240 x 12 b, one 32-bit beat each = 240 beats; 360 payload bytes
    assert (s.weight_bytes, s.threshold_bytes) == (576, 360)
    assert s.axi_words == 144 + 240 and s.write_bytes == 4 * 384
    assert s.write_time_s == pytest.approx(384 * 16 / 100e6)
    assert s.bitstream_time_s == pytest.approx(4045564 / 145e6)
    assert s.bitstream_time_at_port_max_s == pytest.approx(4045564 / 400e6)
    assert s.speedup == pytest.approx(s.bitstream_time_s / s.write_time_s)
    assert s.write_energy_uj == pytest.approx(1536 * 8 * 30.0 / 1e6)
    assert {r["node"] for r in s.memories} == {"adapter", "bn"}
    assert math.isinf(domain_switch_cost(nx.DiGraph(), pynq).speedup)


def test_threshold_width_falls_back_to_compared_value(pynq):
    # without threshold_bits a threshold is as wide as the accumulator it is compared with
    g = nx.DiGraph()
    g.add_node("a", op_type="MVAU_hls", role="reconfigurable", pe=1, simd=1, acc_bits=12,
               threshold_count=40, channels=10)
    assert domain_switch_cost(g, pynq).threshold_bytes == 40 * 12 / 8
