"""What is registered, read from the source without importing it (``codesign ls``).

Backbones and adapter families register themselves with decorators when their modules
are imported, and those modules import torch and Brevitas (~4-10 s). Listing them must
not cost that, so this module reads the same decorators statically: every
``@register_adapter("name")`` class with its ``description`` (and the facts the rest of
codesign needs of a family: ``decathlon_baseline``, ``training_cost``; class attributes
of codesign.adapters.base.AdapterFamily) and every ``@register_backbone("name")``
factory with the first line of its docstring. A test checks that this view equals the
imported registries, so the two cannot drift.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

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
