"""Fixtures: tiny synthetic domains written to tmp folders (see synthdata.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from synthdata import write_image_folder, write_npz


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    return write_image_folder(tmp_path / "shapes", {"dark": 12, "mid": 12, "light": 12}, corrupt=2)


@pytest.fixture
def npz_domain(tmp_path: Path) -> Path:
    return write_npz(tmp_path / "tiny.npz")


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"
