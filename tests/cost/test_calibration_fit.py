"""Calibration of FINN's estimates: fitting, leave-one-build-out, intervals, I/O, readers.

Synthetic rows check the statistics against known truths; the shipped data set
(data/calibration/) and the fixtures (tests/cost/fixtures/, cut from the same public
builds) check the readers against numbers copied from the published reports.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from codesign.cost.calibration import (
    DESIGN, POOLED, SHELL, CalibrationModel, CalibrationRow, EstimateTerms, Measured, fit, lobo_predictions,
    shell_key)
from codesign.cost.calibration_data import load_rows, read_build_dir
from codesign.cost.calibration_files import read_calibration
from codesign.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "calibration"
FIXTURES = Path(__file__).parent / "fixtures"


def synthetic(ratio_by_group: dict[str, float], n: int = 40, sigma: float = 0.0, seed: int = 0,
              op: str = "MVAU_hls") -> list[CalibrationRow]:
    """Rows with measured + 1 = ratio * (estimate + 1) * lognormal(sigma) noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for group, ratio in ratio_by_group.items():
        est = rng.uniform(100, 2000, n)
        meas = ratio * (est + 1) * np.exp(rng.normal(0, sigma, n)) - 1
        rows += [CalibrationRow(group, group, op, EstimateTerms(lut=e, bram18=4, pe_simd=8),
                                Measured(lut=m, ff=2 * m, bram18=4.0, dsp=9.0), f"n{i}")
                 for i, (e, m) in enumerate(zip(est, meas))]
    return rows


def test_fit_recovers_a_known_ratio():
    model = fit(synthetic({"a": 1.7, "b": 1.7, "c": 1.7}))
    c = model.correction("MVAU_hls", "lut")
    assert (c.form, c.term) == ("ratio", "lut")
    assert c.ratio == pytest.approx(1.7, rel=1e-9)
    assert c.lobo_mean_abs_error == pytest.approx(0.0, abs=1e-9)
    assert model.correction("MVAU_hls", "ff").ratio == pytest.approx(3.4, rel=0.01)  # FF on the LUT term
    value, low, high = model.predict("MVAU_hls", EstimateTerms(lut=999)).lut
    assert value == pytest.approx(1700 - 1) and low == pytest.approx(value) and high == pytest.approx(value)


def test_lobo_never_sees_the_held_out_build():
    # group "odd" alone has ratio 3; a fit that saw it could not predict it with ratio 1
    rows = synthetic({"a": 1.0, "b": 1.0, "odd": 3.0})
    held = lobo_predictions(rows, "MVAU_hls", "lut")
    odd = [(r, p) for r, p in held if r.group == "odd"]
    assert len(odd) == 40 and len(held) == 120
    for r, p in odd:
        assert p == pytest.approx(r.terms.lut, rel=1e-9)  # predicted with ratio 1.0
    others = [(r, p) for r, p in held if r.group == "a"]
    ratio_ab_odd = np.exp((np.log(1.0) + np.log(3.0)) / 2)  # trained on b and odd, 40 rows each
    assert others[0][1] == pytest.approx(ratio_ab_odd * (others[0][0].terms.lut + 1) - 1, rel=1e-9)


def test_interval_covers_about_80_percent_of_held_out_rows():
    groups = {f"g{i}": 1.5 for i in range(6)}
    rows = synthetic(groups, n=60, sigma=0.3, seed=1)
    hits = []
    for g in groups:
        model = fit([r for r in rows if r.group != g])
        assert model.correction("MVAU_hls", "lut").interval_basis == "held-out"
        for r in (r for r in rows if r.group == g):
            _, low, high = model.predict(r.op_type, r.terms).lut
            hits.append(low <= r.measured.lut <= high)
    assert 0.72 <= np.mean(hits) <= 0.88


def test_constant_where_finn_does_not_track_the_measurement():
    rng = np.random.default_rng(2)
    rows = [CalibrationRow(g, g, "Thresholding_rtl", EstimateTerms(lut=float(e)),
                           Measured(lut=30.0 + rng.normal(0, 1)), f"t{i}")
            for g in ("a", "b") for i, e in enumerate(rng.uniform(16, 90, 20))]
    c = fit(rows).correction("Thresholding_rtl", "lut")
    assert (c.form, c.term) == ("constant", "")
    assert c.constant == pytest.approx(30.0, abs=0.5)


def test_small_op_types_and_unknown_ones_use_the_pooled_fit():
    rows = synthetic({"a": 2.0, "b": 2.0}) + [
        CalibrationRow("a", "a", "VVAU_hls", EstimateTerms(lut=100), Measured(lut=300.0), "v0")]
    model = fit(rows)
    assert all(c.op_type != "VVAU_hls" for c in model.corrections)  # 1 row < MIN_ROWS
    assert model.correction("VVAU_hls", "lut").op_type == POOLED
    assert model.correction("NewOp_rtl", "lut").op_type == POOLED
    with pytest.raises(KeyError):
        model.correction(SHELL, "lut")  # no shell rows: never pooled with nodes


def test_json_round_trip(tmp_path):
    model = fit(synthetic({"a": 1.2, "b": 1.4, "c": 1.3}, sigma=0.2))
    again = CalibrationModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again == model
    path = tmp_path / "calibration.json"
    model.save(path)
    terms = EstimateTerms(lut=500, bram18=2, pe_simd=16)
    assert read_calibration(path, "test").model.predict("MVAU_hls", terms) == model.predict("MVAU_hls", terms)


def test_shipped_data_matches_the_published_totals():
    rows = load_rows(DATA)
    mmfi = [r for r in rows if r.build == "metafi_mmfi_medium"]
    nodes = [r for r in mmfi if not r.op_type.startswith("(")]
    (design,) = [r for r in mmfi if r.op_type == DESIGN]
    (shell,) = [r for r in mmfi if r.op_type == shell_key("zynquplus")]
    assert len(nodes) == 513  # 143 estimated nodes + 289 FIFOs + 81 width converters (IODMAs: shell)
    assert sum(r.terms.lut for r in nodes) == 62302 and sum(r.terms.bram18 for r in nodes) == 175
    assert design.measured == Measured(lut=145272, ff=134663, bram18=2 * 86 + 57, dsp=375)
    assert sum(r.measured.bram18 for r in nodes) == 229 - 2 and sum(r.measured.dsp for r in nodes) == 375
    iodma_lut, iodma_ff = 1589 + 1265, 2024 + 1784  # the two IODMA rows of the report
    assert (shell.measured.lut, shell.measured.ff) == (145272 - 140023 + iodma_lut, 134663 - 127300 + iodma_ff)
    assert shell.measured.bram18 == 2 and shell.measured.dsp == 0
    assert {r.build for r in rows} >= {"metafi_quant", "finn_cybsec_notebook", "fp_bench_cnv_w1a1"}
    assert "fp_bench_mobilenetv1_w4a4" not in {r.build for r in rows}  # use = no
    (nb,) = [r for r in rows if r.build == "finn_cybsec_notebook" and r.op_type == DESIGN]
    assert nb.measured.bram18 == 36  # 18 Block RAM tiles


def test_read_build_dir_with_post_synthesis_report():
    rows = read_build_dir(FIXTURES / "finn_out_metafi_subset")
    by_name = {r.name: r for r in rows}
    mvau = by_name["StreamingDataflowPartition_1_MVAU_hls_1"]
    assert mvau.op_type == "MVAU_hls"
    assert mvau.terms == EstimateTerms(lut=614, bram18=4, pe_simd=8)
    assert mvau.measured == Measured(lut=820, ff=1639, bram18=3, dsp=10)
    fifo = by_name["StreamingDataflowPartition_1_StreamingFIFO_rtl_0"]
    assert fifo.op_type == "StreamingFIFO_rtl" and fifo.terms == EstimateTerms()
    (design,) = [r for r in rows if r.op_type == DESIGN]
    assert design.terms.lut == 62302 and design.measured.bram18 == 229
    (shell,) = [r for r in rows if r.op_type.startswith("(shell")]
    node_lut = sum(r.measured.lut for r in rows if not r.op_type.startswith("("))
    assert node_lut == 4687 - 1589 - 1265 and shell.measured.lut == 145272 - node_lut  # IODMAs in the shell
    assert not [r for r in rows if "IODMA" in r.name]
    assert len(rows) == 9 and {r.group for r in rows} == {"finn_out_metafi_subset"}
    model = fit(rows)  # what a future `codesign calibrate FOLDER` does with them
    assert model.correction(shell.op_type, "lut").constant == shell.measured.lut
    assert model.correction("MVAU_hls", "lut").op_type == POOLED  # 2 MVAUs < MIN_ROWS


def test_read_build_dir_with_ooc_totals_only():
    (design,) = read_build_dir(FIXTURES / "finn_out_cybsec_ooc", group="cybsec")
    assert (design.op_type, design.group) == (DESIGN, "cybsec")
    assert design.terms == EstimateTerms(lut=11360, bram18=36)
    assert design.measured == Measured(lut=7073, ff=7534, bram18=36, dsp=0)


def copy_fixture(tmp_path: Path, name: str = "finn_out_metafi_subset") -> Path:
    return Path(shutil.copytree(FIXTURES / name, tmp_path / name))


@pytest.mark.parametrize("text, expected", [
    ('{"MVAU_hls_0": {"LUT": "many", "BRAM_18K": 1}}', "MVAU_hls_0.LUT: expected a number >= 0, got 'many'"),
    ('{"MVAU_hls_0": {"BRAM_18K": 1}}', "MVAU_hls_0.LUT: missing"),
    ('{"MVAU_hls_0": {"LUT": -3, "BRAM_18K": 1}}', "MVAU_hls_0.LUT: expected a number >= 0, got -3"),
    ('{"MVAU_hls_0": 381}', "MVAU_hls_0: expected an object of resource counts, got 381"),
    ('[1, 2]', "expected a JSON object of name -> resources"),
    ('{"MVAU_hls_0": {', "not valid JSON"),
])
def test_bad_estimate_file_is_one_line_naming_file_and_field(tmp_path, text, expected):
    folder = copy_fixture(tmp_path)
    path = folder / "report" / "estimate_layer_resources.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_build_dir(folder)
    message = str(err.value)
    assert str(path) in message and expected in message and "\n" not in message


def test_missing_reports_name_what_is_expected(tmp_path):
    folder = copy_fixture(tmp_path)
    (folder / "report" / "post_synth_resources.json").unlink()
    with pytest.raises(InputError, match="post_synth_resources.json or report/ooc_synth_and_timing.json"):
        read_build_dir(folder)
    shutil.rmtree(folder / "report")
    with pytest.raises(InputError, match="no report/estimate_layer_resources.json"):
        read_build_dir(folder)


def test_bad_data_set_cell_names_file_line_and_column(tmp_path):
    shutil.copytree(DATA, tmp_path / "cal")
    nodes = tmp_path / "cal" / "nodes.csv"
    with open(nodes, newline="") as handle:
        table = list(csv.reader(handle))
    table[5][table[0].index("meas_ff")] = "lots"  # file line 6
    with open(nodes, "w", newline="") as handle:
        csv.writer(handle).writerows(table)
    with pytest.raises(InputError, match=rf"{nodes}:6: meas_ff: expected a number >= 0, got 'lots'"):
        load_rows(tmp_path / "cal")


def test_bad_model_file_is_an_input_error(tmp_path):
    path = tmp_path / "calibration.json"
    path.write_text('{"corrections": [{"op_type": "MVAU_hls"}]}')
    with pytest.raises(InputError, match=r"calibration.json: corrections\[0\].resource: missing"):
        read_calibration(path, "test")
