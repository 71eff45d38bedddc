"""``parallel``: a 1x1 conv beside every spatial conv, plus per-domain BN (Rebuffi 2018).

    y = act( BN_d( conv3x3(x) + conv1x1_d(crop(x)) ) )

Both convs see the same quantised input and use the same weight grid: the adapter's
weight bits must equal the backbone's, and its (constant) weight scale is the site
conv's, per output channel where the backbone's is (MobileNetV2's per-channel scales
from the ImageNet weights; see :func:`site_weight_grid`). So their accumulators add
exactly as integers: FINN sees DuplicateStreams -> two MVAUs/VVAUs -> AddStreams ->
Thresholding, and the per-domain BN becomes reconfigurable thresholds. For a conv without padding
the 1x1 branch reads the centre of each 3x3 window, i.e. its input cropped by one
pixel per side, so both branches produce the same output grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from codesign.adapters.base import (
    AdapterConfig,
    AdapterFamily,
    DomainModule,
    copy_norm,
    register_adapter,
    site_key,
)
from codesign.models.backbone import Backbone, Site, UnitHooks
from codesign.models.quant import WeightQuant, qconv


@dataclass
class ParallelConfig(AdapterConfig):
    sites: str | list[str] = "spatial"
    domain_bn: bool = True  # per-domain BatchNorm after the join (Rebuffi 2018 does)


def site_weight_grid(layer: nn.Module):
    """A constant weight quantiser on ``layer``'s weight grid (the adapter's ``weight_quant``).

    With its own scale the adapter's branch would end in a different per-channel Mul than
    the conv's, and the join could not become an integer add: FINN left both Muls and the
    Add outside HW on MobileNetV2 (issue 16). The scale is the layer's threshold (the
    value its scale divides by the integer range: the constant of a constant quantiser,
    max |w| per output channel of a statistics one), taken with a unit divisor so the
    adapter's scale comes out of the same division, bit for bit. The backbone is frozen,
    so the constant stays right; rebuilding a domain on the same backbone gives it again."""
    with torch.no_grad():
        threshold = layer.weight_quant.tensor_quant.scaling_impl(layer.weight, torch.ones(()))
    return WeightQuant.let(scaling_const=threshold.detach().clone())


class ParallelAdapter(nn.Module):
    def __init__(self, site: Site, weight_bits: int, weight_quant=None):
        super().__init__()
        kwargs = {} if weight_quant is None else {"weight_quant": weight_quant}
        # Same connectivity as the conv it sits beside: depthwise beside a depthwise conv
        # (a dense 1x1 there would outweigh the whole backbone on MobileNetV2).
        self.conv = qconv(site.in_channels, site.out_channels, 1, weight_bits, stride=site.stride,
                          groups=site.groups, **kwargs)
        nn.init.zeros_(self.conv.weight)  # start from the unchanged backbone
        self.crop = site.kernel // 2 - site.padding  # pixels per side

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.crop > 0:
            x = x[:, :, self.crop:-self.crop, self.crop:-self.crop]
        return self.conv(x)


class ParallelDomain(DomainModule):
    # hooks only: the units before the first hooked site can be cached (train/prefix.py)
    prefix_cacheable = True

    def __init__(self, head, site_names: list[str], domain_bn: bool):
        super().__init__(head)
        self.site_names = site_names
        self.domain_bn = domain_bn
        self.norms = nn.ModuleDict()

    def hooks(self) -> dict[str, UnitHooks]:
        hooks = {}
        for name in self.site_names:
            key = site_key(name)
            norm = self.norms[key] if self.domain_bn else None
            hooks[name] = UnitHooks(parallel=self.site_modules[key], norm=norm)
        return hooks


@register_adapter("parallel")
class ParallelFamily(AdapterFamily):
    Config = ParallelConfig
    description = "1x1 conv parallel to each spatial conv + per-domain BN (Rebuffi 2018)"
    training_cost = 3.5
    copies_backbone_norm = True  # copy_norm: --bn-stats acts on it

    def check(self, backbone: Backbone) -> None:
        bits = {int(u.layer.weight_quant.bit_width().item()) for u in backbone.units}
        for site in self.sites(backbone):
            if site.kind != "conv":
                raise ValueError(f"sites: parallel adapters attach to conv units; {site.name} is {site.kind}")
            if site.kernel // 2 < site.padding:
                raise ValueError(f"sites: {site.name} pads more than half its kernel; no 1x1 alignment")
        if len(bits) == 1 and self.config.weight_bits not in bits:
            raise ValueError(f"weight_bits: parallel adapters must use the backbone's weight bit width "
                             f"{bits.pop()} so both branches add on one integer grid, got {self.config.weight_bits}")

    def build(self, backbone: Backbone, num_classes: int, head_bits: int) -> DomainModule:
        self.check(backbone)
        sites = self.sites(backbone)
        domain = ParallelDomain(self.make_head(backbone.feature_dim, num_classes, head_bits),
                                [s.name for s in sites], self.config.domain_bn)
        for site in sites:
            grid = site_weight_grid(backbone.units[site.index].layer)
            domain.site_modules[site_key(site.name)] = ParallelAdapter(site, self.config.weight_bits, grid)
            if self.config.domain_bn:
                domain.norms[site_key(site.name)] = copy_norm(backbone, site)
        return domain
