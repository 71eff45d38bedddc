"""``codesign estimate --finn-reports DIR`` / ``--folding FILE`` and FINN's board names.

The CLI round trip on cnv_head (one conversion per session, cached under tmp): the
folding config written by --finn-reports, read back by --folding, gives the same
estimate and byte-identical FINN report files. Bad inputs: exit 2, one line, nothing written.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pytest

from codesign.cli import main
from codesign.specs.device import DEVICE_DIR, load_device
from codesign.specs.loader import SpecError

GRAPH = "cnv_head"
DEVICE = "Pynq-Z1"  # FINN's spelling of the shipped pynq-z1
REPORT_FILES = {"estimate_layer_resources.json", "estimate_layer_cycles.json", "estimate_network_performance.json",
                "op_and_param_counts.json", "final_hw_config.json", "codesign_estimate.json"}


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """The searched (fastest fitting) estimate with its FINN reports."""
    root = tmp_path_factory.mktemp("finn_formats")
    cache, reports = root / "cache", root / "reports"
    code, out, err = run("estimate", GRAPH, "--device", DEVICE, "--cache-dir", cache, "--finn-reports", reports,
                         "--json", root / "first.json")
    assert code == 0, err
    return root, cache, reports, out


def test_reports_read_back_by_folding_give_the_same_estimate(first):
    root, cache, reports, out = first
    assert {p.name for p in reports.iterdir()} == REPORT_FILES
    again = root / "again"
    code, out2, err = run("estimate", GRAPH, "--device", DEVICE, "--cache-dir", cache, "--folding",
                          reports / "final_hw_config.json", "--finn-reports", again, "--json", root / "again.json")
    assert code == 0, err
    assert f"folding from {reports / 'final_hw_config.json'} (as given)" in out2.splitlines()[1]
    assert "fastest folding that fits" in out.splitlines()[1]
    for name in REPORT_FILES - {"codesign_estimate.json"}:
        assert (again / name).read_bytes() == (reports / name).read_bytes(), name
    a, b = (json.loads((root / f).read_text()) for f in ("first.json", "again.json"))
    for key in ("totals", "fps", "cycles_per_frame", "critical_path_cycles", "intervals", "bottleneck", "energy"):
        assert a[key] == b[key], key
    assert [(n["name"], n["pe"], n["simd"]) for n in a["nodes"]] == [(n["name"], n["pe"], n["simd"]) for n in b["nodes"]]
    perf = json.loads((reports / "estimate_network_performance.json").read_text())
    assert perf["estimated_throughput_fps"] == pytest.approx(a["fps"]) and perf["max_cycles"] == a["cycles_per_frame"]
    assert b["folding_source"] == str(reports / "final_hw_config.json") and a["folding_source"] == ""


BAD_FILES = [
    ("not json", "[1,", "not JSON"),
    ("unknown node", {"NoSuchNode_7": {"PE": 1}}, "NoSuchNode_7: no such node in this design"),
    ("PE no divisor", {"MVAU_hls_0": {"PE": 1000003}}, "MVAU_hls_0.PE: PE must divide the node's MH="),
]


@pytest.mark.parametrize("case, content, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_folding_files_exit_2_with_one_line_and_write_nothing(first, case, content, message):
    root, cache, _, _ = first
    bad = root / f"{case.replace(' ', '_')}.json"
    bad.write_text(content if isinstance(content, str) else json.dumps(content))
    out_dir, out_json = root / f"out_{case}", root / f"out_{case}.json"
    code, out, err = run("estimate", GRAPH, "--device", DEVICE, "--cache-dir", cache, "--folding", bad,
                         "--finn-reports", out_dir, "--json", out_json)
    error_lines = [line for line in err.splitlines() if line.startswith("codesign")]
    assert code == 2 and len(error_lines) == 1 and message in error_lines[0] and str(bad) in error_lines[0]
    assert out == "" and not out_json.exists() and not out_dir.exists()


def test_folding_with_target_fps_is_refused_before_any_work(tmp_path):
    cfg = tmp_path / "f.json"
    cfg.write_text("{}")
    code, out, err = run("estimate", GRAPH, "--device", DEVICE, "--cache-dir", tmp_path / "c", "--folding", cfg,
                         "--target-fps", "100")
    assert code == 2 and out == "" and "--folding and --target-fps" in err and not (tmp_path / "c").exists()


@pytest.mark.parametrize("name, stem", [("Pynq-Z1", "pynq-z1"), ("PYNQ-Z2", "pynq-z2"), ("ZCU104", "zcu104"),
                                        ("Ultra96", "ultra96"), ("KV260_SOM", "kv260"), ("kv260_som", "kv260"),
                                        ("ZCU102", "zcu102"), ("ZC706", "zc706"), ("zcu104", "zcu104")])
def test_finn_board_spellings_resolve_to_the_shipped_specs(name, stem):
    assert load_device(name).name == stem


def test_shipped_parts_equal_finns_table():
    import finn.util.basic as finn_basic

    from codesign.specs.device import list_devices
    from codesign.specs.finn_boards import finn_part_map

    assert finn_part_map() == {**finn_basic.pynq_part_map, **finn_basic.alveo_part_map}
    boards = {d.name: d for d in map(load_device, list_devices())}
    with_board = {n: d for n, d in boards.items() if d.finn_board}
    assert set(with_board) == {"pynq-z1", "pynq-z2", "ultra96", "zcu102", "zcu104", "kv260"}
    assert all(d.part == finn_basic.pynq_part_map[d.finn_board] for d in with_board.values())
    assert boards["zc706"].finn_board is None  # FINN has no ZC706 entry


def test_unknown_board_lists_the_known_names():
    with pytest.raises(SpecError) as err:
        load_device("Ultra96-V2")
    assert "FINN board names: KV260_SOM, Pynq-Z1, Pynq-Z2, Ultra96, ZCU102, ZCU104" in str(err.value)
    assert "shipped: kv260, pynq-z1" in str(err.value)


def _device_yaml(tmp_path, part_line: str, board: str = "ZCU104"):
    """The shipped zcu104.yaml with its own part line (or none) and ``finn_board``."""
    shipped = (DEVICE_DIR / "zcu104.yaml").read_text().splitlines()
    lines = [ln for ln in shipped if not ln.startswith(("part:", "finn_board:", "include:"))]
    lines[1:1] = [f"include: {DEVICE_DIR / '_energy_16nm.yaml'}", f"finn_board: {board}"] + (
        [part_line] if part_line else [])
    path = tmp_path / "mine.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_device_yaml_takes_its_part_from_finn_or_must_agree(tmp_path):
    assert load_device(_device_yaml(tmp_path, "")).part == "xczu7ev-ffvc1156-2-e"
    with pytest.raises(SpecError, match=r"mine.yaml.*part.*disagrees with FINN's part for ZCU104"):
        load_device(_device_yaml(tmp_path, "part: xczu7ev-ffvc1156-1-e"))
    with pytest.raises(SpecError, match=r"finn_board.*expected a board name of FINN's part map"):
        load_device(_device_yaml(tmp_path, "", board="ZCU999"))
