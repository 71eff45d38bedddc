"""Atomic file writes: a reader sees the old file or the complete new one, never a part.

The temporary file is hidden, in the same directory (same file system, so the rename
is atomic), named after the process; it is removed when the write or rename fails.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # only still there when the write or the rename failed
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj, indent: int | None = 2, make_parents: bool = False) -> Path:
    """``obj`` as JSON (keys in insertion order, a final newline), written atomically."""
    path = Path(path)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, json.dumps(obj, indent=indent, default=str) + "\n")


@contextmanager
def atomic_folder(final: str | Path) -> Iterator[Path]:
    """Fill a hidden temporary folder beside ``final``; on success it replaces ``final``
    (the previous folder, if any, is removed first); on an exception it is deleted and
    ``final`` is left as it was. A reader never sees a half-written folder at ``final``."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(final)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        if final.exists():
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class OutputGroup:
    """Several output files written all or nothing.

    Each file is first written in full to a hidden temporary beside its final path
    (``path_for``); ``commit`` renames them all once every one is complete. Used as a
    context manager, leaving by an exception removes every temporary and renames none,
    so a failed command leaves none of its outputs, not some of them.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def path_for(self, final: str | Path) -> Path:
        final = Path(final)
        tmp = temp_path(final)
        self._pending.append((tmp, final))
        return tmp

    def write_text(self, final: str | Path, text: str) -> None:
        tmp = self.path_for(final)
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())

    def commit(self) -> None:
        missing = [str(final) for tmp, final in self._pending if not tmp.exists()]
        if missing:
            raise RuntimeError(f"output not written: {', '.join(missing)}")
        for tmp, final in self._pending:
            os.replace(tmp, final)
        self._pending.clear()

    def discard(self) -> None:
        for tmp, _ in self._pending:
            tmp.unlink(missing_ok=True)
        self._pending.clear()

    def __enter__(self) -> "OutputGroup":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        self.discard()
