"""Images -> model input: the one place where pixels are normalised.

Every backbone starts with an 8-bit signed input quantiser on [-1, 1] (narrow range:
255 levels, step 1/127), so uint8 pixels p in 0..255 map to p / 127.5 - 1 in [-1, 1].
256 pixel values on 255 levels means two neighbouring grey levels share one code: a
0.4% loss of input resolution that we accept so that black is -1 and white is +1.
Training, feature caching, evaluation, pre-training and the benchmark all call
:func:`to_model_input`, so no two code paths can disagree on the input range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

PIXEL_HALF_RANGE = 127.5  # uint8 levels per unit of model input


def to_model_input(x: torch.Tensor | np.ndarray) -> torch.Tensor:
    """uint8 (N, C, H, W) pixels 0..255 -> float32 in [-1, 1]."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if x.dtype != torch.uint8:
        raise TypeError(f"to_model_input expects uint8 pixels, got {x.dtype}")
    return x.to(torch.float32) / PIXEL_HALF_RANGE - 1.0


@dataclass
class Split:
    """One split kept as uint8 pixels (4x smaller than float); converted per batch."""

    x: torch.Tensor  # uint8 (N, C, H, W)
    y: torch.Tensor  # int64 (N,)

    def __len__(self) -> int:
        return int(self.y.shape[0])

    @classmethod
    def from_arrays(cls, x: np.ndarray, y: np.ndarray) -> "Split":
        return cls(torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.asarray(y, dtype=np.int64)))

    def subset(self, index: torch.Tensor | np.ndarray) -> "Split":
        index = torch.as_tensor(index, dtype=torch.int64, device=self.y.device)
        return Split(self.x[index], self.y[index])

    def to(self, device) -> "Split":
        """The split on ``device`` (itself when it is there already: no copy on the CPU)."""
        return Split(self.x.to(device), self.y.to(device))


@dataclass
class DomainSplits:
    """Train/val/test of one domain as the trainer sees it (labels of train may be noisy)."""

    name: str
    num_classes: int
    train: Split
    val: Split
    test: Split

    def to(self, device) -> "DomainSplits":
        """Every split on ``device`` (uint8 pixels: a GPU holds a whole domain cheaply)."""
        return DomainSplits(self.name, self.num_classes, self.train.to(device), self.val.to(device),
                            self.test.to(device))

    @classmethod
    def from_prepared(cls, prepared) -> "DomainSplits":
        """From a :class:`codesign.data.PreparedDomain` (k-shot and noise already applied)."""
        return cls(prepared.name, prepared.num_classes,
                   Split.from_arrays(prepared.x_train, prepared.y_train),
                   Split.from_arrays(prepared.x_val, prepared.y_val),
                   Split.from_arrays(prepared.x_test, prepared.y_test))
