"""A bring-your-own domain (``NAME=folder``, an ImageFolder) compared beside a built-in one, held out honestly.

The step size is chosen on validation accuracy only: rewriting only the images of the BYO
domain's fixed test split changes its test accuracy, but not the validation accuracies, the
chosen step size or the trained weights. The BYO domain appears in the report with intervals.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from compare_helpers import write_tiny_graph
from PIL import Image

from codesign.cli import main

CLASSES, PER_CLASS, SIDE = 3, 30, 16


def _write_folder(root: Path) -> list[Path]:
    """Class c: a bright band at rows c*5.. (learnable on the tiny random backbone); files in load order."""
    rng = np.random.default_rng(7)
    files = []
    for c in range(CLASSES):
        (root / f"class_{c}").mkdir(parents=True)
        for i in range(PER_CLASS):
            pixels = rng.integers(0, 80, size=(SIDE, SIDE, 3)).astype(np.uint8)
            pixels[c * 5:(c + 1) * 5] += 150
            path = root / f"class_{c}" / f"img_{i:03d}.png"
            Image.fromarray(pixels).save(path)
            files.append(path)
    return files


def _test_files(files: list[Path]) -> list[Path]:
    """The images of the folder's fixed test split (codesign.data.prepare: 20 % of each class)."""
    from codesign.data.subsets import fixed_test_split

    labels = np.repeat(np.arange(CLASSES), PER_CLASS)
    return [files[i] for i in fixed_test_split(labels, 0.2, 250)]


def _scramble(paths: list[Path]) -> None:
    """New, distinct pixels for each test image (same class folder, same file name)."""
    rng = np.random.default_rng(99)
    for path in paths:
        Image.fromarray(rng.integers(0, 256, size=(SIDE, SIDE, 3)).astype(np.uint8)).save(path)


def _run(graph: Path, folder: Path, cache: Path, out: Path) -> dict:
    args = ["compare", str(graph), "--device", "pynq-z1", "--domains", f"mine={folder},sklearn_digits",
            "--seeds", "1", "--lr", "0.005,0.05", "--epochs", "3", "--patience", "2", "--max-per-class", "20",
            "--workers", "1", "--cache-dir", str(cache), "--out", str(out)]
    assert main(args) == 0
    return json.loads((out / "compare.json").read_text(encoding="utf-8"))


def _weights(cache: Path) -> list[bytes]:
    """Every saved checkpoint of the BYO domain (one per step size of the first seed's main run),
    in an order that does not depend on the point digests (which hold the data's content hash)."""
    return sorted(p.read_bytes() for p in (cache / "points").rglob("mine.safetensors"))


def test_byo_folder_domain_held_out_protocol(tmp_path, tiny_designs):
    graph = write_tiny_graph(tmp_path, "head")
    folder = tmp_path / "mine"
    files = _write_folder(folder)
    caches = [tmp_path / "cache_a", tmp_path / "cache_b"]
    for cache in caches:
        cache.mkdir()
        (cache / "designs").symlink_to(tiny_designs, target_is_directory=True)
    before = _run(graph, folder, caches[0], tmp_path / "a")
    _scramble(_test_files(files))
    after = _run(graph, folder, caches[1], tmp_path / "b")

    first, second = before["architectures"][0], after["architectures"][0]
    assert first["training_lr"] == second["training_lr"]  # chosen lr and every validation accuracy
    for key in ("val_accuracy", "epochs_run"):
        assert first["domains"]["mine"][key] == second["domains"]["mine"][key]
    assert first["domains"]["mine"]["test_accuracy"] != second["domains"]["mine"]["test_accuracy"]
    assert first["domains"]["sklearn_digits"]["test_accuracy"] == second["domains"]["sklearn_digits"]["test_accuracy"]
    weights = _weights(caches[0])
    assert len(weights) == 2 and weights == _weights(caches[1])

    mine = next(d for d in before["domains"] if d["name"] == "mine")
    assert (mine["classes"], mine["test"]) == (CLASSES, CLASSES * round(0.2 * PER_CLASS))
    summary = first["domains"]["mine"]
    assert summary["test_images"] == mine["test"]
    interval = summary["test_accuracy_interval"]
    assert interval["low"] <= summary["test_accuracy"]["mean"] <= interval["high"]
    report = (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
    assert "| mine |" in report
