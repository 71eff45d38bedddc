"""The multi-domain model: one frozen backbone (fixed hardware) + per-domain modules.

    model = build_model(load_graph("graphs/cnv_attention.yaml"))
    model.add_domain("mnist", num_classes=10)
    logits = model(x, "mnist")                 # the domain is always explicit

Per-domain modules live in ``self.domains`` (a ModuleDict keyed by domain name). The
backbone stays frozen and in eval mode whatever ``train()`` is called with, so its
BatchNorm statistics (thresholds in hardware) never drift.
"""

from __future__ import annotations

import re

import torch
import torch.nn as nn

from codesign.adapters.base import AdapterFamily, DomainModule
from codesign.models.backbone import Backbone
from codesign.errors import InputError

DOMAIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")


class DomainError(InputError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class MultiDomainModel(nn.Module):
    def __init__(self, backbone: Backbone, family: AdapterFamily, head_bits: int = 4,
                 fingerprint: dict | None = None, family_name: str = ""):
        super().__init__()
        family.check(backbone)
        self.backbone = backbone
        self.backbone.freeze()
        self.family = family
        self.family_name = family_name
        self.head_bits = head_bits
        self.fingerprint = fingerprint or {}
        self.domains = nn.ModuleDict()
        self.num_classes: dict[str, int] = {}

    # -- domains --------------------------------------------------------------------------
    def add_domain(self, name: str, num_classes: int) -> DomainModule:
        if not DOMAIN_NAME.match(name or ""):
            raise ValueError(f"domain name {name!r}: expected a letter then letters, digits, '_' or '-'")
        if name in self.domains:
            raise ValueError(f"domain {name!r} already exists")
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"domain {name!r}: num_classes must be an integer >= 2, got {num_classes!r}")
        module = self.family.build(self.backbone, num_classes, self.head_bits)
        module.train(self.training)
        self.domains[name] = module
        self.num_classes[name] = num_classes
        return module

    def domain(self, name: str) -> DomainModule:
        if name not in self.domains:
            known = ", ".join(self.domains) or "none"
            raise DomainError(f"unknown domain {name!r}; this model has: {known}")
        return self.domains[name]

    def forward(self, x: torch.Tensor, domain: str) -> torch.Tensor:
        return self.domain(domain)(self.backbone, x)

    def train(self, mode: bool = True) -> "MultiDomainModel":
        super().train(mode)
        self.backbone.eval()  # fixed hardware: BN statistics never update
        return self

    def domain_parameters(self, name: str) -> list[nn.Parameter]:
        """Trainable parameters of one domain, found by structure (its module), not name."""
        return [p for p in self.domain(name).parameters() if p.requires_grad]

    # -- checkpoints (safetensors + JSON; see domain_io) ----------------------------------
    def constrain_domain(self, name: str) -> None:
        """Project the domain's parameters onto their hardware constraints (e.g. BN
        scale signs fixed by the backbone); done before saving and exporting."""
        from codesign.adapters.base import project_constraints_

        project_constraints_(self.domain(name))

    def domain_state_dict(self, name: str) -> dict[str, torch.Tensor]:
        """Everything one domain owns: adapter and head weights, its BN buffers."""
        self.constrain_domain(name)
        return {k: v.detach().clone() for k, v in self.domain(name).state_dict().items()}

    def save_domain(self, name: str, directory) -> "object":
        from codesign.models.domain_io import save_domain

        return save_domain(self, name, directory)

    def load_domain(self, name: str, path, as_name: str | None = None) -> None:
        from codesign.models.domain_io import load_domain

        load_domain(self, name, path, as_name=as_name)
