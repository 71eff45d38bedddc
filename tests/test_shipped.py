"""Finding shipped specs and weights (codesign/store/shipped.py) from any working directory."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codesign.models.weights import resolve_path
from codesign.store.shipped import KINDS, checkout_root, resolve_shipped, shipped_dir
from codesign.specs.device import device_file
from codesign.specs.graph import resolve_graph_path

REPO = Path(__file__).resolve().parents[1]
WEIGHTS = "checkpoints/cnv_x0.5_w4a4_glyphs.safetensors"


def test_checkout_reads_the_top_level_folders():
    assert checkout_root() == REPO
    for kind in ("graphs", "hw_specs", "checkpoints"):
        assert shipped_dir(kind) == REPO / kind
    assert shipped_dir("calibration") == REPO / "data" / "calibration"
    with pytest.raises(ValueError, match="unknown kind of shipped files 'models'"):
        shipped_dir("models")


def test_shipped_names_resolve_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_graph_path("cnv_head") == REPO / "graphs" / "cnv_head.yaml"
    assert resolve_graph_path("graphs/cnv_head.yaml") == REPO / "graphs" / "cnv_head.yaml"
    assert device_file("pynq-z1") == REPO / "hw_specs" / "pynq-z1.yaml"
    assert device_file("hw_specs/pynq-z1.yaml") == REPO / "hw_specs" / "pynq-z1.yaml"
    assert resolve_path(WEIGHTS) == REPO / WEIGHTS


def test_an_existing_user_path_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "graphs").mkdir()
    (tmp_path / "graphs" / "cnv_head.yaml").write_text("name: mine\n")
    (tmp_path / "cnv_attention").write_text("name: mine\n")  # a file without a suffix
    assert resolve_graph_path("graphs/cnv_head.yaml") == Path("graphs/cnv_head.yaml")
    assert resolve_graph_path("cnv_attention") == Path("cnv_attention")
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / WEIGHTS).write_bytes(b"mine")
    assert resolve_path(WEIGHTS) == Path(WEIGHTS)


def test_unknown_names_come_back_unchanged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_shipped("no_such_graph", "graphs", ".yaml") == Path("no_such_graph")
    assert resolve_shipped("graphs/no_such.yaml", "graphs") == Path("graphs/no_such.yaml")
    assert resolve_shipped("elsewhere/cnv_head.yaml", "graphs", ".yaml") == Path("elsewhere/cnv_head.yaml")
    # a weight path that is nowhere keeps the checkout-relative meaning it always had
    assert resolve_path("checkpoints/missing.safetensors") == REPO / "checkpoints" / "missing.safetensors"


def test_built_package_carries_every_shipped_kind(tmp_path):
    """setup.py's build_py (what ``pip install .`` runs) copies each kind into
    codesign/_shipped/, the calibration data and model included (MANIFEST.in: the sdist)."""
    source = tmp_path / "src"
    for item in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "codesign", "graphs", "hw_specs",
                 "checkpoints", "data/calibration"):
        target = source / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / item).is_dir():
            shutil.copytree(REPO / item, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / item, target)
    done = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path / "lib")],
                          cwd=source, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    shipped = tmp_path / "lib" / "codesign" / "_shipped"
    assert sorted(p.name for p in shipped.iterdir()) == sorted(KINDS)
    for name in ("model.json", "nodes.csv", "builds.csv"):
        assert (shipped / "calibration" / name).read_bytes() == (REPO / "data" / "calibration" / name).read_bytes()
    assert "graft data/calibration" in (REPO / "MANIFEST.in").read_text().splitlines()
