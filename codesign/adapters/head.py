"""``head``: only the classifier is per-domain (the cheapest baseline)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from codesign.adapters.base import AdapterConfig, AdapterFamily, DomainModule, register_adapter
from codesign.models.backbone import Backbone


@dataclass
class HeadConfig(AdapterConfig):
    sites: str | list[str] = "all"  # unused: the head attaches after the last unit


class HeadDomain(DomainModule):
    # The backbone runs unchanged, so its features can be computed once and cached.
    feature_cacheable = True

    def backbone_inputs(self, backbone: Backbone, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"features": backbone(x).features}

    def forward_cached(self, cached: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.head(cached["features"])


@register_adapter("head")
class HeadFamily(AdapterFamily):
    Config = HeadConfig
    description = "classifier only; the whole backbone is shared"
    training_cost = 0.5  # trains on cached backbone features

    def sites(self, backbone: Backbone):
        return []

    def build(self, backbone: Backbone, num_classes: int, head_bits: int) -> DomainModule:
        return HeadDomain(self.make_head(backbone.feature_dim, num_classes, head_bits))
