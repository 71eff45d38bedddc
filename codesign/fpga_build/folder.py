"""The build folder's life cycle: reuse, a private temporary folder, atomic install.

A build is written to ``<parent>/.<name>.tmp-<pid>`` and renamed to ``<parent>/<name>``
only when complete (``codesign.store.fresh_folder``/``replace_folder``: a rename of a
directory is atomic within one file system), so an interrupted or failed build never
leaves a folder a later run takes as finished: the final path either holds the previous
complete build or nothing. A finished build
is recognised by ``manifest.json`` with ``status == "complete"`` and the input hash;
temporary folders of processes that no longer run are removed by the next build.
A build whose verification fails is kept as ``.<name>.failed`` for inspection. What is
specific to builds stays here (the manifest that marks a finished build, refusing a
foreign folder, keeping a failed one); ``store.atomic_folder`` does not fit because the
pipeline decides between installing and keeping after its steps, not on an exception.
"""

from __future__ import annotations

import json
from pathlib import Path

from codesign.fpga_build.errors import BuildError
from codesign.store import fresh_folder, remove_stale_temporaries, replace_folder

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


def clean_stale(out: Path) -> list[Path]:
    """Remove temporary folders (and replaced builds left by a crash during
    :func:`install`) of earlier builds of ``out`` whose process no longer runs."""
    return remove_stale_temporaries(out)


def temporary(out: Path) -> Path:
    """The private folder this process builds ``out`` in (empty)."""
    return fresh_folder(out)


def install(tmp: Path, out: Path) -> None:
    """Move the complete build into place, replacing a previous build of ``out``."""
    replace_folder(tmp, out)


def keep_failed(tmp: Path, out: Path) -> Path:
    """Keep a build that failed verification as ``.<name>.failed`` (replacing an older
    one) for inspection; ``out`` itself is left as it was."""
    failed = Path(out).parent / f".{Path(out).name}.failed"
    replace_folder(tmp, failed)
    return failed
