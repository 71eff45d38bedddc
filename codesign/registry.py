"""Name -> factory registries filled by decorators (``@register_backbone("cnv")``).

A registry is an explicit object created once per kind; nothing here is mutated except
by the decorators at import time of the module that defines a backbone or adapter.
"""

from __future__ import annotations

from typing import Callable, Generic, TypeVar
from codesign.errors import InputError

T = TypeVar("T")


class UnknownNameError(InputError, KeyError):
    """Raised for a name that is not registered; the message lists the registered ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = obj
            return obj

        return decorator

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}; registered: {', '.join(self.names())}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries
