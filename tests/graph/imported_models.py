"""Brevitas models a user might bring (tests of codesign.graph.imported*, codesign.api.imported).

Not a test file: imported by the tests beside it (pytest puts this folder on sys.path).
"""

from __future__ import annotations

import torch
import torch.nn as nn
from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear, QuantReLU

INPUT_SHAPE = (1, 3, 8, 8)


class SmallNet(nn.Module):
    """A user's own W4A4 network: conv1 is backbone, ``adapter`` (+ ``bn2``, ``act2``) the
    per-domain layer in the middle, conv3 and the classifier backbone again."""

    def __init__(self):
        super().__init__()
        self.inp = QuantIdentity(bit_width=8, return_quant_tensor=True)
        self.conv1 = QuantConv2d(3, 8, 3, padding=1, bias=False, weight_bit_width=4)
        self.bn1 = nn.BatchNorm2d(8)
        self.act1 = QuantReLU(bit_width=4, return_quant_tensor=True)
        self.adapter = QuantConv2d(8, 8, 3, padding=1, bias=False, weight_bit_width=4)
        self.bn2 = nn.BatchNorm2d(8)
        self.act2 = QuantReLU(bit_width=4, return_quant_tensor=True)
        self.conv3 = QuantConv2d(8, 16, 3, padding=1, bias=False, weight_bit_width=4)
        self.bn3 = nn.BatchNorm2d(16)
        self.act3 = QuantReLU(bit_width=4, return_quant_tensor=True)
        self.pool = nn.MaxPool2d(2)
        self.fc = QuantLinear(16 * 4 * 4, 10, bias=False, weight_bit_width=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.bn1(self.conv1(self.inp(x))))
        x = self.act2(self.bn2(self.adapter(x)))
        x = self.pool(self.act3(self.bn3(self.conv3(x))))
        return self.fc(x.flatten(1))


class AbsNet(nn.Module):
    """A network with an op FINN has no HW layer for (``torch.abs``) between two convs."""

    def __init__(self):
        super().__init__()
        self.inp = QuantIdentity(bit_width=8)
        self.conv1 = QuantConv2d(3, 8, 3, padding=1, bias=False, weight_bit_width=4)
        self.act1 = QuantReLU(bit_width=4)
        self.requant = QuantIdentity(bit_width=4)
        self.conv2 = QuantConv2d(8, 8, 3, padding=1, bias=False, weight_bit_width=4)
        self.act2 = QuantReLU(bit_width=4)
        self.fc = QuantLinear(8 * 8 * 8, 10, bias=False, weight_bit_width=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.conv1(self.inp(x)))
        x = self.requant(torch.abs(x))
        x = self.act2(self.conv2(x))
        return self.fc(x.flatten(1))


def small_net(seed: int = 0) -> SmallNet:
    torch.manual_seed(seed)
    return SmallNet().eval()


def bnn_pynq_cnv(seed: int = 0):
    """The unmodified brevitas_examples CNV W1A1 (shipped in the brevitas wheel), random init."""
    from brevitas_examples.bnn_pynq.models import model_with_cfg

    torch.manual_seed(seed)
    model, _ = model_with_cfg("cnv_1w1a", pretrained=False)
    return model.eval()


def export_as_user(model, path, input_shape, dynamo: bool = True) -> None:
    """``brevitas.export.export_qonnx`` as a user calls it: with its default exporter
    (torch's dynamo exporter under torch >= 2.9) unless ``dynamo`` is False."""
    from brevitas.export import export_qonnx

    torch.manual_seed(1)
    kwargs = {} if dynamo else {"dynamo": False}
    export_qonnx(model, torch.randn(*input_shape), export_path=str(path), **kwargs)
