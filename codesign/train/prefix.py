"""The frozen prefix of a hooked family: cache it once, train on the rest.

A family that changes the backbone through hooks (attention, series, parallel,
scale_bias, finetune) leaves every unit before its first hooked site untouched. Those
units are frozen hardware in eval mode (MultiDomainModel keeps the backbone in eval;
training applies no augmentation and the backbone has no dropout), so their output
is the same every epoch: the deepest such activation, the input of the first
domain-owned module in forward order, can be computed once per split and training
resumes the backbone from there (:func:`forward_from`).

Where the cut sits (:func:`prefix_cut`), for the first site that has a hook:

* only ``post`` (attention, series): after that unit, before the post module;
* ``layer``, ``parallel`` or ``norm`` (finetune, parallel, scale_bias): before that
  unit (its input; the layer's raw accumulator is not on one grid and is larger).

A cut before unit 0 leaves nothing to cache (the default sites of finetune, parallel
and scale_bias start there): :func:`prefix_cut` returns None. Inside a residual block
the block's input is cached too, for the block's residual join.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from codesign.models.backbone import Backbone, UnitHooks

ACTIVATION = "prefix_activation"  # key of the cached activation at the cut
BLOCK_INPUT = "prefix_block_input"  # key of the cached input of the cut's residual block


@dataclass(frozen=True)
class PrefixCut:
    """Where the frozen prefix ends: at unit ``unit`` (block ``block``, position
    ``position`` in it), before it (``after_unit`` False) or after it, before its post hook."""
    unit: int  # index into backbone.units
    block: int  # index into backbone.blocks
    position: int  # the unit's position inside its block
    after_unit: bool
    residual: bool  # the block ends in a residual join (its input is then cached too)

    @property
    def needs_block_input(self) -> bool:
        return self.residual and (self.position > 0 or self.after_unit)


def _owns(hooks: UnitHooks | None) -> bool:
    return hooks is not None and any(v is not None for v in (hooks.layer, hooks.parallel, hooks.norm, hooks.post))


def prefix_cut(backbone: Backbone, hooks: dict[str, UnitHooks]) -> PrefixCut | None:
    """The cut before the first domain-owned module; None if no frozen unit precedes it
    (or the family has no hooks at all: head and side cache through their own route)."""
    for block, (unit_indices, residual) in enumerate(backbone.blocks):
        for position, index in enumerate(unit_indices):
            unit_hooks = hooks.get(backbone.sites[index].name)
            if not _owns(unit_hooks):
                continue
            after = unit_hooks.layer is None and unit_hooks.parallel is None and unit_hooks.norm is None
            if index == 0 and not after:
                return None  # the very first unit is domain-owned: no frozen prefix
            return PrefixCut(index, block, position, after, residual)
    return None


@torch.no_grad()
def prefix_activations(backbone: Backbone, x: torch.Tensor, cut: PrefixCut) -> dict[str, torch.Tensor]:
    """Run the frozen units before ``cut`` (no hooks) on model input ``x``."""
    x = backbone.input_quant(x)
    for block, (unit_indices, residual) in enumerate(backbone.blocks):
        block_input = x
        for position, index in enumerate(unit_indices):
            if block == cut.block and position == cut.position and not cut.after_unit:
                return _state(x, block_input, cut)
            x = backbone.run_unit(index, x, None)
            if block == cut.block and position == cut.position:
                return _state(x, block_input, cut)
        if residual:
            x = backbone.residual_join(block_input, x)
    raise ValueError(f"prefix cut at unit {cut.unit} is not in this backbone")


def _state(x: torch.Tensor, block_input: torch.Tensor, cut: PrefixCut) -> dict[str, torch.Tensor]:
    return {ACTIVATION: x, BLOCK_INPUT: block_input} if cut.needs_block_input else {ACTIVATION: x}


def forward_from(backbone: Backbone, cached: dict[str, torch.Tensor], cut: PrefixCut,
                 hooks: dict[str, UnitHooks]) -> torch.Tensor:
    """The backbone's features from the cached activation at ``cut``, with the domain's
    hooks: the same operations, in the same order, as Backbone.forward after the cut."""
    x = cached[ACTIVATION]
    for block in range(cut.block, len(backbone.blocks)):
        unit_indices, residual = backbone.blocks[block]
        block_input = cached.get(BLOCK_INPUT, x) if block == cut.block else x
        start = cut.position if block == cut.block else 0
        for position in range(start, len(unit_indices)):
            index = unit_indices[position]
            unit_hooks = hooks.get(backbone.sites[index].name)
            if block == cut.block and position == cut.position and cut.after_unit:
                x = unit_hooks.post(x)  # the unit itself ran in the prefix
            else:
                x = backbone.run_unit(index, x, unit_hooks)
        if residual:
            x = backbone.residual_join(block_input, x)
    return x
