"""Tiny synthetic domains for the training tests (3 classes of 16x16 images)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from codesign.train.inputs import DomainSplits, Split


def synthetic_splits(name: str = "toy", classes: int = 3, train: int = 8, val: int = 4, test: int = 4,
                     size: int = 16, seed: int = 0) -> DomainSplits:
    """Class c is a bright stripe at row band c plus noise: learnable in a few epochs."""
    rng = np.random.default_rng(seed)

    def make(per_class: int) -> Split:
        labels = np.repeat(np.arange(classes), per_class)
        x = rng.integers(0, 80, size=(len(labels), 3, size, size)).astype(np.uint8)
        band = size // classes
        for i, c in enumerate(labels):
            x[i, :, c * band:(c + 1) * band, :] += 150
        return Split(torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64)))

    return DomainSplits(name, classes, make(train), make(val), make(test))


@pytest.fixture
def splits() -> DomainSplits:
    return synthetic_splits()


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: thread start-up and contention cost more than the arithmetic, and
    on a shared machine oversubscribed OpenMP threads make tiny convs ~100x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
