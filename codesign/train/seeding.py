"""Seeds: one integer fixes domain-module init, batch order, subsets and label noise.

Batch order is a pure function of (seed, epoch) rather than a generator that runs on
across epochs, so a run resumed at epoch k draws exactly the batches the
uninterrupted run would have drawn, with no generator state to carry over.
"""

from __future__ import annotations

import random

import numpy as np
import torch

# Large odd multipliers spread (seed, epoch) pairs over the 63-bit seed space so that
# nearby seeds and epochs give unrelated permutations.
_SEED_MIX = 0x9E3779B97F4A7C15
_EPOCH_MIX = 0xBF58476D1CE4E5B9


def seed_everything(seed: int) -> None:
    """Seed every global generator the code may touch (init of modules uses torch's)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def derived_seed(seed: int, *parts: int) -> int:
    value = (seed * _SEED_MIX) & (2**63 - 1)
    for part in parts:
        value = ((value ^ part) * _EPOCH_MIX + 1) & (2**63 - 1)
    return value


def epoch_permutation(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The order of the n training samples in ``epoch`` (1-based) for ``seed``."""
    generator = torch.Generator(device="cpu").manual_seed(derived_seed(seed, epoch))
    return torch.randperm(n, generator=generator, device="cpu")  # CPU: the same order on any accelerator
