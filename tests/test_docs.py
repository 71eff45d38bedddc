"""The project's own docs: nothing cites the external background file, every cited
``docs/*.md`` exists, links inside docs/ resolve, and docs/devices.md's table agrees
with the shipped device files."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from codesign.specs.device import list_devices, load_device

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
# Spelled in two pieces so that this file does not itself mention the name it forbids.
EXTERNAL_BACKGROUND = "CONTEXT" + ".md"
DOC_CITATION = re.compile(r"\bdocs/[\w./-]+?\.md\b")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
# Never part of the project's own files (virtualenv, caches, installed data).
NOT_PROJECT = {".git", ".venv", "third_party", ".cache", ".pytest_cache", "__pycache__",
               "node_modules"}
CITING_SUFFIXES = {".py", ".yaml", ".yml", ".toml", ".sh", ".md", ".cfg", ".txt"}


def project_files() -> list[Path]:
    """Tracked files plus new files git does not ignore; a plain walk without git."""
    if shutil.which("git") and (REPO / ".git").exists():
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
        paths = [REPO / name for name in listed if name]
    else:
        paths = [p for p in REPO.rglob("*") if not NOT_PROJECT & set(p.relative_to(REPO).parts)]
    return sorted(p for p in paths if p.is_file())


def citing_files() -> list[Path]:
    return [p for p in project_files() if p.suffix in CITING_SUFFIXES or p.name == "Makefile"]


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # binary files cite nothing


def test_no_file_cites_the_external_background_file():
    offenders = []
    for path in project_files():
        text = read_text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if EXTERNAL_BACKGROUND in line:
                offenders.append(f"{path.relative_to(REPO)}:{number}")
    assert not offenders, f"cite docs/*.md instead of {EXTERNAL_BACKGROUND}: {offenders}"


def test_every_cited_docs_file_exists():
    cited: dict[str, list[str]] = {}
    for path in citing_files():
        for match in DOC_CITATION.findall(read_text(path) or ""):
            cited.setdefault(match, []).append(str(path.relative_to(REPO)))
    missing = {doc: where for doc, where in cited.items() if not (REPO / doc).is_file()}
    assert not missing, f"cited but not in the repository: {missing}"
    # The citations this issue put in place are found (the scan itself works).
    assert "hw_specs/pynq-z1.yaml" in cited["docs/devices.md"]
    assert "hw_specs/_energy_28nm.yaml" in cited["docs/energy.md"]
    assert "pyproject.toml" in cited["docs/dependencies.md"]


def test_links_between_docs_resolve():
    docs = sorted(DOCS.glob("*.md"))
    assert {p.name for p in docs} >= {"README.md", "devices.md", "energy.md", "dependencies.md",
                                      "finn-without-vivado.md", "data.md"}
    broken = []
    for doc in docs:
        for target in MARKDOWN_LINK.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # external URL
            if not (doc.parent / target.split("#")[0]).exists():
                broken.append(f"{doc.name} -> {target}")
    assert not broken, f"broken links: {broken}"


def test_every_docs_file_is_indexed():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    unindexed = [p.name for p in DOCS.glob("*.md") if p.name != "README.md" and f"({p.name})" not in index]
    assert not unindexed, f"docs/README.md does not link {unindexed}"


def device_table_rows() -> dict[str, list[str]]:
    """docs/devices.md's resource table: file stem -> cells after the file name."""
    lines = (DOCS / "devices.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| file | board | exact part"))
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[Path(cells[0]).stem] = cells[1:]
    return rows


def test_device_table_in_docs_matches_shipped_specs():
    rows = device_table_rows()
    assert sorted(rows) == sorted(p.stem for p in list_devices())
    for name, (_board, part, lut, ff, bram18, uram, dsp, clock_mhz) in rows.items():
        dev = load_device(name)
        r = dev.resources
        assert (part, int(lut), int(ff), int(bram18), int(uram), int(dsp)) == (
            dev.part, r.lut, r.ff, r.bram18, r.uram, r.dsp), name
        assert float(clock_mhz) == pytest.approx(dev.clock_mhz), name
