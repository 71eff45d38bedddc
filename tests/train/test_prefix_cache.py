"""Feature caching of the frozen prefix (train/prefix.py): for every family whose modules
start after a frozen unit, a cached run equals the live run (losses, accuracies, the
per-image test results and the trained weights, bit for bit); families whose first
module sits on unit 0 are not cacheable and run live."""

from __future__ import annotations

import pytest
import torch
from tests.conftest import tiny_model
from tests.train.conftest import synthetic_splits

from codesign.adapters import ADAPTERS
from codesign.models.mobilenet_v2 import mobilenet_v2
from codesign.network.multidomain import MultiDomainModel
from codesign.train.config import TrainConfig
from codesign.train.features import feature_route
from codesign.train.loop import add_seeded_domain, train_domain
from codesign.train.prefix import BLOCK_INPUT, prefix_cut

QUICK = dict(epochs=3, batch_size=8, patience=10, live_probe_batches=0, eval_batch_size=5)
# (family, sites) -> where the cache must sit on the tiny backbone (conv0 conv1 conv2 conv3 fc0)
CACHED = {("attention", None): "conv1 output", ("series", None): "conv0 output",
          ("parallel", ("conv2",)): "conv2 input", ("scale_bias", ("conv1", "conv3")): "conv1 input",
          ("finetune", ("conv3",)): "conv3 input", ("scale_bias", ("fc0",)): "fc0 input"}
SMALL_MOBILENET = ((1, 8, 1, 1), (6, 8, 2, 2), (6, 16, 2, 2))  # two residual blocks


def _tiny(family: str, sites):
    return lambda: tiny_model(family, **({"sites": list(sites)} if sites else {}))


def _mobilenet(family: str, **adapter):
    def build():
        torch.manual_seed(0)
        backbone = mobilenet_v2(weights=None, setting=SMALL_MOBILENET, weight_bits=4, act_bits=4)
        config = ADAPTERS.get(family).Config(**adapter)
        return MultiDomainModel(backbone, ADAPTERS.get(family)(config), family_name=family)
    return build


def _run(build, splits, feature_cache: bool):
    model = build()
    add_seeded_domain(model, splits.name, splits.num_classes, 0)
    result = train_domain(model, splits.name, splits, TrainConfig(**QUICK, feature_cache=feature_cache), log=None)
    return model, result


def _assert_cached_equals_live(build, splits):
    live_model, live = _run(build, splits, feature_cache=False)
    cached_model, cached = _run(build, splits, feature_cache=True)
    assert cached.feature_cache["used"] and not live.feature_cache["used"]
    assert cached.history and [(h["loss"], h["train_accuracy"], h["val_accuracy"]) for h in cached.history] == \
        [(h["loss"], h["train_accuracy"], h["val_accuracy"]) for h in live.history]
    assert cached.test_correct == live.test_correct and cached.best_epoch == live.best_epoch
    a, b = live_model.domain_state_dict(splits.name), cached_model.domain_state_dict(splits.name)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    return cached


@pytest.mark.parametrize("family,sites", sorted(CACHED, key=str))
def test_cached_prefix_trains_exactly_as_live(family, sites):
    cached = _assert_cached_equals_live(_tiny(family, sites), synthetic_splits(train=12))
    assert cached.feature_cache["cached_at"] == CACHED[family, sites]
    assert cached.feature_cache["exact_int8"]  # quantised activations: 1 byte per value


@pytest.mark.parametrize("family", ["parallel", "scale_bias", "finetune"])
def test_families_owning_the_first_unit_run_live(family):
    model = tiny_model(family)  # default sites include conv0: nothing frozen before them
    add_seeded_domain(model, "toy", 3, 0)
    assert feature_route(model, "toy") is None
    _, result = _run(_tiny(family, None), synthetic_splits(), feature_cache=True)
    assert result.feature_cache == {"used": False, "cacheable": False}


def test_mobilenet_cut_inside_a_residual_block_caches_the_block_input():
    # features.3 is a residual block (expand, depthwise, project); attention after its
    # project unit must replay the block's residual join from the cached block input
    build = _mobilenet("attention", sites=["features.3.project"], reduction=4)
    model = build()
    add_seeded_domain(model, "toy", 3, 0)
    cut = prefix_cut(model.backbone, model.domain("toy").hooks())
    assert cut.residual and cut.after_unit and cut.needs_block_input
    splits = synthetic_splits(train=6, size=32)
    cached = _assert_cached_equals_live(build, splits)
    assert cached.feature_cache["cached_at"] == "features.3.project output"


def test_mobilenet_cut_before_a_mid_block_unit():
    build = _mobilenet("scale_bias", sites=["features.3.dw"])
    model = build()
    add_seeded_domain(model, "toy", 3, 0)
    route = feature_route(model, "toy")
    cut = prefix_cut(model.backbone, model.domain("toy").hooks())
    assert not cut.after_unit and cut.position == 1 and cut.needs_block_input
    x = torch.zeros(2, 3, 32, 32)
    assert set(route.inputs(x)) == {"prefix_activation", BLOCK_INPUT}
    _assert_cached_equals_live(build, synthetic_splits(train=6, size=32))
