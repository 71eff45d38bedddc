"""FINN's board names and their parts, for device specs (``finn_board:``, ``--device ZCU104``).

FINN keeps the part of each board it has a shell for in ``finn.util.basic``
(``pynq_part_map``, ``alveo_part_map``; finn-plus 1.6.1). Importing that module loads
ONNX, QONNX and FINN's settings (0.3 s measured), and ``codesign ls devices`` and
``--help`` never load FINN (tests/test_cli_errors.py), so the tables are read from FINN's
source file itself (its ``<map>["Board"] = "part"`` lines) without importing it;
tests/specs/test_finn_boards.py checks the result equals the imported tables.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path

from codesign.specs.loader import SpecError

FINN_PART_MAPS = ("pynq_part_map", "alveo_part_map")


def _basic_py() -> Path | None:
    spec = importlib.util.find_spec("finn")  # a top-level package: located, not imported
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "util" / "basic.py"
    return path if path.is_file() else None


@functools.lru_cache(maxsize=1)
def finn_part_map() -> dict[str, str]:
    """FINN board name -> part (pynq_part_map and alveo_part_map); {} without FINN."""
    path = _basic_py()
    if path is None:
        return {}
    parts: dict[str, str] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Subscript)):
            continue
        target = node.targets[0]
        if isinstance(target.value, ast.Name) and target.value.id in FINN_PART_MAPS \
                and isinstance(target.slice, ast.Constant) and isinstance(node.value, ast.Constant):
            parts[str(target.slice.value)] = str(node.value.value)
    return parts


def part_from_finn(data: dict, path: Path) -> None:
    """``finn_board``: a board of FINN's table; the part from it when ``part`` is left out
    (one that disagrees is refused by :func:`check_part_against_finn`)."""
    board = data.get("finn_board")
    if board is None:
        return
    parts = finn_part_map()
    if not isinstance(board, str) or board not in parts:
        known = ", ".join(sorted(parts)) or "none (FINN is not installed)"
        raise SpecError(path, "finn_board", f"expected a board name of FINN's part map ({known}), got {board!r}")
    if "part" not in data:
        data["part"] = parts[board]


def check_part_against_finn(spec, path: Path) -> None:
    """A spec's ``part`` equals FINN's for its ``finn_board`` (after the part's own checks,
    so a malformed or wrong-family part is reported as such first)."""
    expected = finn_part_map().get(spec.finn_board) if spec.finn_board else None
    if expected is not None and spec.part != expected:
        raise SpecError(path, "part", f"{spec.part!r} disagrees with FINN's part for {spec.finn_board} "
                        f"({expected!r}, finn.util.basic); give FINN's part or leave part out")
