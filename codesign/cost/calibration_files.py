"""Which calibration an estimate uses, and strict checks of a calibration file.

Precedence (first match wins):

1. an explicit file (``--calibration FILE`` of ``codesign estimate`` / ``compare``);
2. the device spec's optional ``calibration:`` field (a path relative to the device
   YAML's folder; ``load_device`` resolves it);
3. the shipped model, ``data/calibration/model.json`` (fitted on the public builds,
   docs/calibration.md).

A calibration file is what ``CalibrationModel.save`` writes (``codesign calibrate`` or
``benchmarks/bench_calibration.py --write-model``). It is checked field by field before
any conversion starts: one-line ``InputError`` naming the file and the field. The
SHA-256 of its bytes goes into compare's point keys, so a different calibration
recomputes the estimates.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codesign.cost.calibration import (
    INTERVAL_BASES, POOLED, RESOURCES, CalibrationModel, EstimateTerms, is_special,
)
from codesign.errors import InputError
from codesign.store.shipped import shipped_dir

MAX_CALIBRATION_BYTES = 4 * 1024 * 1024  # the shipped model is ~15 KiB
MODEL_FILE = "model.json"
FORMS = ("ratio", "constant", "ratio+constant", "spread")  # spread: whole-design residuals
TERMS = ("",) + tuple(EstimateTerms.__dataclass_fields__)
BASES = INTERVAL_BASES


@dataclass(frozen=True)
class LoadedCalibration:
    model: CalibrationModel
    origin: str  # what the user reads: the file and why it was chosen
    sha256: str  # of the file's bytes (compare's point keys)
    path: Path  # the file read (absolute), for workers that load it again


def shipped_model_path() -> Path:
    return shipped_dir("calibration") / MODEL_FILE


def load_calibration(path: str | Path | None, device_spec=None) -> LoadedCalibration:
    """The calibration to use: ``path`` (``--calibration``), else the device spec's
    ``calibration`` field, else the shipped model."""
    if path is not None:
        return read_calibration(path, f"{path} (--calibration)")
    chosen = getattr(device_spec, "calibration", None)
    if chosen:
        return read_calibration(chosen, f"{chosen} (device {device_spec.name}: calibration)")
    return read_calibration(shipped_model_path(), "shipped data/calibration/model.json")


def read_calibration(path: str | Path, origin: str) -> LoadedCalibration:
    """Read and check one calibration file (size, JSON, every field)."""
    path = Path(path)
    raw = _read_bytes(path)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); expected a calibration file "
                         "(codesign calibrate --out)") from None
    model = CalibrationModel.from_dict(validate_calibration(data, path.name), str(path))
    return LoadedCalibration(model, origin, hashlib.sha256(raw).hexdigest(), path.resolve())


def _read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:  # at most one byte past the limit: /dev/zero ends
            raw = stream.read(MAX_CALIBRATION_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: calibration file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; expected a calibration JSON file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read calibration file ({exc.strerror})") from None
    if len(raw) > MAX_CALIBRATION_BYTES:
        raise InputError(f"{path}: larger than {MAX_CALIBRATION_BYTES:,} bytes; expected a calibration "
                         "file of a few KiB")
    return raw


def _fail(name: str, field: str, expected: str, got: Any) -> InputError:
    shown = repr(got)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return InputError(f"{name}: {field}: expected {expected}, got {shown}")


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_correction(c: Any, where: str, name: str) -> tuple[str, str]:
    """One correction's fields; returns its (op_type, resource)."""
    if not isinstance(c, dict):
        raise _fail(name, where, "an object", c)
    checks = [
        ("op_type", lambda v: isinstance(v, str) and v.strip() != "", "an op type name"),
        ("resource", lambda v: v in RESOURCES, f"one of {', '.join(RESOURCES)}"),
        ("form", lambda v: v in FORMS, f"one of {', '.join(FORMS)}"),
        ("term", lambda v: v in TERMS, f"one of {', '.join(t or repr(t) for t in TERMS)}"),
        ("ratio", lambda v: _finite(v) and v > 0, "a finite number > 0"),
        ("constant", lambda v: _finite(v) and v >= 0, "a finite number >= 0"),
        ("log_low", _finite, "a finite number"),
        ("log_high", _finite, "a finite number"),
        ("n_rows", _count, "a count >= 0"),
        ("n_groups", _count, "a count >= 0"),
    ]
    for field, ok, expected in checks:
        if field not in c:
            raise InputError(f"{name}: {where}.{field}: missing (expected {expected})")
        if not ok(c[field]):
            raise _fail(name, f"{where}.{field}", expected, c[field])
    if c["log_low"] > c["log_high"]:
        raise _fail(name, f"{where}.log_low", f"<= log_high ({c['log_high']})", c["log_low"])
    optional = [("lobo_mean_abs_error", lambda v: v is None or (_finite(v) and v >= 0), "null or a number >= 0"),
                ("lobo_n", _count, "a count >= 0"),
                ("interval_basis", lambda v: v in BASES, f"one of {', '.join(BASES)}"),
                # a constant's extrapolation beyond the FINN terms it was fitted on
                ("range_term", lambda v: v in TERMS, f"one of {', '.join(t or repr(t) for t in TERMS)}"),
                ("range_max", lambda v: _finite(v) and v >= 0, "a finite number >= 0"),
                ("range_ratio", lambda v: _finite(v) and v > 0, "a finite number > 0")]
    for field, ok, expected in optional:
        if field in c and not ok(c[field]):
            raise _fail(name, f"{where}.{field}", expected, c[field])
    return c["op_type"], c["resource"]


def _check_header(data: Any, name: str) -> None:
    if not isinstance(data, dict):
        raise _fail(name, "top level", "a JSON object with 'corrections'", type(data).__name__)
    corrections = data.get("corrections")
    if not isinstance(corrections, list) or not corrections:
        raise _fail(name, "corrections", "a non-empty list of corrections", corrections)
    quantiles = data.get("quantiles", [0.1, 0.9])
    if not (isinstance(quantiles, list) and len(quantiles) == 2 and all(_finite(q) for q in quantiles)
            and 0 < quantiles[0] < quantiles[1] < 1):
        raise _fail(name, "quantiles", "[low, high] with 0 < low < high < 1", quantiles)
    sources = data.get("sources", [])
    if not (isinstance(sources, list) and all(isinstance(s, str) for s in sources)):
        raise _fail(name, "sources", "a list of strings", sources)


def validate_calibration(data: Any, name: str) -> dict:
    """``data`` (a parsed calibration file) if every field is valid; else one-line
    ``InputError`` naming ``name`` and the field. Each resource with any correction needs
    a pooled (``*``) one, the fallback for op types without their own."""
    _check_header(data, name)
    seen: set[tuple[str, str]] = set()
    for index, c in enumerate(data["corrections"]):
        key = _check_correction(c, f"corrections[{index}]", name)
        if key in seen:
            raise _fail(name, f"corrections[{index}]", "one correction per op type and resource",
                        f"a second {key[0]}/{key[1]}")
        seen.add(key)
    for resource in RESOURCES:
        ops = {op for op, r in seen if r == resource}
        if any(not is_special(op) for op in ops) and (POOLED, resource) not in seen:
            raise InputError(f"{name}: corrections: no pooled ('{POOLED}') correction for {resource}; "
                             "expected one per resource, the fallback for op types without their own")
    return data
