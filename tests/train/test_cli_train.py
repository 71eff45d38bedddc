"""`codesign train`, `codesign data` and `codesign pretrain` from the command line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from tests.train.conftest import TINY_HEAD_GRAPH, synthetic_splits, write_toy_domain_and_graph

from codesign.cli import main
from codesign.data import DOMAINS
from codesign.models import BACKBONES
from codesign.train.pretrain import PretrainConfig, pretrain_backbone
from tests.conftest import tiny_graph



def _one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    # progress lines may come first; the error itself is exactly one line, the last
    errors = [line for line in lines if line.startswith("codesign: error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], lines
    return errors[0]


@pytest.mark.parametrize("argv, expected", [
    (["train", "cnv_head", "--domains", "no_such_domain"], "unknown domain"),
    (["train", "cnv_head", "--domains", "sklearn_digits", "--k-shot", "five"], "--k-shot"),
    (["train", "cnv_head", "--domains", "sklearn_digits", "--noise", "1.5"], "--noise"),
    (["train", "cnv_head", "--domains", "sklearn_digits", "--epochs", "0"], "epochs"),
    (["train", "cnv_head", "--domains", "sklearn_digits", "--optimizer", "lbfgs"], "optimizer"),
    (["train", "no_such_graph.yaml", "--domains", "sklearn_digits"], "no_such_graph"),
    (["data", "list", "mnist"], "data list takes no domain names"),
    (["data", "prepare", "no_such_domain"], "no_such_domain"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, argv, expected):
    err = _one_line_error(capsys, argv + ["--cache-dir", str(tmp_path)])
    assert expected in err


def test_missing_source_prints_the_install_command(capsys, tmp_path, monkeypatch):
    entry = DOMAINS.get("sklearn_digits")
    gone = dataclasses.replace(entry, locate=lambda: tmp_path / "not-installed")
    monkeypatch.setitem(DOMAINS._entries, "sklearn_digits", gone)
    err = _one_line_error(capsys, ["train", "cnv_head", "--domains", "sklearn_digits",
                                   "--cache-dir", str(tmp_path / "cache")])
    assert entry.install in err and "sklearn_digits" in err


def test_data_list_shows_every_domain(capsys, tmp_path):
    assert main(["data", "list", "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in DOMAINS.names():
        assert name in out


def test_train_end_to_end_on_a_user_domain(capsys, tmp_path):
    graph = write_toy_domain_and_graph(tmp_path)
    out = tmp_path / "out"
    argv = ["train", str(graph), "--domains", f"toy={tmp_path / 'toy.npz'}", "--epochs", "2",
            "--k-shot", "2,all", "--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert "toy" in printed.out and "Decathlon" not in printed.out
    assert "epoch 1/2" in printed.err  # progress on stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["family"] == "head" and summary["domains"]["toy"]["test_accuracy"]["n"] == 1
    assert json.loads((out / "toy.json").read_text())["summary"]["samples_needed"].keys() == {"2", "all"}
    assert main(argv + ["--resume"]) == 0 and "already done" in capsys.readouterr().err
    # the prepared user domain now shows in the listing
    assert main(["data", "list", "--cache-dir", str(tmp_path / "cache")]) == 0
    assert "toy" in capsys.readouterr().out


def test_pretrain_saves_only_a_loadable_backbone(tmp_path):
    spec = tiny_graph("head")
    out = tmp_path / "tiny_source.safetensors"
    sidecar = pretrain_backbone(spec, synthetic_splits(name="src", classes=4), PretrainConfig(
        epochs=1, batch_size=8, max_batches=2), out, log=lambda _m: None)
    assert out.is_file() and Path(out.with_suffix(".json")).is_file()
    assert 0.0 <= sidecar["source_test_accuracy"] <= 1.0 and sidecar["epochs_run"] == 1
    backbone = BACKBONES.get("tiny")(input_size=16, weights=str(out))  # strict, shape-checked load
    assert sum(p.numel() for p in backbone.parameters()) == sidecar["parameters"]


def test_decathlon_against_a_finetune_baseline(capsys, tmp_path):
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(3), 10)
    images = (rng.integers(0, 60, size=(30, 16, 16)) + 80 * labels[:, None, None]).astype(np.uint8)
    np.savez(tmp_path / "toy.npz", images=images, labels=labels)
    common = ["--domains", f"toy={tmp_path / 'toy.npz'}", "--epochs", "1", "--cache-dir", str(tmp_path / "c")]
    for family in ("finetune", "head"):
        graph = tmp_path / f"tiny_{family}.yaml"
        graph.write_text(yaml.safe_dump({**TINY_HEAD_GRAPH, "name": f"tiny_{family}", "adapter": {"family": family}}))
    assert main(["train", str(tmp_path / "tiny_finetune.yaml"), *common, "--out", str(tmp_path / "ft")]) == 0
    assert main(["train", str(tmp_path / "tiny_head.yaml"), *common, "--out", str(tmp_path / "head"),
                 "--baseline", str(tmp_path / "ft")]) == 0
    assert "Decathlon score vs finetune" in capsys.readouterr().out
    summary = json.loads((tmp_path / "head" / "summary.json").read_text())
    assert 0.0 <= summary["decathlon"]["score"] <= 1000.0 and "toy" in summary["decathlon"]["domains"]
    # a baseline that is not a finetune study is refused in one line
    err = _one_line_error(capsys, ["train", str(tmp_path / "tiny_head.yaml"), *common, "--out",
                                   str(tmp_path / "x"), "--baseline", str(tmp_path / "head")])
    assert "finetune" in err
