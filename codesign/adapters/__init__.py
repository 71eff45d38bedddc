"""Adapter families. Importing this package registers every family."""

from codesign.adapters import attention, finetune, head, parallel, scale_bias, series, side  # noqa: F401
from codesign.adapters.base import ADAPTERS, AdapterConfig, AdapterFamily, DomainModule, register_adapter

__all__ = ["ADAPTERS", "AdapterConfig", "AdapterFamily", "DomainModule", "register_adapter"]
