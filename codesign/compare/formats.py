"""Format versions of ``compare.json``: the current one, and format 1 converted to it.

Format 1 differs from 2 in names and in three keys it could lack, nothing else: the
crossing data wires were ``interconnect.data_bits`` (per direction ``bits``), and older
files have no ``verdict.rank_by`` (it was always accuracy), no ``points.rejected``
(counted only since) and, before step-size grids, no ``settings.lr_grid``. The numbers
are carried over unchanged.

Documents of either format written before energy came as two figures (issue 12) hold
``energy_uj = {total, dynamic, static}``; they are read with the two figures computed from
those numbers (no board power: it was not modelled then; see _two_energy_figures).
"""

from __future__ import annotations

from pathlib import Path

from codesign.records import RecordError

FORMAT_VERSION = 2  # 2: typed records; the crossing data wires are interconnect_bits throughout


def upgrade(data: dict, path: str | Path = "compare.json") -> dict:
    """``data`` as a format-2 document (a new dict; ``data`` is left as it is)."""
    version = data.get("format_version")
    if version == FORMAT_VERSION:
        return _with_two_energy_figures(data)
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


def _two_energy_figures(estimate: dict) -> dict:
    """An estimate whose ``energy_uj`` is the older {total, dynamic, static} (static power x
    latency + dynamic, no board power) with the two figures: single image = that total;
    at throughput = static power / FPS + dynamic; board idle power 0 (not modelled then)."""
    energy, fps, latency_ms = estimate.get("energy_uj"), estimate.get("fps"), estimate.get("latency_ms")
    numbers = (energy.get("total"), energy.get("dynamic"), energy.get("static"), fps, latency_ms) \
        if isinstance(energy, dict) and set(energy) == {"total", "dynamic", "static"} else ()
    if not numbers or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers) \
            or not (fps > 0 and latency_ms > 0):
        return estimate  # already the new form, or malformed: the record's reader says what is wrong
    total, dynamic, static = numbers[:3]
    static_power_w = static / (latency_ms * 1e3)  # static µJ = W x latency ms x 1e3
    at_throughput = static_power_w / fps * 1e6 + dynamic
    return {**estimate, "energy_uj": {
        "per_inference_at_throughput": at_throughput, "single_image": total, "dynamic": dynamic,
        "power_at_throughput_w": at_throughput * fps / 1e6, "board_idle_power_w": 0.0,
        "static_power_w": static_power_w}}


def _with_two_energy_figures(data: dict) -> dict:
    """``data`` with every architecture's energy in the two-figure form (issue 12)."""
    archs = data.get("architectures")
    if not isinstance(archs, list):
        return data
    converted = [{**a, "estimate": _two_energy_figures(a["estimate"])}
                 if isinstance(a, dict) and isinstance(a.get("estimate"), dict) else a for a in archs]
    return data if converted == archs else {**data, "architectures": converted}


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
    return _with_two_energy_figures(doc)
