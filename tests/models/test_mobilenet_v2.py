"""MobileNetV2 backbone: topology, ImageNet weight mapping, quantised vs float output."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from codesign.models import BACKBONES
from codesign.models.mobilenet_v2 import (
    imagenet_weights_path,
    load_torchvision_weights,
    mobilenet_v2,
)
from codesign.models.weights import WeightsError

# torchvision's MobileNetV2 parameter count (3,504,872) minus its classifier (1280*1000 + 1000).
BACKBONE_PARAMS = 3_504_872 - 1_281_000
# Written out again (not imported) so the float reference checks the module's topology.
TABLE = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
         (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


@pytest.fixture(scope="module")
def state():
    return torch.load(imagenet_weights_path(), map_location="cpu", weights_only=True)


@pytest.fixture(scope="module")
def net32():
    return mobilenet_v2(input_size=32).eval()


def float_reference(sd: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """torchvision's MobileNetV2 features + global average pool, in plain functional ops."""

    def unit(x, conv, bn, stride=1, depthwise=False, relu6=True):
        w = sd[f"{conv}.weight"]
        x = F.conv2d(x, w, stride=stride, padding=w.shape[-1] // 2, groups=x.shape[1] if depthwise else 1)
        x = F.batch_norm(x, sd[f"{bn}.running_mean"], sd[f"{bn}.running_var"], sd[f"{bn}.weight"],
                         sd[f"{bn}.bias"], training=False, eps=1e-5)
        return F.hardtanh(x, 0.0, 6.0) if relu6 else x

    x = unit(x, "features.0.0", "features.0.1", stride=2)
    i = 1
    for t, c, n, s in TABLE:
        for r in range(n):
            p, j, h = f"features.{i}.conv", 0, x
            if t != 1:
                h, j = unit(h, f"{p}.0.0", f"{p}.0.1"), 1
            h = unit(h, f"{p}.{j}.0", f"{p}.{j}.1", stride=s if r == 0 else 1, depthwise=True)
            h = unit(h, f"{p}.{j + 1}", f"{p}.{j + 2}", relu6=False)
            x = x + h if h.shape == x.shape else h  # skip: stride 1, same channels
            i += 1
    return unit(x, f"features.{i}.0", f"features.{i}.1").mean((2, 3))


def dead_leaves(n: int, size: int, shapes: int, seed: int) -> torch.Tensor:
    """Overlapping flat rectangles in [-1, 1): image-like edges and flat regions, unlike
    i.i.d. noise, which drives the ImageNet network into an atypical weak regime."""
    g = torch.Generator().manual_seed(seed)
    img = (torch.rand(n, 3, 1, 1, generator=g) * 2 - 1).expand(n, 3, size, size).clone()
    coords = torch.arange(size)
    for _ in range(shapes):
        lo, hi = torch.randint(0, size, (2, n, 2), generator=g).sort(dim=0).values
        color = torch.rand(n, 3, 1, 1, generator=g) * 2 - 1
        rows = (coords >= lo[:, 0, None]) & (coords <= hi[:, 0, None])  # (n, size)
        cols = (coords >= lo[:, 1, None]) & (coords <= hi[:, 1, None])
        img = torch.where((rows[:, :, None] & cols[:, None, :])[:, None], color, img)
    return img


def test_registered_and_geometry(net32):
    assert BACKBONES.get("mobilenet_v2") is mobilenet_v2
    sites = net32.sites
    assert len(sites) == 52  # stem + (dw, project) + 16 x (expand, dw, project) + last 1x1
    assert len({s.name for s in sites}) == 52
    assert sites[0].name == "features.0" and sites[0].out_hw == (16, 16) and sites[0].stride == 2
    assert [s.name for s in sites[1:6]] == ["features.1.dw", "features.1.project", "features.2.expand",
                                            "features.2.dw", "features.2.project"]
    last = sites[-1]
    assert (last.name, last.in_channels, last.out_channels, last.in_hw, last.out_hw) == \
        ("features.18", 320, 1280, (1, 1), (1, 1))
    assert all(s.groups == s.in_channels == s.out_channels for s in sites if s.name.endswith(".dw"))
    assert max(s.stage for s in sites) == 5  # 32 px / 2^5 = 1 px
    assert net32.feature_dim == 1280


def test_residual_blocks_share_one_quantiser(net32):
    residual = [units for units, res in net32.blocks if res]
    assert len(residual) == 10  # torchvision: n - 1 per row of the table
    assert sum(s.residual for s in net32.sites) == 30
    assert sorted(i for units, _ in net32.blocks for i in units) == list(range(52))
    projections = [u for u, s in zip(net32.units, net32.sites) if s.name.endswith(".project")]
    assert len(projections) == 17 and all(u.act is net32.residual_quant for u in projections)


def test_parameter_count(net32, state):
    assert sum(p.numel() for p in net32.parameters()) == BACKBONE_PARAMS == 2_223_872
    learned = sum(v.numel() for k, v in state.items() if not k.startswith("classifier.")
                  and "running_" not in k and "num_batches" not in k)
    assert learned == BACKBONE_PARAMS


def test_imagenet_features_finite(net32):
    x = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(1)) * 2 - 1
    with torch.no_grad():
        features = net32(x).features
    assert features.shape == (4, 1280)
    assert torch.isfinite(features).all() and features.abs().sum() > 0


def test_quantised_close_to_float(state):
    # Measured mean cosine 0.943-0.970 over seeds 0-9 (min per image 0.88); the loss comes
    # from 35 ReLU6 quantisers at 6/255 steps and the shared bottleneck grid (8/127).
    net = mobilenet_v2(input_size=64).eval()
    x = dead_leaves(8, 64, shapes=32, seed=0)
    with torch.no_grad():
        cos = F.cosine_similarity(net(x).features, float_reference(state, x))
    assert cos.mean() > 0.93 and cos.min() > 0.85, cos


def test_wrong_shape_names_file_and_tensor(net32, state, tmp_path):
    bad = dict(state)
    bad["features.5.conv.1.0.weight"] = torch.zeros(192, 1, 5, 5)
    path = tmp_path / "bad_mobilenet.pth"
    torch.save(bad, path)
    with pytest.raises(WeightsError, match=r"bad_mobilenet\.pth.*'features\.5\.conv\.1\.0\.weight'"):
        load_torchvision_weights(net32, path)


def test_own_checkpoint_roundtrip_and_wrong_shape(net32, tmp_path):
    own = {k: v.contiguous() for k, v in net32.state_dict().items()}
    save_file(own, tmp_path / "ok.safetensors")
    reloaded = mobilenet_v2(input_size=32, weights=tmp_path / "ok.safetensors").eval()
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(2)) * 2 - 1
    with torch.no_grad():
        assert torch.equal(reloaded(x).features, net32(x).features)
    own["units.7.layer.weight"] = torch.zeros(3, 3)
    save_file(own, tmp_path / "bad.safetensors")
    with pytest.raises(WeightsError, match=r"bad\.safetensors.*'units\.7\.layer\.weight'"):
        mobilenet_v2(input_size=32, weights=str(tmp_path / "bad.safetensors"))


def test_random_init_width_and_low_bits():
    half = mobilenet_v2(width=0.5, weight_bits=4, act_bits=4, input_size=32, weights=None).eval()
    assert half.sites[0].out_channels == 16 and half.feature_dim == 1280  # torchvision keeps 1280
    with torch.no_grad():
        features = half(torch.rand(2, 3, 32, 32) * 2 - 1).features
    assert features.shape == (2, 1280) and torch.isfinite(features).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"input_size": 48}, "multiple of 32"),
    ({"input_size": 16}, "multiple of 32"),
    ({"width": 0.5}, "width 1.0 only"),
    ({"act_bits": 1}, "ReLU6 needs >= 2 bits"),
    ({"weight_bits": 9}, "bit width in 1..8"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mobilenet_v2(**kwargs)


@pytest.mark.parametrize("weights", ["none", "random"])
def test_spec_weights_none_is_not_turned_into_imagenet(tmp_path, state, weights):
    """`weights: none` in a spec must reach the factory as None, not be dropped (the
    factory's default is "imagenet")."""
    from codesign.network.factory import build_model
    from codesign.specs.graph import load_graph

    spec_file = tmp_path / "mnv2_none.yaml"
    spec_file.write_text("name: mnv2_none\nbackbone: {name: mobilenet_v2, weights: %s}\n"
                         "adapter: {family: head}\n" % weights)
    spec = load_graph(spec_file)
    assert spec.backbone.factory_kwargs()["weights"] is None
    stem = build_model(spec).backbone.state_dict()
    stem_weight = next(v for k, v in stem.items() if k.endswith("weight") and v.dim() == 4)
    assert stem_weight.shape == state["features.0.0.weight"].shape
    assert not torch.allclose(stem_weight, state["features.0.0.weight"])  # not the ImageNet stem


def test_spec_without_weights_keeps_factory_default(tmp_path):
    from codesign.specs.graph import load_graph

    spec_file = tmp_path / "mnv2_default.yaml"
    spec_file.write_text("name: mnv2_default\nbackbone: {name: mobilenet_v2}\nadapter: {family: head}\n")
    assert "weights" not in load_graph(spec_file).backbone.factory_kwargs()  # factory default: imagenet
