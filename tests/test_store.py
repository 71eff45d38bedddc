"""codesign.store: the cache root, file and code digests, and what each cache kind is keyed by."""

from __future__ import annotations

import ast
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codesign import store
from codesign.compare.points import code_key
from codesign.store import DESIGN_CODE, ESTIMATE_CODE, SHARED_PLUMBING, TRAIN_CODE


def test_cache_root_explicit_beats_environment_beats_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.CACHE_DIR_ENV, raising=False)
    assert store.cache_root(None) == tmp_path / ".cache"
    monkeypatch.setenv(store.CACHE_DIR_ENV, "")  # set but empty: as if unset
    assert store.cache_root(None) == tmp_path / ".cache"
    monkeypatch.setenv(store.CACHE_DIR_ENV, str(tmp_path / "from_env"))
    assert store.cache_root(None) == tmp_path / "from_env"
    assert store.cache_root("given") == tmp_path / "given"  # relative: below the working directory
    assert store.cache_root(tmp_path / "abs") == tmp_path / "abs"
    root = store.cache_root(None)
    assert (store.designs_dir(root), store.points_dir(root), store.domains_dir(root)) == \
        (root / "designs", root / "points", root / "domains")


def test_file_sha256_matches_hashlib_across_chunks(tmp_path):
    data = bytes(range(256)) * 5000  # 1.28 MB: more than one 1 MiB chunk
    path = tmp_path / "w.bin"
    path.write_bytes(data)
    assert store.file_sha256(path) == hashlib.sha256(data).hexdigest()


def test_tool_versions_name_every_tool():
    versions = store.tool_versions()
    assert list(versions) == list(store.TOOL_PACKAGES)
    assert versions["finn-plus"] == "1.6.1" and versions["brevitas"] == "0.13.0"


def test_code_digest_reads_source_without_importing_torch():
    script = ("import codesign.store, sys; d = codesign.store.code_digest('codesign.cost'); "
              "assert len(d) == 64; assert 'torch' not in sys.modules, 'torch imported'; "
              "assert 'codesign.cost' not in sys.modules, 'codesign.cost imported'")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_code_digest_rejects_unknown_parts():
    with pytest.raises(ValueError, match="codesign.nothing"):
        store.code_digest("codesign.nothing")
    with pytest.raises(ValueError, match="numpy"):
        store.code_digest("numpy")


def edited_copy(tmp_path: Path, relative: str, monkeypatch) -> None:
    """Point the digests at a copy of the package with one byte appended to ``relative``."""
    copy = tmp_path / "codesign"
    shutil.copytree(store.PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / relative
    target.write_bytes(target.read_bytes() + b"\n")
    monkeypatch.setattr(store, "PACKAGE_ROOT", copy)


def _code_keys() -> dict[str, str]:
    return {"design": store.code_digest(*DESIGN_CODE), "estimate": code_key("estimate"), "train": code_key("train")}


@pytest.mark.parametrize("edited, changed", [
    ("cost/ff.py", {"estimate"}),
    ("train/loop.py", {"train"}),
    ("finn/convert.py", {"design", "estimate"}),
    ("data/subsets.py", {"train"}),
    ("compare/work.py", {"estimate", "train"}),
    ("errors.py", set()),  # messages cannot change a number: every cache is kept
])
def test_an_edit_changes_the_code_key_of_exactly_the_kinds_it_computes(tmp_path, monkeypatch, edited, changed):
    before = _code_keys()
    edited_copy(tmp_path, edited, monkeypatch)
    after = _code_keys()
    assert {kind for kind in before if before[kind] != after[kind]} == changed


# ---- the declarations cover the code each kind runs (its import closure) ----

def _module_file(name: str) -> Path | None:
    base = store.PACKAGE_ROOT.joinpath(*name.split(".")[1:])
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def _imported(tree: ast.AST, package: str) -> set[str]:
    """codesign modules imported anywhere in ``tree`` (function-level imports too)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + [module]).strip(".")
            found |= {module} | {f"{module}.{a.name}" for a in node.names if _module_file(f"{module}.{a.name}")}
    return {m for m in found if m.split(".")[0] == "codesign"}


def _closure(start: set[str]) -> set[str]:
    """Every codesign module reachable from ``start`` through imports (an over-estimate of
    the code that runs; parent packages' __init__ files only re-export, so not followed)."""
    seen, todo = set(), list(start)
    while todo:
        name = todo.pop()
        path = _module_file(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        todo += sorted(_imported(ast.parse(path.read_text(encoding="utf-8")), package))
    return seen


def _entry(module_path: str, function: str) -> set[str]:
    """What one function imports, plus the module-level imports of its file."""
    tree = ast.parse((store.PACKAGE_ROOT / module_path).read_text(encoding="utf-8"))
    package = "codesign." + module_path.rsplit("/", 1)[0].replace("/", ".")
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
    top = ast.Module(body=[n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))], type_ignores=[])
    return _imported(node, package) | _imported(top, package)


def _uncovered(closure: set[str], declared: tuple[str, ...]) -> list[str]:
    return sorted(m for m in closure if not any(m == d or m.startswith(d + ".") for d in declared)
                  and not any(m == d or m.startswith(d + ".") for d in SHARED_PLUMBING))


def test_declared_code_covers_every_module_each_kind_imports():
    assert _uncovered(_closure({"codesign.graph.cache"}), DESIGN_CODE) == []
    # compare/work.py estimate_point -> cost/design.py estimate_design -> graph.cache, cost
    assert _entry("compare/work.py", "estimate_point") == {"codesign.cost.design", "codesign.cost.summary"}
    estimate = _closure(_entry("compare/work.py", "estimate_point"))
    assert {"codesign.cost.ff", "codesign.finn.convert"} <= estimate  # the walk does reach them
    assert _uncovered(estimate, ESTIMATE_CODE) == []
    train = _closure(_entry("compare/work.py", "train_point"))
    assert {"codesign.train.loop", "codesign.data.subsets"} <= train
    assert not any(m.startswith(("codesign.finn", "codesign.cost")) for m in train)
    assert _uncovered(train, TRAIN_CODE) == []
