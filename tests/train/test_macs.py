"""Training MACs per sample: what the backward pass must run through, and what a
feature cache takes out of each epoch."""

from __future__ import annotations

import torch
import torch.nn as nn

from codesign.network.factory import build_model
from codesign.specs.graph import load_graph
from codesign.train.features import feature_route
from codesign.train.macs import count_macs


def _model(graph: str):
    torch.manual_seed(0)
    model = build_model(load_graph(graph))
    model.add_domain("d", 10)
    return model


def _backbone_conv_macs(model) -> list[int]:
    """Forward MACs of each backbone conv/linear, in execution order."""
    found: list[int] = []

    def hook(module, _inputs, output):
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            found.append(int(output[0].numel()) * (module.in_channels // module.groups) * kh * kw)
        else:
            found.append(module.in_features * module.out_features)

    handles = [m.register_forward_hook(hook) for m in model.backbone.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    b = model.backbone
    with torch.no_grad():
        model.eval()(torch.zeros(1, b.in_channels, b.input_size, b.input_size), "d")
    for h in handles:
        h.remove()
    return found


def test_a_per_domain_batchnorm_makes_the_backward_pass_run_through_every_later_conv():
    model = _model("cnv_scale_bias")
    macs, convs = count_macs(model, "d"), _backbone_conv_macs(model)
    head = macs.inference - macs.backbone_forward
    assert macs.backbone_forward == sum(convs)
    # forward everything; input gradients through every conv after the first one (the
    # first per-domain BatchNorm follows conv0); the head's weight and input gradients
    assert macs.training_live == macs.inference + (sum(convs) - convs[0]) + 2 * head
    assert macs.training_cached is None  # its first module sits on unit 0: nothing to cache


def test_a_cached_frozen_prefix_leaves_its_forward_macs_out_of_each_epoch():
    model = _model("cnv_attention")
    assert feature_route(model, "d").cached_at == "conv1 output"
    macs, convs = count_macs(model, "d"), _backbone_conv_macs(model)
    assert macs.training_cached == macs.training_live - (convs[0] + convs[1])
    head_only = count_macs(_model("cnv_head"), "d")
    assert head_only.training_cached == head_only.training_live - head_only.backbone_forward  # unchanged rule
