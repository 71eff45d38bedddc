"""Feature caching for families whose modules never feed back into the backbone.

``side`` and ``head`` (``DomainModule.feature_cacheable``) read the backbone but never
change it, so the backbone outputs they need (``backbone_inputs``) are the same every
epoch: compute them once per split, then train on the cache with no forward or
backward pass through the backbone at all.

Memory: the cached tensors are quantised activations, so they are stored as int8
codes times one float scale whenever that is *exact* (checked element by element);
a cnv ``side`` cache is then ~16 KB per image instead of ~64 KB. If a tensor is not on
a single grid it is kept in float32 unchanged, so the cache never alters a value.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch

from codesign.train.inputs import Split, to_model_input


@dataclass
class CachedTensor:
    """A tensor stored as int8 codes * scale (exact) or as plain float32 (scale None)."""

    data: torch.Tensor
    scale: float | None = None

    @classmethod
    def compact(cls, t: torch.Tensor) -> "CachedTensor":
        t = t.detach().to(torch.float32).contiguous()
        nonzero = t[t != 0].abs()
        if nonzero.numel():
            scale = float(nonzero.min())
            codes = torch.round(t / scale)
            if codes.abs().max() <= 127:
                codes8 = codes.to(torch.int8)
                if torch.equal(codes8.to(torch.float32) * scale, t):
                    return cls(codes8, scale)
        return cls(t, None)

    def rows(self, index: torch.Tensor) -> torch.Tensor:
        part = self.data[index]
        return part if self.scale is None else part.to(torch.float32) * self.scale

    @property
    def nbytes(self) -> int:
        return self.data.numel() * self.data.element_size()


@dataclass
class FeatureSplit:
    """The cached backbone outputs of one split, row-aligned with its labels."""

    tensors: dict[str, CachedTensor]
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def batch(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: v.rows(index) for k, v in self.tensors.items()}

    def subset(self, index) -> "FeatureSplit":
        index = torch.as_tensor(index, dtype=torch.int64)
        return FeatureSplit({k: CachedTensor(v.data[index], v.scale) for k, v in self.tensors.items()},
                            self.y[index])

    def with_labels(self, y: torch.Tensor) -> "FeatureSplit":
        return FeatureSplit(self.tensors, y)

    @property
    def nbytes(self) -> int:
        return sum(v.nbytes for v in self.tensors.values())


@dataclass
class FeatureCache:
    """Train/val/test features of one domain for one (backbone, family config)."""

    train: FeatureSplit
    val: FeatureSplit
    test: FeatureSplit
    build_seconds: float  # wall time to run the backbone once over all three splits, s
    info: dict = field(default_factory=dict)

    def split(self, which: str) -> FeatureSplit:
        return getattr(self, which)

    @property
    def nbytes(self) -> int:
        return self.train.nbytes + self.val.nbytes + self.test.nbytes


@torch.no_grad()
def cache_split(model, domain: str, split: Split, batch_size: int) -> FeatureSplit:
    """Run the frozen backbone once over ``split`` with ``domain``'s taps."""
    module = model.domain(domain)
    if not module.feature_cacheable:
        raise TypeError(f"domain {domain!r}: family {model.family_name!r} feeds back into the "
                        f"backbone, so its features cannot be cached")
    model.backbone.eval()
    parts: dict[str, list[torch.Tensor]] = {}
    for start in range(0, len(split), batch_size):
        out = module.backbone_inputs(model.backbone, to_model_input(split.x[start:start + batch_size]))
        for key, value in out.items():
            parts.setdefault(key, []).append(value.detach())
    tensors = {k: CachedTensor.compact(torch.cat(v)) for k, v in parts.items()}
    return FeatureSplit(tensors, split.y.clone())


def build_feature_cache(model, domain: str, splits, batch_size: int = 256) -> FeatureCache:
    """Cache train, val and test of ``splits`` (a DomainSplits) for ``domain``."""
    start = time.perf_counter()
    parts = {which: cache_split(model, domain, getattr(splits, which), batch_size)
             for which in ("train", "val", "test")}
    seconds = time.perf_counter() - start
    cache = FeatureCache(parts["train"], parts["val"], parts["test"], seconds)
    cache.info = {"build_seconds": round(seconds, 3), "bytes": cache.nbytes,
                  "images": sum(len(p) for p in parts.values()),
                  "exact_int8": all(t.scale is not None for t in parts["train"].tensors.values())}
    return cache
