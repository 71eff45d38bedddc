"""The build folder's life cycle: reuse, a private temporary folder, atomic install.

A build is written to ``<parent>/.<name>.tmp-<pid>`` and renamed to ``<parent>/<name>``
only when complete (``os.replace`` of a directory is atomic within one file system), so
an interrupted or failed build never leaves a folder a later run takes as finished:
the final path either holds the previous complete build or nothing. A finished build
is recognised by ``manifest.json`` with ``status == "complete"`` and the input hash;
temporary folders of processes that no longer run are removed by the next build.
A build whose verification fails is kept as ``.<name>.failed`` for inspection.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from codesign.fpga_build.errors import BuildError

MANIFEST = "manifest.json"
MARKER = "codesign_build"  # manifest key that marks a folder as ours


def read_manifest(out: Path) -> dict | None:
    try:
        data = json.loads((Path(out) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and MARKER in data else None


def finished(out: Path, key: str) -> dict | None:
    """The manifest of a complete build of the same inputs at ``out``, else None."""
    manifest = read_manifest(out)
    if manifest and manifest.get("status") == "complete" and manifest.get("input_hash") == key:
        return manifest
    return None


def check_target(out: Path) -> None:
    """Refuse to replace a folder that is not a codesign build (or empty)."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise BuildError(f"--out {out}: exists and is not a directory")
        if any(out.iterdir()) and read_manifest(out) is None:
            raise BuildError(f"--out {out}: exists, is not empty and holds no codesign build "
                             f"({MANIFEST}); choose another folder")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out: Path) -> list[Path]:
    """Remove temporary folders (and replaced builds left by a crash during
    :func:`install`) of earlier builds of ``out`` whose process no longer runs."""
    removed = []
    name = Path(out).name
    for tmp in [*Path(out).parent.glob(f".{name}.tmp-*"), *Path(out).parent.glob(f".{name}.old-*")]:
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def temporary(out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return tmp


def install(tmp: Path, out: Path) -> None:
    """Move the complete build into place, replacing a previous build of ``out``."""
    out = Path(out)
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    os.replace(tmp, out)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def keep_failed(tmp: Path, out: Path) -> Path:
    failed = Path(out).parent / f".{Path(out).name}.failed"
    if failed.exists():
        shutil.rmtree(failed)
    os.replace(tmp, failed)
    return failed
