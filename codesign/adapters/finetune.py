"""``finetune``: every layer is per-domain (the baseline the Decathlon score is against).

Each domain gets its own copy of every unit's weights and BatchNorm, initialised from
the pretrained backbone; in hardware nothing is fixed but the dataflow structure.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch.nn as nn

from codesign.adapters.base import (
    AdapterConfig,
    AdapterFamily,
    DomainModule,
    copy_norm,
    register_adapter,
    site_key,
)
from codesign.models.backbone import Backbone, UnitHooks


@dataclass
class FinetuneConfig(AdapterConfig):
    sites: str | list[str] = "all"


class FinetuneSite(nn.Module):
    def __init__(self, layer: nn.Module, norm: nn.Module):
        super().__init__()
        self.layer = layer
        self.norm = norm


class FinetuneDomain(DomainModule):
    # hooks only: the units before the first hooked site can be cached (train/prefix.py)
    prefix_cacheable = True

    def __init__(self, head, site_names: list[str]):
        super().__init__(head)
        self.site_names = site_names

    def hooks(self) -> dict[str, UnitHooks]:
        hooks = {}
        for name in self.site_names:
            module = self.site_modules[site_key(name)]
            hooks[name] = UnitHooks(layer=module.layer, norm=module.norm)
        return hooks


@register_adapter("finetune")
class FinetuneFamily(AdapterFamily):
    Config = FinetuneConfig
    description = "every layer per-domain: full fine-tuning baseline"
    decathlon_baseline = True  # the Decathlon-style score's baseline (codesign.train.metrics)
    training_cost = 4.0
    copies_backbone_norm = True  # copy_norm: --bn-stats acts on it

    def build(self, backbone: Backbone, num_classes: int, head_bits: int) -> DomainModule:
        sites = self.sites(backbone)
        domain = FinetuneDomain(self.make_head(backbone.feature_dim, num_classes, head_bits),
                                [s.name for s in sites])
        for site in sites:
            layer = copy.deepcopy(backbone.units[site.index].layer)
            for p in layer.parameters():
                p.requires_grad_(True)
            domain.site_modules[site_key(site.name)] = FinetuneSite(layer, copy_norm(backbone, site, keep_sign=False))
        return domain
