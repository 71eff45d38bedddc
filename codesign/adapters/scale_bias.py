"""``scale_bias``: per-domain BatchNorm (channel scale and bias + statistics), Bilen 2017.

In hardware a unit's BatchNorm and activation fold into integer thresholds, so this
family makes the *thresholds* reconfigurable while every weight stays fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

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
class ScaleBiasConfig(AdapterConfig):
    sites: str | list[str] = "all"


class ScaleBiasDomain(DomainModule):
    # hooks only: the units before the first hooked site can be cached (train/prefix.py)
    prefix_cacheable = True

    def __init__(self, head, site_names: list[str]):
        super().__init__(head)
        self.site_names = site_names

    def hooks(self) -> dict[str, UnitHooks]:
        return {name: UnitHooks(norm=self.site_modules[site_key(name)]) for name in self.site_names}


@register_adapter("scale_bias")
class ScaleBiasFamily(AdapterFamily):
    Config = ScaleBiasConfig
    description = "per-domain BatchNorm at every site (reconfigurable thresholds)"
    copies_backbone_norm = True  # copy_norm: --bn-stats acts on it

    def build(self, backbone: Backbone, num_classes: int, head_bits: int) -> DomainModule:
        sites = self.sites(backbone)
        domain = ScaleBiasDomain(self.make_head(backbone.feature_dim, num_classes, head_bits),
                                 [s.name for s in sites])
        for site in sites:
            domain.site_modules[site_key(site.name)] = copy_norm(backbone, site)
        return domain
