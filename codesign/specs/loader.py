"""Typed, validated loading of YAML specs into dataclasses.

Every spec file (device, graph, ...) goes through here so that every bad input gets
the same kind of error: one line naming the file, the field and what was expected.
YAML is parsed as ``yaml.safe_load`` does (spec files are data, never code), within
the size, nesting and alias limits of :mod:`codesign.specs.safe_yaml`.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from pathlib import Path
from typing import Any, Union

import yaml
from codesign.errors import InputError
from codesign.specs.names import name_problem, shown
from codesign.specs.safe_yaml import MAX_SPEC_BYTES, parse_spec_yaml

SHOWN_VALUE_CHARS = 80  # how much of a bad value an error message quotes
MAX_FIELD_CHARS = 80  # a hostile key can be megabytes long
MAX_MESSAGE_CHARS = 300
# Largest integer any spec field accepts: every int converts to float exactly, so cost
# formulas cannot overflow. Fields declare tighter "max" bounds where they mean sizes.
MAX_SPEC_INT = 2**53


class SpecError(InputError, ValueError):
    """A spec file is malformed. The message is one line: ``file: field: problem``."""

    def __init__(self, path: str | Path, field: str, problem: str):
        self.path = str(path)
        self.field = field
        self.problem = problem
        where = f"{self.path}: {_clip(field, MAX_FIELD_CHARS)}: " if field else f"{self.path}: "
        super().__init__(_clip(where + problem, MAX_MESSAGE_CHARS))


def _clip(text: str, limit: int) -> str:
    """``text`` on one line (line breaks escaped), cut to ``limit`` characters."""
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _got(value: Any) -> str:
    return shown(value, SHOWN_VALUE_CHARS)


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """Parse ``path`` as ``yaml.safe_load`` would (within the limits of
    :mod:`codesign.specs.safe_yaml`) and require a mapping at the top."""
    path = Path(path)
    try:
        with path.open("rb") as stream:  # read at most one byte past the limit: /dev/zero ends
            raw = stream.read(MAX_SPEC_BYTES + 1)
        if len(raw) > MAX_SPEC_BYTES:
            raise SpecError(path, "", f"file is larger than {MAX_SPEC_BYTES:,} bytes; expected a spec of a few KiB")
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise SpecError(path, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError(path, "", f"cannot read file ({err.__class__.__name__}: {err})") from None
    try:
        data = parse_spec_yaml(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise SpecError(path, "", f"malformed YAML: {line}{problem}") from None
    if data is None:
        raise SpecError(path, "", "file is empty; expected a YAML mapping")
    if not isinstance(data, dict):
        raise SpecError(path, "", f"expected a YAML mapping at the top level, got {type(data).__name__}")
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` updated by ``override``; nested mappings merge key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
    if origin is list:
        (item,) = typing.get_args(tp)
        return f"a list of {_type_name(item)}"
    if origin is dict:
        return "a mapping"
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return {int: "an integer", float: "a number", str: "a string", bool: "true/false"}.get(tp, str(tp))


def _convert(value: Any, tp: Any, path: Path, field: str) -> Any:
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(value, arg, path, field)
            except SpecError as err:
                errors.append(err)
        raise SpecError(path, field, f"expected {_type_name(tp)}, got {_got(value)}")
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            raise SpecError(path, field, f"expected {_type_name(tp)}, got {_got(value)}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise SpecError(path, field, f"expected {_type_name(tp)}, got {_got(value)}")
        (item,) = typing.get_args(tp)
        return [_convert(v, item, path, f"{field}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise SpecError(path, field, f"expected a mapping, got {_got(value)}")
        key_tp, value_tp = typing.get_args(tp)
        return {_convert(k, key_tp, path, f"{field}"): _convert(v, value_tp, path, f"{field}.{k}")
                for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        return build_dataclass(tp, value, path, field)
    if tp is bool:
        if not isinstance(value, bool):
            raise SpecError(path, field, f"expected true/false, got {_got(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(path, field, f"expected an integer, got {_got(value)}")
        if abs(value) > MAX_SPEC_INT:
            raise SpecError(path, field, f"expected an integer of magnitude <= 2**53, got {_got(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SpecError(path, field, f"expected a finite number, got {_got(value)}")
        return float(value)
    if tp is str:
        if not isinstance(value, str) or not value:
            raise SpecError(path, field, f"expected a non-empty string, got {_got(value)}")
        return value
    raise TypeError(f"unsupported spec field type {tp!r} for {field}")


def _check_bounds(value: Any, meta: typing.Mapping[str, Any], path: Path, field: str) -> None:
    if value is None:
        return
    if meta.get("path_safe") and (problem := name_problem(value)) is not None:
        raise SpecError(path, field, problem)
    values = value if isinstance(value, list) else [value]
    for v in values:
        if "min" in meta and v < meta["min"]:
            raise SpecError(path, field, f"expected a value >= {meta['min']}, got {_got(v)}")
        if "max" in meta and v > meta["max"]:
            raise SpecError(path, field, f"expected a value <= {meta['max']}, got {_got(v)}")
        if "gt" in meta and v <= meta["gt"]:
            raise SpecError(path, field, f"expected a value > {meta['gt']}, got {_got(v)}")
        if "choices" in meta and v not in meta["choices"]:
            raise SpecError(path, field, f"expected one of {', '.join(map(str, meta['choices']))}, got {_got(v)}")


def build_dataclass(cls: type, data: Any, path: str | Path, prefix: str = "") -> Any:
    """Build ``cls`` from a mapping, checking keys, types and ``field(metadata=...)`` bounds.

    Supported metadata keys: ``min``, ``max``, ``gt`` (numeric bounds), ``choices``, and
    ``path_safe`` (the value is used in file paths: :func:`codesign.specs.names.check_name`).
    Unknown keys and missing required fields are errors naming the field.
    """
    path = Path(path)
    if not isinstance(data, dict):
        raise SpecError(path, prefix or "", f"expected a mapping, got {_got(data)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(map(str, data)) - set(fields))
    if unknown:
        name = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise SpecError(path, name, f"unknown key; expected one of {', '.join(sorted(fields))}")
    kwargs = {}
    for name, fld in fields.items():
        full = f"{prefix}.{name}" if prefix else name
        if name not in data:
            if fld.default is dataclasses.MISSING and fld.default_factory is dataclasses.MISSING:
                raise SpecError(path, full, f"missing required field (expected {_type_name(hints[name])})")
            continue
        value = _convert(data[name], hints[name], path, full)
        _check_bounds(value, fld.metadata, path, full)
        kwargs[name] = value
    obj = cls(**kwargs)
    check = getattr(obj, "validate", None)
    if callable(check):
        check(path, prefix)
    return obj
