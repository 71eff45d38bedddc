"""Brevitas quantisers chosen so that every model maps onto FINN's hardware layers.

Why constant scales: FINN streamlining turns a quantised activation preceded by
BatchNorm into integer thresholds, and it can only move a scale past an elementwise
add when both operands carry the *same* scale. Constant (not learned, not
statistics-based) scales make that true by construction: every conv/linear with the
same weight bit width has the same weight scale, every activation quantiser of one
kind has the same output scale, so two branches that meet in an add are on one grid
(the "one shared quantiser before the add" rule of the design).

Bit width 1 selects bipolar (binary) quantisation, as in FINN's BNN-PYNQ CNV.
"""

from __future__ import annotations

import torch.nn as nn
from brevitas.core.zero_point import ZeroZeroPoint
from brevitas.inject import ExtendedInjector
from brevitas.inject.enum import (
    BitWidthImplType,
    FloatToIntImplType,
    QuantType,
    RestrictValueType,
    ScalingImplType,
)
from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear, QuantReLU
from brevitas.quant.solver import ActQuantSolver, WeightQuantSolver
from dependencies import value

ALLOWED_BITS = (1, 2, 3, 4, 5, 6, 7, 8)


class _ConstQuant(ExtendedInjector):
    bit_width_impl_type = BitWidthImplType.CONST
    scaling_impl_type = ScalingImplType.CONST
    restrict_scaling_type = RestrictValueType.FP
    zero_point_impl = ZeroZeroPoint
    float_to_int_impl_type = FloatToIntImplType.ROUND
    scaling_per_output_channel = False
    narrow_range = True
    signed = True

    @value
    def quant_type(bit_width):  # noqa: N805 (injector DSL)
        if bit_width is None:
            return QuantType.FP
        if bit_width == 1:
            return QuantType.BINARY
        return QuantType.INT


class WeightQuant(_ConstQuant, WeightQuantSolver):
    """Weights in [-1, 1]: a b-bit weight is an integer in [-(2^(b-1)-1), 2^(b-1)-1] / (2^(b-1)-1)."""

    scaling_const = 1.0


class SignedActQuant(_ConstQuant, ActQuantSolver):
    """Activations in [-1, 1) like CNV's hard-tanh: thresholds after BN in hardware."""

    min_val = -1.0
    max_val = 1.0


class GateQuant(_ConstQuant, ActQuantSolver):
    """Unsigned gates in [0, 2): a clamp (hard sigmoid) quantised to b bits.

    FINN has no Sigmoid layer; a monotonic clamp followed by quantisation is exactly a
    set of integer thresholds, so the gate is computed by a Thresholding layer.
    """

    signed = False
    narrow_range = False
    min_val = 0.0

    @value
    def max_val(bit_width):  # noqa: N805 (injector DSL)
        # Step 2^-(b-1): the gate range is [0, 2) and 1.0 lies exactly on the grid.
        return (2 ** bit_width - 1) / 2 ** (bit_width - 1)


class PerChannelWeightQuant(_ConstQuant, WeightQuantSolver):
    """Per-output-channel weight scales from the weight statistics (max |w|).

    Used for backbones loaded from float pretrained weights (MobileNetV2), where a
    constant scale would clip or waste most levels. Scales are constants after
    training, so FINN folds them into the following thresholds.
    """

    scaling_impl_type = ScalingImplType.STATS
    scaling_stats_op = "MAX"  # noqa: brevitas StatsOp accepts the name
    scaling_per_output_channel = True


class ReLU6ActQuant(_ConstQuant, ActQuantSolver):
    """Unsigned activations in [0, 6] (MobileNetV2's ReLU6), constant scale."""

    signed = False
    narrow_range = False
    min_val = 0.0
    max_val = 6.0


def check_bits(bits: int, what: str) -> int:
    if bits not in ALLOWED_BITS:
        raise ValueError(f"{what}: expected a bit width in 1..8, got {bits!r}")
    return bits


def qconv(in_ch: int, out_ch: int, kernel: int, bits: int, stride: int = 1, padding: int = 0,
          groups: int = 1, weight_quant=WeightQuant) -> QuantConv2d:
    """A quantised conv without bias (the following BatchNorm carries the offset)."""
    return QuantConv2d(in_ch, out_ch, kernel, stride=stride, padding=padding, groups=groups,
                       bias=False, weight_quant=weight_quant, weight_bit_width=bits)


def qlinear(in_features: int, out_features: int, bits: int, weight_quant=WeightQuant) -> QuantLinear:
    return QuantLinear(in_features, out_features, bias=False, weight_quant=weight_quant,
                       weight_bit_width=bits)


def signed_act(bits: int) -> QuantIdentity:
    return QuantIdentity(act_quant=SignedActQuant, bit_width=bits)


def _unsigned_bits(bits: int, what: str) -> int:
    # 1 bit selects bipolar {-1, +1} quantisation, meaningless for an unsigned range.
    if bits < 2:
        raise ValueError(f"{what}: unsigned activations need at least 2 bits, got {bits}")
    return check_bits(bits, what)


def gate_act(bits: int) -> QuantIdentity:
    return QuantIdentity(act_quant=GateQuant, bit_width=_unsigned_bits(bits, "gate bits"))


def relu6_act(bits: int) -> QuantReLU:
    return QuantReLU(act_quant=ReLU6ActQuant, bit_width=_unsigned_bits(bits, "ReLU6 act bits"))


def input_quant(bits: int) -> QuantIdentity:
    """Input pixels normalised to [-1, 1) and quantised (8 bits: exact for uint8 images)."""
    return QuantIdentity(act_quant=SignedActQuant, bit_width=bits)


def quant_weight_bits(module: nn.Module) -> int | None:
    """Bit width of a quantised layer's weights, or None for a float parameter owner."""
    if isinstance(module, (QuantConv2d, QuantLinear)):
        return int(module.weight_quant.bit_width().item())
    return None


TIE_BREAK_FRACTION = 2.0 ** -16  # of the output step; see HalfUp


class HalfUp(nn.Module):
    """Quantise with ties rounded up, as FINN's thresholds do (``x >= t`` at the
    half-step), instead of torch's round-half-to-even.

    Ties are real after integer-only arithmetic (a mean over an even number of pixels,
    a product of two grids): there the PyTorch model and the hardware would disagree
    on a few values. Adding 2^-16 of the output step before rounding makes every tie
    round up and moves nothing else (for inputs whose grid is at most 2^16 times finer
    than the output's: feature maps up to 65536 px). In FINN the constant folds into the
    thresholds, so it costs no hardware.
    """

    def __init__(self, quant: nn.Module):
        super().__init__()
        self.quant = quant

    def forward(self, x):
        step = self.quant.act_quant.scale().detach()
        return self.quant(x + step * TIE_BREAK_FRACTION)
