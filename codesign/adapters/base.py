"""Adapter families: what one domain owns on top of the frozen backbone.

A family is a config dataclass (validated from the graph spec's ``adapter:`` section)
plus a factory that builds one :class:`DomainModule` per domain. Families find their
targets through ``backbone.sites`` (by kind and geometry), never by module names.
Every module a family builds is *reconfigurable*: its weights are swapped per domain.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
import torch.nn as nn

from codesign.models.backbone import Backbone, Site, UnitHooks
from codesign.models.quant import qlinear
from codesign.registry import Registry
from codesign.errors import InputError

SITE_SELECTORS = {
    "all": "every unit",
    "conv": "every conv unit",
    "spatial": "every conv unit with a kernel larger than 1x1",
    "stage_ends": "every downsampling conv unit (its pool or stride ends a resolution stage) and the last conv",
}


class SiteError(InputError, ValueError):
    """An adapter names a site the backbone does not declare (the message lists them)."""


def select_sites(backbone: Backbone, selector: str | list[str]) -> list[Site]:
    """Resolve a selector keyword or an explicit list of site names to sites, in order."""
    sites = list(backbone.sites)
    if isinstance(selector, list):
        known = {s.name: s for s in sites}
        for i, name in enumerate(selector):
            if name not in known:
                raise SiteError(f"sites[{i}]: unknown site {name!r}; this backbone has: "
                                f"{', '.join(known)} (or a selector: {', '.join(SITE_SELECTORS)})")
        if len(set(selector)) != len(selector):
            raise SiteError("sites: a site is listed twice")
        return sorted((known[n] for n in selector), key=lambda s: s.index)
    if selector == "all":
        return sites
    if selector == "conv":
        return [s for s in sites if s.kind == "conv"]
    if selector == "spatial":
        return [s for s in sites if s.kind == "conv" and s.kernel > 1]
    if selector == "stage_ends":
        convs = [s for s in sites if s.kind == "conv"]
        return [s for i, s in enumerate(convs) if i + 1 == len(convs) or convs[i + 1].stage != s.stage]
    raise SiteError(f"sites: unknown selector {selector!r}; expected a list of site names or one of "
                    f"{', '.join(SITE_SELECTORS)}")


def site_key(name: str) -> str:
    """ModuleDict keys cannot contain dots (MobileNetV2 sites do)."""
    return name.replace(".", "__")


MIN_SCALE_MAGNITUDE = 1e-3  # |gamma| floor of a sign-fixed domain BatchNorm


class SignFixedBatchNorm(nn.Module):
    """A per-domain BatchNorm whose per-channel scale keeps the backbone's sign.

    Why: FINN folds a BatchNorm into integer thresholds, but a *negative* scale cannot
    be a threshold set: streamlining moves its sign into the weights of the conv before
    it. Behind a fixed backbone conv that would make the fixed weights differ per
    domain. Keeping each channel's sign as in the backbone (the magnitude is free and
    trained) makes the sign part of the fixed weights, the same for every domain.

    The constraint is a projection (``project_``) applied before every forward and
    before saving or exporting, so the exported graph holds a plain BatchNorm.
    """

    def __init__(self, norm: nn.modules.batchnorm._BatchNorm):
        super().__init__()
        self.norm = copy.deepcopy(norm)
        for p in self.norm.parameters():
            p.requires_grad_(True)
        self.register_buffer("sign", torch.where(norm.weight.detach() < 0, -1.0, 1.0))

    @torch.no_grad()
    def project_(self) -> None:
        magnitude = (self.sign * self.norm.weight).clamp_min(MIN_SCALE_MAGNITUDE)
        self.norm.weight.copy_(self.sign * magnitude)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()):
            self.project_()
        return self.norm(x)


def project_constraints_(module: nn.Module) -> None:
    """Apply every sign/range constraint a domain module declares (idempotent)."""
    for sub in module.modules():
        if isinstance(sub, SignFixedBatchNorm):
            sub.project_()


def copy_norm(backbone: Backbone, site: Site, keep_sign: bool = True) -> nn.Module:
    """A per-domain copy of a site's BatchNorm, starting from the pretrained statistics.

    The copy is marked ``copied_from_backbone``: ``--bn-stats frozen`` keeps its statistics
    (codesign.train.epochs.freeze_norm_statistics); BatchNorms a family adds fresh (a side
    network's, a series adapter's) always learn theirs from the batches.

    keep_sign: behind a fixed conv the scale's sign must stay the backbone's (see
    SignFixedBatchNorm); a family that also owns the conv (finetune) may flip it.
    """
    source = backbone.units[site.index].norm
    if keep_sign:
        copied = SignFixedBatchNorm(source)
        norm = copied.norm
    else:
        copied = norm = copy.deepcopy(source)
        for p in norm.parameters():
            p.requires_grad_(True)
    norm.copied_from_backbone = True
    return copied


# Upper bound of every width a family config declares (side channels, hidden units):
# 8x the widest CNV layer, and a 4096 x 4096 layer is still only 16 M weights, where a
# typo like 10**12 would end in an allocation failure deep inside torch.
MAX_ADAPTER_WIDTH = 4096


@dataclass
class AdapterConfig:
    """Fields every family accepts. Families subclass this with their own fields."""

    sites: str | list[str] = "all"
    weight_bits: int = field(default=4, metadata={"min": 1, "max": 8})
    act_bits: int = field(default=4, metadata={"min": 1, "max": 8})


class DomainModule(nn.Module):
    """Everything one domain owns: per-site modules and its classifier head.

    ``forward(backbone, x)`` runs the frozen backbone with this domain's hooks. A family
    whose modules never feed back into the backbone sets ``feature_cacheable`` and
    implements :meth:`backbone_inputs` / :meth:`forward_cached` so training can run
    the backbone once and reuse its outputs.
    """

    feature_cacheable: ClassVar[bool] = False
    # Whether the forward is exactly ``head(backbone(x, hooks=self.hooks()).features)``, so
    # that training may run the units before the first hooked site once and cache their
    # output (codesign/train/prefix.py). A family that overrides ``forward`` leaves it off.
    prefix_cacheable: ClassVar[bool] = False

    def __init__(self, head: nn.Module):
        super().__init__()
        self.site_modules = nn.ModuleDict()
        self.head = head

    def hooks(self) -> dict[str, UnitHooks]:
        return {}

    def forward(self, backbone: Backbone, x: torch.Tensor) -> torch.Tensor:
        out = backbone(x, hooks=self.hooks())
        return self.head(out.features)

    # feature caching (only for families that never feed back into the backbone)
    def backbone_inputs(self, backbone: Backbone, x: torch.Tensor) -> dict[str, torch.Tensor]:
        raise TypeError(f"{type(self).__name__} feeds back into the backbone: features cannot be cached")

    def forward_cached(self, cached: dict[str, torch.Tensor]) -> torch.Tensor:
        raise TypeError(f"{type(self).__name__} feeds back into the backbone: features cannot be cached")


class AdapterFamily:
    """Base for registered families. Subclasses set ``Config`` and implement ``build``."""

    Config: ClassVar[type[AdapterConfig]] = AdapterConfig
    description: ClassVar[str] = ""
    default_sites: ClassVar[str] = "all"
    # What the rest of codesign needs to know of a family, so that nothing outside
    # codesign/adapters names one (codesign.catalogue reads these without importing torch):
    decathlon_baseline: ClassVar[bool] = False  # the full fine-tuning baseline the Decathlon-style score is against
    training_cost: ClassVar[float] = 2.0  # relative time of one training run (compare starts long points first)
    # owns BatchNorms copied from the backbone (copy_norm), the only ones --bn-stats acts on:
    # a family without them trains identically under both settings (compare trains it once)
    copies_backbone_norm: ClassVar[bool] = False

    def __init__(self, config: AdapterConfig):
        self.config = config

    def sites(self, backbone: Backbone) -> list[Site]:
        return select_sites(backbone, self.config.sites)

    def check(self, backbone: Backbone) -> None:
        """Raise SiteError/ValueError if this config cannot attach to ``backbone``."""
        self.sites(backbone)

    def make_head(self, in_features: int, num_classes: int, head_bits: int) -> nn.Module:
        return qlinear(in_features, num_classes, head_bits)

    def build(self, backbone: Backbone, num_classes: int, head_bits: int) -> DomainModule:
        raise TypeError(f"adapter family {type(self).__name__} does not implement build()")

    def describe(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self.config)


# installed packages add families through entry points (codesign.plugins)
ADAPTERS: Registry[type[AdapterFamily]] = Registry("adapter family", entry_points="codesign.adapters",
                                                   expected=AdapterFamily)
register_adapter = ADAPTERS.register


def decathlon_baselines() -> list[str]:
    """The registered families that are the Decathlon-style score's fine-tuning baseline
    (importing this module imports codesign.adapters first, which registers every family)."""
    return [name for name in ADAPTERS.names() if ADAPTERS.get(name).decathlon_baseline]
