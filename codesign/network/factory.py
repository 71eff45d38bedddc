"""Graph spec -> MultiDomainModel: the single place where specs become modules."""

from __future__ import annotations

from codesign.adapters import ADAPTERS
from codesign.adapters.base import SiteError
from codesign.models import BACKBONES
from codesign.network.multidomain import MultiDomainModel
from codesign.specs.graph import GraphSpec
from codesign.specs.loader import SpecError


def build_backbone(spec: GraphSpec):
    try:
        return BACKBONES.get(spec.backbone.name)(**spec.backbone.factory_kwargs())
    except ValueError as err:
        raise SpecError(spec.path, "backbone", str(err)) from None


def build_model(spec: GraphSpec) -> MultiDomainModel:
    """Build the frozen backbone and the adapter family named by ``spec``.

    Errors about sites or bit widths are reported against the spec file's adapter field.
    """
    backbone = build_backbone(spec)
    family = ADAPTERS.get(spec.family)(spec.adapter)
    try:
        return MultiDomainModel(backbone, family, head_bits=spec.head.weight_bits,
                                fingerprint=spec.fingerprint(), family_name=spec.family)
    except (SiteError, ValueError) as err:
        raise SpecError(spec.path, "adapter", str(err)) from None
