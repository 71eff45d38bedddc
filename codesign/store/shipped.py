"""Where the files shipped with codesign live: the only module that knows.

The shipped architecture specs (``graphs/``), device specs (``hw_specs/``) and pretrained
backbone weights (``checkpoints/``) sit at the top of the repository, the calibration of
the resource estimates (data and fitted model) in ``data/calibration/``. An installed
(non-editable) package carries copies of them as package data under
``codesign/_shipped/<kind>/`` (``setup.py`` copies them at build time); an editable
install or a plain checkout reads them from the repository itself.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

KINDS = ("graphs", "hw_specs", "checkpoints", "calibration")
# Where each kind sits in a checkout, relative to the repository root (setup.py: SHIPPED).
CHECKOUT_FOLDERS = {"graphs": "graphs", "hw_specs": "hw_specs", "checkpoints": "checkpoints",
                    "calibration": "data/calibration"}
# Directory inside the installed package that holds the copies (see setup.py).
PACKAGE_DATA_DIR = "_shipped"


def checkout_root() -> Path | None:
    """The repository root when codesign runs from a checkout (editable install or
    PYTHONPATH), else None (an installed package has no repository around it)."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "graphs").is_dir():
        return root
    return None


def shipped_dir(kind: str) -> Path:
    """The folder of shipped ``kind`` files (one of ``KINDS``).

    Package data of an installed package first, then the checkout. Where neither exists
    the package-data path is returned anyway, so that a lookup fails naming a real place.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of shipped files {kind!r}; expected one of {', '.join(KINDS)}")
    # codesign is always installed unpacked (torch cannot run from a zip), so the
    # traversable is a plain Path that callers may glob.
    installed = Path(str(resources.files("codesign") / PACKAGE_DATA_DIR / kind))
    if installed.is_dir():
        return installed
    root = checkout_root()
    if root is not None:
        return root / CHECKOUT_FOLDERS[kind]
    return installed


def resolve_shipped(path: str | Path, kind: str, suffix: str = "") -> Path:
    """``path`` if it exists or is absolute; else the shipped file it names, either as a
    bare name (``cnv_head`` with ``suffix=".yaml"``) or as a path of the repository
    layout (``checkpoints/x.safetensors``, ``graphs/cnv_head.yaml``), so that the same
    spec works from any directory. Unknown names come back unchanged, so the caller's
    'not found' error names what the user wrote."""
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path
    parts = path.parts
    if len(parts) > 1 and parts[0] == kind:
        candidate = shipped_dir(kind).joinpath(*parts[1:])
    elif len(parts) == 1 and suffix and not path.suffix:
        candidate = shipped_dir(kind) / f"{path.name}{suffix}"
    else:
        return path
    return candidate if candidate.is_file() else path
