"""Parameter and storage accounting: what each domain owns, at its quantised widths.

Bytes are counted at the widths the hardware stores: quantised weights at their bit
width; BatchNorm affine parameters and statistics at 32 bits (float32, as trained —
in hardware they fold into integer thresholds, which the estimator costs precisely).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch.nn as nn
from brevitas.nn import QuantConv2d, QuantLinear

FLOAT_BITS = 32  # BN affine parameters and running statistics, as trained


@dataclass
class TensorEntry:
    name: str
    kind: str  # "weight" (quantised), "norm_param", "norm_stat", "counter"
    elements: int
    bits: int  # storage width per element, bits

    @property
    def bytes(self) -> float:
        return self.elements * self.bits / 8


@dataclass
class StorageReport:
    trainable_parameters: int
    buffer_elements: int  # BN running statistics and counters (saved, not trained)
    quantised_weight_bytes: float  # at the weights' bit widths
    norm_bytes: float  # BN parameters and statistics at 32 bit
    tensors: list[TensorEntry] = field(default_factory=list)

    @property
    def total_bytes(self) -> float:
        return self.quantised_weight_bytes + self.norm_bytes

    def to_dict(self) -> dict:
        d = asdict(self)
        d["total_bytes"] = self.total_bytes
        return d


def storage_report(module: nn.Module, prefix: str = "") -> StorageReport:
    entries: list[TensorEntry] = []
    for mod_name, mod in module.named_modules():
        full = f"{prefix}{mod_name}"
        if isinstance(mod, (QuantConv2d, QuantLinear)):
            bits = int(mod.weight_quant.bit_width().item())
            entries.append(TensorEntry(f"{full}.weight", "weight", mod.weight.numel(), bits))
            if mod.bias is not None:
                entries.append(TensorEntry(f"{full}.bias", "norm_param", mod.bias.numel(), FLOAT_BITS))
        elif isinstance(mod, nn.modules.batchnorm._BatchNorm):
            for pname, p in mod.named_parameters(recurse=False):
                entries.append(TensorEntry(f"{full}.{pname}", "norm_param", p.numel(), FLOAT_BITS))
            for bname, b in mod.named_buffers(recurse=False):
                kind = "counter" if bname == "num_batches_tracked" else "norm_stat"
                entries.append(TensorEntry(f"{full}.{bname}", kind, b.numel(), 0 if kind == "counter" else FLOAT_BITS))
    counted = {e.name for e in entries}
    for pname, p in module.named_parameters():  # anything else trainable: float32
        if f"{prefix}{pname}" not in counted:
            entries.append(TensorEntry(f"{prefix}{pname}", "norm_param", p.numel(), FLOAT_BITS))
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    # Only persistent buffers (BN statistics): Brevitas keeps non-persistent helpers.
    param_names = {n for n, _ in module.named_parameters()}
    buffers = sum(t.numel() for n, t in module.state_dict().items() if n not in param_names)
    return StorageReport(
        trainable_parameters=trainable,
        buffer_elements=buffers,
        quantised_weight_bytes=sum(e.bytes for e in entries if e.kind == "weight"),
        norm_bytes=sum(e.bytes for e in entries if e.kind in ("norm_param", "norm_stat")),
        tensors=entries,
    )


def model_report(model) -> dict:
    """Per-domain storage and the fixed/reconfigurable split of the whole model."""
    fixed = storage_report(model.backbone, "backbone.")
    fixed_params = sum(p.numel() for p in model.backbone.parameters())
    domains = {name: storage_report(model.domains[name]) for name in model.domains}
    reconf_params = sum(r.trainable_parameters for r in domains.values())
    total = fixed_params + reconf_params
    return {
        "family": model.family_name,
        "fixed": {"parameters": fixed_params, "bytes": fixed.total_bytes,
                  "quantised_weight_bytes": fixed.quantised_weight_bytes},
        "domains": {name: {k: v for k, v in r.to_dict().items() if k != "tensors"}
                    for name, r in domains.items()},
        "reconfigurable_parameters": reconf_params,
        "reconfigurable_fraction": reconf_params / total if total else 0.0,
        "per_domain_fraction_of_backbone": {
            name: r.trainable_parameters / fixed_params for name, r in domains.items()},
    }
