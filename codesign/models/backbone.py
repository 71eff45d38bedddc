"""The frozen backbone: a sequence of conv/linear *units* that declare adaptation sites.

A unit is ``layer -> norm -> act (-> pool)``. On the FPGA each unit becomes one
matrix-vector unit (MVAU/VVAU, weights fixed in the fabric) followed by thresholds.
Adapters never look modules up by name or position: they read ``backbone.sites`` (one
:class:`Site` per unit, with its shapes) and hand the backbone a :class:`UnitHooks` per
site they touch. The backbone's own ``forward`` applies those hooks, so the domain is
always an explicit argument and no module keeps a "current domain".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn as nn

from codesign.models.quant import TIE_BREAK_FRACTION
from codesign.registry import Registry


@dataclass(frozen=True)
class Site:
    """One adaptation site: a unit of the backbone, with its geometry for this input size."""

    name: str
    index: int  # position of the unit in ``backbone.units``
    kind: str  # "conv" (spatial) or "linear" (after flatten)
    in_channels: int
    out_channels: int
    kernel: int  # 1 for linear units
    stride: int
    padding: int  # pixels on each side
    groups: int  # 1 = dense conv; in_channels = depthwise
    in_hw: tuple[int, int]  # spatial size at the unit input, pixels
    out_hw: tuple[int, int]  # spatial size at the unit output (after pooling), pixels
    conv_hw: tuple[int, int]  # spatial size right after the conv (before pooling), pixels
    residual: bool = False  # the unit's output is added to a skip connection inside the block
    stage: int = 0  # resolution stage (increments after each downsampling)


class Unit(nn.Module):
    """``layer -> norm -> act (-> pool)``. ``act`` may be None (linear projection units)."""

    def __init__(self, layer: nn.Module, norm: nn.Module, act: nn.Module | None,
                 pool: nn.Module | None = None, flatten_input: bool = False):
        super().__init__()
        self.layer = layer
        self.norm = norm
        self.act = act
        self.pool = pool
        self.flatten_input = flatten_input


@dataclass
class UnitHooks:
    """What one domain changes at one unit. Every field is optional.

    layer: replaces the unit's layer (finetune).
    parallel: ``f(x) -> tensor`` added to the layer's output before the norm; it must
        produce the layer's output grid (same weight quantiser => exact integer add).
    norm: replaces the unit's norm (per-domain BatchNorm).
    post: ``f(y) -> y'`` applied to the unit output (after act and pool).
    """

    layer: nn.Module | None = None
    parallel: Callable[[torch.Tensor], torch.Tensor] | None = None
    norm: nn.Module | None = None
    post: Callable[[torch.Tensor], torch.Tensor] | None = None


@dataclass
class BackboneOutput:
    features: torch.Tensor | None  # output of the last unit run (None if stopped early)
    taps: dict[str, torch.Tensor] = field(default_factory=dict)  # site name -> unit output


class Backbone(nn.Module):
    """Base class. Subclasses build ``self.units`` and ``self.sites`` and may override
    :meth:`run_block` ordering via ``self.blocks`` (lists of unit indices with a
    residual flag)."""

    def __init__(self, input_size: int, in_channels: int, feature_dim: int):
        super().__init__()
        self.input_size = input_size
        self.in_channels = in_channels
        self.feature_dim = feature_dim
        self.units = nn.ModuleList()
        self.sites: tuple[Site, ...] = ()
        # blocks: (unit indices, residual). A residual block adds its input to its output.
        self.blocks: list[tuple[list[int], bool]] = []
        self.input_quant: nn.Module = nn.Identity()
        self.residual_quant: nn.Module | None = None  # shared quantiser at residual joins

    # -- geometry -------------------------------------------------------------------------
    def site(self, name: str) -> Site:
        for site in self.sites:
            if site.name == name:
                return site
        raise KeyError(f"backbone has no site {name!r}; sites: {', '.join(s.name for s in self.sites)}")

    def site_names(self, kind: str | None = None) -> list[str]:
        return [s.name for s in self.sites if kind is None or s.kind == kind]

    # -- forward --------------------------------------------------------------------------
    def run_unit(self, index: int, x: torch.Tensor, hooks: UnitHooks | None) -> torch.Tensor:
        unit = self.units[index]
        hooks = hooks or UnitHooks()
        if unit.flatten_input:
            x = torch.flatten(x, 1)
        layer = hooks.layer if hooks.layer is not None else unit.layer
        y = layer(x)
        if hooks.parallel is not None:
            y = y + hooks.parallel(x)
        y = (hooks.norm if hooks.norm is not None else unit.norm)(y)
        if unit.act is not None:
            y = unit.act(y)
        if unit.pool is not None:
            y = unit.pool(y)
        if hooks.post is not None:
            y = hooks.post(y)
        return y

    def forward(self, x: torch.Tensor, hooks: dict[str, UnitHooks] | None = None,
                taps: tuple[str, ...] = (), stop_after: str | None = None) -> BackboneOutput:
        """Run the backbone with one domain's hooks (keyed by site name).

        taps: site names whose outputs are returned; stop_after: stop after that site
        (a side network needs nothing later, and the hardware then omits the rest).
        """
        hooks = hooks or {}
        out = BackboneOutput(features=None)
        x = self.input_quant(x)
        for unit_indices, residual in self.blocks:
            block_input = x
            for index in unit_indices:
                name = self.sites[index].name
                x = self.run_unit(index, x, hooks.get(name))
                if name in taps:
                    out.taps[name] = x
                if name == stop_after:
                    return out
            if residual:
                x = self.residual_join(block_input, x)
        out.features = x
        return out

    def residual_join(self, block_input: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """A residual block's output (also used by training's cached prefix, train/prefix.py)."""
        # Both operands share one quantiser, so the add is an exact integer add.
        # Ties round up (as HalfUp, as FINN's thresholds): an adapter's output on
        # its own grid can land exactly on a half step of this one (seen at
        # MobileNetV2 W4A4 attention sites); on the grid already, nothing moves.
        step = self.residual_quant.act_quant.scale().detach()
        return self.residual_quant(block_input) + self.residual_quant(x + step * TIE_BREAK_FRACTION)

    def freeze(self) -> None:
        """Backbone weights and BN statistics are fixed hardware: no gradients, eval mode."""
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()


# installed packages add backbones through entry points (codesign.plugins)
BACKBONES: Registry[Callable[..., Backbone]] = Registry("backbone", entry_points="codesign.backbones")
register_backbone = BACKBONES.register


def conv_out(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1
