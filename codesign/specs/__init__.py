"""YAML specs: devices (hw_specs/) and architectures (graphs/)."""

from codesign.specs.loader import SpecError, build_dataclass, read_yaml_mapping

__all__ = ["SpecError", "build_dataclass", "read_yaml_mapping"]
