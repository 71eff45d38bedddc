"""Every test file must be collected: pytest silently skips folders it does not recurse
into (its default ``norecursedirs`` includes ``build``), which once hid 29 tests of
``codesign build`` from both ``make test`` and ``make test-all``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter so the project's own pytest configuration (pyproject.toml)
# decides what is collected, exactly as `make test` would. A collect report exists for
# every module pytest visits, whether it collects, skips (importorskip) or fails to import.
_RECORD_COLLECTED_FILES = """
import json, sys
import pytest

class Recorder:
    def __init__(self):
        self.files = set()

    def pytest_collectreport(self, report):
        path = report.nodeid.split("::")[0]
        if path.endswith(".py"):
            self.files.add(path)

recorder = Recorder()
code = pytest.main(["--collect-only", "-q", "-m", "", "-p", "no:cacheprovider", "tests"],
                   plugins=[recorder])
with open(sys.argv[1], "w") as out:
    json.dump({"exit_code": int(code), "files": sorted(recorder.files)}, out)
"""


def uncollected_test_files(root: Path, record: Path) -> tuple[set[str], int, str]:
    """(test files under root/tests that pytest never visits, pytest's exit code, its output)."""
    proc = subprocess.run([sys.executable, "-c", _RECORD_COLLECTED_FILES, str(record)], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert record.exists(), f"collection subprocess died: {proc.stderr[-2000:]}"
    result = json.loads(record.read_text())
    on_disk = {p.relative_to(root).as_posix() for p in (root / "tests").rglob("test_*.py")
               if "__pycache__" not in p.parts}
    return on_disk - set(result["files"]), result["exit_code"], proc.stdout[-3000:]


def test_every_test_file_of_the_project_is_collected(tmp_path):
    missing, exit_code, output = uncollected_test_files(ROOT, tmp_path / "collected.json")
    assert missing == set(), f"pytest never collects {sorted(missing)} (a folder named build? norecursedirs?)"
    # 0: collected; 5 cannot happen with tests present; anything else is a collection error.
    assert exit_code == 0, f"collection failed (exit {exit_code}):\n{output}"


def test_no_folder_named_build_in_the_package_or_tests():
    found = [p.relative_to(ROOT).as_posix() for top in ("codesign", "tests")
             for p in (ROOT / top).rglob("build") if p.is_dir()]
    assert found == [], f"pytest and linters skip folders named build: rename {found}"


def _fake_project(root: Path, ini_options: str, hidden_dir: str) -> None:
    root.mkdir()
    (root / "pyproject.toml").write_text(f"[tool.pytest.ini_options]\ntestpaths = ['tests']\n{ini_options}")
    for rel in ("tests/test_seen.py", f"tests/{hidden_dir}/test_hidden.py"):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("def test_ok():\n    assert True\n")


@pytest.mark.parametrize("ini_options, hidden_dir", [
    ("", "build"),                                 # pytest's default norecursedirs
    ("norecursedirs = ['extra']\n", "extra"),      # a project setting that hides a folder
])
def test_the_guard_reports_a_hidden_test_folder(tmp_path, ini_options, hidden_dir):
    project = tmp_path / "project"
    _fake_project(project, ini_options, hidden_dir)
    missing, exit_code, _ = uncollected_test_files(project, tmp_path / "collected.json")
    assert missing == {f"tests/{hidden_dir}/test_hidden.py"}
    assert exit_code == 0
