"""Backbones (registered), their quantised building blocks, and per-domain files.

Importing registers the backbones. The model assembled from a spec (backbone + one set
of modules per domain) is ``codesign.network``.
"""

from codesign.models import cnv  # noqa: F401
from codesign.models.backbone import BACKBONES, Backbone, Site, UnitHooks, register_backbone

try:  # MobileNetV2 lives in its own module
    from codesign.models import mobilenet_v2  # noqa: F401
except ModuleNotFoundError as err:  # pragma: no cover - only while the module is absent
    if err.name != "codesign.models.mobilenet_v2":
        raise

__all__ = ["BACKBONES", "Backbone", "Site", "UnitHooks", "register_backbone"]
