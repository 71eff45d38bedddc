"""``series``: a 1x1 residual adapter after a unit (Rebuffi et al. 2017).

    y' = requant( q(y) + q(BN(conv1x1(y))) )

``q`` is ONE quantiser module applied to both operands, with the same constant grid as
the backbone's activations, so the join is an exact integer add (FINN: DuplicateStreams
-> MVAU + Thresholding -> AddStreams -> Thresholding). The adapter's BatchNorm scale
starts near zero so a new domain starts from the unchanged backbone.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from codesign.adapters.base import AdapterConfig, AdapterFamily, DomainModule, register_adapter, site_key
from codesign.models.backbone import Backbone, Site, UnitHooks
from codesign.models.quant import qconv, signed_act

INITIAL_BRANCH_SCALE = 1e-2  # BN gamma at start: the branch adds ~nothing at step 0


@dataclass
class SeriesConfig(AdapterConfig):
    sites: str | list[str] = "conv"


class SeriesAdapter(nn.Module):
    def __init__(self, channels: int, weight_bits: int, backbone_act_bits: int, out_bits: int):
        super().__init__()
        self.conv = qconv(channels, channels, 1, weight_bits)
        self.norm = nn.BatchNorm2d(channels)
        nn.init.constant_(self.norm.weight, INITIAL_BRANCH_SCALE)
        self.join = signed_act(backbone_act_bits)  # shared by both operands of the add
        self.out = signed_act(out_bits)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.out(self.join(y) + self.join(self.norm(self.conv(y))))


class SeriesDomain(DomainModule):
    # hooks only: the units before the first hooked site can be cached (train/prefix.py)
    prefix_cacheable = True

    def __init__(self, head, site_names: list[str]):
        super().__init__(head)
        self.site_names = site_names

    def hooks(self) -> dict[str, UnitHooks]:
        return {n: UnitHooks(post=self.site_modules[site_key(n)]) for n in self.site_names}


@register_adapter("series")
class SeriesFamily(AdapterFamily):
    Config = SeriesConfig
    description = "1x1 residual adapter in series after each conv unit (Rebuffi 2017)"
    training_cost = 4.0

    def check(self, backbone: Backbone) -> None:
        for site in self.sites(backbone):
            if site.kind != "conv":
                raise ValueError(f"sites: series adapters attach to conv units; {site.name} is {site.kind}")

    def build(self, backbone: Backbone, num_classes: int, head_bits: int) -> DomainModule:
        self.check(backbone)
        sites: list[Site] = self.sites(backbone)
        act_bits = backbone_act_bits(backbone)
        domain = SeriesDomain(self.make_head(backbone.feature_dim, num_classes, head_bits),
                              [s.name for s in sites])
        for site in sites:
            domain.site_modules[site_key(site.name)] = SeriesAdapter(
                site.out_channels, self.config.weight_bits, act_bits, act_bits)
        return domain


def backbone_act_bits(backbone: Backbone) -> int:
    """Bit width of the backbone's activations (adapter joins must use the same grid)."""
    for unit in backbone.units:
        if unit.act is not None:
            return int(unit.act.act_quant.bit_width().item())
    raise ValueError("backbone has no quantised activation")
