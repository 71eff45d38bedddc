"""Argument types and output-location checks shared by every command.

Every value is checked when the command line is parsed, before any data is prepared
or any design converted, so a bad option costs a fraction of a second and one line.
The bounds are generous for real use and stop the values that would only end in an
allocation failure (``--size 100000``) or a meaningless run (``--classes 1``).
This module imports only the standard library (``codesign --help`` stays fast).
"""

from __future__ import annotations

import argparse
import math
import re
import os
from pathlib import Path

from codesign.errors import InputError

MAX_SEED = 2**31 - 1  # numpy/torch accept 32-bit seeds; one range for every seed option
MAX_CLASSES = 10_000  # a per-domain classifier; ImageNet-1k sits well inside
MAX_IMAGE_SIDE_PX = 512  # prepared images are held in memory: 512 px x 3 ch is already 0.75 MB each


def integer(low: int, high: int, what: str = "an integer"):
    """An argparse type: an integer in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what} from {low:,} to {high:,}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {what} from {low:,} to {high:,}, got {value:,}")
        return value

    return parse


def positive_number(high: float = math.inf, what: str = "a number"):
    """An argparse type: a finite number > 0 (and <= high)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what} > 0, got {text!r}") from None
        if not math.isfinite(value) or value <= 0 or value > high:
            bound = "" if math.isinf(high) else f" and <= {high:g}"
            raise argparse.ArgumentTypeError(f"expected a finite {what} > 0{bound}, got {text!r}")
        return value

    return parse


SEED = integer(0, MAX_SEED, "a seed")
COUNT = integer(1, 1_000_000, "a count")
SEEDS = integer(1, 100, "a number of seeds")
EPOCHS = integer(1, 10_000, "a number of epochs")
BATCH = integer(1, 65_536, "a batch size")
WORKERS = integer(1, 256, "a number of workers")
CLASSES = integer(2, MAX_CLASSES, "a number of classes")
IMAGE_SIDE = integer(8, MAX_IMAGE_SIDE_PX, "an image side in pixels")
THREADS = integer(1, 1_024, "a number of threads")
FPS = positive_number(what="frame rate (frames/s)")
STEP_SIZE = positive_number(high=100.0, what="step size")


def FPGA_PART(text: str) -> str:  # noqa: N802 - an argparse type, named like the others
    """An AMD/Xilinx part number whose platform shell codesign knows (xc7z*, xczu*, xck*, xcu*)."""
    from codesign.cost.calibration import SHELL_FAMILIES, shell_family

    part = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9-]{4,40}", part) or not shell_family(part):
        prefixes = ", ".join(sorted({p for p, _ in SHELL_FAMILIES}))
        raise argparse.ArgumentTypeError(f"expected an FPGA part number starting with one of {prefixes} "
                                         f"(e.g. xc7z020clg400-1), got {text[:60]!r}")
    return part


def parse_domain_classes(text: str) -> list[tuple[str, int]]:
    """``--domains mnist:10,fashion:10`` of ``inspect`` -> [(name, classes), ...]."""
    from codesign.specs.names import check_name

    pairs: list[tuple[str, int]] = []
    for item in (s.strip() for s in text.split(",")):
        if not item:
            continue
        name, sep, classes = item.partition(":")
        if not sep or not classes.strip().isdigit():
            raise InputError(f"--domains: expected NAME:CLASSES (e.g. mnist:10), got {item[:80]!r}")
        try:
            check_name(name.strip(), "--domains: domain name")
        except InputError as err:
            raise InputError(str(err)) from None
        count = int(classes)
        if not 2 <= count <= MAX_CLASSES:
            raise InputError(f"--domains: {name.strip()!r}: expected 2 to {MAX_CLASSES:,} classes, got {count:,}")
        pairs.append((name.strip(), count))
    if not pairs:
        raise InputError("--domains: expected at least one NAME:CLASSES (e.g. mnist:10)")
    names = [n for n, _ in pairs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"--domains: domain {twice[0]!r} is given more than once")
    return pairs


def _first_existing(path: Path) -> Path:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def check_output_file(option: str, value: str | os.PathLike | None) -> Path | None:
    """A file the command will write: not a folder, in an existing writable folder."""
    if value is None:
        return None
    path = Path(value)
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder; expected a file path")
    parent = path.parent
    if not parent.is_dir():
        what = "is a file" if parent.exists() else "does not exist"
        raise InputError(f"{option} {path}: folder {parent} {what}; expected an existing folder")
    if not os.access(parent, os.W_OK):
        raise InputError(f"{option} {path}: folder {parent} is not writable")
    return path


def check_output_dir(option: str, value: str | os.PathLike | None) -> Path | None:
    """A folder the command will create or fill: not a file, and creatable."""
    if value is None:
        return None
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path}: is a file; expected a folder")
    existing = _first_existing(path)
    if not existing.is_dir():
        raise InputError(f"{option} {path}: {existing} is a file; expected a folder path")
    if not os.access(existing, os.W_OK):
        raise InputError(f"{option} {path}: folder {existing} is not writable")
    return path


def check_input_dir(option: str, value: str | os.PathLike | None) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if not path.is_dir():
        raise InputError(f"{option} {path}: {'is a file' if path.exists() else 'does not exist'}; "
                         f"expected a folder")
    return path
