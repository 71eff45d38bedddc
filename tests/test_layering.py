"""The package's layering, read from the source (no import): who may import whom.

- No import cycle between codesign modules, counting every import statement anywhere
  in a file (function-level imports included: they run too, only later), nor between
  its packages (codesign.cost, codesign.models, ...).
- The library never calls the command layer: only codesign/commands/ and codesign/cli.py
  import codesign.commands.
- Atomic renames and temporary files live in codesign/store/ (one implementation of
  "a reader never sees half a file"), apart from the exceptions listed with their reason.
- No module works out where the repository is (REPO_ROOT): codesign.store.shipped does.

Import edges: ``import a.b.c`` and ``from a.b.c import x`` import module a.b.c;
``from a.b import c`` imports a.b and, when c is a module, a.b.c. Initialising a parent
package on the way (Python imports a.b before a.b.c) is not counted: every module would
otherwise import its own package.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "codesign"

# Calls that rename into place or create a named temporary file: codesign.store's job.
ATOMIC_PRIMITIVES = {("os", "replace"), ("os", "rename"), ("tempfile", "mkstemp")}
# module -> why it may use them anyway (none today; add one with its reason)
ATOMIC_EXCEPTIONS: dict[str, str] = {}
COMMAND_LAYER = ("codesign.commands", "codesign.cli")


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. codesign.cost.ff (a package: its __init__)
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        return self.name if self.path.name == "__init__.py" else self.name.rsplit(".", 1)[0]


def _modules() -> dict[str, Module]:
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        found[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return found


MODULES = _modules()


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.package.split(".")
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imported_modules(module: Module) -> set[str]:
    """The codesign modules ``module`` imports anywhere in its file."""
    targets: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            targets.add(source)
            targets |= {f"{source}.{alias.name}" for alias in node.names if f"{source}.{alias.name}" in MODULES}
    return {t for t in targets if t in MODULES and t != module.name}


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for module in MODULES.values():
        graph.add_node(module.name)
        graph.add_edges_from((module.name, target) for target in imported_modules(module))
    return graph


def test_the_walk_sees_every_kind_of_import():
    """The edges this file relies on: module level, function level, relative, from-package."""
    graph = import_graph()
    assert graph.has_edge("codesign.cost.estimate", "codesign.cost.ff")  # from codesign.cost import ff
    assert graph.has_edge("codesign.graph.design", "codesign.finn.convert")  # inside a function
    assert graph.has_edge("codesign.graph.cache", "codesign.store")  # from codesign.store import ...
    assert not graph.has_edge("codesign.cost.ff", "codesign.cost")  # a parent package on the way
    assert len(graph) == len(MODULES) > 100


def test_no_import_cycle_between_modules():
    graph = import_graph()
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            one = nx.find_cycle(graph.subgraph(component))
            cycles.append(f"{sorted(component)}, e.g. " + " -> ".join([a for a, _ in one] + [one[0][0]]))
    assert not cycles, "modules that import each other (directly or round a loop):\n  " + "\n  ".join(cycles)


def _layer(module: str) -> str:
    """The top-level part of codesign a module belongs to (codesign.cost.ff -> codesign.cost)."""
    return ".".join(module.split(".")[:2])


def test_no_import_cycle_between_packages():
    """The packages are layers (specs -> models, adapters -> network -> finn -> graph -> cost
    ...): a package never imports, through any of its modules, a package that imports it."""
    modules = import_graph()
    layers = nx.DiGraph()
    layers.add_edges_from((_layer(a), _layer(b)) for a, b in modules.edges if _layer(a) != _layer(b))
    cycles = []
    for component in nx.strongly_connected_components(layers):
        if len(component) > 1:
            edges = sorted(f"{a} -> {b}" for a, b in modules.edges
                           if _layer(a) in component and _layer(b) in component and _layer(a) != _layer(b))
            cycles.append(f"{sorted(component)} through:\n    " + "\n    ".join(edges))
    assert not cycles, "packages that import each other:\n  " + "\n  ".join(cycles)


def _in(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_library_never_imports_the_command_layer():
    offenders = sorted(f"{m.name} imports {', '.join(sorted(t for t in imported_modules(m) if _in(t, ('codesign.commands',))))}"
                       for m in MODULES.values() if not _in(m.name, COMMAND_LAYER)
                       and any(_in(t, ("codesign.commands",)) for t in imported_modules(m)))
    assert not offenders, "library modules that call the command layer:\n  " + "\n  ".join(offenders)


def _atomic_primitives_used(module: Module) -> set[str]:
    used = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and (node.value.id, node.attr) in ATOMIC_PRIMITIVES:
            used.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module in {m for m, _ in ATOMIC_PRIMITIVES}:
            used |= {f"{node.module}.{a.name}" for a in node.names if (node.module, a.name) in ATOMIC_PRIMITIVES}
    return used


def test_atomic_renames_and_temporary_files_only_in_the_store():
    offenders = sorted(f"{m.name}: {', '.join(sorted(_atomic_primitives_used(m)))}" for m in MODULES.values()
                       if not _in(m.name, ("codesign.store",)) and m.name not in ATOMIC_EXCEPTIONS
                       and _atomic_primitives_used(m))
    assert not offenders, ("write through codesign.store (atomic_write_*, atomic_file, atomic_folder, "
                           "replace_folder) instead of:\n  " + "\n  ".join(offenders))
    assert _atomic_primitives_used(MODULES["codesign.store.atomic"]) >= {"os.replace"}  # the check can see it


def _defines(tree: ast.Module, name: str) -> bool:
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return True
    return False


def test_no_module_defines_the_repository_root():
    tests_dir = Path(__file__).resolve().parent
    files = [m.path for m in MODULES.values()] + sorted(tests_dir.rglob("*.py"))
    offenders = sorted(str(p.relative_to(PACKAGE_DIR.parent)) for p in files
                       if _defines(ast.parse(p.read_text(encoding="utf-8")), "REPO_ROOT"))
    assert not offenders, ("REPO_ROOT defined in (use codesign.store.shipped: shipped_dir, "
                           "resolve_shipped, checkout_root):\n  " + "\n  ".join(offenders))
