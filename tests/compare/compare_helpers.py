"""Writers of tiny comparison inputs and the arguments of a tiny `codesign compare`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

TINY_FAMILIES = ("head", "scale_bias")
# points of compare_args: 2 estimates + 2 archs x 2 domains x 2 seeds x (main, k=3, noise 0.3)
POINTS = 2 + 2 * 2 * 2 * 3


def read_doc(out: Path) -> dict:
    return json.loads((out / "compare.json").read_text(encoding="utf-8"))


def accuracies(doc: dict) -> dict:
    """(architecture, domain) -> mean test accuracy."""
    return {(a["name"], d): s["test_accuracy"]["mean"] for a in doc["architectures"] for d, s in a["domains"].items()}


def write_stripes_npz(path: Path, classes: int, per_class: int, seed: int) -> Path:
    """Class c: a bright band at rows c*h/classes (learnable by a head on a random backbone)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(classes), per_class)
    images = rng.integers(0, 80, size=(len(labels), 16, 16)).astype(np.uint8)
    band = 16 // classes
    for i, c in enumerate(labels):
        images[i, c * band:(c + 1) * band, :] += 150
    np.savez(path, images=images, labels=labels)
    return path


def write_tiny_graph(folder: Path, family: str) -> Path:
    path = folder / f"tiny_{family}.yaml"
    path.write_text(f"name: tiny_{family}\n"
                    "backbone: {name: tiny, input_size: 16, weight_bits: 4, act_bits: 4}\n"
                    f"adapter: {{family: {family}}}\n"
                    "head: {weight_bits: 4}\n", encoding="utf-8")
    return path


def compare_args(tiny_inputs, cache_root: Path, out: Path, *extra: str) -> list[str]:
    return ["compare", *tiny_inputs["graphs"], "--device", "pynq-z1", "--domains", tiny_inputs["domains"],
            "--seeds", "2", "--k-shot", "3", "--noise", "0.3", "--epochs", "8", "--patience", "3", "--lr", "0.02",
            "--cache-dir", str(cache_root), "--out", str(out), *extra]
