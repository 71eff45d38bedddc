"""Feature caching: run the frozen part of the network once, train on the rest.

Two routes (:func:`feature_route`), both exact (the cached values are the values the
live forward computes; tests/train/test_prefix_cache.py trains every family both ways):

* ``side`` and ``head`` (``DomainModule.feature_cacheable``) read the backbone but never
  change it: the backbone outputs they need (``backbone_inputs``) are cached and
  training runs no backbone at all.
* hooked families (``DomainModule.prefix_cacheable``: attention, series, and parallel,
  scale_bias, finetune at later sites) leave every unit before their first hooked site
  untouched: the activation at that cut is cached and the backbone resumes from it
  (prefix.py). A family whose first module sits on unit 0 (finetune, parallel,
  scale_bias at their default sites) has no frozen prefix and runs live.

Memory: the cached tensors are quantised activations, so they are stored as int8
codes times one float scale whenever that is *exact* (checked element by element);
a cnv ``side`` cache is then ~16 KB per image instead of ~64 KB. If a tensor is not on
a single grid it is kept in float32 unchanged, so the cache never alters a value.
The cache lives on the model's device (a GPU keeps it next to the model).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from codesign.train.inputs import Split, to_model_input
from codesign.train.prefix import forward_from, prefix_activations, prefix_cut


GRID_DIVISORS = (1, 2, 3, 4, 5, 6, 7, 8)  # candidate ratios of the smallest magnitude to the grid step


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
            smallest = float(nonzero.min())
            # the grid step is the smallest magnitude over a small integer (an
            # activation may never take the value of one step itself)
            for divisor in GRID_DIVISORS:
                scale = smallest / divisor
                codes = torch.round(t / scale)
                if codes.abs().max() > 127:
                    break
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
        index = torch.as_tensor(index, dtype=torch.int64, device=self.y.device)
        return FeatureSplit({k: CachedTensor(v.data[index.to(v.data.device)], v.scale)
                             for k, v in self.tensors.items()}, self.y[index])

    def to_labels_device(self, device) -> "FeatureSplit":
        """The labels on ``device`` (the cached tensors are there already)."""
        return FeatureSplit(self.tensors, self.y.to(device))

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


@dataclass
class FeatureRoute:
    """How one domain's forward splits at the cache: ``inputs`` (model input -> cached
    tensors, the frozen part) and ``logits`` (cached tensors -> logits, the trained part)."""
    inputs: Callable[[torch.Tensor], dict[str, torch.Tensor]]
    logits: Callable[[dict[str, torch.Tensor]], torch.Tensor]
    cached_at: str  # what is cached, e.g. "backbone outputs" or "conv1 output"


def feature_route(model, domain: str) -> FeatureRoute | None:
    """The domain's cache route, or None when nothing before its modules is frozen."""
    module, backbone = model.domain(domain), model.backbone
    if module.feature_cacheable:
        return FeatureRoute(lambda x: module.backbone_inputs(backbone, x), module.forward_cached,
                            "backbone outputs")
    if not module.prefix_cacheable:
        return None
    hooks = module.hooks()
    cut = prefix_cut(backbone, hooks)
    if cut is None:
        return None
    site = backbone.sites[cut.unit].name
    return FeatureRoute(lambda x: prefix_activations(backbone, x, cut),
                        lambda cached: module.head(forward_from(backbone, cached, cut, hooks)),
                        f"{site} {'output' if cut.after_unit else 'input'}")


def model_device(model) -> torch.device:
    """Where the model's tensors are (the CPU for a model without any)."""
    for tensor in list(model.parameters()) + list(model.buffers()):
        return tensor.device
    return torch.device("cpu")


@torch.no_grad()
def cache_split(model, domain: str, split: Split, batch_size: int) -> FeatureSplit:
    """Run the frozen part once over ``split`` (batches moved to the model's device)."""
    route = feature_route(model, domain)
    if route is None:
        raise TypeError(f"domain {domain!r}: family {model.family_name!r} has no frozen part before its "
                        f"modules, so its features cannot be cached")
    model.backbone.eval()
    device = model_device(model)
    parts: dict[str, list[torch.Tensor]] = {}
    for start in range(0, len(split), batch_size):
        out = route.inputs(to_model_input(split.x[start:start + batch_size].to(device)))
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
