"""Tiny comparisons: two tiny architectures, two synthetic domains, a shared conversion.

FINN conversion is the slow part of any estimate (~10-40 s for a tiny graph), so the
session converts each tiny graph once (``tiny_designs``) and every test's cache folder
shares those conversions; training points are recomputed per test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from compare_helpers import TINY_FAMILIES, write_stripes_npz, write_tiny_graph


@pytest.fixture(scope="session")
def tiny_inputs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("compare_inputs")
    graphs = [write_tiny_graph(root, f) for f in TINY_FAMILIES]
    domains = f"a={write_stripes_npz(root / 'a.npz', 3, 30, 0)},b={write_stripes_npz(root / 'b.npz', 4, 30, 1)}"
    return {"root": root, "graphs": [str(g) for g in graphs], "domains": domains}


@pytest.fixture(scope="session")
def tiny_designs(tiny_inputs) -> Path:
    """Each tiny graph converted once per session (the estimate's design cache)."""
    from codesign.api.estimate import estimate_design

    designs = tiny_inputs["root"] / "designs"
    for graph in tiny_inputs["graphs"]:
        estimate_design(graph, "pynq-z1", classes=4, cache_dir=designs)
    return designs


@pytest.fixture
def cache_root(tmp_path, tiny_designs) -> Path:
    """A fresh cache root whose designs/ is the session's: the conversions of the trained
    weights (the same for every test with the same training settings) happen once per
    session too (entries are keyed by content and written atomically, so sharing is safe)."""
    root = tmp_path / "cache"
    root.mkdir()
    (root / "designs").symlink_to(tiny_designs, target_is_directory=True)
    return root
