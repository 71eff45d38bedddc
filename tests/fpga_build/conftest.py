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


def build_two_domains(tmp_path: Path, spec_dict: dict, domains, name: str) -> dict:
    """`codesign build` of ``spec_dict`` for ``domains`` on zcu104 (real images where the
    domains are prepared in the checkout's cache), checked as every end-to-end build is:
    complete, each domain verified in integer mode on 64 images, cross-checked and with
    a switch payload, reconfigurable MVAUs and thresholds. Returns the manifest."""
    import json

    from codesign.cli import main
    from codesign.store import checkout_root, domains_dir

    root = checkout_root()  # prepared data is kept in the checkout's cache between runs
    data_cache = domains_dir(root / ".cache") if root is not None else tmp_path / "domains"
    spec = write_spec(tmp_path, spec_dict)
    ckpt = write_checkpoints(spec, tmp_path / "checkpoints", domains=domains)
    out = tmp_path / "builds" / name
    rc = main(["build", str(spec), "--device", "zcu104", "--domains", ",".join(domains), "--checkpoints",
               str(ckpt), "--out", str(out), "--data-cache", str(data_cache)])
    assert rc == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["design"]["reconfigurable"] > 0
    for domain in domains:
        v = m["verification"][domain]
        assert v["passed"] and v["images"] == 64 and v["mode"] == "integer", v
        assert m["crosscheck"][domain]["passed"]
        assert m["switch"]["per_domain"][domain]["write_bytes"] > 0
    kinds = {n.rsplit("_", 2)[0] for n, r in m["design"]["roles"].items() if r == "reconfigurable"}
    assert {"MVAU", "Thresholding"} <= kinds
    return m
