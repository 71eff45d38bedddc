"""``side``: a small side network fed by a few taps of the frozen backbone (ladder
side-tuning, Sung 2022). Nothing flows back into the backbone, so training needs no
backprop through it and the backbone outputs at the taps can be cached.

    v_i = GAP( act( BN( conv1x1_i(tap_i) ) ) )        per tap, side_channels wide
    s   = requant( q(v_1) + q(v_2) + ... )            one shared quantiser q
    logits = head( act( BN( W s ) ) )

The backbone runs only up to the last tap; in hardware the rest of it is not built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn

from codesign.adapters.base import (
    MAX_ADAPTER_WIDTH,
    AdapterConfig,
    AdapterFamily,
    DomainModule,
    register_adapter,
    site_key,
)
from codesign.models.backbone import Backbone
from codesign.models.quant import HalfUp, qconv, qlinear, signed_act


@dataclass
class SideConfig(AdapterConfig):
    sites: str | list[str] = "stage_ends"
    side_channels: int = field(default=32, metadata={"min": 1, "max": MAX_ADAPTER_WIDTH})
    hidden: int = field(default=64, metadata={"min": 1, "max": MAX_ADAPTER_WIDTH})


class SideTap(nn.Module):
    def __init__(self, in_channels: int, side_channels: int, weight_bits: int, act_bits: int):
        super().__init__()
        self.conv = qconv(in_channels, side_channels, 1, weight_bits)
        self.norm = nn.BatchNorm2d(side_channels)
        self.act = signed_act(act_bits)
        self.pool = nn.AdaptiveAvgPool2d(1)  # GlobalAccPool in FINN (ReduceMean is not mapped)

    def forward(self, tap: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.pool(self.act(self.norm(self.conv(tap)))), 1)


class SideDomain(DomainModule):
    feature_cacheable = True

    def __init__(self, head, tap_names: list[str], config: SideConfig):
        super().__init__(head)
        self.tap_names = tap_names
        # Shared by every operand of the sum. It quantises a mean over H*W pixels, where
        # exact ties are common: HalfUp rounds them up like FINN's thresholds.
        self.join = HalfUp(signed_act(config.act_bits))
        self.sum_quant = signed_act(config.act_bits)
        self.hidden = qlinear(config.side_channels, config.hidden, config.weight_bits)
        self.hidden_norm = nn.BatchNorm1d(config.hidden)
        self.hidden_act = signed_act(config.act_bits)

    def backbone_inputs(self, backbone: Backbone, x: torch.Tensor) -> dict[str, torch.Tensor]:
        out = backbone(x, taps=tuple(self.tap_names), stop_after=self.tap_names[-1])
        return dict(out.taps)

    def forward_cached(self, taps: dict[str, torch.Tensor]) -> torch.Tensor:
        total = None
        for name in self.tap_names:
            v = self.join(self.site_modules[site_key(name)](taps[name]))
            total = v if total is None else total + v
        s = self.sum_quant(total)
        return self.head(self.hidden_act(self.hidden_norm(self.hidden(s))))

    def forward(self, backbone: Backbone, x: torch.Tensor) -> torch.Tensor:
        return self.forward_cached(self.backbone_inputs(backbone, x))


@register_adapter("side")
class SideFamily(AdapterFamily):
    Config = SideConfig
    description = "side network on backbone taps; no backprop through the backbone"
    training_cost = 1.5  # trains on cached backbone features

    def check(self, backbone: Backbone) -> None:
        sites = self.sites(backbone)
        if not sites:
            raise ValueError("sites: a side network needs at least one tap")
        for site in sites:
            if site.kind != "conv":
                raise ValueError(f"sites: side taps must be conv units; {site.name} is {site.kind}")

    def build(self, backbone: Backbone, num_classes: int, head_bits: int) -> DomainModule:
        self.check(backbone)
        sites = self.sites(backbone)
        cfg = self.config
        domain = SideDomain(self.make_head(cfg.hidden, num_classes, head_bits), [s.name for s in sites], cfg)
        for site in sites:
            domain.site_modules[site_key(site.name)] = SideTap(site.out_channels, cfg.side_channels,
                                                               cfg.weight_bits, cfg.act_bits)
        return domain
