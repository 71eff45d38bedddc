"""Tiny two-domain builds: a graph spec file, checkpoints and a shared conversion cache."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest
import torch
import yaml

TINY_SPEC = {
    "name": "tiny_scale_bias",
    "backbone": {"name": "tiny", "input_size": 16, "weight_bits": 4, "act_bits": 4},
    "adapter": {"family": "scale_bias"},  # per-domain thresholds + head: both memory kinds
    "head": {"weight_bits": 4},
}
DOMAINS = ("digits", "letters")


def write_spec(directory: Path, spec: dict = TINY_SPEC) -> Path:
    path = Path(directory) / f"{spec['name']}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def write_checkpoints(spec_path: Path, directory: Path, domains=DOMAINS, classes: int = 10,
                      seed: int = 1) -> Path:
    """Domain checkpoints as ``model.save_domain`` writes them after training; the modules
    are perturbed (seeded) instead of trained, so each domain has its own distinct values."""
    from codesign.graph.design import perturb_domain
    from codesign.network.factory import build_model
    from codesign.specs.graph import load_graph

    torch.manual_seed(0)
    model = build_model(load_graph(spec_path))
    for i, name in enumerate(domains):
        model.add_domain(name, classes)
        perturb_domain(model.domains[name], seed + i)
        model.save_domain(name, directory)
    return Path(directory)


class TinyBuildInputs(NamedTuple):
    spec: Path         # graph spec file
    checkpoints: Path  # <domain>.json + <domain>.safetensors of DOMAINS
    cache_root: Path   # what `--cache-dir` takes; its designs/ holds the FINN conversions

    @property
    def designs(self) -> Path:
        """The converted-design cache that ``build(..., cache_dir=)`` takes."""
        from codesign.store import designs_dir

        return designs_dir(self.cache_root)


@pytest.fixture(scope="session")
def build_cache_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _cache_outside_the_working_tree(build_cache_root, monkeypatch):
    """A build without --cache-dir uses $CODESIGN_CACHE_DIR: keep it out of ./.cache."""
    from codesign.store import CACHE_DIR_ENV

    monkeypatch.setenv(CACHE_DIR_ENV, str(build_cache_root))


@pytest.fixture(scope="session")
def tiny_build_inputs(tmp_path_factory, build_cache_root) -> TinyBuildInputs:
    """Shared by the build tests, so the FINN conversions of the tiny model (a few
    seconds each) run once per session."""
    root = tmp_path_factory.mktemp("tiny_build")
    spec = write_spec(root)
    return TinyBuildInputs(spec, write_checkpoints(spec, root / "checkpoints"), build_cache_root)
