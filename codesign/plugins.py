"""Backbones, adapter families and devices from other installed packages (entry points).

An installed distribution extends codesign by declaring entry points (its
``entry_points.txt``, from ``[project.entry-points."codesign.adapters"]`` in its
pyproject.toml) in three groups; the entry point's name is the registered name:

- ``codesign.backbones``: ``NAME = module:factory``, the backbone factory itself;
- ``codesign.adapters``: ``NAME = module:Class``, an ``AdapterFamily`` subclass;
- ``codesign.devices``: ``NAME = package`` (the package's folder holds ``NAME.yaml``),
  or ``NAME = module:function`` returning the path of that device's YAML file.

Nothing is imported to know which names exist: the metadata is read once per process on
the first lookup or listing, and a plugin is imported only when its own name is looked up
or listed (once per process). A spawned or Dask worker therefore finds plugins the first
time it resolves a name, with no extra step, and a plugin that fails to import breaks
only what uses it (or ``codesign ls`` of its kind), never a built-in design.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from codesign.errors import InputError, one_line

BUILTIN_ORIGIN = "codesign"  # the origin `codesign ls` shows for what ships with codesign
BACKBONE_GROUP = "codesign.backbones"
ADAPTER_GROUP = "codesign.adapters"
DEVICE_GROUP = "codesign.devices"


class PluginError(InputError):
    """An installed plugin that cannot be used: its import failed, it is not what its
    group expects, or its name is taken by codesign or another plugin."""


@dataclass(frozen=True)
class Plugin:
    """One entry point of an installed distribution."""

    group: str  # e.g. "codesign.adapters"
    name: str  # the registered name
    value: str  # "module:attribute" or "module"
    distribution: str
    version: str

    @property
    def origin(self) -> str:
        return f"{self.distribution} {self.version}"

    @property
    def module(self) -> str:
        return self.value.split(":", 1)[0].strip()

    def describe(self) -> str:
        return f"entry point {self.name} = {self.value} in group {self.group} of distribution {self.origin}"


_discovered: dict[str, dict[str, tuple[Plugin, ...]]] = {}  # group -> name -> plugins
_loaded: dict[Plugin, Any] = {}
_failed: dict[Plugin, PluginError] = {}  # a failed import is reported again, not retried


def discover(group: str) -> dict[str, tuple[Plugin, ...]]:
    """Registered name -> the plugins declaring it (two or more: a clash), from the
    installed distributions' metadata, read once per process. Imports no plugin."""
    if group not in _discovered:
        found: dict[str, dict[str, Plugin]] = {}
        for entry in metadata.entry_points(group=group):
            dist = entry.dist
            plugin = Plugin(group, entry.name, entry.value, dist.name if dist else "unknown distribution",
                            dist.version if dist else "?")
            found.setdefault(entry.name, {}).setdefault(plugin.distribution, plugin)
        # by distribution name: a clash names the same two plugins whatever sys.path's order
        _discovered[group] = {name: tuple(by_dist[d] for d in sorted(by_dist)) for name, by_dist in found.items()}
    return _discovered[group]


def forget() -> None:
    """Read the metadata again on the next lookup (tests that install a fake distribution)."""
    _discovered.clear()
    _loaded.clear()
    _failed.clear()


def plugin_for(group: str, kind: str, name: str, builtin_origin: str | None = None) -> Plugin | None:
    """The plugin registering ``name`` in ``group``, or None. A clash raises
    :class:`PluginError` naming both origins: the name is also registered by
    ``builtin_origin`` (given when it is), or by two distributions."""
    found = discover(group).get(name, ())
    if not found:
        return None
    first_origin = builtin_origin if builtin_origin is not None else found[0].describe()
    other = found[0] if builtin_origin is not None else found[1] if len(found) > 1 else None
    if other is not None:
        raise PluginError(f"{kind} {name!r} is registered twice: by {first_origin} and by {other.describe()}; "
                          "uninstall one of them or rename the entry point")
    return found[0]


def load(plugin: Plugin) -> Any:
    """The object the entry point names, imported once per process. Any failure raises
    :class:`PluginError` naming the entry point, its distribution and the exception."""
    if plugin in _failed:
        raise _failed[plugin]
    if plugin not in _loaded:
        try:
            _loaded[plugin] = metadata.EntryPoint(plugin.name, plugin.value, plugin.group).load()
        except Exception as err:  # noqa: BLE001 - whatever the plugin raises, say which plugin
            _failed[plugin] = PluginError(one_line(f"{plugin.describe()} failed to load: "
                                                   f"{type(err).__name__}: {err}"))
            raise _failed[plugin] from err
    return _loaded[plugin]


def device_file(name: str, shipped: Path | None) -> Path | None:
    """The YAML file of plugin device ``name``, or None when no plugin declares it.
    ``shipped``: codesign's own file of that name, if any (then a plugin clashes)."""
    plugin = plugin_for(DEVICE_GROUP, "device", name, f"{BUILTIN_ORIGIN} ({shipped})" if shipped else None)
    if plugin is None:
        return None
    target = load(plugin)
    if isinstance(target, ModuleType):
        # a namespace package (no __init__.py) has no __file__, only its folders
        folders = [Path(target.__file__).parent] if target.__file__ else [Path(p) for p in target.__path__]
        files = [folder / f"{name}.yaml" for folder in folders]
        path = next((file for file in files if file.is_file()), files[0])
    elif callable(target):
        try:
            path = Path(target())
        except Exception as err:  # noqa: BLE001 - whatever the plugin raises, say which plugin
            raise PluginError(one_line(f"{plugin.describe()}: calling it failed: "
                                       f"{type(err).__name__}: {err}")) from err
    else:
        raise PluginError(f"{plugin.describe()}: expected a package holding {name}.yaml or a function "
                          f"returning the file's path, got {type(target).__name__}")
    if not path.is_file():
        raise PluginError(f"{plugin.describe()}: device file {path} not found (expected {name}.yaml)")
    return path


def cache_key_part(backbone: str, family: str) -> dict[str, str]:
    """What a design's cache key needs to know of the plugins its spec uses: each one's
    origin and the SHA-256 of the module its entry point names. Empty for codesign's own
    parts (their source is in the key's code digest), so built-in keys do not change."""
    part = {}
    for group, name in ((BACKBONE_GROUP, backbone), (ADAPTER_GROUP, family)):
        found = discover(group).get(name)
        if found:
            part[f"{group}:{name}"] = f"{found[0].origin} {_module_sha256(found[0].module)}"
    return part


def _module_sha256(module: str) -> str:
    try:
        origin = importlib.util.find_spec(module).origin
        return hashlib.sha256(Path(origin).read_bytes()).hexdigest()
    except (ImportError, AttributeError, TypeError, ValueError, OSError):  # no source file to read
        return "source unknown"
