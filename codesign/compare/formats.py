"""Format versions of ``compare.json``: the current one, and format 1 converted to it.

Format 1 differs from 2 in names and in three keys it could lack, nothing else: the
crossing data wires were ``interconnect.data_bits`` (per direction ``bits``), and older
files have no ``verdict.rank_by`` (it was always accuracy), no ``points.rejected``
(counted only since) and, before step-size grids, no ``settings.lr_grid``. The numbers
are carried over unchanged.
"""

from __future__ import annotations

from pathlib import Path

from codesign.records import RecordError

FORMAT_VERSION = 2  # 2: typed records; the crossing data wires are interconnect_bits throughout


def upgrade(data: dict, path: str | Path = "compare.json") -> dict:
    """``data`` as a format-2 document (a new dict; ``data`` is left as it is)."""
    version = data.get("format_version")
    if version == FORMAT_VERSION:
        return data
    if version == 1:
        return _from_version_1(data)
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise RecordError(f"{path}: format_version {version} was written by a newer codesign (this one reads "
                          f"1 and {FORMAT_VERSION}); update codesign or rerun the comparison with this one")
    raise RecordError(f"{path}: format_version: expected 1 or {FORMAT_VERSION}, got {version!r} (not a compare.json?)")


def _renamed(mapping: dict, old: str, new: str) -> dict:
    """The same keys in the same order, ``old`` called ``new``."""
    return {(new if key == old else key): value for key, value in mapping.items()}


def _interconnect(ic: dict) -> dict:
    ic = _renamed(ic, "data_bits", "interconnect_bits")
    for direction in ("fixed_to_reconfigurable", "reconfigurable_to_fixed"):
        if isinstance(ic.get(direction), dict):
            ic[direction] = _renamed(ic[direction], "bits", "interconnect_bits")
    return ic


def _architecture(arch: dict) -> dict:
    arch = dict(arch)
    estimate = arch.get("estimate")
    if isinstance(estimate, dict) and isinstance(estimate.get("interconnect"), dict):
        arch["estimate"] = {**estimate, "interconnect": _interconnect(estimate["interconnect"])}
    return arch


def _points(points: dict) -> dict:
    if "rejected" in points:
        return points
    ordered = {}
    for key, value in points.items():
        ordered[key] = value
        if key == "failed":
            ordered["rejected"] = 0  # format 1 did not tell rejections from other failures
    return ordered


def _settings(settings: dict) -> dict:
    if "lr_grid" in settings:
        return settings
    lr = (settings.get("train_config") or {}).get("lr")
    grid = [lr] if isinstance(lr, (int, float)) and not isinstance(lr, bool) else []
    return {**settings, "lr_grid": grid, "executor": settings.get("executor")}


def _from_version_1(data: dict) -> dict:
    doc = {**data, "format_version": FORMAT_VERSION}
    if isinstance(data.get("architectures"), list):
        doc["architectures"] = [_architecture(a) if isinstance(a, dict) else a for a in data["architectures"]]
    if isinstance(data.get("verdict"), dict):
        doc["verdict"] = {"rank_by": "accuracy", **data["verdict"]}
    if isinstance(data.get("points"), dict):
        doc["points"] = _points(data["points"])
    if isinstance(data.get("settings"), dict):
        doc["settings"] = _settings(data["settings"])
    return doc
