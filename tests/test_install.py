"""A non-editable install works away from the checkout: shipped specs and weights included.

The package is built from a copy of the source tree and installed with
``pip install --no-deps --no-build-isolation --no-index`` into a fresh venv whose
dependencies come from this venv through a ``.pth`` line (re-installing torch and finn
would download GBs; a .pth line adds a folder to sys.path without running the ``.pth``
files in it, so this venv's editable codesign finder stays out). Then the installed
``codesign`` script runs from a directory that is not the checkout.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
# What a source distribution holds (MANIFEST.in + pyproject.toml's readme).
SOURCE_ITEMS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md",
                "codesign", "graphs", "hw_specs", "checkpoints", "data")


def _run(args, cwd, env, timeout=600) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _copy_source(dest: Path) -> Path:
    """A clean copy, so the in-tree build folders land outside the checkout."""
    dest.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for item in SOURCE_ITEMS:
        src = REPO / item
        if src.is_dir():
            shutil.copytree(src, dest / item, ignore=ignore)
        else:
            shutil.copy2(src, dest / item)
    return dest


def _fresh_venv(root: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    site = Path(_run([root / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     root, _clean_env()).strip())
    (site / "_codesign_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return root


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "FINN_BUILD_DIR", "CODESIGN_CACHE_DIR")}
    return {**env, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def test_non_editable_install_runs_from_anywhere(tmp_path):
    pytest.importorskip("wheel", reason="setuptools<70 builds wheels with the 'wheel' package ([test] extra)")
    source = _copy_source(tmp_path / "src")
    venv = _fresh_venv(tmp_path / "venv")
    python, cli = venv / "bin" / "python", venv / "bin" / "codesign"
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    env = _clean_env(CODESIGN_CACHE_DIR=str(tmp_path / "cache"), TMPDIR=str(tmp_path))

    _run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
          source], elsewhere, env)
    where = _run([python, "-c", "import codesign, codesign.store.shipped as s; print(codesign.__file__); "
                  "print(s.shipped_dir('graphs')); print(s.checkout_root())"], elsewhere, env).split()
    site = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    assert Path(where[0]).is_relative_to(site), where  # the installed copy, not the checkout
    assert where[1] == str(site / "codesign" / "_shipped" / "graphs") and where[2] == "None"
    assert (site / "codesign" / "_shipped" / "calibration" / "model.json").is_file()
    fixture = REPO / "tests" / "cost" / "fixtures" / "finn_build_metafi_medium"
    refit = _run([cli, "calibrate", fixture, "--with-shipped", "--out", tmp_path / "cal.json"], elsewhere, env)
    assert "the shipped public builds" in refit and (tmp_path / "cal.json").is_file()

    graphs = _run([cli, "ls", "graphs"], elsewhere, env)
    assert {"cnv_head", "cnv_attention", "mobilenet_v2_parallel"} <= {line.split()[0] for line in graphs.splitlines()}
    devices = _run([cli, "ls", "devices"], elsewhere, env)
    pynq = next(line for line in devices.splitlines() if line.startswith("pynq-z1"))
    assert "xc7z020clg400-1" in pynq and "53200" in pynq

    # Reads the shipped graph, its base via extends, the shipped backbone weights and the
    # shipped device, then converts with FINN (a few minutes).
    estimate = _run([cli, "estimate", "cnv_head", "--device", "pynq-z1"], elsewhere, env, timeout=1500)
    assert "cnv_head on pynq-z1 (xc7z020clg400-1, 100 MHz)" in estimate, estimate
    assert any(line.startswith("fit: fits at the estimate") for line in estimate.splitlines()), estimate
    assert not any(p.name.startswith("codesign_finn_build_") for p in tmp_path.iterdir())
    assert not (elsewhere / ".cache").exists()  # the cache went to CODESIGN_CACHE_DIR


def test_editable_install_reads_the_checkout(tmp_path):
    """The Makefile's way (``pip install -e .``): shipped files come from the source tree."""
    pytest.importorskip("wheel", reason="setuptools<70 builds wheels with the 'wheel' package ([test] extra)")
    source = _copy_source(tmp_path / "src")
    venv = _fresh_venv(tmp_path / "venv")
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    env = _clean_env(TMPDIR=str(tmp_path))

    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
          "--no-index", "-e", source], elsewhere, env)
    where = _run([venv / "bin" / "python", "-c", "import codesign, codesign.store.shipped as s; "
                  "print(codesign.__file__); print(s.shipped_dir('checkpoints'))"], elsewhere, env).split()
    assert where == [str(source / "codesign" / "__init__.py"), str(source / "checkpoints")]
    assert not (source / "codesign" / "_shipped").exists()  # nothing copied into the checkout
    devices = _run([venv / "bin" / "codesign", "ls", "devices"], elsewhere, env)
    assert "pynq-z1" in devices and "(zcu104.yaml)" in devices
