"""The calibrated bill of materials (codesign.cost.calibrated) on hand-made graphs and a
hand-made model with round numbers: every expected figure below is worked out by hand.

Interval arithmetic of a correction: value [low, high] = v [(v + 1) e^log_low - 1,
(v + 1) e^log_high - 1]; with log_low = log(1/2) and log_high = log 2 a value of 99 is
99 [49, 199].
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import networkx as nx
import pytest

from codesign.cost.calibrated import (
    SPREAD, CostItem, ResourceIntervals, calibrated_cost, calibration_key, dsp_products, fixed, total,
)
from codesign.cost.calibration import POOLED, CalibrationModel, Correction, Interval

HALF, DOUBLE = math.log(0.5), math.log(2.0)


def corr(op: str, resource: str, *, ratio: float = 1.0, constant: float = 0.0, term: str = "",
         log_low: float = 0.0, log_high: float = 0.0) -> Correction:
    form = "ratio" if term else "constant"
    return Correction(op, resource, form, term, ratio, constant, log_low, log_high, 10, 2)


def model() -> CalibrationModel:
    """Round-number corrections; zero-width intervals except the DSP-mapped MVAU's LUTs."""
    return CalibrationModel([
        corr(POOLED, "lut", ratio=1.0, term="lut"),
        corr(POOLED, "ff", ratio=1.0, term="lut"),
        corr(POOLED, "bram18", ratio=1.0, term="bram18"),
        corr(POOLED, "dsp", ratio=1.0, term="dsp"),
        corr("MVAU_hls", "lut", ratio=1.5, term="lut", log_low=HALF, log_high=DOUBLE),
        corr("MVAU_hls", "dsp", ratio=1.0, term="pe_simd", constant=7.0),  # 7: only reached without the DSP rule
        corr("MVAU_hls:lut", "lut", ratio=0.5, term="lut"),
        corr("StreamingFIFO_rtl", "lut", constant=100.0),
        corr("StreamingFIFO_rtl", "ff", constant=50.0),
        corr("StreamingFIFO_rtl", "bram18", constant=0.5),
        corr("StreamingDataWidthConverter_rtl", "lut", constant=40.0),
        corr("StreamingDataWidthConverter_rtl", "ff", constant=160.0),
        corr("(shell:zynq7000)", "lut", constant=6000.0),
        corr("(shell:zynq7000)", "ff", constant=8000.0),
        corr("(shell:zynq7000)", "bram18", constant=2.0),
        corr("(shell:zynq7000)", "dsp", constant=0.0),
    ])


def device(part: str, family: str = "", uram: int = 0) -> SimpleNamespace:
    return SimpleNamespace(part=part, family=family, resources=SimpleNamespace(uram=uram))


def node(kind: str, impl: str, lut: float, width_in: int, width_out: int, **extra) -> dict:
    return {"kind": kind, "op_type": f"{kind}_{impl}", "lut": lut, "bram18": 0.0, "dsp": 0.0,
            "res_type": "", "pe": 1, "simd": 1, "weight_bits": 0, "input_bits": 0,
            "in_width_bits": width_in, "out_width_bits": width_out, "runtime_writeable": False,
            **extra}


def chain() -> nx.DiGraph:
    """thr (8 bit) -> mvau_dsp (in 32: a width converter) -> mvau_lut (in 16 = out 16)."""
    graph = nx.DiGraph()
    graph.add_node("thr", **node("Thresholding", "rtl", 99, 8, 8))
    graph.add_node("mvau_dsp", **node("MVAU", "hls", 999, 32, 16, res_type="dsp", pe=4, simd=8,
                                      weight_bits=4, input_bits=4, bram18=3.0))
    graph.add_node("mvau_lut", **node("MVAU", "hls", 1999, 16, 8, res_type="lut", pe=2, simd=2,
                                      weight_bits=4, input_bits=4, dsp=3.0))  # dsp: arbitrary FINN figure
    graph.add_edge("thr", "mvau_dsp", width_bits=8)
    graph.add_edge("mvau_dsp", "mvau_lut", width_bits=16)
    return graph


def cost_of(graph, part="xc7z020clg400-1", uram_used=None):
    uram_used = uram_used or {n: 0.0 for n in graph.nodes}
    return calibrated_cost(graph, device(part), model(), "hand.json", uram_used)


def items(cost, kind):
    return [i for i in cost.items if i.kind == kind]


# --------------------------------------------------------------------------- DSP rule and keys

@pytest.mark.parametrize("res_type, weight_bits, input_bits, products, key", [
    ("dsp", 4, 4, 32.0, "MVAU_hls"),
    ("dsp", 1, 4, 32.0, "MVAU_hls"),  # resType dsp: DSPs whatever the widths
    ("auto", 4, 8, 32.0, "MVAU_hls"),  # HLS decides: wide operands land in DSP48s
    ("auto", 1, 8, 0.0, "MVAU_hls:lut"),  # 1-bit weights: XNOR logic, no multiplier
    ("auto", 4, 1, 0.0, "MVAU_hls:lut"),
    ("lut", 8, 8, 0.0, "MVAU_hls:lut"),
])
def test_dsp_products_and_key_follow_res_type(res_type, weight_bits, input_bits, products, key):
    attrs = node("MVAU", "hls", 10, 8, 8, res_type=res_type, pe=4, simd=8, weight_bits=weight_bits,
                 input_bits=input_bits)
    assert dsp_products(attrs) == products
    assert calibration_key(attrs) == key


def test_non_matrix_nodes_keep_their_op_type_and_have_no_products():
    attrs = node("Thresholding", "rtl", 10, 8, 8, res_type="dsp", pe=4, simd=8)
    assert dsp_products(attrs) == 0.0 and calibration_key(attrs) == "Thresholding_rtl"


# --------------------------------------------------------------------------- bill of materials

def test_nodes_go_through_their_corrections():
    cost = cost_of(chain())
    by_name = {i.name: i for i in items(cost, "node")}
    # thr: no own correction, pooled ratio 1: (99 + 1) * 1 - 1 = 99
    assert by_name["thr"].key == "Thresholding_rtl" and by_name["thr"].group == POOLED
    assert tuple(by_name["thr"].amounts.lut) == (99.0, 99.0, 99.0)
    # mvau_dsp: 1.5 * (999 + 1) - 1 = 1499 [1500 / 2 - 1, 1500 * 2 - 1]
    dsp_unit = by_name["mvau_dsp"]
    assert dsp_unit.key == "MVAU_hls" and dsp_unit.group == "MVAU_hls"
    assert tuple(dsp_unit.amounts.lut) == pytest.approx((1499.0, 749.0, 2999.0))
    assert dsp_unit.amounts.dsp.value == 32.0  # PE x SIMD = 4 x 8 through ratio 1
    assert dsp_unit.amounts.bram18.value == 3.0
    # mvau_lut: its own LUT class, 0.5 * (1999 + 1) - 1 = 999; DSP stays FINN's 3 (not the 7)
    lut_unit = by_name["mvau_lut"]
    assert lut_unit.key == "MVAU_hls:lut" and lut_unit.group == "MVAU_hls:lut"
    assert lut_unit.amounts.lut.value == 999.0 and lut_unit.finn_lut == 1999.0
    assert tuple(lut_unit.amounts.dsp) == (3.0, 3.0, 3.0)


def test_a_fifo_per_stream_and_two_at_the_boundary():
    graph = chain()
    fifos = items(cost_of(graph), "fifo")
    # one per stream, two at the boundary, and one more after the width converter on thr->mvau_dsp
    assert len(fifos) == graph.number_of_edges() + 2 + 1 == 5
    assert {f.name for f in fifos} == {"fifo:input", "fifo:output", "fifo:thr->mvau_dsp",
                                       "fifo:dwc:thr->mvau_dsp", "fifo:mvau_dsp->mvau_lut"}
    for f in fifos:
        assert f.group == "StreamingFIFO_rtl"
        assert (f.amounts.lut.value, f.amounts.ff.value, f.amounts.bram18.value) == (100.0, 50.0, 0.5)


def test_width_converter_only_where_widths_differ():
    dwcs = items(cost_of(chain()), "dwc")
    # thr out 8 -> mvau_dsp in 32: one; mvau_dsp out 16 -> mvau_lut in 16: none
    assert [d.name for d in dwcs] == ["dwc:thr->mvau_dsp"]
    assert (dwcs[0].amounts.lut.value, dwcs[0].amounts.ff.value) == (40.0, 160.0)


def test_totals_of_the_chain():
    cost = cost_of(chain())
    t = cost.totals
    # LUT: nodes 99 + 1499 + 999, FIFOs 5 x 100, DWC 40, shell 6000
    assert t.lut.value == pytest.approx(99 + 1499 + 999 + 500 + 40 + 6000)
    # only the MVAU_hls group has a width: 1499 - 749 below, 2999 - 1499 above
    assert (t.lut.low, t.lut.high) == pytest.approx((t.lut.value - 750, t.lut.value + 1500))
    # FF: pooled ratio on FINN's LUT for all three nodes (MVAU_hls has no own FF correction)
    assert t.ff.value == pytest.approx(99 + 999 + 1999 + 5 * 50 + 160 + 8000)
    assert t.bram18.value == pytest.approx(3 + 5 * 0.5 + 2)
    assert t.dsp.value == pytest.approx(0 + 32 + 3 + 0)
    assert cost.by_kind()["fifo"]["lut"] == 500.0


def test_join_buffer_cost_used_where_larger():
    """fork -> pool (global pooling: first output after the frame) -> join, and fork -> join:
    the direct branch needs 16 x 16 x 64 + 4 cycles of buffer, capped at one frame of that
    edge, 16 x 16 x 64 elements x 4 bit / 64-bit words = 1024 words: a 1024 x 64 bit FIFO is
    4 RAMB18 (1K x 18 aspect, 4 wide) and FINN's model gives it 61 LUT."""
    graph = nx.DiGraph()
    graph.add_node("fork", **node("DuplicateStreams", "hls", 50, 64, 64))
    graph.add_node("pool", **node("GlobalAccPool", "hls", 50, 64, 64, ifm_dim=16, channels=64))
    graph.add_node("join", **node("ElementwiseMul", "hls", 50, 64, 64))
    frame = {"width_bits": 64, "elems_per_frame": 16 * 16 * 64, "element_bits": 4}
    graph.add_edge("fork", "pool", **frame)
    graph.add_edge("pool", "join", width_bits=64, elems_per_frame=64, element_bits=4)
    graph.add_edge("fork", "join", **frame)
    fifos = {f.name: f for f in items(cost_of(graph), "fifo")}
    join = fifos["fifo:fork->join"]
    assert "join buffer 1024 x 64 bit" in join.basis
    # per resource the larger: BRAM18 the join buffer's 4 [x0.5..x1], LUT the sized FIFO's 100
    assert tuple(join.amounts.bram18) == (4.0, 2.0, 4.0)
    assert tuple(join.amounts.lut) == (100.0, 100.0, 100.0)
    assert join.group == "StreamingFIFO_rtl"
    # the slow branch needs no buffer: the sized FIFO stands
    assert fifos["fifo:pool->join"].amounts.bram18.value == 0.5


def test_shell_item_by_part_family():
    cost = cost_of(chain(), part="xc7z020clg400-1")
    (shell,) = items(cost, "shell")
    assert shell.group == "(shell:zynq7000)"
    assert (shell.amounts.lut.value, shell.amounts.ff.value, shell.amounts.bram18.value) == (6000.0, 8000.0, 2.0)
    assert cost.notes == []


def test_no_shell_for_a_family_the_model_lacks_is_a_note():
    cost = cost_of(chain(), part="xczu7ev-ffvc1156-2-e")  # zynquplus: not in the hand model
    assert items(cost, "shell") == []
    assert cost.notes == ["no platform shell data for zynquplus parts in hand.json: the shell is not in the totals"]
    assert cost.totals.lut.value == pytest.approx(99 + 1499 + 999 + 500 + 40)


def test_uram_stays_finns_with_a_zero_width_interval():
    graph = chain()
    cost = cost_of(graph, uram_used={"thr": 0.0, "mvau_dsp": 4.0, "mvau_lut": 2.0})
    by_name = {i.name: i for i in items(cost, "node")}
    assert tuple(by_name["mvau_dsp"].amounts.uram) == (4.0, 4.0, 4.0)
    assert tuple(cost.totals.uram) == (6.0, 6.0, 6.0)


# --------------------------------------------------------------------------- interval arithmetic

def item(group: str, lut: Interval) -> CostItem:
    zero = fixed(0.0)
    return CostItem(group, "node", group, ResourceIntervals(lut=lut, ff=zero, bram18=zero, uram=zero, dsp=zero),
                    "hand-made")


def test_items_of_one_group_add_their_interval_ends():
    t = total([item("a", Interval(100, 80, 130)), item("a", Interval(200, 150, 260))])
    assert tuple(t.lut) == pytest.approx((300.0, 230.0, 390.0))


def test_fifos_and_converters_are_independent_even_in_one_group():
    # two FIFOs of one correction: 100 -30/+40 each -> 200 -sqrt(2) x 30 / +sqrt(2) x 40
    zero = fixed(0.0)
    fifos = [CostItem(f"fifo:{n}", "fifo", "StreamingFIFO_rtl",
                      ResourceIntervals(lut=Interval(100, 70, 140), ff=zero, bram18=zero, uram=zero, dsp=zero),
                      "hand-made", "StreamingFIFO_rtl") for n in "ab"]
    t = total(fifos)
    assert tuple(t.lut) == pytest.approx((200.0, 200 - 30 * 2 ** 0.5, 200 + 40 * 2 ** 0.5))


def test_groups_combine_in_quadrature():
    # a: 100 -30/+40; b: 200 -40/+30 -> 300 -sqrt(30^2 + 40^2)/+sqrt(40^2 + 30^2) = 300 [250, 350]
    t = total([item("a", Interval(100, 70, 140)), item("b", Interval(200, 160, 230))])
    assert tuple(t.lut) == pytest.approx((300.0, 250.0, 350.0))


def test_whole_design_spread_widens_both_sides():
    # a: 100 -20/+40, b: 200 -30/+70; the spread x0.9..x1.2 of 300 adds 30 below and 60
    # above, as one more independent term
    spread = CalibrationModel([Correction(SPREAD, "lut", "spread", "", 1.0, 0.0, math.log(0.9),
                                          math.log(1.2), 5, 2)])
    parts = [item("a", Interval(100, 80, 140)), item("b", Interval(200, 170, 270))]
    assert tuple(total(parts).lut) == pytest.approx((300.0, 300 - math.hypot(20, 30), 300 + math.hypot(40, 70)))
    assert tuple(total(parts, spread).lut) == pytest.approx(
        (300.0, 300 - math.sqrt(20 ** 2 + 30 ** 2 + 30 ** 2), 300 + math.sqrt(40 ** 2 + 70 ** 2 + 60 ** 2)))
    # a spread that lies on one side only (both quantiles > 0) widens the top alone
    above = CalibrationModel([Correction(SPREAD, "lut", "spread", "", 1.0, 0.0, math.log(1.1),
                                         math.log(1.2), 5, 2)])
    assert tuple(total(parts, above).lut) == pytest.approx(
        (300.0, 300 - math.hypot(20, 30), 300 + math.sqrt(40 ** 2 + 70 ** 2 + 60 ** 2)))


def test_lower_end_of_a_total_never_below_zero():
    t = total([item("a", Interval(10, 0, 20)), item("b", Interval(10, 0, 20))],
              CalibrationModel([Correction(SPREAD, "lut", "spread", "", 1.0, 0.0, math.log(0.01), 0.0, 5, 2)]))
    assert t.lut.low == 0.0 and t.lut.value == 20.0
