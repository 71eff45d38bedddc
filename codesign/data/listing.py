"""What the CLI shows and does: ``codesign data list`` and ``codesign data prepare``.

Listing never decodes images: registered domains report whether their source is
installed (``locate()``), nominal sizes, and the real figures of any prepared copy in
the cache; user domains are found from the cache's JSON sidecars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from codesign.data.cache import scan_sidecars
from codesign.data.domains import DEFAULT_DOMAINS, DOMAINS, SOURCE_DOMAIN
from codesign.data.prepare import PreparedDomain, prepare_domain
from codesign.data.user import DomainSpec, parse_domain_arg


@dataclass
class DomainInfo:
    """One row of ``codesign data list``. Figures are from the cache when prepared."""

    name: str
    installed: bool
    classes: int
    images: int  # total images (prepared: train+val+test; else the nominal figure)
    shape: tuple[int, ...]  # native (H, W[, 3]) for registered domains; () for user ones
    source: str
    licence: str
    install: str | None  # the command to run when not installed, else None
    prepared: list[str] = field(default_factory=list)  # e.g. "32px 3ch seed0"
    kind: str = "registered"  # or "user"
    role: str = ""  # "default", "source" or ""


def _prepared_label(params: dict) -> str:
    return f"{params.get('size')}px {params.get('channels')}ch seed{params.get('seed')}"


def list_domains(cache_dir: str | Path | None = None) -> list[DomainInfo]:
    """Every registered domain, then every user domain prepared in ``cache_dir``."""
    sidecars = scan_sidecars(cache_dir) if cache_dir is not None else []
    by_name: dict[str, list[dict]] = {}
    for sidecar in sidecars:
        by_name.setdefault(sidecar.get("name", "?"), []).append(sidecar)
    infos = []
    for name in DOMAINS.names():
        entry = DOMAINS.get(name)
        installed = entry.installed()
        prepared = by_name.get(name, [])
        classes, images = entry.classes, entry.images
        if prepared:  # real figures beat nominal ones
            classes = prepared[-1]["num_classes"]
            images = sum(prepared[-1]["counts"].values())
        role = "default" if name in DEFAULT_DOMAINS else "source" if name == SOURCE_DOMAIN else ""
        infos.append(DomainInfo(name, installed, classes, images, entry.shape, entry.source,
                                entry.licence, None if installed else entry.install,
                                sorted({_prepared_label(s["params"]) for s in prepared}), role=role))
    for name, prepared in sorted(by_name.items()):
        if name in DOMAINS:
            continue
        last = prepared[-1]
        path = last["params"].get("user_path", "?")
        infos.append(DomainInfo(name, Path(path).exists(), last["num_classes"],
                                sum(last["counts"].values()), (), f"user: {path}", "(user data)",
                                None, sorted({_prepared_label(s["params"]) for s in prepared}),
                                kind="user"))
    return infos


def format_domain_table(infos: list[DomainInfo]) -> str:
    """A plain-text table, then one install line per missing source."""
    headers = ("domain", "installed", "classes", "images", "native", "prepared", "source", "licence")
    rows = []
    for i in infos:
        name = i.name + {"default": " *", "source": " (src)"}.get(i.role, "")
        native = "x".join(map(str, i.shape)) if i.shape else "-"
        rows.append((name, "yes" if i.installed else "NO", str(i.classes), f"{i.images:,}",
                     native, ", ".join(i.prepared) or "-", i.source, i.licence))
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h) for k, h in enumerate(headers)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths[:-1]) + "  {}"
    lines = [fmt.format(*headers), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*r).rstrip() for r in rows]
    lines.append("* = in DEFAULT_DOMAINS (pip-only sources); (src) = backbone pre-training domain; "
                 "images/classes are nominal until prepared")
    missing = [i for i in infos if i.install]
    if missing:
        lines.append("")
        lines.append("not installed:")
        lines += [f"  {i.name}: {i.install}" for i in missing]
    return "\n".join(lines)


def prepare_domains(names: str | list[str] | list[DomainSpec] | tuple[str, ...], cache_dir: str | Path,
                    size: int = 32, seed: int = 0, progress: Callable[[str], None] | None = print,
                    **options) -> dict[str, PreparedDomain]:
    """Prepare several domains (``"a,b,mydom=path"`` or a list); returns name -> domain.

    ``options`` go to :func:`prepare_domain` (channels, max_per_class, ...). Every
    domain is tried; missing sources and bad data are reported together at the end.
    """
    from codesign.data.domains import DataError

    if isinstance(names, str):
        specs = parse_domain_arg(names)
    else:
        specs = [n if isinstance(n, DomainSpec) else parse_domain_arg(n)[0] for n in names]
    say = progress or (lambda _msg: None)
    done: dict[str, PreparedDomain] = {}
    failed: list[str] = []
    for spec in specs:
        try:
            prepared = prepare_domain(spec, cache_dir, size=size, seed=seed, progress=say, **options)
        except DataError as err:
            failed.append(str(err))
            say(f"FAILED {spec.name}: {err}")
            continue
        counts = prepared.stats.get("counts", {})
        skipped = prepared.stats.get("skipped_total", 0)
        say(f"{spec.name}: {prepared.num_classes} classes, train/val/test "
            f"{counts.get('train')}/{counts.get('val')}/{counts.get('test')}"
            + (f", {skipped} source files skipped {prepared.stats.get('skipped')}" if skipped else ""))
        done[spec.name] = prepared
    if failed:
        raise DataError(f"{len(failed)} of {len(specs)} domain(s) failed: " + " | ".join(failed))
    return done
