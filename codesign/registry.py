"""Name -> factory registries filled by decorators (``@register_backbone("cnv")``) and,
for the kinds that accept plugins, by installed packages' entry points (codesign.plugins).

A registry is an explicit object created once per kind; nothing here is mutated except
by the decorators at import time of the module that defines a backbone or adapter.
Plugins are looked up by name, lazily: a built-in name never imports a plugin, so a
broken plugin breaks only the lookups of its own name.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

import codesign.plugins as plugins
from codesign.errors import InputError

T = TypeVar("T")


class UnknownNameError(InputError, KeyError):
    """Raised for a name that is not registered; the message lists the registered ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class Registry(Generic[T]):
    def __init__(self, kind: str, entry_points: str | None = None, expected: type | None = None):
        self.kind = kind
        # entry-point group of installed packages that add to this registry (None: none can)
        self.entry_points = entry_points
        # what a plugin must name: a subclass of `expected`, or (None) any callable
        self.expected = expected
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice: by "
                                 f"{_module(self._entries[name])} and by {_module(obj)}")
            self._entries[name] = obj
            return obj

        return decorator

    def get(self, name: str) -> T:
        plugin = self._plugin(name)
        if plugin is not None:
            return self._checked(plugin, plugins.load(plugin))
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}; registered: {', '.join(self.names())}"
            ) from None

    def names(self) -> list[str]:
        return sorted(set(self._entries) | set(self._plugin_names()))

    def origin(self, name: str) -> str:
        """Who registers ``name``: ``codesign``, or ``<distribution> <version>`` of a plugin."""
        plugin = self._plugin(name)
        return plugin.origin if plugin is not None else plugins.BUILTIN_ORIGIN

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._plugin_names()

    def _plugin_names(self) -> dict[str, tuple[plugins.Plugin, ...]]:
        return plugins.discover(self.entry_points) if self.entry_points else {}

    def _plugin(self, name: str) -> plugins.Plugin | None:
        found = self._plugin_names().get(name, ())
        if not found:
            return None
        builtin = self._entries.get(name)
        # a plugin module that also used the decorator has registered its own object: no clash
        clash = builtin is not None and _module(builtin) != found[0].module
        return plugins.plugin_for(self.entry_points, self.kind, name,
                                  f"{plugins.BUILTIN_ORIGIN} ({_module(builtin)})" if clash else None)

    def _checked(self, plugin: plugins.Plugin, obj: Any) -> T:
        if self.expected is not None:
            if not (isinstance(obj, type) and issubclass(obj, self.expected)):
                raise plugins.PluginError(f"{plugin.describe()}: expected a subclass of "
                                          f"{self.expected.__module__}.{self.expected.__qualname__}, got {obj!r}")
        elif not callable(obj):
            raise plugins.PluginError(f"{plugin.describe()}: expected a {self.kind} factory (callable), got {obj!r}")
        return obj


def _module(obj: object) -> str:
    return str(getattr(obj, "__module__", None) or type(obj).__module__)
