"""The recipe of docs/extending.md, followed with a throw-away adapter family.

The family is defined here, registered for the length of one test only (the shipped
registries stay as they are for every other test), described by a graph YAML written
to a temporary folder, and then goes through what a shipped family goes through:
spec validation, model building, per-domain parameters and checkpoints, and FINN's
conversion to HW layers, bit-exact. Nothing else in the package had to change for it,
which is the point of the recipe.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch

from codesign.adapters import ADAPTERS
from codesign.adapters.base import AdapterConfig, AdapterFamily, DomainModule, copy_norm, site_key
from codesign.models.backbone import Backbone, UnitHooks

FAMILY = "stage_norm_test"


@dataclass
class StageNormConfig(AdapterConfig):
    sites: str | list[str] = "stage_ends"  # per-domain BatchNorm at the downsampling units only


class StageNormDomain(DomainModule):
    def __init__(self, head, site_names: list[str]):
        super().__init__(head)
        self.site_names = site_names

    def hooks(self) -> dict[str, UnitHooks]:
        return {name: UnitHooks(norm=self.site_modules[site_key(name)]) for name in self.site_names}


class StageNormFamily(AdapterFamily):
    Config = StageNormConfig
    description = "test only: per-domain BatchNorm at the stage ends"

    def build(self, backbone: Backbone, num_classes: int, head_bits: int) -> DomainModule:
        sites = self.sites(backbone)
        domain = StageNormDomain(self.make_head(backbone.feature_dim, num_classes, head_bits),
                                 [s.name for s in sites])
        for site in sites:
            domain.site_modules[site_key(site.name)] = copy_norm(backbone, site)
        return domain


@pytest.fixture
def registered(monkeypatch):
    """Step 2 of the recipe (the registry line), undone after the test."""
    assert FAMILY not in ADAPTERS
    monkeypatch.setitem(ADAPTERS._entries, FAMILY, StageNormFamily)
    yield StageNormFamily
    # monkeypatch removes the entry; the shipped registry is unchanged for later tests


@pytest.fixture
def spec_file(tmp_path):
    """Step 4 of the recipe: a graph YAML naming the family."""
    path = tmp_path / "tiny_stage_norm.yaml"
    path.write_text(f"name: tiny_stage_norm\n"
                    f"backbone: {{name: tiny, input_size: 16, weight_bits: 4, act_bits: 4}}\n"
                    f"adapter: {{family: {FAMILY}, weight_bits: 4}}\n"
                    f"head: {{weight_bits: 4}}\n")
    return path


def _model(spec_file):
    from codesign.network.factory import build_model
    from codesign.specs.graph import load_graph

    torch.manual_seed(0)
    model = build_model(load_graph(spec_file))
    model.add_domain("a", 10)
    model.add_domain("b", 4)
    return model


def test_spec_validates_the_new_family_and_its_fields(registered, spec_file, tmp_path):
    from codesign.specs.graph import load_graph
    from codesign.specs.loader import SpecError

    spec = load_graph(spec_file)
    assert spec.family == FAMILY and spec.adapter.sites == "stage_ends"
    bad = tmp_path / "bad.yaml"
    bad.write_text(spec_file.read_text().replace("weight_bits: 4}", "weight_bits: 4, nope: 1}", 1))
    with pytest.raises(SpecError, match="adapter.nope"):
        load_graph(bad)


def test_model_owns_only_the_family_parameters_and_round_trips(registered, spec_file, tmp_path):
    model = _model(spec_file)
    sites = [s.name for s in StageNormFamily(StageNormConfig()).sites(model.backbone)]
    assert sites  # the tiny backbone has stage ends
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith("domains.") for n in trainable)
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    assert model(x, "a").shape == (2, 10) and model(x, "b").shape == (2, 4)
    model.save_domain("a", tmp_path / "ckpt")
    before = model(x, "a").detach()
    with torch.no_grad():
        for p in model.domains["a"].parameters():
            p.add_(0.5)
    model.load_domain("a", tmp_path / "ckpt")
    assert torch.equal(model(x, "a").detach(), before)


def test_new_family_converts_completely_and_exactly_with_finn(registered, spec_file, tmp_path):
    pytest.importorskip("finn")
    from codesign.graph.design import perturb_domain
    from tests.finn.test_finn_families import assert_complete, assert_exact, convert

    model = _model(spec_file)
    perturb_domain(model.domains["a"], seed=0, scale=0.3)
    model.eval()
    hw, report = convert(model, tmp_path, domain="a")
    assert_complete(hw, report)
    assert_exact(model, hw, domain="a")
