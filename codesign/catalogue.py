"""What is registered, read from the source without importing it (``codesign ls``).

Backbones and adapter families register themselves with decorators when their modules
are imported, and those modules import torch and Brevitas (~4-10 s). Listing them must
not cost that, so this module reads the same decorators statically: every
``@register_adapter("name")`` class with its ``description`` (and the facts the rest of
codesign needs of a family: ``decathlon_baseline``, ``training_cost``; class attributes
of codesign.adapters.base.AdapterFamily) and every ``@register_backbone("name")``
factory with the first line of its docstring. A test checks that this view equals the
imported registries, so the two cannot drift.

Installed plugins (codesign.plugins) are listed next to them with their origin; a plugin
is code outside this package, so listing one imports it (and whatever it imports).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from codesign.errors import InputError
from codesign.plugins import ADAPTER_GROUP, BACKBONE_GROUP, BUILTIN_ORIGIN, DEVICE_GROUP, discover

PACKAGE_DIR = Path(__file__).resolve().parent


# AdapterFamily's class attributes read here, with the base class's defaults
FAMILY_DEFAULTS = {"description": "", "decathlon_baseline": False, "training_cost": 2.0}


@dataclass(frozen=True)
class Registered:
    name: str
    description: str
    module: str  # dotted module path that registers it
    decathlon_baseline: bool = False  # families: the Decathlon-style score's fine-tuning baseline
    training_cost: float = FAMILY_DEFAULTS["training_cost"]  # families: relative time of a training run


def _decorator_name(node: ast.expr, decorator: str) -> str | None:
    """The registered name of ``@decorator("name")``, or None for any other decorator."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == decorator:
        if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            return node.args[0].value
    return None


def _class_constants(node: ast.ClassDef) -> dict:
    """The FAMILY_DEFAULTS attributes a class body assigns a constant to."""
    found = {}
    for item in node.body:
        target = item.targets[0] if isinstance(item, ast.Assign) and len(item.targets) == 1 else \
            item.target if isinstance(item, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id in FAMILY_DEFAULTS and isinstance(item.value, ast.Constant):
            found[target.id] = item.value.value
    return found


def _scan(subpackage: str, decorator: str) -> list[Registered]:
    found = []
    for path in sorted((PACKAGE_DIR / subpackage).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if not isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                continue
            for deco in node.decorator_list:
                name = _decorator_name(deco, decorator)
                if name is None:
                    continue
                module = f"codesign.{subpackage}.{path.stem}"
                if isinstance(node, ast.ClassDef) and decorator == "register_adapter":
                    facts = {**FAMILY_DEFAULTS, **_class_constants(node)}
                    found.append(Registered(name, str(facts["description"]), module,
                                            bool(facts["decathlon_baseline"]), float(facts["training_cost"])))
                else:
                    doc = (ast.get_docstring(node) or "").strip().splitlines()
                    found.append(Registered(name, doc[0] if doc else "", module))
    return sorted(found, key=lambda r: r.name)


def adapter_families() -> list[Registered]:
    return _scan("adapters", "register_adapter")


def backbones() -> list[Registered]:
    return _scan("models", "register_backbone")


@dataclass(frozen=True)
class Listed:
    """One row of ``codesign ls``: a registered name, what it is, and who registers it."""

    name: str
    description: str
    origin: str  # "codesign", or "<distribution> <version>" of the plugin that registers it


# Rows that could be listed, and the one-line problem of each plugin that could not be.
Listing = tuple[list[Listed], list[InputError]]


def listed_backbones() -> Listing:
    return _with_plugins([Listed(e.name, e.description, BUILTIN_ORIGIN) for e in backbones()],
                         BACKBONE_GROUP, _plugin_backbone)


def listed_adapter_families() -> Listing:
    return _with_plugins([Listed(e.name, e.description, BUILTIN_ORIGIN) for e in adapter_families()],
                         ADAPTER_GROUP, _plugin_family)


def device_files() -> tuple[list[tuple[Path, str]], list[InputError]]:
    """(device YAML, origin) of the shipped devices and of every plugin device, by name."""
    from codesign.specs.device import device_file, list_devices

    found = [(path, BUILTIN_ORIGIN) for path in list_devices()]
    problems: list[InputError] = []
    for name, plugins in sorted(discover(DEVICE_GROUP).items()):
        try:
            found.append((device_file(name), plugins[0].origin))
        except InputError as err:  # broken plugin, or a clash with a shipped device
            problems.append(err)
    return sorted(found, key=lambda item: item[0].stem), problems


def _with_plugins(rows: list[Listed], group: str, describe: Callable[[str], Listed]) -> Listing:
    problems: list[InputError] = []
    for name in sorted(discover(group)):
        try:
            rows.append(describe(name))
        except InputError as err:  # broken plugin, or a name clash (the built-in row stays)
            problems.append(err)
    return sorted(rows, key=lambda row: row.name), problems


def _plugin_backbone(name: str) -> Listed:
    from codesign.models import BACKBONES  # imports torch: only when a plugin is installed

    doc = (BACKBONES.get(name).__doc__ or "").strip().splitlines()
    return Listed(name, doc[0] if doc else "", BACKBONES.origin(name))


def _plugin_family(name: str) -> Listed:
    from codesign.adapters import ADAPTERS  # imports torch: only when a plugin is installed

    return Listed(name, str(ADAPTERS.get(name).description), ADAPTERS.origin(name))
