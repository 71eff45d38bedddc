"""Behaviour every adapter family must have, on the tiny backbone and on cnv."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from codesign.models.accounting import storage_report
from codesign.models.export import export_domain_qonnx, run_qonnx
from codesign.network.factory import build_model
from codesign.specs.graph import GRAPH_DIR, load_graph
from tests.conftest import FAMILY_PARAMS, tiny_model


def _batch(model, n=4, seed=1):
    g = torch.Generator().manual_seed(seed)
    size = model.backbone.input_size
    return torch.rand(n, 3, size, size, generator=g) * 2 - 1, torch.randint(0, 5, (n,), generator=g)


def _train_step(model, domain, x, y, lr=0.5):
    model.train()
    opt = torch.optim.SGD(model.domain_parameters(domain), lr=lr)
    loss = F.cross_entropy(model(x, domain), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    model.eval()


def _perturb(model, domain, scale=0.3, seed=3):
    """Random domain weights, so outputs depend on them (fresh adapters start at identity)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.domains[domain].parameters():
            p.add_(scale * torch.randn(p.shape, generator=g))


def test_output_shape_and_only_domain_parameters_trainable(family):
    model = tiny_model(family)
    model.add_domain("a", 5)
    model.add_domain("b", 7)
    x, _ = _batch(model)
    assert model(x, "a").shape == (4, 5)
    assert model(x, "b").shape == (4, 7)
    assert all(not p.requires_grad for p in model.backbone.parameters())
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    owned = {id(p) for d in ("a", "b") for p in model.domains[d].parameters()}
    assert trainable == owned and trainable


def test_training_step_keeps_backbone_and_other_domain_fixed(family):
    model = tiny_model(family)
    model.add_domain("a", 5)
    model.add_domain("b", 5)
    _perturb(model, "b")
    model.eval()
    x, y = _batch(model)
    backbone_before = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    a_before = {k: v.clone() for k, v in model.domain_state_dict("a").items()}
    b_out_before = model(x, "b").detach()
    _train_step(model, "a", x, y)
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, backbone_before[key]), f"backbone tensor {key} changed"
    assert torch.equal(model(x, "b").detach(), b_out_before)
    changed = [k for k, v in model.domain_state_dict("a").items() if not torch.equal(v, a_before[k])]
    assert changed, "a training step changed nothing in domain a"


def test_save_load_round_trip_and_parameter_count(family, tmp_path):
    model = tiny_model(family)
    model.add_domain("a", 6)
    _perturb(model, "a")
    x, y = _batch(model)
    _train_step(model, "a", x, y, lr=0.1)  # also moves BN statistics
    meta_path = model.save_domain("a", tmp_path)
    expected = model(x, "a").detach()

    fresh = tiny_model(family, seed=123)  # other init; backbone seeded differently
    fresh.backbone.load_state_dict(model.backbone.state_dict())
    fresh.load_domain("a", tmp_path)
    fresh.eval()
    assert torch.equal(fresh(x, "a").detach(), expected)

    saved = load_file(str(meta_path.with_suffix(".safetensors")))
    report = storage_report(model.domains["a"])
    assert report.trainable_parameters + report.buffer_elements == sum(t.numel() for t in saved.values())
    assert report.trainable_parameters == sum(p.numel() for p in model.domain_parameters("a"))


def test_tiny_qonnx_export_matches_pytorch(family, tmp_path):
    model = tiny_model(family)
    model.add_domain("a", 5)
    _perturb(model, "a")
    model.eval()
    x, _ = _batch(model, n=2)
    path = export_domain_qonnx(model, "a", tmp_path / "a.onnx", batch=2)
    np.testing.assert_allclose(run_qonnx(path, x.numpy()), model(x, "a").detach().numpy(), atol=1e-4)


CNV_GRAPHS = sorted(p.stem for p in GRAPH_DIR.glob("cnv_*.yaml"))


def test_every_family_has_a_cnv_graph():
    assert sorted(g.removeprefix("cnv_") for g in CNV_GRAPHS) == sorted(FAMILY_PARAMS)


@pytest.fixture(scope="module")
def cnv_models():
    cache = {}

    def get(name):
        if name not in cache:
            torch.manual_seed(0)
            model = build_model(load_graph(GRAPH_DIR / f"{name}.yaml"))
            model.add_domain("a", 10)
            model.add_domain("b", 10)
            _perturb(model, "b")
            model.eval()
            cache[name] = model
        return cache[name]

    return get


@pytest.mark.parametrize("graph", CNV_GRAPHS)
def test_cnv_family_behaviour(graph, cnv_models, tmp_path):
    model = cnv_models(graph)
    x, y = _batch(model, n=4)
    assert model(x, "a").shape == (4, 10)
    backbone_before = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    b_before = model(x, "b").detach()
    _train_step(model, "a", x, y, lr=0.05)
    assert all(torch.equal(v, backbone_before[k]) for k, v in model.backbone.state_dict().items())
    assert torch.equal(model(x, "b").detach(), b_before)
    model.save_domain("b", tmp_path)
    fresh = build_model(load_graph(GRAPH_DIR / f"{graph}.yaml"))
    fresh.backbone.load_state_dict(model.backbone.state_dict())
    fresh.load_domain("b", tmp_path)
    fresh.eval()
    assert torch.equal(fresh(x, "b").detach(), b_before)


def _matching_images(got: np.ndarray, want: np.ndarray) -> int:
    return sum(bool(np.allclose(g, w, atol=1e-4)) for g, w in zip(got, want))


# Per image, not all-or-nothing: on random inputs about a third of the images hold an
# activation within ~1e-6 of a quantiser's rounding boundary (PyTorch's own output moves
# under a 1e-6 nudge of the input), and qonnx's float32 accumulation order can round it the
# other way: one quantisation step that propagates to the logits. Measured on 16 images per
# graph: 0-2 mismatch (cnv_parallel 2, cnv_attention 2, cnv_series 0, cnv_scale_bias 0).
# An export that is wrong (another domain's weights, a lost branch) mismatches nearly all.
@pytest.mark.slow
@pytest.mark.parametrize("graph", CNV_GRAPHS)
def test_cnv_qonnx_export_matches_pytorch(graph, cnv_models, tmp_path):
    model = cnv_models(graph)
    x, _ = _batch(model, n=16)
    want = model(x, "b").detach().numpy()
    path = export_domain_qonnx(model, "b", tmp_path / "b.onnx", batch=16)
    assert _matching_images(run_qonnx(path, x.numpy()), want) >= 13
    # the comparison can fail: domain a's export against domain b's outputs
    other = export_domain_qonnx(model, "a", tmp_path / "a.onnx", batch=16)
    assert _matching_images(run_qonnx(other, x.numpy()), want) <= 2


def test_copies_backbone_norm_says_what_the_family_builds(family):
    """compare trains a family under both --bn-stats values only when it declares BatchNorms
    copied from the backbone: the declaration must match the modules it builds."""
    from codesign.adapters import ADAPTERS

    model = tiny_model(family)
    model.add_domain("a", 5)
    copied = any(getattr(m, "copied_from_backbone", False) for m in model.domains["a"].modules())
    assert ADAPTERS.get(family).copies_backbone_norm == copied
    assert copied == (family in ("parallel", "scale_bias", "finetune"))
