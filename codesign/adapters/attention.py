"""``attention``: the seed's idea — small per-domain channel-attention modules at a few
sites (squeeze-and-excitation shaped, Aswani et al. 2021).

    g  = gate( 1 + W2 * act( W1 * GAP(y) ) )      one gate per channel, in [0, 2)
    y' = requant( y * g )

Designed for FINN: GAP is a GlobalAccPool (integer sum; the 1/N folds into the next
thresholds), W1/W2 are tiny MVAUs, the hidden activation and the gate are quantised
clamps (= Thresholding; FINN has no Sigmoid), and the gate multiplies the quantised
feature map as an integer elementwise product. The constant 1 (folded into the gate
thresholds) makes a new domain start from the unchanged backbone (gate = 1 exactly:
the gate grid has step 2^-(b-1)). The three quantisers round ties up (``HalfUp``) as
FINN's thresholds do: their inputs are products of two grids, where exact ties are
common, and torch's round-half-to-even would disagree with the hardware. Because the
gate depends on the whole feature map, hardware must buffer the map until its gate is
known (the estimator counts that FIFO).

Per-domain cost at reduction r on a C-channel site: 2*C*ceil(C/r) weights, no BN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn

from codesign.adapters.base import AdapterConfig, AdapterFamily, DomainModule, register_adapter, site_key
from codesign.models.backbone import Backbone, UnitHooks
from codesign.models.quant import HalfUp, gate_act, qlinear, signed_act
from codesign.adapters.series import backbone_act_bits

MAX_REDUCTION = 65_536
GATE_OFFSET = 1.0  # gate = clamp(1 + z): identity when the attention MLP outputs 0


@dataclass
class AttentionConfig(AdapterConfig):
    sites: str | list[str] = "stage_ends"
    # hidden = ceil(C / reduction); past the widest layer every site has one hidden unit
    reduction: int = field(default=32, metadata={"min": 1, "max": MAX_REDUCTION})
    gate_bits: int = field(default=4, metadata={"min": 2, "max": 8})


class ChannelAttention(nn.Module):
    def __init__(self, channels: int, reduction: int, weight_bits: int, act_bits: int,
                 gate_bits: int, out_bits: int):
        super().__init__()
        hidden = max(1, math.ceil(channels / reduction))
        self.squeeze = qlinear(channels, hidden, weight_bits)
        # HalfUp: these quantisers see products of two grids (mean x weight, feature x
        # gate), where exact ties are common; FINN's thresholds round them up.
        self.hidden_act = HalfUp(signed_act(act_bits))
        self.excite = qlinear(hidden, channels, weight_bits)
        nn.init.zeros_(self.excite.weight)  # z = 0 -> gate = 1 at the start
        self.gate = HalfUp(gate_act(gate_bits))
        self.out = HalfUp(signed_act(out_bits))
        # AdaptiveAvgPool2d exports as GlobalAveragePool (FINN: GlobalAccPool); a
        # torch.mean would export as ReduceMean, which FINN leaves outside the design.
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        pooled = torch.flatten(self.pool(y), 1)
        z = self.excite(self.hidden_act(self.squeeze(pooled)))
        gate = self.gate(z + GATE_OFFSET)
        # view (not unsqueeze/expand): FINN streams the [1,1,1,C] gate into an
        # ElementwiseMul that broadcasts it over H and W.
        return self.out(y * gate.view(gate.shape[0], gate.shape[1], 1, 1))


class AttentionDomain(DomainModule):
    # hooks only: the units before the first hooked site can be cached (train/prefix.py)
    prefix_cacheable = True

    def __init__(self, head, site_names: list[str]):
        super().__init__(head)
        self.site_names = site_names

    def hooks(self) -> dict[str, UnitHooks]:
        return {n: UnitHooks(post=self.site_modules[site_key(n)]) for n in self.site_names}


@register_adapter("attention")
class AttentionFamily(AdapterFamily):
    Config = AttentionConfig
    description = "per-domain channel attention at a few sites (the seed's design)"

    def check(self, backbone: Backbone) -> None:
        for site in self.sites(backbone):
            if site.kind != "conv":
                raise ValueError(f"sites: attention attaches to conv units; {site.name} is {site.kind}")

    def build(self, backbone: Backbone, num_classes: int, head_bits: int) -> DomainModule:
        self.check(backbone)
        sites = self.sites(backbone)
        act_bits = backbone_act_bits(backbone)
        domain = AttentionDomain(self.make_head(backbone.feature_dim, num_classes, head_bits),
                                 [s.name for s in sites])
        for site in sites:
            domain.site_modules[site_key(site.name)] = ChannelAttention(
                site.out_channels, self.config.reduction, self.config.weight_bits,
                self.config.act_bits, self.config.gate_bits, act_bits)
        return domain
