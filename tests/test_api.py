"""The library layer (codesign.api) and the rules around it: the commands and compare call
it, importing it costs nothing, and nothing outside codesign/adapters names a family."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import codesign
import codesign.api as api
from codesign.catalogue import adapter_families

PACKAGE = Path(codesign.__file__).resolve().parent


def test_importing_the_api_loads_neither_torch_nor_finn():
    script = ("import sys, codesign.api; "
              "bad = [m for m in ('torch', 'finn', 'brevitas', 'codesign.compare') if m in sys.modules]; "
              "assert not bad, bad; print(sorted(codesign.api.__all__))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "estimate_design" in done.stdout and "train_study" in done.stdout and "build_domain_set" in done.stdout


def test_every_api_name_resolves_and_unknown_names_fail():
    for name in api.__all__:
        assert getattr(api, name).__name__ == name
    with pytest.raises(AttributeError, match="no attribute 'estimate_everything'"):
        api.estimate_everything  # noqa: B018 - the attribute access is the test


def test_prepare_study_checks_and_plans_before_any_training(tmp_path):
    from codesign.data import DataError

    plan = api.prepare_study("cnv_head", "sklearn_digits,animal_mnist", [0, 1], [5, None], [0.2])
    assert plan.spec.name == "cnv_head" and [d.name for d in plan.domains] == ["sklearn_digits", "animal_mnist"]
    # per seed: the main run, k=5 (k=all is the main run) and noise 0.2
    assert [r.tag for r in plan.runs] == ["seed0-kall-noise0", "seed0-k5-noise0", "seed0-kall-noise0.2",
                                          "seed1-kall-noise0", "seed1-k5-noise0", "seed1-kall-noise0.2"]
    assert not plan.random_backbone and plan.baseline_errors is None
    random = api.prepare_study("cnv_head", "sklearn_digits", [0], [], [], backbone_weights="random")
    assert random.random_backbone and random.spec.backbone.weights is None
    with pytest.raises(DataError, match="^no domain given in ','$"):
        api.prepare_study("cnv_head", ",", [0], [], [])
    with pytest.raises(FileNotFoundError, match="--backbone-weights .*nope.safetensors: file not found"):
        api.prepare_study("cnv_head", "sklearn_digits", [0], [], [], backbone_weights=str(tmp_path / "nope.safetensors"))


# ---- the layer rules ----

def _python_files(*skip: str) -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if "__pycache__" not in p.parts and not any(p.relative_to(PACKAGE).as_posix().startswith(s)
                                                              for s in skip))


def _imports(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_the_command_line_imports_the_commands():
    offenders = [p.relative_to(PACKAGE).as_posix() for p in _python_files("commands/", "cli.py", "__main__.py")
                 if any(m == "codesign.commands" or m.startswith("codesign.commands.")
                        for m in _imports(ast.parse(p.read_text(encoding="utf-8"))))]
    assert offenders == []


# A string equal to a family's name that is not that family (a graph spec's ``head:`` section).
NOT_A_FAMILY = {("specs/graph.py", "head")}
# The seed research's claims are statements about named families (its attention design
# against residual adapters, ...): they name them by definition, and adding a family never
# edits them. Only these two modules, and only these names.
SEED_CLAIMS = {("compare/claims.py", name) for name in ("attention", "parallel", "series", "finetune", "head")} | {
    ("report/sections_claims.py", "attention")}


def test_no_module_outside_the_adapters_names_a_family():
    """A family's facts travel with its registry entry (AdapterFamily class attributes):
    adding a family never means editing a list of names elsewhere in the package."""
    families = {entry.name for entry in adapter_families()}
    assert families >= {"finetune", "head", "attention"}
    found = []
    for path in _python_files("adapters/", "catalogue.py"):
        where = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in families and (where, node.value) not in NOT_A_FAMILY | SEED_CLAIMS:
                found.append(f"{where}:{node.lineno}: {node.value!r}")
    assert found == []


def test_the_decathlon_baseline_is_a_flag_of_its_family():
    from codesign.adapters.base import decathlon_baselines

    assert decathlon_baselines() == [e.name for e in adapter_families() if e.decathlon_baseline]  # static = live
    assert len(decathlon_baselines()) == 1
