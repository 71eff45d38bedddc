"""The command line: listing, inspection, and one-line errors with exit status 2."""

from __future__ import annotations

import json

from codesign.cli import main


def test_help_lists_commands(capsys):
    try:
        main(["--help"])
    except SystemExit as exit_:
        assert exit_.code == 0
    out = capsys.readouterr().out
    for command in ("ls", "inspect"):
        assert command in out


def test_ls_adapters_and_backbones(capsys):
    assert main(["ls", "adapters"]) == 0
    out = capsys.readouterr().out
    for family in ("attention", "finetune", "head", "parallel", "scale_bias", "series", "side"):
        assert family in out
    assert main(["ls", "backbones"]) == 0
    out = capsys.readouterr().out
    assert "cnv" in out and "tiny" in out and "mobilenet_v2" in out


def test_ls_graphs_and_devices(capsys):
    assert main(["ls", "graphs"]) == 0
    assert "cnv_attention" in capsys.readouterr().out
    assert main(["ls", "devices"]) == 0
    assert "xc7z020clg400-1" in capsys.readouterr().out


def test_inspect_reports_parameters(tmp_path, capsys):
    out_json = tmp_path / "r.json"
    assert main(["inspect", "cnv_attention", "--domains", "x:10,y:5", "--json", str(out_json)]) == 0
    report = json.loads(out_json.read_text())
    # attention at conv1/conv3/conv5 of CNV x0.5 (32, 64, 128 channels), hidden ceil(C/64)
    attention = 2 * (32 * 1 + 64 * 1 + 128 * 2)
    assert report["domains"]["x"]["trainable_parameters"] == attention + 256 * 10
    assert report["domains"]["y"]["trainable_parameters"] == attention + 256 * 5
    convs = 3 * 32 + 32 * 32 + 32 * 64 + 64 * 64 + 64 * 128 + 128 * 128
    fixed = 9 * convs + 128 * 256 + 256 * 256 + 2 * (32 + 32 + 64 + 64 + 128 + 128 + 256 + 256)
    assert report["fixed"]["parameters"] == fixed


def test_bad_spec_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nbackbone: {name: nope}\nadapter: {family: head}\n")
    assert main(["inspect", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "backbone.name" in err and "unknown backbone 'nope'" in err
