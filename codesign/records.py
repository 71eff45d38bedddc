"""Typed records that travel as JSON: dataclasses with ``to_dict()`` / ``from_dict()``.

A record's dict form is its fields in declaration order (that order is the key order of
the JSON files), nested records as dicts, lists and ``dict[str, X]`` as themselves. A
field declared with ``metadata=OMIT_IF_NONE`` is left out while it is None (a key that
older files never had). ``from_dict`` rebuilds the nested records from the type hints
and refuses what does not fit, with one line naming the path of the key
(``reports/x/compare.json: architectures[2].estimate.fps: expected a number, got 'fast'``).
Numbers are never converted: a value read back is the value written, bit for bit.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, TypeVar

from codesign.errors import InputError

OMIT_IF_NONE = {"omit_if_none": True}  # field metadata: no key while the value is None

R = TypeVar("R", bound="Record")


class RecordError(InputError, ValueError):
    """A JSON document that does not fit its record (one line naming the key's path)."""


class Record:
    """Mixin of a dataclass record: ``to_dict()`` and ``from_dict(data, where)``."""

    def to_dict(self) -> dict:
        return _dump(self)

    @classmethod
    def from_dict(cls: type[R], data: Any, where: str | None = None) -> R:
        return _load(cls, data, where or cls.__name__)


def _dump(value: Any) -> Any:
    if not isinstance(value, (Record, type)) and callable(getattr(value, "to_dict", None)):
        return value.to_dict()  # a record of another layer that writes itself (train.record.RunRecord)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not (f.metadata.get("omit_if_none") and getattr(value, f.name) is None)}
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_dump(item) for item in value]
    return value


@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _child(where: str, key: str) -> str:
    """The path of a key below ``where`` ("compare.json: domains" below "compare.json:")."""
    return f"{where} {key}" if where.endswith(":") else f"{where}.{key}"


def _at(where: str) -> str:
    return where[:-1] if where.endswith(":") else where


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _load(kind: Any, data: Any, where: str) -> Any:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return _load(options[0], data, where)
        return _load_any_of(options, data, where)
    if isinstance(kind, type) and not issubclass(kind, Record) and callable(getattr(kind, "from_dict", None)):
        try:  # a record of another layer that reads itself (train.record.RunRecord)
            return kind.from_dict(data)
        except (ValueError, TypeError, KeyError) as err:
            raise RecordError(f"{_at(where)}: {' '.join(str(err).split())}") from None
    if dataclasses.is_dataclass(kind):
        return _load_record(kind, data, where)
    if origin is dict or kind is dict:
        if not isinstance(data, dict):
            raise RecordError(f"{_at(where)}: expected an object, got {_describe(data)}")
        item = args[1] if args else Any
        return {key: _load(item, value, _child(where, key)) for key, value in data.items()}
    if origin is list or kind is list:
        if not isinstance(data, list):
            raise RecordError(f"{_at(where)}: expected a list, got {_describe(data)}")
        item = args[0] if args else Any
        return [_load(item, value, f"{where}[{i}]") for i, value in enumerate(data)]
    return _load_scalar(kind, data, where)


def _load_any_of(options: list, data: Any, where: str) -> Any:
    for option in options:
        try:
            return _load(option, data, where)
        except RecordError:
            continue
    raise RecordError(f"{_at(where)}: unexpected value {_describe(data)}")


SCALARS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _load_scalar(kind: Any, data: Any, where: str) -> Any:
    if kind is Any:
        return data
    ok = {int: isinstance(data, int) and not isinstance(data, bool),
          float: isinstance(data, (int, float)) and not isinstance(data, bool),
          str: isinstance(data, str), bool: isinstance(data, bool)}.get(kind)
    if ok is None:
        raise TypeError(f"{_at(where)}: records cannot hold {kind!r}")  # a bug in a record's declaration
    if not ok:
        raise RecordError(f"{_at(where)}: expected {SCALARS[kind]}, got {_describe(data)}")
    return data


def _load_record(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise RecordError(f"{_at(where)}: expected an object, got {_describe(data)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [key for key in data if key not in fields]
    if unknown:
        raise RecordError(f"{_at(where)}: unknown key {unknown[0]!r}; expected {', '.join(fields)}")
    hints = _hints(cls)
    values = {}
    for name, field in fields.items():
        if name in data:
            values[name] = _load(hints[name], data[name], _child(where, name))
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise RecordError(f"{_at(where)}: missing key {name!r}")
    return cls(**values)
