"""A small helper that appends units to a backbone while tracking shapes, so every
backbone declares exact sites (channels, kernel, spatial size) without a trace."""

from __future__ import annotations

import torch.nn as nn

from codesign.models.backbone import Backbone, Site, Unit, conv_out
from codesign.models.quant import qconv, qlinear


class UnitBuilder:
    def __init__(self, backbone: Backbone, channels: int, size: int):
        self.backbone = backbone
        self.channels = channels
        self.hw = (size, size)
        self.flat: int | None = None  # features after flatten, once linear units start
        self.sites: list[Site] = []
        self.stage = 0

    def conv(self, name: str, out_ch: int, kernel: int, bits: int, act: nn.Module | None,
             stride: int = 1, padding: int = 0, groups: int = 1, pool: int = 0,
             weight_quant=None, residual: bool = False) -> int:
        kwargs = {} if weight_quant is None else {"weight_quant": weight_quant}
        layer = qconv(self.channels, out_ch, kernel, bits, stride, padding, groups, **kwargs)
        conv_hw = tuple(conv_out(s, kernel, stride, padding) for s in self.hw)
        if min(conv_hw) < 1:
            raise ValueError(f"backbone unit {name}: input {self.hw} too small for kernel {kernel}")
        pool_module = nn.MaxPool2d(pool) if pool else None
        out_hw = tuple(s // pool for s in conv_hw) if pool else conv_hw
        unit = Unit(layer, nn.BatchNorm2d(out_ch), act, pool_module)
        # A unit's stage is the resolution stage of its input; a downsampling unit ends it.
        site = Site(name, len(self.sites), "conv", self.channels, out_ch, kernel, stride, padding,
                    groups, self.hw, out_hw, conv_hw, residual, self.stage)
        if stride > 1 or pool:
            self.stage += 1
        return self._append(unit, site, out_ch, out_hw)

    def linear(self, name: str, out_features: int, bits: int, act: nn.Module | None,
               weight_quant=None) -> int:
        kwargs = {} if weight_quant is None else {"weight_quant": weight_quant}
        in_features = self.flat if self.flat is not None else self.channels * self.hw[0] * self.hw[1]
        unit = Unit(qlinear(in_features, out_features, bits, **kwargs), nn.BatchNorm1d(out_features),
                    act, flatten_input=self.flat is None)
        site = Site(name, len(self.sites), "linear", in_features, out_features, 1, 1, 0, 1,
                    (1, 1), (1, 1), (1, 1), False, self.stage)
        index = self._append(unit, site, out_features, (1, 1))
        self.flat = out_features
        return index

    def _append(self, unit: Unit, site: Site, channels: int, hw: tuple[int, int]) -> int:
        self.backbone.units.append(unit)
        self.sites.append(site)
        self.channels, self.hw = channels, hw
        return site.index

    def finish(self, blocks: list[tuple[list[int], bool]] | None = None) -> Backbone:
        self.backbone.sites = tuple(self.sites)
        self.backbone.blocks = blocks or [([i], False) for i in range(len(self.sites))]
        self.backbone.feature_dim = self.flat if self.flat is not None else self.channels
        return self.backbone
