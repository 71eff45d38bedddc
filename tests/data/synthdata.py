"""Writers of tiny synthetic domains (a few dozen small images) for the data tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def write_image_folder(root: Path, counts: dict[str, int], corrupt: int = 0, seed: int = 0) -> Path:
    """root/<class>/<i>.png with ``counts`` images per class; ``corrupt`` bad files in the first."""
    rng = np.random.default_rng(seed)
    for k, (name, n) in enumerate(counts.items()):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            # class k is brighter than class k-1, so the images differ by class
            img = rng.integers(0, 60, size=(10, 12, 3)) + 60 * k
            Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(folder / f"{i}.png")
    first = root / next(iter(counts))
    for i in range(corrupt):
        (first / f"broken{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    return root


def write_npz(path: Path, n_per_class: int = 10, classes: int = 3, seed: int = 0, **extra) -> Path:
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(classes), n_per_class)
    images = (rng.integers(0, 50, size=(len(labels), 9, 9)) + 60 * labels[:, None, None]).astype(np.uint8)
    np.savez(path, images=images, labels=labels, **extra)
    return path
