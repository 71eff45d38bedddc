"""Atomic writes: a reader sees the old file or folder or the complete new one, never a part.

The temporary copy is hidden, in the same directory (same file system, so the rename
is atomic), named after the process (``.<name>.tmp-<pid>``); it is removed when the
write or rename fails, and :func:`remove_stale_temporaries` removes those of processes
that were killed. Files: ``atomic_write_*``, ``atomic_file`` (for a writer that needs a
file name), ``OutputGroup`` (several files, all or nothing). Folders: ``atomic_folder``,
or ``fresh_folder`` + ``replace_folder`` where the caller decides between install and
keeping a failed folder (codesign.fpga_build.folder).
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


def old_path(path: Path) -> Path:
    """Where a replaced folder waits, for an instant, before it is removed."""
    return path.with_name(f".{path.name}.old-{os.getpid()}")


def fresh_folder(final: str | Path) -> Path:
    """An empty hidden temporary folder beside ``final`` (this process's leftover, if
    any, removed first), to be filled and then moved into place by :func:`replace_folder`."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(final)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    return tmp


def replace_folder(folder: str | Path, final: str | Path) -> None:
    """Move the complete ``folder`` to ``final`` (a rename, atomic within one file
    system); a previous folder at ``final`` is first moved aside, then removed."""
    final = Path(final)
    if final.exists():
        old = old_path(final)
        os.replace(final, old)
        os.replace(folder, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(folder, final)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def remove_stale_temporaries(final: str | Path) -> list[Path]:
    """Remove the temporary and replaced copies of ``final`` that processes which no
    longer run left behind (killed between writing and renaming); returns them."""
    final = Path(final)
    removed = []
    for leftover in [*final.parent.glob(f".{final.name}.tmp-*"), *final.parent.glob(f".{final.name}.old-*")]:
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


@contextmanager
def atomic_folder(final: str | Path) -> Iterator[Path]:
    """Fill a hidden temporary folder beside ``final``; on success it replaces ``final``
    (the previous folder, if any, is removed first); on an exception it is deleted and
    ``final`` is left as it was. A reader never sees a half-written folder at ``final``."""
    tmp = fresh_folder(final)
    try:
        yield tmp
        replace_folder(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def atomic_file(final: str | Path) -> Iterator[Path]:
    """A hidden temporary path beside ``final`` for a writer that needs a file name (a
    library's save function); renamed to ``final`` when the block ends normally, removed
    when it ends by an exception."""
    with OutputGroup() as group:
        tmp = group.path_for(final)
        yield tmp
        if tmp.exists():  # else commit names the output that was not written
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())


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
