"""Multiply-accumulate counts for inference and for one training sample.

Counted by running one sample with forward hooks on every conv/linear layer, in
execution order. Training needs, per layer: the forward MACs; the weight gradient
(= forward MACs) if the layer's weights are trainable; the input gradient (= forward
MACs) if any trainable layer ran *before* it (the gradient must flow back through
it). A frozen backbone before the first adapter needs no backward at all, and a
family that never feeds back (side, head) needs none through the backbone.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class MacCount:
    inference: int  # MACs for one image through backbone + domain modules
    backbone_forward: int  # MACs of that which run in fixed (backbone) layers
    training_live: int  # forward + needed backward per sample, backbone run live
    training_cached: int | None  # same with cached backbone outputs (None: not cacheable)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _layer_macs(module: nn.Module, output: torch.Tensor) -> int:
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        per_output = (module.in_channels // module.groups) * kh * kw
        return int(output[0].numel()) * per_output
    if isinstance(module, nn.Linear):
        return module.in_features * module.out_features
    return 0


def count_macs(model, domain: str) -> MacCount:
    """Count MACs of ``model`` for ``domain`` on one sample of the model's input size."""
    records: list[tuple[int, bool, bool]] = []  # (macs, trainable weights, in backbone)
    backbone_ids = {id(m) for m in model.backbone.modules()}

    def hook(module, _inputs, output):
        macs = _layer_macs(module, output) if isinstance(module, (nn.Conv2d, nn.Linear)) else 0
        trainable = any(p.requires_grad for p in module.parameters(recurse=False))
        if macs or trainable:
            records.append((macs, trainable, id(module) in backbone_ids))

    # Conv/Linear count MACs; any other module with trainable parameters of its own (a
    # per-domain BatchNorm of scale_bias) counts none but starts the backward pass there
    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))
               or any(p.requires_grad for p in m.parameters(recurse=False))]
    was_training = model.training
    model.eval()
    try:
        b = model.backbone
        with torch.no_grad():
            model(torch.zeros(1, b.in_channels, b.input_size, b.input_size), domain)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    inference = sum(m for m, _, _ in records)
    backbone_forward = sum(m for m, _, in_backbone in records if in_backbone)
    training = 0
    seen_trainable = False
    for macs, trainable, _ in records:
        training += macs  # forward
        if trainable:
            training += macs  # weight gradient
        if seen_trainable:
            training += macs  # input gradient flows back through this layer
        seen_trainable = seen_trainable or trainable
    return MacCount(inference, backbone_forward, training, _cached_training(model, domain, training, backbone_forward))


def _cached_training(model, domain: str, training: int, backbone_forward: int) -> int | None:
    """Training MACs per sample and epoch when the frozen part's output is cached
    (codesign.train.features): what runs before the cache is computed once, not per
    epoch. None when the family has nothing to cache."""
    from codesign.train.features import feature_route

    if model.domain(domain).feature_cacheable:
        # Backbone outputs are computed once and reused every epoch: per sample and
        # epoch only the domain's layers run forward and backward.
        return training - backbone_forward
    route = feature_route(model, domain)
    if route is None:
        return None
    # a frozen prefix (the units before the first domain-owned module) is cached: its
    # forward MACs leave the per-epoch count; everything after it still runs (and
    # nothing before the cut is trainable, so no gradient MACs are lost)
    prefix: list[int] = []
    handles = [m.register_forward_hook(lambda module, _i, out: prefix.append(_layer_macs(module, out)))
               for m in model.backbone.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    b, was_training = model.backbone, model.training
    model.eval()  # no BatchNorm statistic may move while counting
    try:
        with torch.no_grad():
            route.inputs(torch.zeros(1, b.in_channels, b.input_size, b.input_size))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return training - sum(prefix)
