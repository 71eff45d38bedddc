"""User domains: ``name=path`` wherever a domain name is accepted.

``path`` is an ImageFolder tree (one sub-folder per class) or an ``.npz`` with arrays
``images`` and ``labels`` (see :func:`codesign.data.folders.load_npz_domain`).
``parse_domain_arg("mnist,glyphs_latin,mydom=data/mydom")`` gives three specs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from codesign.data.domains import DOMAINS, DataError, RawDomain
from codesign.data.folders import load_image_folder, load_npz_domain
from codesign.data.images import IMAGE_EXTENSIONS

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class DomainSpec:
    """A domain to prepare: a registered name (``path`` None) or a user's data."""

    name: str
    path: Path | None = None

    @property
    def is_user(self) -> bool:
        return self.path is not None

    def __str__(self) -> str:
        return f"{self.name}={self.path}" if self.path is not None else self.name


def parse_domain_spec(text: str) -> DomainSpec:
    """``"name"`` or ``"name=path"`` -> DomainSpec (names are checked, paths later)."""
    text = text.strip()
    name, sep, path = text.partition("=")
    name = name.strip()
    if not _NAME.match(name):
        raise DataError(f"bad domain name {name!r} in {text!r}: use letters, digits and _, "
                        "starting with a letter")
    if not sep:
        return DomainSpec(name)
    path = path.strip()
    if not path:
        raise DataError(f"{text!r}: empty path after '='")
    if name in DOMAINS:
        raise DataError(f"{text!r}: {name!r} is a registered domain; give your data another name")
    return DomainSpec(name, Path(path).expanduser())


def parse_domain_arg(arg: str | list[str] | tuple[str, ...]) -> list[DomainSpec]:
    """Comma-separated (or a list of) domain names and ``name=path`` user domains."""
    parts = arg.split(",") if isinstance(arg, str) else [p for a in arg for p in str(a).split(",")]
    specs = [parse_domain_spec(p) for p in parts if p.strip()]
    if not specs:
        raise DataError(f"no domain given in {arg!r}")
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DataError(f"domain {dupes[0]!r} is given twice in {arg!r}")
    return specs


def as_spec(name_or_spec: str | DomainSpec) -> DomainSpec:
    return name_or_spec if isinstance(name_or_spec, DomainSpec) else parse_domain_spec(name_or_spec)


def source_fingerprint(path: Path) -> str:
    """Hash of the file names, sizes and modification times under ``path``.

    Part of the cache key, so editing a user's folder or file re-prepares it; cheap
    (stat only, no reading).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: not found (a user domain is name=folder or name=file.npz)")
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    for p in files:
        st = p.stat()
        h.update(f"{p.relative_to(path) if p != path else p.name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def load_user_domain(spec: DomainSpec, size: int = 64) -> RawDomain:
    """Decode a user domain: ImageFolder images are decoded to ``size`` x ``size`` RGB."""
    path = spec.path
    if path is None:
        raise DataError(f"{spec.name!r} is not a user domain (no path)")
    if path.is_dir():
        return load_image_folder(path, size=size, strict=True)
    if path.is_file() and path.suffix.lower() == ".npz":
        return load_npz_domain(path)
    if path.exists():
        raise DataError(f"{path}: expected a folder (one sub-folder per class) or an .npz file")
    raise DataError(f"{path}: not found (a user domain is name=folder or name=file.npz)")
