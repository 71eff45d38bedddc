"""The prepared-domain cache: one ``.npz`` of arrays plus one ``.json`` sidecar each.

Writes are atomic (``codesign.store``: a hidden temporary file in the same folder,
fsync, rename), and the sidecar is written last and records a SHA-256 of the array
contents. A cache entry is trusted only when both files exist, the sidecar's parameters
match the request and the arrays hash to the recorded value; anything else (a crash
between the two writes, a leftover temporary file, a truncated file) is rebuilt, never
read. Commands keep these entries in ``domains/`` below the cache root
(``codesign.store.domains_dir``). The two digests here are this cache's own formats:
``params_key`` names the files (compact JSON, so existing entries keep their names) and
``content_hash`` streams over the arrays.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from codesign.store import atomic_file, atomic_write_text

SPLITS = ("train", "val", "test")
FORMAT = 2  # bump when the cache layout changes (2: fixed test split, its description in the sidecar)


def params_key(params: dict[str, Any]) -> str:
    """A short stable hash of the preparation parameters (part of the file name)."""
    text = json.dumps(params, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def content_hash(arrays: dict[str, np.ndarray], class_names: list[str]) -> str:
    """SHA-256 over the class names and every array's name, dtype, shape and bytes."""
    h = hashlib.sha256(json.dumps(class_names).encode())
    for key in sorted(arrays):
        arr = np.ascontiguousarray(arrays[key])
        h.update(f"{key}|{arr.dtype.str}|{arr.shape}".encode())
        h.update(memoryview(arr).cast("B"))
    return h.hexdigest()


def write_entry(stem: Path, arrays: dict[str, np.ndarray], sidecar: dict[str, Any]) -> None:
    """Write ``stem.npz`` then ``stem.json``, each atomically; the sidecar last."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    # uncompressed: loading is a plain read (domains are at most a few hundred MB)
    with atomic_file(stem.with_suffix(".npz")) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)  # a file handle: np.savez would append .npz to a name
    text = json.dumps(sidecar, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write_text(stem.with_suffix(".json"), text)


def read_sidecar(path: Path) -> dict[str, Any] | None:
    """The parsed sidecar, or None when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def read_entry(stem: Path, params: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """Arrays and sidecar of a valid cache entry for ``params``, or None to rebuild."""
    sidecar = read_sidecar(stem.with_suffix(".json"))
    if sidecar is None or sidecar.get("params") != params:
        return None
    try:
        with np.load(stem.with_suffix(".npz"), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if content_hash(arrays, sidecar.get("class_names", [])) != sidecar.get("content_hash"):
        return None
    return arrays, sidecar


def scan_sidecars(cache_dir: str | Path) -> list[dict[str, Any]]:
    """Every readable sidecar in ``cache_dir`` (prepared domains), sorted by file name."""
    cache_dir = Path(cache_dir)
    if not cache_dir.is_dir():
        return []
    found = []
    for path in sorted(cache_dir.glob("*.json")):
        sidecar = read_sidecar(path)
        if sidecar is not None and path.with_suffix(".npz").exists():
            found.append({**sidecar, "path": str(path.with_suffix(".npz"))})
    return found
