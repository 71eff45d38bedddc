"""Reference Brevitas constructions that map completely onto FINN HW layers.

Each module here converts with :func:`codesign.finn.convert.to_hw` without any
non-HW node between HW layers, and its FINN graph executes bit-exactly like the
Brevitas model (tests/finn/test_convert.py). Quantisers follow brevitas_examples
bnn_pynq ``common.py`` (CONST scales, narrow range, FP scaling restriction).
Rules the constructions obey (why they map):

* every Conv/Linear has a quantised input and CONST-scale quantised weights;
  BatchNorm (per-domain or not) sits between the conv and an activation
  quantiser, so BN+quantiser become one threshold layer;
* an Add join mixes branches with EQUAL scales: either both branches are
  integer accumulators with the same weight/input scales (``Parallel``), or
  both pass through ONE shared quantiser instance (``Residual``, ``Side``);
* global pooling is ``nn.AdaptiveAvgPool2d(1)`` (not ``x.mean``) on a
  quantised tensor; a gate multiplies ``x * g.view(N, C, 1, 1)`` (broadcast,
  no ``expand``), and the product is re-quantised.
"""
import torch
import torch.nn as nn
from brevitas.core.restrict_val import RestrictValueType
from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear, QuantReLU
from brevitas.quant.solver import ActQuantSolver
from brevitas_examples.bnn_pynq.models.common import (
    CommonActQuant,
    CommonQuant,
    CommonWeightQuant,
)


class UnsignedActQuant(CommonQuant, ActQuantSolver):
    signed = False
    narrow_range = False
    min_val = 0.0
    max_val = 1.0

def inq(bits=8):
    """CNV's input quantiser (Q1.7 for 8 bits)."""
    return QuantIdentity(act_quant=CommonActQuant, bit_width=bits, min_val=-1.0,
                         max_val=1.0 - 2.0 ** (-7), narrow_range=False,
                         restrict_scaling_type=RestrictValueType.POWER_OF_TWO)
def act(bits=4):
    return QuantIdentity(act_quant=CommonActQuant, bit_width=bits)
def conv(i, o, k=3, bits=4, **kw):
    return QuantConv2d(i, o, k, bias=False, weight_quant=CommonWeightQuant, weight_bit_width=bits, **kw)
def lin(i, o, bits=4):
    return QuantLinear(i, o, bias=False, weight_quant=CommonWeightQuant, weight_bit_width=bits)

def randomize_bn(m):
    """Give every BatchNorm non-trivial statistics (deterministic), for tests."""
    g = torch.Generator().manual_seed(0)
    for mod in m.modules():
        if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = mod.num_features
            mod.running_mean.data = torch.randn(n, generator=g) * 0.5
            mod.running_var.data = torch.rand(n, generator=g) * 2 + 0.5
            mod.weight.data = torch.rand(n, generator=g) + 0.5
            mod.bias.data = torch.randn(n, generator=g) * 0.2
    return m

class CNVLike(nn.Module):
    def __init__(self, wb=4, ab=4, ch=(16, 16, 32), fc=64, ncls=10, inbits=8, hw=16):
        super().__init__()
        layers = [inq(inbits)]
        c = 3
        s = hw  # spatial size (3x3 convs without padding shrink it by 2)
        for j, o in enumerate(ch):
            layers += [conv(c, o, bits=wb), nn.BatchNorm2d(o, eps=1e-4), act(ab)]
            s -= 2
            if j == 1:
                layers.append(nn.MaxPool2d(2)); s //= 2
            c = o
        self.features = nn.Sequential(*layers)
        self.cls = nn.Sequential(lin(c * s * s, fc, wb), nn.BatchNorm1d(fc, eps=1e-4), act(ab), lin(fc, ncls, wb))
    def forward(self, x):
        x = self.features(x)
        return self.cls(x.flatten(1))

# (b) parallel adapter
class Parallel(nn.Module):
    def __init__(self, c=8, o=8, shared_q=False, pad=1, wb=4, ab=4):
        super().__init__()
        self.inq = inq(8)
        self.pre = nn.Sequential(conv(3, c, bits=wb), nn.BatchNorm2d(c), act(ab))
        self.c3 = conv(c, o, 3, bits=wb, padding=pad)
        self.c1 = conv(c, o, 1, bits=wb)
        self.shared_q = shared_q
        if shared_q:
            self.q = act(8)  # shared quantiser on both branches
        self.bn = nn.BatchNorm2d(o)
        self.out = act(ab)
    def forward(self, x):
        x = self.pre(self.inq(x))
        # unpadded 3x3: the 1x1 branch reads the window centres (FINN: Crop)
        crop = 1 - self.c3.padding[0]
        a, b = self.c3(x), self.c1(x[:, :, crop:-crop, crop:-crop] if crop else x)
        if self.shared_q:
            a, b = self.q(a), self.q(b)
        return self.out(self.bn(a + b))

# (c) series/residual adapter
class Residual(nn.Module):
    def __init__(self, c=8, wb=4, ab=4, qbits=4):
        super().__init__()
        self.inq = inq(8)
        self.pre = nn.Sequential(conv(3, c, bits=wb), nn.BatchNorm2d(c), act(ab))
        self.c1 = conv(c, c, 1, bits=wb)
        self.bn = nn.BatchNorm2d(c)
        self.q = act(qbits)
        self.out = act(ab)
    def forward(self, x):
        x = self.pre(self.inq(x))
        return self.out(self.q(x) + self.q(self.bn(self.c1(x))))

class Head(nn.Module):
    def __init__(self, c, n=10, wb=4):
        super().__init__()
        self.l = lin(c, n, wb)
    def forward(self, x):
        return self.l(x)

def uact(bits=4, max_val=1.0):
    return QuantReLU(act_quant=UnsignedActQuant, bit_width=bits, max_val=max_val)

# (d) squeeze-excitation gate
class SE(nn.Module):
    def __init__(self, c=8, r=2, wb=4, ab=4, gate='relu', pool='adaptive', upsample=False, hw=8):
        super().__init__()
        self.inq = inq(8)
        self.pre = nn.Sequential(conv(3, c, bits=wb), nn.BatchNorm2d(c), act(ab))
        self.pool_kind = pool
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.gapq = act(8) if pool == 'adaptive_q' else None
        self.fc1 = lin(c, c // r, wb)
        self.a1 = uact(ab, 1.0)
        self.fc2 = lin(c // r, c, wb)
        self.gate = uact(ab, 1.0) if gate == 'relu' else act(ab)
        self.upsample = upsample
        self.out = act(ab)
    def forward(self, x):
        x = self.pre(self.inq(x))
        if self.pool_kind.startswith('adaptive'):
            s = self.gap(x).flatten(1)
        else:
            s = x.mean((2, 3))
        if self.gapq is not None:
            s = self.gapq(s)
        g = self.gate(self.fc2(self.a1(self.fc1(s))))
        g = g.view(g.shape[0], -1, 1, 1)
        if self.upsample:
            g = g.expand_as(x)
        return self.out(x * g)

# (e) side network: taps from two backbone points, nothing flows back
class Side(nn.Module):
    def __init__(self, c=8, s=8, wb=4, ab=4, ncls=5):
        super().__init__()
        self.inq = inq(8)
        self.b1 = nn.Sequential(conv(3, c, bits=wb), nn.BatchNorm2d(c), act(ab))
        self.b2 = nn.Sequential(conv(c, c, bits=wb), nn.BatchNorm2d(c), act(ab))
        self.t1 = nn.Sequential(conv(c, s, 1, bits=wb), nn.BatchNorm2d(s), act(ab))
        self.t2 = nn.Sequential(conv(c, s, 1, bits=wb), nn.BatchNorm2d(s), act(ab))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.q = act(8)  # shared quantiser for the add
        self.head = lin(s, ncls, wb)
    def forward(self, x):
        f1 = self.b1(self.inq(x))
        f2 = self.b2(f1)
        side = self.q(self.gap(self.t1(f1)).flatten(1)) + self.q(self.gap(self.t2(f2)).flatten(1))
        return self.head(side)

# (f) per-domain BN: same conv, BN selected by domain index (one export per domain)
class PerDomain(nn.Module):
    def __init__(self, c=8, ndom=2, wb=4, ab=4, domain=0):
        super().__init__()
        self.inq = inq(8)
        self.conv = conv(3, c, bits=wb)
        self.bns = nn.ModuleList([nn.BatchNorm2d(c) for _ in range(ndom)])
        self.a = act(ab)
        self.domain = domain
    def forward(self, x):
        return self.a(self.bns[self.domain](self.conv(self.inq(x))))
