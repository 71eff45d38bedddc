"""data/calibration/rebuilt_nodes.csv: structure, and the per-build totals that
scripts/rebuild_published.py printed when it wrote the file (no FINN run here)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "calibration"

COLUMNS = ["build_id", "design", "node", "op_type", "impl_style", "pe", "simd", "mem_mode",
           "ram_style", "res_type", "weight_bits", "input_bits", "output_bits", "acc_bits",
           "mw", "mh", "in_width_bits", "out_width_bits", "est_lut", "est_bram18",
           "est_uram", "est_dsp", "finn_version", "part", "minimize_bit_width",
           "folding_source", "total_check"]

# build_id: (LUT, BRAM18, URAM, DSP, nodes, total_check) as printed by the script.
PRINTED = {
    "fp_bench_cnv_w1a1": (23912, 147, 0, 0, 21, "match"),
    "finn_pr209_cnv_w1a1_before": (24015, 147, 0, 0, 21, "none"),
    "finn_pr209_cnv_w1a1_after": (24015, 147, 0, 0, 21, "none"),
    "finn_cybsec_notebook": (7938, 36, 0, 0, 4, "mismatch"),
    "fp_bench_cybsec": (9373, 45, 0, 0, 4, "match"),
    "fp_bench_tfc_w2a2_accmin": (15476, 52, 0, 0, 7, "mismatch"),
    "fp_bench_tfc_w2a2_noaccmin": (15665, 52, 0, 0, 7, "mismatch"),
}


@pytest.fixture(scope="module")
def rows():
    with (DATA / "rebuilt_nodes.csv").open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def _by_build(rows, build_id):
    return [r for r in rows if r["build_id"] == build_id]


def test_every_build_id_is_in_builds_csv_and_has_one_block(rows):
    with (DATA / "builds.csv").open(newline="") as f:
        known = {r["build_id"] for r in csv.DictReader(f)}
    ids = [r["build_id"] for r in rows]
    assert set(ids) == set(PRINTED) <= known
    # one contiguous block per build id
    starts = [i for i, b in enumerate(ids) if i == 0 or ids[i - 1] != b]
    assert len(starts) == len(PRINTED)


@pytest.mark.parametrize("build_id", sorted(PRINTED))
def test_totals_equal_what_the_script_printed(rows, build_id):
    mine = _by_build(rows, build_id)
    lut, bram18, uram, dsp, count, check = PRINTED[build_id]
    assert len(mine) == count
    assert sum(float(r["est_lut"]) for r in mine) == pytest.approx(lut, abs=0.5)
    assert sum(float(r["est_bram18"]) for r in mine) == pytest.approx(bram18, abs=0.5)
    assert sum(float(r["est_uram"]) for r in mine) == pytest.approx(uram, abs=0.5)
    assert sum(float(r["est_dsp"]) for r in mine) == pytest.approx(dsp, abs=0.5)
    assert {r["total_check"] for r in mine} == {check}


def test_pr209_builds_share_one_rebuild(rows):
    before = [{k: v for k, v in r.items() if k != "build_id"}
              for r in _by_build(rows, "finn_pr209_cnv_w1a1_before")]
    after = [{k: v for k, v in r.items() if k != "build_id"}
             for r in _by_build(rows, "finn_pr209_cnv_w1a1_after")]
    assert len(before) == 21 and before == after


def test_matrix_units_are_consistently_folded(rows):
    mvaus = [r for r in rows if r["op_type"] == "MVAU"]
    assert len(mvaus) == 9 * 3 + 4 * 2 + 4 * 2
    for r in mvaus:
        pe, simd, mw, mh = (int(r[k]) for k in ("pe", "simd", "mw", "mh"))
        assert mw % simd == 0 and mh % pe == 0, r["node"]
        assert int(r["weight_bits"]) in (1, 2) and int(r["acc_bits"]) > 0
        # FINN's HLS MVAU input stream carries SIMD elements of the input type
        assert int(r["in_width_bits"]) == simd * int(r["input_bits"]), r["node"]
        assert r["impl_style"] == "hls"


def test_published_cnv_folding_is_the_one_applied(rows):
    cnv = {r["node"]: r for r in _by_build(rows, "fp_bench_cnv_w1a1")}
    assert (cnv["MVAU_hls_1"]["pe"], cnv["MVAU_hls_1"]["simd"]) == ("32", "32")
    assert (cnv["MVAU_hls_8"]["pe"], cnv["MVAU_hls_8"]["simd"]) == ("5", "1")
    assert cnv["MVAU_hls_1"]["res_type"] == "lut"
    assert cnv["ConvolutionInputGenerator_rtl_2"]["simd"] == "2"


def test_accumulator_minimisation_is_what_separates_the_tfc_builds(rows):
    acc = {r["node"]: r for r in _by_build(rows, "fp_bench_tfc_w2a2_accmin")}
    noacc = {r["node"]: r for r in _by_build(rows, "fp_bench_tfc_w2a2_noaccmin")}
    assert acc["MVAU_hls_0"]["minimize_bit_width"] == "yes"
    assert noacc["MVAU_hls_0"]["minimize_bit_width"] == "no"
    assert int(noacc["MVAU_hls_0"]["acc_bits"]) == 32 > int(acc["MVAU_hls_0"]["acc_bits"])
    assert float(noacc["MVAU_hls_0"]["est_lut"]) > float(acc["MVAU_hls_0"]["est_lut"])
