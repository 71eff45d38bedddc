"""Architecture specs (``graphs/*.yaml``): backbone, adapter family and placement, bits.

    name: cnv_attention
    extends: cnv_base.yaml          # optional; this file's keys override the base's
    backbone: {name: cnv, weights: checkpoints/cnv_glyphs.safetensors,
               weight_bits: 4, act_bits: 4, input_bits: 8, width: 1.0, input_size: 32}
    adapter:  {family: attention, sites: stage_ends, reduction: 32, weight_bits: 4}
    head:     {weight_bits: 4}

The ``adapter`` mapping is validated by the family's own config dataclass, so each
family declares (and checks) its own parameters.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codesign.store.shipped import resolve_shipped, shipped_dir
from codesign.specs.loader import SpecError, build_dataclass, deep_merge, read_yaml_mapping

GRAPH_DIR = shipped_dir("graphs")
MAX_EXTENDS_DEPTH = 8


@dataclass(frozen=True)
class BackboneSpec:
    name: str
    weights: str | None = None  # path (relative to the repo root), "imagenet", or none
    weight_bits: int = field(default=4, metadata={"min": 1, "max": 8})
    act_bits: int = field(default=4, metadata={"min": 1, "max": 8})
    input_bits: int = field(default=8, metadata={"min": 2, "max": 8})
    width: float = field(default=1.0, metadata={"gt": 0.0, "max": 4.0})  # channel multiplier
    input_size: int = field(default=32, metadata={"min": 8, "max": 512})  # pixels, square
    in_channels: int = field(default=3, metadata={"choices": [1, 3]})

    def factory_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the registered factory; None values are dropped so the
        backbone's own defaults apply (as timm's factories do)."""
        kwargs = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "name"}
        weights = kwargs.pop("weights")
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        if weights in ("none", "random"):
            # Explicitly no pretrained weights: passed as None, NOT dropped, or a factory
            # whose default is pretrained (mobilenet_v2: "imagenet") would load them.
            kwargs["weights"] = None
        elif weights is not None:
            kwargs["weights"] = weights
        return kwargs


@dataclass(frozen=True)
class HeadSpec:
    weight_bits: int = field(default=4, metadata={"min": 1, "max": 8})


@dataclass(frozen=True)
class _GraphFile:
    """The top-level keys a graph file may have (the adapter section is checked later)."""

    name: str = field(metadata={"path_safe": True})  # names report/checkpoint folders
    backbone: dict[str, Any]
    adapter: dict[str, Any]
    description: str = ""
    head: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphSpec:
    name: str
    description: str
    backbone: BackboneSpec
    family: str
    adapter: Any  # the family's Config dataclass instance
    head: HeadSpec
    path: Path

    def fingerprint(self) -> dict[str, Any]:
        """What a domain checkpoint must match to be loaded into this architecture."""
        backbone = dataclasses.asdict(self.backbone)
        backbone.pop("weights")  # the same architecture may start from other weights
        return {"backbone": backbone, "family": self.family,
                "adapter": dataclasses.asdict(self.adapter), "head": dataclasses.asdict(self.head)}


def with_input_size(spec: GraphSpec, input_size_px: int) -> GraphSpec:
    """The same architecture at another input side (px, square), as if the YAML said
    ``backbone.input_size: input_size_px``: checked by the field's own bounds, and part of
    the fingerprint (so of the converted design's cache key). The backbone's own rule
    (e.g. mobilenet_v2: multiples of 32) is checked when it is built (docs/graph-specs.md)."""
    raw = {**dataclasses.asdict(spec.backbone), "input_size": input_size_px}
    backbone = build_dataclass(BackboneSpec, raw, spec.path, "backbone")
    return dataclasses.replace(spec, backbone=backbone)


def _resolve_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    path = path.resolve()
    if path in seen:
        raise SpecError(path, "extends", "cycle: " + " -> ".join(p.name for p in (*seen, path)))
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise SpecError(path, "extends", f"more than {MAX_EXTENDS_DEPTH} levels of extends")
    data = read_yaml_mapping(path)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data
    if not isinstance(base_name, str) or not base_name:
        raise SpecError(path, "extends", f"expected a file name, got {base_name!r}")
    base_path = (path.parent / base_name)
    if not base_path.is_file():
        raise SpecError(path, "extends", f"base file {base_path} not found")
    return deep_merge(_resolve_extends(base_path, (*seen, path)), data)


def resolve_graph_path(path: str | Path) -> Path:
    """Accept a path, or a shipped spec by bare name (``cnv_attention``) or by its
    repository path (``graphs/cnv_attention.yaml``, from any directory)."""
    return resolve_shipped(path, "graphs", ".yaml")


def load_graph(path: str | Path) -> GraphSpec:
    """Load and validate ``graphs/X.yaml`` (following ``extends:``)."""
    path = resolve_graph_path(path)
    if not Path(path).is_file():
        shipped = ", ".join(p.stem for p in list_graphs())
        raise SpecError(path, "", f"file not found, and not a shipped graph name (shipped: {shipped})")
    return graph_from_dict(_resolve_extends(Path(path)), path)


def graph_from_dict(raw: dict[str, Any], path: str | Path = "<graph>") -> GraphSpec:
    """Validate an already-parsed graph mapping (``path`` only labels error messages)."""
    # Imported here: the registries fill on import of the model packages.
    from codesign.adapters import ADAPTERS
    from codesign.models import BACKBONES

    top = build_dataclass(_GraphFile, raw, path)
    backbone = build_dataclass(BackboneSpec, top.backbone, path, "backbone")
    if backbone.name not in BACKBONES:
        raise SpecError(path, "backbone.name", f"unknown backbone {backbone.name!r}; "
                        f"registered: {', '.join(BACKBONES.names())}")
    adapter_raw = dict(top.adapter)
    family = adapter_raw.pop("family", None)
    if family is None:
        raise SpecError(path, "adapter.family", f"missing required field (expected one of "
                        f"{', '.join(ADAPTERS.names())})")
    if family not in ADAPTERS:
        raise SpecError(path, "adapter.family", f"unknown adapter family {family!r}; "
                        f"registered: {', '.join(ADAPTERS.names())}")
    adapter = build_dataclass(ADAPTERS.get(family).Config, adapter_raw, path, "adapter")
    head = build_dataclass(HeadSpec, top.head, path, "head")
    return GraphSpec(top.name, top.description, backbone, family, adapter, head, Path(path))


def list_graphs(directory: str | Path = GRAPH_DIR) -> list[Path]:
    """Shipped architecture specs; files starting with ``_`` are bases for ``extends``."""
    return sorted(p for p in Path(directory).glob("*.yaml") if not p.name.startswith("_"))


def read_graph_summary(path: str | Path) -> tuple[str, str, str]:
    """(name, backbone, family) of a spec from its YAML alone, without importing the model
    registries (``codesign ls graphs`` stays fast; ``load_graph`` validates fully)."""
    raw = _resolve_extends(Path(path))
    backbone = raw.get("backbone") if isinstance(raw.get("backbone"), dict) else {}
    adapter = raw.get("adapter") if isinstance(raw.get("adapter"), dict) else {}
    return str(raw.get("name", "?")), str(backbone.get("name", "?")), str(adapter.get("family", "?"))
