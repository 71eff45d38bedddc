"""Whole designs rebuilt with finn-plus (codesign.cost.calibration_designs): the shipped
rebuilt designs, the design-level ratio of LUT-mapped matrix units on toy designs, and
the shipped model, which must be what ``fit_everything`` makes of the shipped data.
No FINN conversion: the rebuilt node lists are read from data/calibration/."""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
import pytest

from codesign.cost.calibration import POOLED, CalibrationModel, Correction
from codesign.cost.calibration_designs import RebuiltDesign, fit_everything, fit_lut_mapped, load_rebuilt

DATA = Path(__file__).resolve().parents[2] / "data" / "calibration"

# What benchmarks/bench_calibration.py prints for the leave-one-group-out whole-design
# check ("Whole designs rebuilt with finn-plus 1.6.1"): mean |error| and the number of the
# 5 builds inside their interval. A change to the data or the model shows up here.
LOGO_MEAN_ABS_ERROR = {"lut": 0.201, "ff": 0.201, "bram18": 0.2005}
LOGO_INSIDE = {"lut": 2, "ff": 2, "bram18": 4}


@pytest.fixture(scope="module")
def shipped():
    return fit_everything(DATA)


def test_load_rebuilt_gives_the_five_builds_whose_folding_is_known():
    designs = {d.build: d for d in load_rebuilt(DATA)}
    # the TFC rebuilds are left out: 52 BRAM18 against the published 9 (another folding)
    assert set(designs) == {"fp_bench_cnv_w1a1", "finn_pr209_cnv_w1a1_before", "finn_pr209_cnv_w1a1_after",
                            "finn_cybsec_notebook", "fp_bench_cybsec"}
    cnv = designs["fp_bench_cnv_w1a1"]
    assert (cnv.group, cnv.scope, cnv.graph.number_of_nodes(), cnv.graph.number_of_edges()) == \
        ("cnv_w1a1", "post_synth_top", 21, 20)
    assert cnv.measured == {"lut": 25469.0, "ff": 25982.0, "bram18": 159.0, "dsp": 0.0}  # builds.csv
    assert cnv.finn_lut == pytest.approx(23912.0)  # rebuilt_nodes.csv total
    notebook = designs["finn_cybsec_notebook"]
    assert (notebook.group, notebook.scope, notebook.graph.number_of_nodes()) == ("cybsec_mlp", "ooc_synth", 4)
    assert notebook.finn_lut == pytest.approx(7938.0)
    assert designs["finn_pr209_cnv_w1a1_after"].measured["ff"] == 31517.0


def test_load_rebuilt_without_the_file_is_empty(tmp_path):
    assert load_rebuilt(tmp_path) == []


def _lut_unit_design(build: str, group: str, measured_lut: float) -> RebuiltDesign:
    """One LUT-mapped MVAU (FINN: 1000 LUT) alone, measured out of context (no shell)."""
    graph = nx.DiGraph()
    graph.add_node("mvau", kind="MVAU", op_type="MVAU_hls", res_type="lut", pe=2, simd=2, weight_bits=2,
                   input_bits=2, lut=1000.0, bram18=0.0, dsp=0.0, in_width_bits=4, out_width_bits=2,
                   runtime_writeable=False)
    return RebuiltDesign(build, group, "", "ooc_synth", graph,
                         {"lut": measured_lut, "ff": None, "bram18": None, "dsp": None}, 1000.0)


def test_fit_lut_mapped_is_the_geometric_mean_over_groups():
    # the model costs the two boundary FIFOs at 50 LUT each: 100 LUT besides the unit
    model = CalibrationModel([Correction(POOLED, "lut", "ratio", "lut", 1.0, 0.0, 0.0, 0.0, 9, 2),
                              Correction("StreamingFIFO_rtl", "lut", "constant", "", 1.0, 50.0, 0.0, 0.0, 9, 2)])
    # build ratios (measured - 100) / 1000: a1 2.0, a2 0.5 (group a: sqrt(2 x 0.5) = 1), b 0.8
    designs = [_lut_unit_design("a1", "a", 2100.0), _lut_unit_design("a2", "a", 600.0),
               _lut_unit_design("b", "b", 900.0)]
    (c,) = fit_lut_mapped(model, designs)  # no FF measured: a LUT correction only
    assert (c.op_type, c.resource, c.term, c.n_rows, c.n_groups) == ("MVAU_hls:lut", "lut", "lut", 3, 2)
    # each group once: sqrt(1.0 x 0.8), not the cube root over the three builds
    assert c.ratio == pytest.approx(math.sqrt(0.8))
    # the interval is at least as wide as the groups lie from the ratio: |log(0.8) / 2|,
    # and here the builds' own spread (0.1/0.9 quantiles of log(r / ratio)) is wider
    logs = sorted(math.log(r / math.sqrt(0.8)) for r in (2.0, 0.5, 0.8))
    assert c.log_low == pytest.approx(logs[0] + 0.2 * (logs[1] - logs[0]))
    assert c.log_high == pytest.approx(logs[1] + 0.8 * (logs[2] - logs[1]))


def test_fit_lut_mapped_floor_at_five_percent_of_the_measurement():
    """A design whose other items already exceed the measurement cannot give a negative ratio."""
    model = CalibrationModel([Correction(POOLED, "lut", "ratio", "lut", 1.0, 0.0, 0.0, 0.0, 9, 2),
                              Correction("StreamingFIFO_rtl", "lut", "constant", "", 1.0, 500.0, 0.0, 0.0, 9, 2)])
    (c,) = fit_lut_mapped(model, [_lut_unit_design("x", "x", 800.0)])
    assert c.ratio == pytest.approx(0.05 * 800.0 / 1000.0)


def _logo_summary(checks, resource):
    mine = [c for c in checks if c.resource == resource]
    return sum(abs(c.error) for c in mine) / len(mine), sum(c.covered for c in mine), len(mine)


@pytest.mark.parametrize("resource", sorted(LOGO_MEAN_ABS_ERROR))
def test_leave_one_group_out_whole_design_error(shipped, resource):
    _, checks = shipped
    mean_abs, inside, n = _logo_summary(checks, resource)
    assert n == 5
    assert mean_abs == pytest.approx(LOGO_MEAN_ABS_ERROR[resource], abs=0.005)
    assert inside == LOGO_INSIDE[resource]


def test_every_design_check_is_predicted_without_its_group(shipped):
    _, checks = shipped
    assert {c.group for c in checks} == {"cnv_w1a1", "cybsec_mlp"}
    # the two PR #209 builds share one rebuild and one held-out model: one prediction
    before = {c.resource: c.predicted for c in checks if c.build == "finn_pr209_cnv_w1a1_before"}
    after = {c.resource: c.predicted for c in checks if c.build == "finn_pr209_cnv_w1a1_after"}
    assert before == after and set(before) == {"lut", "ff", "bram18"}


def test_shipped_model_is_fit_everything_of_the_shipped_data(shipped):
    model, _ = shipped
    on_disk = json.loads((DATA / "model.json").read_text(encoding="utf-8"))
    assert json.loads(json.dumps(model.to_dict())) == on_disk
    keys = {(c.op_type, c.resource) for c in model.corrections}
    assert {("MVAU_hls:lut", "lut"), ("MVAU_hls:lut", "ff"), ("(spread)", "lut"),
            ("(shell:zynq7000)", "lut"), ("(shell:zynquplus)", "lut")} <= keys
