"""FINN's CNV topology and a tiny test backbone, both Brevitas QAT with constant scales.

CNV (BNN-PYNQ): 3x3 valid convs 64-64 | pool | 128-128 | pool | 256-256, then two
fully connected layers of 512, on 32x32 inputs: 32->30->28->14->12->10->5->3->1 px.
Activations are signed [-1, 1) (hard-tanh-like) so 1-bit selects the bipolar BNN.
"""

from __future__ import annotations

from codesign.models.backbone import Backbone, register_backbone
from codesign.models.builder import UnitBuilder
from codesign.models.quant import check_bits, input_quant, signed_act
from codesign.models.weights import load_backbone_weights

CNV_CONV_CHANNELS = (64, 64, 128, 128, 256, 256)
CNV_POOL_AFTER = (1, 3)  # unit indices followed by 2x2 max-pooling
CNV_FC_FEATURES = (512, 512)


def _scaled(channels: int, width: float) -> int:
    return max(1, int(round(channels * width)))


@register_backbone("cnv")
def cnv(weight_bits: int = 4, act_bits: int = 4, input_bits: int = 8, width: float = 1.0,
        input_size: int = 32, in_channels: int = 3, weights: str | None = None) -> Backbone:
    """FINN's CNV: 6 valid 3x3 convs (64-64-128-128-256-256, two max-pools) + 2 FC of 512."""
    check_bits(weight_bits, "cnv weight_bits")
    check_bits(act_bits, "cnv act_bits")
    if input_size < 28:
        raise ValueError(f"cnv: input_size must be >= 28 px (six valid 3x3 convs, two pools), got {input_size}")
    fc = [_scaled(f, width) for f in CNV_FC_FEATURES]
    backbone = Backbone(input_size, in_channels, fc[-1])
    backbone.input_quant = input_quant(input_bits)
    build = UnitBuilder(backbone, in_channels, input_size)
    for i, channels in enumerate(CNV_CONV_CHANNELS):
        build.conv(f"conv{i}", _scaled(channels, width), 3, weight_bits, signed_act(act_bits),
                   pool=2 if i in CNV_POOL_AFTER else 0)
    for i, features in enumerate(fc):
        build.linear(f"fc{i}", features, weight_bits, signed_act(act_bits))
    build.finish()
    if weights:
        load_backbone_weights(backbone, weights)
    return backbone


@register_backbone("tiny")
def tiny(weight_bits: int = 4, act_bits: int = 4, input_bits: int = 8, width: float = 1.0,
         input_size: int = 16, in_channels: int = 3, weights: str | None = None) -> Backbone:
    """A CNV-shaped backbone of ~6k parameters for tests: four padded 3x3 convs, one FC."""
    check_bits(weight_bits, "tiny weight_bits")
    check_bits(act_bits, "tiny act_bits")
    if input_size < 8 or input_size % 4:
        raise ValueError(f"tiny: input_size must be a multiple of 4 and >= 8 px, got {input_size}")
    backbone = Backbone(input_size, in_channels, _scaled(32, width))
    backbone.input_quant = input_quant(input_bits)
    build = UnitBuilder(backbone, in_channels, input_size)
    build.conv("conv0", _scaled(8, width), 3, weight_bits, signed_act(act_bits), padding=1)
    build.conv("conv1", _scaled(8, width), 3, weight_bits, signed_act(act_bits), padding=1, pool=2)
    build.conv("conv2", _scaled(16, width), 3, weight_bits, signed_act(act_bits), padding=1, pool=2)
    build.conv("conv3", _scaled(16, width), 3, weight_bits, signed_act(act_bits))
    build.linear("fc0", _scaled(32, width), weight_bits, signed_act(act_bits))
    build.finish()
    if weights:
        load_backbone_weights(backbone, weights)
    return backbone
