"""Which calibration an estimate uses, strict checks of calibration files, and
``codesign calibrate`` on FINN-like build folders cut from the public data
(tests/cost/fixtures/finn_build_metafi_*; README there)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from codesign.cli import main
from codesign.cost.calibrate_builds import calibrate_from_builds
from codesign.cost.calibration import POOLED
from codesign.cost.calibration_data import load_rows
from codesign.cost.calibration_files import (
    MAX_CALIBRATION_BYTES, load_calibration, read_calibration, shipped_model_path)
from codesign.errors import InputError
from codesign.specs.device import load_device
from codesign.specs.loader import SpecError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
BUILDS = [FIXTURES / "finn_build_metafi_medium", FIXTURES / "finn_build_metafi_quant"]
# (FINN's LUT estimate, post-synthesis LUTs) of the fixtures' MVAU_hls nodes, as in
# data/calibration/nodes.csv (metafi_mmfi_medium MVAU_hls_0..3, metafi_quant MVAU_hls_1..4)
MVAU_LUT = [(381, 433), (614, 820), (614, 802), (658, 919), (752, 933), (455, 561), (484, 662), (455, 558)]


def shipped() -> dict:
    return json.loads(shipped_model_path().read_text())


def write_model(tmp_path: Path, data, name: str = "model.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def device_with_calibration(tmp_path: Path, value: str) -> Path:
    """pynq-z1's spec copied into tmp_path (with its energy fragment), plus ``calibration:``."""
    for name in ("pynq-z1.yaml", "_energy_28nm.yaml"):
        shutil.copy(ROOT / "hw_specs" / name, tmp_path / name)
    spec = tmp_path / "pynq-z1.yaml"
    spec.write_text(spec.read_text() + f"\ncalibration: {value}\n")
    return spec


# ----------------------------------------------------------------------------- precedence

def test_precedence_explicit_then_device_then_shipped(tmp_path):
    (tmp_path / "cals").mkdir()
    mine, board = tmp_path / "mine.json", tmp_path / "cals" / "b.json"
    shutil.copy(shipped_model_path(), mine)
    board.write_text(shipped_model_path().read_text() + " ")  # same model, other bytes: another sha256
    device = load_device(device_with_calibration(tmp_path, "cals/b.json"))
    assert device.calibration == str(board.resolve())  # relative to the spec's folder, made absolute

    explicit = load_calibration(mine, device)
    assert explicit.path == mine.resolve() and "(--calibration)" in explicit.origin
    from_device = load_calibration(None, device)
    assert from_device.path == board.resolve() and "device pynq-z1" in from_device.origin
    default = load_calibration(None, load_device("pynq-z1"))
    assert default.path == (ROOT / "data" / "calibration" / "model.json").resolve()
    assert default.origin == "shipped data/calibration/model.json"
    assert len({explicit.sha256, from_device.sha256, default.sha256}) == 2  # mine == shipped bytes
    assert explicit.sha256 == default.sha256 and len(default.model.corrections) == len(shipped()["corrections"])


def test_device_calibration_file_must_exist(tmp_path):
    spec = device_with_calibration(tmp_path, "nowhere.json")
    with pytest.raises(SpecError, match=r"pynq-z1.yaml: calibration: file 'nowhere.json' not found"):
        load_device(spec)


# ----------------------------------------------------------------------------- strict checks

def _set(index: int, field: str, value):
    def edit(data):
        data["corrections"][index][field] = value
    return edit


def _drop_pooled_lut(data):
    data["corrections"] = [c for c in data["corrections"] if not (c["op_type"] == POOLED and c["resource"] == "lut")]


def _duplicate(data):
    data["corrections"].append(dict(data["corrections"][0]))


BAD_FIELDS = [
    (_set(3, "ratio", -1), "model.json: corrections[3].ratio: expected a finite number > 0, got -1"),
    (_set(0, "ratio", math.nan), "model.json: corrections[0].ratio: expected a finite number > 0, got nan"),
    (_set(1, "constant", math.inf), "corrections[1].constant: expected a finite number >= 0, got inf"),
    (_set(2, "resource", "luts"), "corrections[2].resource: expected one of lut, ff, bram18, dsp, got 'luts'"),
    (_set(2, "form", "spline"), "corrections[2].form: expected one of ratio, constant, ratio+constant"),
    (_set(2, "term", "watts"), "corrections[2].term: expected one of"),
    (_set(4, "log_low", 5.0), "corrections[4].log_low: expected <= log_high"),
    (_set(4, "log_high", "1"), "corrections[4].log_high: expected a finite number, got '1'"),
    (_set(0, "n_rows", True), "corrections[0].n_rows: expected a count >= 0, got True"),
    (_set(0, "interval_basis", "guess"), "corrections[0].interval_basis: expected one of held-out, in-sample"),
    (_set(1, "range_ratio", 0), "corrections[1].range_ratio: expected a finite number > 0, got 0"),
    (lambda d: d["corrections"][5].pop("ratio"), "corrections[5].ratio: missing"),
    (lambda d: d.update(corrections=[]), "model.json: corrections: expected a non-empty list of corrections, got []"),
    (lambda d: d.update(quantiles=[0.9, 0.1]), "model.json: quantiles: expected [low, high] with 0 < low < high < 1"),
    (_drop_pooled_lut, "model.json: corrections: no pooled ('*') correction for lut"),
    (_duplicate, "]: expected one correction per op type and resource, got 'a second *"),
]


@pytest.mark.parametrize("edit,expected", BAD_FIELDS, ids=[e for _, e in BAD_FIELDS])
def test_bad_field_is_one_line_naming_file_and_field(tmp_path, edit, expected):
    data = shipped()
    assert len(data["corrections"]) >= 6  # the indices above are corrections of the shipped model
    edit(data)
    path = write_model(tmp_path, data)
    with pytest.raises(InputError) as err:
        load_calibration(path)
    message = str(err.value)
    assert expected in message and "\n" not in message and len(message) < 300


@pytest.mark.parametrize("text,expected", [
    ("[1, 2]", "model.json: top level: expected a JSON object with 'corrections', got 'list'"),
    ('{"corrections": ', "model.json: not valid JSON"),
    (b"\xff\xfe".decode("latin-1"), "model.json: not valid JSON"),
])
def test_malformed_file(tmp_path, text, expected):
    path = tmp_path / "model.json"
    path.write_text(text)
    with pytest.raises(InputError, match=expected):
        read_calibration(path, "test")


def test_oversized_and_missing_files(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_CALIBRATION_BYTES + 1))
    with pytest.raises(InputError, match=r"big.json: larger than 4,194,304 bytes"):
        load_calibration(big)
    with pytest.raises(InputError, match=r"none.json: calibration file not found"):
        load_calibration(tmp_path / "none.json")
    with pytest.raises(InputError, match=r"is a folder; expected a calibration JSON file"):
        load_calibration(tmp_path)


# ----------------------------------------------------------------------------- calibrate

def test_calibrate_two_builds_fits_the_hand_computed_ratio(tmp_path):
    result = calibrate_from_builds(BUILDS)
    c = result.model.correction("MVAU_hls", "lut")
    by_hand = math.exp(sum(math.log((m + 1) / (e + 1)) for e, m in MVAU_LUT) / len(MVAU_LUT))
    assert (c.form, c.term, c.n_rows, c.n_groups) == ("ratio", "lut", 8, 2)
    assert c.ratio == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(1.2772, abs=1e-4)
    assert result.held_out and result.groups == 2
    mvau = next(e for e in result.errors if (e.resource, e.op_type) == ("lut", "MVAU_hls"))
    assert mvau.rows == 8 and mvau.correction == "MVAU_hls"
    raw_by_hand = sum(abs(e - m) / m for e, m in MVAU_LUT) / len(MVAU_LUT)
    assert mvau.finn_raw_error == pytest.approx(raw_by_hand, rel=1e-12)  # FINN under-estimates, 0.216
    assert mvau.corrected_error < mvau.finn_raw_error
    # 2 SWG rows per build: too few for their own correction, served by the pooled one
    assert result.pooled_fallbacks()["lut"] == ["ConvolutionInputGenerator_rtl"]
    path = tmp_path / "cal.json"
    result.model.save(path)
    assert load_calibration(path).model.correction("MVAU_hls", "lut").ratio == pytest.approx(by_hand, rel=1e-12)


def test_calibrate_command_writes_model_and_report(tmp_path, capsys):
    out, report = tmp_path / "cal.json", tmp_path / "errors.json"
    assert main(["calibrate", *map(str, BUILDS), "--out", str(out), "--json", str(report)]) == 0
    printed = capsys.readouterr().out
    assert "calibrated on 2 build folder(s): 28 rows in 2 leave-one-build-out group(s)" in printed
    line = next(l for l in printed.splitlines() if l.startswith("lut") and "MVAU_hls" in l)
    assert line.split()[2:6] == ["8", "22%", "16%", "75%"]
    assert "pooled fallback" in printed and f"calibration written to {out}" in printed
    assert read_calibration(out, "x").model.correction("MVAU_hls", "lut").ratio == pytest.approx(1.2772, abs=1e-4)
    assert json.loads(report.read_text())["pooled_fallbacks"]["lut"] == ["ConvolutionInputGenerator_rtl"]


def test_one_build_fits_but_gives_no_held_out_error(tmp_path, capsys):
    out = tmp_path / "cal.json"
    assert main(["calibrate", str(BUILDS[0]), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "no held-out error: one build" in printed
    model = load_calibration(out).model
    assert all(c.lobo_mean_abs_error is None and c.interval_basis == "in-sample" for c in model.corrections)
    assert "%" not in next(l for l in printed.splitlines() if l.startswith("lut") and "MVAU_hls" in l)


def test_with_shipped_adds_the_public_builds(tmp_path):
    result = calibrate_from_builds(BUILDS[:1], with_shipped=True)
    assert result.held_out and result.groups > 2
    shipped_mvaus = sum(r.op_type == "MVAU_hls" and r.measured.lut is not None
                        for r in load_rows(shipped_model_path().parent))
    assert shipped_mvaus >= 59  # the two MetaFi builds' at least
    assert result.model.correction("MVAU_hls", "lut").n_rows == shipped_mvaus + 4  # + the folder's


def _broken_build(tmp_path: Path) -> Path:
    folder = tmp_path / "broken"
    shutil.copytree(BUILDS[0], folder)
    (folder / "report" / "post_synth_resources.json").write_text('{"(top)": {"LUT": 1,')
    return folder


@pytest.mark.parametrize("argv,expected", [
    (["{tmp}/nothing", "--out", "{tmp}/cal.json"], "{tmp}/nothing: does not exist; expected a FINN build folder"),
    (["{tmp}/empty", "--out", "{tmp}/cal.json"], "{tmp}/empty: no report/estimate_layer_resources.json"),
    (["{tmp}/broken", "--out", "{tmp}/cal.json"], "{tmp}/broken/report/post_synth_resources.json: not valid JSON"),
    (["{b0}", "--out", "{tmp}/no/cal.json"], "--out {tmp}/no/cal.json: folder {tmp}/no does not exist"),
    (["{b0}", "{b0}", "--out", "{tmp}/cal.json"], "{b0}: given twice"),
    (["{b0}", "--out", "{tmp}/cal.json", "--json", "{tmp}"], "--json {tmp}: is a folder"),
])
def test_calibrate_errors_exit_2_and_write_nothing(tmp_path, capsys, argv, expected):
    (tmp_path / "empty").mkdir()
    _broken_build(tmp_path)
    values = {"tmp": tmp_path, "b0": BUILDS[0]}
    before = sorted(tmp_path.rglob("*"))
    assert main(["calibrate", *(a.format(**values) for a in argv)]) == 2
    err = capsys.readouterr().err.strip()
    assert expected.format(**values) in err and "\n" not in err
    assert sorted(tmp_path.rglob("*")) == before


def test_estimate_rejects_a_bad_calibration_before_converting(tmp_path, capsys):
    path = write_model(tmp_path, {**shipped(), "corrections": []})
    assert main(["estimate", "cnv_head", "--device", "pynq-z1", "--calibration", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"codesign: error: {path.name}: corrections: expected a non-empty list of corrections, got []"


def test_readme_example_is_what_calibrate_prints(tmp_path, monkeypatch, capsys):
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^\$ (codesign calibrate [^\n]*)\n(.*?)^```", text, re.S | re.M)
    assert match, "README has no example of codesign calibrate"
    (tmp_path / "tests").symlink_to(ROOT / "tests")  # the example's relative paths; its --out lands here
    monkeypatch.chdir(tmp_path)
    assert main(match.group(1).split()[1:]) == 0
    assert capsys.readouterr().out.rstrip("\n").splitlines() == match.group(2).rstrip("\n").splitlines()
    assert (tmp_path / "my_calibration.json").is_file()


def test_part_makes_the_shell_that_familys_and_with_shipped_adds_the_whole_design_terms():
    from codesign.cost.calibration import shell_key

    plain = calibrate_from_builds(BUILDS)
    keys = {c.op_type for c in plain.model.corrections}
    assert "(shell)" in keys and shell_key("zynquplus") not in keys  # the reports do not name the part
    zu = calibrate_from_builds(BUILDS, part="xczu7ev-ffvc1156-2-e")
    shell = zu.model.correction(shell_key("zynquplus"), "lut")
    assert shell.constant == pytest.approx(plain.model.correction("(shell)", "lut").constant)
    shipped = calibrate_from_builds(BUILDS, with_shipped=True, part="xczu7ev-ffvc1156-2-e")
    keys = {(c.op_type, c.resource) for c in shipped.model.corrections}
    assert {("MVAU_hls:lut", "lut"), ("MVAU_hls:lut", "ff"), ("(spread)", "lut")} <= keys
    assert shell_key("zynq7000") in {k for k, _ in keys}  # from the shipped shells.csv
