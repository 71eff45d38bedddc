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


# A tiny head-only graph on the tiny backbone, as a graph file's mapping.
TINY_HEAD_GRAPH = {"name": "tiny_head", "backbone": {"name": "tiny", "input_size": 16, "weight_bits": 4,
                                                     "act_bits": 4},
                   "adapter": {"family": "head"}, "head": {"weight_bits": 4}}


def write_toy_domain_and_graph(folder):
    """``folder/toy.npz`` (3 separable classes, 12 images each, 16x16) and
    ``folder/tiny_head.yaml``; returns the graph file's path."""
    import yaml

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 12)
    images = (rng.integers(0, 60, size=(36, 16, 16)) + 80 * labels[:, None, None]).astype(np.uint8)
    np.savez(folder / "toy.npz", images=images, labels=labels)
    graph = folder / "tiny_head.yaml"
    graph.write_text(yaml.safe_dump(TINY_HEAD_GRAPH))
    return graph
