"""`codesign explore`: the table, the JSON and the plot, and bad input (exit 2, one line,
nothing written)."""

from __future__ import annotations

import json

import pytest

from codesign.cli import main

G, D = "cnv_head", "pynq-z1"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("explore-cli-cache")


def test_explore_writes_table_json_and_plot(cache, tmp_path, capsys):
    out_json, out_plot = tmp_path / "explore.json", tmp_path / "front.svg"
    status = main(["explore", G, "--device", D, "--foldings", "24", "--table-rows", "3", "--cache-dir", str(cache),
                   "--json", str(out_json), "--plot", str(out_plot)])
    assert status == 0
    stdout = capsys.readouterr().out
    assert "cnv_head on pynq-z1 (xc7z020clg400-1, 100 MHz): 24 foldings estimated in" in stdout
    assert "Pareto front of LUT, BRAM18 against FPS" in stdout
    data = json.loads(out_json.read_text())
    assert len(data["points"]) == 24 and data["front_resources"] == ["lut", "bram18"]
    front = data["front"]
    shown = [line for line in stdout.splitlines() if line[:5].strip().isdigit()]
    assert len(shown) == min(3, len(front))
    assert int(shown[0].split()[0]) == front[0]
    fastest = max(p["fps"] for p in data["points"])
    assert data["points"][front[0]]["fps"] == fastest
    for record in data["points"]:
        assert record["on_front"] == (record["index"] in front)
        config = record["folding_config"]
        assert config["Defaults"] == {} and all({"PE", "SIMD"} & set(v) for k, v in config.items() if k != "Defaults")
        value, low, high = record["intervals"]["lut"]
        assert low <= value == record["totals"]["lut"] <= high
    assert out_plot.read_text().lstrip().startswith("<?xml")
    assert not list(tmp_path.glob(".*"))  # no temporary left beside the outputs


@pytest.mark.parametrize("argv, expected", [
    (["--foldings", "0"], "argument --foldings: expected a number of foldings from 1 to 100,000, got 0"),
    (["--foldings", "-3"], "argument --foldings"),
    (["--foldings", "many"], "argument --foldings"),
    (["--plot", "{tmp}/front.pdf"], "argument --plot: expected a file ending in .png or .svg"),
    (["--front", "lut,luts"], "argument --front: expected resources from lut,ff,bram18,uram,dsp"),
    (["--json", "/no/such/dir/x.json"], "folder /no/such/dir does not exist"),
    (["--plot", "{tmp}/missing/front.png"], "does not exist; expected an existing folder"),
    (["--json", "{tmp}"], "is a folder; expected a file path"),
])
def test_bad_options_exit_2_with_one_line(argv, expected, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    status = main(["explore", G, "--device", D, "--cache-dir", str(tmp_path / "cache"), *argv])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and expected in err
    assert list(tmp_path.iterdir()) == []  # nothing written, not even the cache folder


@pytest.mark.parametrize("graph, device, expected", [
    ("no_such_graph", D, "no_such_graph"), (G, "no_such_board", "no_such_board")])
def test_unknown_graph_or_device_exit_2(graph, device, expected, tmp_path, capsys):
    out = tmp_path / "x.json"
    status = main(["explore", graph, "--device", device, "--json", str(out), "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and expected in err
    assert not out.exists() and not (tmp_path / "c").exists()
