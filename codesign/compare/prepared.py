"""The domains of a comparison, prepared once per input size in the coordinating process.

Every architecture trains on the same seeded splits of each domain at its backbone's
input size; the prepared data's content hash goes into each training point's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from codesign.compare.result import DomainInfo

Shape = tuple[int, int]  # (image side in px, channels)


@dataclass(frozen=True)
class PreparedDomain:
    info: DomainInfo  # name, classes, split sizes, source, licence, content hash
    spec: str  # what a worker passes to prepare_domain: a registered name, or name=absolute path
    size: int  # image side, px
    channels: int


def _prepared(domain_spec, shape: Shape, data_root: Path, max_per_class: int | None,
              progress: Callable[[str], None]) -> PreparedDomain:
    from codesign.data import prepare_domain
    from codesign.data.domains import DOMAINS

    prepared = prepare_domain(domain_spec, data_root, size=shape[0], seed=0, channels=shape[1],
                              max_per_class=max_per_class, progress=progress)
    entry = DOMAINS.get(prepared.name) if prepared.name in DOMAINS else None
    info = DomainInfo(
        name=prepared.name, classes=prepared.num_classes, train=len(prepared.y_train), val=len(prepared.y_val),
        test=len(prepared.y_test), source=entry.source if entry else f"user data {domain_spec}",
        licence=entry.licence if entry else "user's", content_hash=prepared.stats["content_hash"],
        synthetic=prepared.stats.get("synthetic_description"),
        test_split=(prepared.stats.get("test_split") or {}).get("rule"))
    spec = prepared.name if entry else f"{domain_spec.name}={Path(domain_spec.path).resolve()}"
    return PreparedDomain(info, spec, shape[0], shape[1])


def prepare_domains(specs: list, domain_specs: list, data_root: Path, max_per_class: int | None,
                    progress: Callable[[str], None]) -> dict[Shape, dict[str, PreparedDomain]]:
    """Per input shape the architectures need (in order of first use), every domain prepared."""
    by_shape: dict[Shape, dict[str, PreparedDomain]] = {}
    for spec in specs:
        shape = (spec.backbone.input_size or 32, 3)
        if shape not in by_shape:
            domains = [_prepared(d, shape, data_root, max_per_class, progress) for d in domain_specs]
            by_shape[shape] = {d.info.name: d for d in domains}
    return by_shape


def domains_of(by_shape: dict[Shape, dict[str, PreparedDomain]]) -> list[DomainInfo]:
    """The comparison's domains, each once (as first prepared), in order."""
    found: dict[str, DomainInfo] = {}
    for domains in by_shape.values():
        for name, domain in domains.items():
            found.setdefault(name, domain.info)
    return list(found.values())
