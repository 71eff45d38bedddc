"""Bad input to every command: one line naming the option/file, exit 2, nothing written.

Each row is a hostile or mistaken command line a user tried. ``{file}`` is an existing
file, ``{dir}`` an existing folder, ``{new}`` a path that must still not exist after the
command (an output it must not leave behind), ``{tmp}`` the test's folder.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from codesign.cli import main

G, D = "cnv_head", "pynq-z1"
CASES = [
    # (argv, expected substring of the error line)
    (["inspect", G, "--domains", "x:abc"], "--domains: expected NAME:CLASSES"),
    (["inspect", G, "--domains", "x:0"], "expected 2 to 10,000 classes, got 0"),
    (["inspect", G, "--domains", "x:1"], "expected 2 to 10,000 classes, got 1"),
    (["inspect", G, "--domains", "x:-1"], "--domains: expected NAME:CLASSES"),
    (["inspect", G, "--domains", "a:10,a:10"], "'a' is given more than once"),
    (["inspect", G, "--domains", ""], "at least one NAME:CLASSES"),
    (["inspect", G, "--domains", "../../etc:10"], "--domains: domain name: expected a name"),
    (["inspect", G, "--domains", "x:1000000000"], "got 1,000,000,000"),
    (["inspect", G, "--json", "{dir}"], "--json {dir}: is a folder"),
    (["inspect", G, "--qonnx", "{dir}"], "--qonnx {dir}: is a folder"),
    (["inspect", G, "--json", "{file}/x.json"], "is a file"),
    (["estimate", G, "--device", D, "--classes", "1"], "argument --classes: expected a number of classes"),
    (["estimate", G, "--device", D, "--classes", "0"], "argument --classes"),
    (["estimate", G, "--device", D, "--classes", "-1"], "argument --classes"),
    (["estimate", G, "--device", D, "--target-fps", "0"], "argument --target-fps: expected a finite"),
    (["estimate", G, "--device", D, "--target-fps", "-5"], "argument --target-fps"),
    (["estimate", G, "--device", D, "--target-fps", "nan"], "argument --target-fps"),
    (["estimate", G, "--device", D, "--target-fps", "inf"], "argument --target-fps"),
    (["estimate", G, "--device", D, "--json", "/no/such/dir/x.json"], "folder /no/such/dir does not exist"),
    (["estimate", G, "--device", D, "--json", "{new}", "--graphml", "{dir}"], "--graphml {dir}: is a folder"),
    (["estimate", G, "--device", D, "--dot", "{dir}"], "--dot {dir}: is a folder"),
    (["estimate", G, "--device", D, "--cache-dir", "{file}"], "--cache-dir {file}: is a file"),
    (["estimate", G, "--device", D, "--checkpoint", "{tmp}/none.json"], "--checkpoint"),
    (["estimate", G, "--device", "{file}"], "{file}"),
    (["estimate", "{tmp}/missing.yaml", "--device", D], "missing.yaml"),
    (["data", "prepare", "mnist", "--seed", "-1"], "argument --seed: expected a seed"),
    (["data", "prepare", "mnist", "--size", "100000"], "argument --size"),
    (["data", "prepare", "mnist", "--size", "0"], "argument --size"),
    (["data", "prepare", "mnist", "--max-per-class", "0"], "argument --max-per-class"),
    (["data", "prepare", "mnist", "--cache-dir", "{file}"], "--cache-dir {file}: is a file"),
    (["data", "list", "mnist"], "data list takes no domain names"),
    (["train", G, "--domains", "mnist", "--out", "{file}"], "--out {file}: is a file"),
    (["train", G, "--domains", "mnist", "--cache-dir", "{file}"], "--cache-dir {file}: is a file"),
    (["train", G, "--domains", "mnist", "--lr", "inf"], "argument --lr"),
    (["train", G, "--domains", "mnist", "--lr", "nan"], "argument --lr"),
    (["train", G, "--domains", "mnist", "--lr", "0"], "argument --lr"),
    (["train", G, "--domains", "mnist", "--seeds", "0"], "argument --seeds"),
    (["train", G, "--domains", "mnist", "--epochs", "0"], "argument --epochs"),
    (["train", G, "--domains", "mnist", "--batch-size", "0"], "argument --batch-size"),
    (["train", G, "--domains", "mnist", "--seed", "99999999999"], "argument --seed"),
    (["train", G, "--domains", "mnist", "--baseline", "{tmp}/nothing"], "--baseline"),
    (["train", G, "--domains", "mnist", "--k-shot", "0"], "--k-shot"),
    (["train", G, "--domains", "mnist", "--noise", "1.5"], "--noise"),
    (["train", G, "--domains", "../x=/tmp"], "domain name"),
    (["pretrain", G, "--out", "{tmp}/x.txt"], "expected a .safetensors file"),
    (["pretrain", G, "--out", "{file}/x.safetensors"], "is a file"),
    (["pretrain", G, "--out", "{new}.safetensors", "--lr", "inf"], "argument --lr"),
    (["build", G, "--device", D, "--domains", "a", "--checkpoints", "{dir}", "--out", "{new}",
      "--target-fps", "nan"], "argument --target-fps"),
    (["build", G, "--device", D, "--domains", "a", "--checkpoints", "{dir}", "--out", "{file}"],
     "--out {file}: is a file"),
    (["build", G, "--device", D, "--domains", "a", "--checkpoints", "{tmp}/none", "--out", "{new}"],
     "--checkpoints {tmp}/none: does not exist"),
    (["build", G, "--device", D, "--domains", "a", "--checkpoints", "{dir}", "--out", "{new}", "--images", "0"],
     "argument --images"),
    (["compare", G, "--device", D, "--domains", "mnist", "--out", "{file}"], "--out {file}: is a file"),
    (["compare", G, "--device", D, "--domains", "mnist", "--out", "{new}", "--budget", "lut:4"],
     "--budget: 'lut:4' is not metric=value"),
    (["compare", G, "--device", D, "--domains", "mnist", "--out", "{new}", "--lr", "inf"], "--lr: 'inf'"),
    (["compare", G, "--device", D, "--domains", "mnist", "--out", "{new}", "--workers", "0"], "argument --workers"),
    (["compare", G, "--device", D, "--domains", "mnist", "--out", "{new}", "--executor", "nope"],
     "unknown executor 'nope'"),
    (["compare", G, "--device", D, "--domains", "mnist", "--out", "{new}", "--scheduler", "tcp://x:1"],
     "--scheduler is for --executor dask"),
    (["compare", G, "--device", D, "--domains", "mnist", "--out", "{new}", "--rank-by", "nope"], "--rank-by"),
    (["compare", G, "--device", D, "--domains", "mnist", "--out", "{new}", "--cache-dir", "{file}"],
     "--cache-dir {file}: is a file"),
    (["compare", G, "--device", D, "--domains", "mnist", "--out", "{new}", "--calibration", "{file}"],
     "{file}: not valid JSON"),
    (["estimate", G, "--device", D, "--calibration", "{file}"], "{file}: not valid JSON"),
    (["estimate", G, "--device", D, "--calibration", "{tmp}/none.json"], "none.json: calibration file not found"),
    (["calibrate", "{tmp}/nothing", "--out", "{new}"], "{tmp}/nothing: does not exist"),
    (["calibrate", "{dir}", "--out", "{new}"], "{dir}: no report/estimate_layer_resources.json"),
    (["calibrate", "{dir}", "--out", "{tmp}/no/x.json"], "--out {tmp}/no/x.json: folder {tmp}/no does not exist"),
    (["calibrate", "{dir}"], "the following arguments are required: --out"),
    (["calibrate", "{dir}", "--out", "{new}", "--part", "xc9foo"], "argument --part: expected an FPGA part number"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
]


def _fill(items, tmp_path):
    values = {"file": tmp_path / "a_file.txt", "dir": tmp_path / "a_dir", "new": tmp_path / "new_output",
              "tmp": tmp_path}
    return [item.format(**values) for item in items]


@pytest.mark.parametrize("argv,expected", CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_is_one_line_exit_2_nothing_written(argv, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CODESIGN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file.txt").write_text("not a folder\n")
    (tmp_path / "a_dir").mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    status = main(_fill(argv, tmp_path))  # argparse's usage errors too: main never raises SystemExit
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert err.count("\n") == 0 and "Traceback" not in err, err
    assert len(err) <= 400
    assert _fill([expected], tmp_path)[0] in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written, no cache made


def _imports(argv: list[str]) -> tuple[int, set[str]]:
    code = ("import sys\nfrom codesign.cli import main\n"
            f"status = main({argv!r})\n"
            "heavy = {'torch', 'brevitas', 'finn', 'qonnx'} & set(sys.modules)\n"
            "print(status, ','.join(sorted(heavy)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    status, heavy = out.strip().splitlines()[-1].split(" ") if " " in out.strip().splitlines()[-1] \
        else (out.strip().splitlines()[-1], "")
    return int(status), set(filter(None, heavy.split(",")))


@pytest.mark.parametrize("argv,status", [
    (["ls", "adapters"], 0), (["ls", "backbones"], 0), (["ls", "devices"], 0), (["ls", "graphs"], 0),
    (["--help"], 0), (["--version"], 0), (["estimate", "--help"], 0),
    (["compare", "cnv_head", "--device", "pynq-z1", "--domains", "mnist", "--out", "/tmp/never",
      "--budget", "lut:4"], 2),
    (["estimate", "cnv_head", "--device", "pynq-z1", "--target-fps", "0"], 2),
    (["estimate", "cnv_head", "--device", "pynq-z1", "--calibration", "/no/such/calibration.json"], 2),
    (["calibrate", "/no/such/build", "--out", "/tmp/never.json"], 2),
])
def test_listing_help_and_validation_import_no_torch(argv, status):
    got, heavy = _imports(argv)
    assert got == status
    assert not heavy, f"{argv} imported {heavy}"


def test_version_names_tools(capsys):
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("codesign ") and "finn-plus 1.6.1" in out and "brevitas 0.13.0" in out


def test_internal_failure_is_one_line_exit_1(monkeypatch, capsys):
    import codesign.commands.listing as listing

    def broken(args):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(listing, "run", broken)
    monkeypatch.delenv("CODESIGN_DEBUG", raising=False)
    assert main(["ls", "adapters"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "internal error: ZeroDivisionError: boom" in err
    monkeypatch.setenv("CODESIGN_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["ls", "adapters"])


def test_design_rejected_exit_3(monkeypatch, capsys):
    import codesign.commands.listing as listing
    from codesign.errors import DesignRejected

    def rejected(args):
        raise DesignRejected("design does not fit pynq-z1: LUT short by 10")

    monkeypatch.setattr(listing, "run", rejected)
    assert main(["ls", "adapters"]) == 3
    assert capsys.readouterr().err.strip() == "codesign: rejected: design does not fit pynq-z1: LUT short by 10"


def test_catalogue_matches_registries():
    """`codesign ls` reads the registrations statically; they must equal the real ones."""
    from codesign.adapters import ADAPTERS
    from codesign.catalogue import adapter_families, backbones
    from codesign.models import BACKBONES

    assert {e.name: (e.description, e.decathlon_baseline, e.training_cost) for e in adapter_families()} == \
        {n: (ADAPTERS.get(n).description, ADAPTERS.get(n).decathlon_baseline, ADAPTERS.get(n).training_cost)
         for n in ADAPTERS.names()}
    assert [e.name for e in backbones()] == BACKBONES.names()
    for entry in backbones():
        assert (BACKBONES.get(entry.name).__doc__ or "").strip().splitlines()[0] == entry.description
