"""The training loop on the tiny backbone: determinism, cache = live, resume, early stop."""

from __future__ import annotations

import pytest
import torch
from tests.train.conftest import synthetic_splits

from codesign.train.config import TrainConfig
from codesign.train.features import CachedTensor, build_feature_cache
from codesign.train.inputs import to_model_input
from codesign.train.loop import add_seeded_domain, train_domain
from tests.conftest import tiny_model

QUICK = dict(epochs=2, batch_size=8, patience=10, live_probe_batches=0)


def _train(family: str, splits, seed: int = 0, **overrides):
    model = tiny_model(family)
    add_seeded_domain(model, splits.name, splits.num_classes, seed)
    options = {**QUICK, "seed": seed, **{k: v for k, v in overrides.items()
                                         if k in TrainConfig.__dataclass_fields__}}
    extra = {k: v for k, v in overrides.items() if k not in TrainConfig.__dataclass_fields__}
    result = train_domain(model, splits.name, splits, TrainConfig(**options), log=None, **extra)
    return model, result


def _same_state(a, b, domain: str) -> bool:
    sa, sb = a.domain_state_dict(domain), b.domain_state_dict(domain)
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def _numbers(result):
    return [(h["loss"], h["train_accuracy"], h["val_accuracy"]) for h in result.history], result.test_accuracy


def test_same_seed_same_numbers(splits):
    a_model, a = _train("attention", splits, seed=3)
    b_model, b = _train("attention", splits, seed=3)
    assert _numbers(a) == _numbers(b)
    assert _same_state(a_model, b_model, splits.name)
    _, c = _train("attention", splits, seed=4)
    assert _numbers(c) != _numbers(a)  # the seed really reaches init and batch order


def test_training_learns_the_toy_domain(splits):
    _, result = _train("head", synthetic_splits(train=16), epochs=8)
    assert result.history[-1]["loss"] < result.history[0]["loss"]
    assert result.val_accuracy > 1 / splits.num_classes + 0.2


def test_feature_cache_equals_live_features(splits):
    for family in ("head", "side"):
        model = tiny_model(family)
        add_seeded_domain(model, splits.name, splits.num_classes, 0)
        cache = build_feature_cache(model, splits.name, splits, batch_size=5)  # batches differ from live
        module = model.domain(splits.name)
        with torch.no_grad():
            live = module.backbone_inputs(model.backbone, to_model_input(splits.train.x))
        index = torch.arange(len(splits.train))
        cached = cache.train.batch(index)
        assert cached.keys() == live.keys()
        for key in live:
            assert torch.equal(cached[key], live[key]), (family, key)
        # quantised activations are stored as exact int8 codes, 4x smaller than float
        assert cache.info["exact_int8"]


def test_compaction_keeps_values_that_are_not_on_one_grid():
    t = torch.tensor([0.1, 0.3333, 1e-7, -2.0])
    stored = CachedTensor.compact(t)
    assert stored.scale is None and torch.equal(stored.rows(torch.arange(4)), t)


def test_cached_training_equals_live_training(splits):
    for family in ("head", "side"):
        live_model, live = _train(family, splits, feature_cache=False)
        cached_model, cached = _train(family, splits, feature_cache=True)
        assert cached.feature_cache["used"] and not live.feature_cache["used"]
        assert _numbers(cached) == _numbers(live), family
        assert _same_state(live_model, cached_model, splits.name), family


def test_speedup_is_measured_for_cached_families(splits):
    _, result = _train("head", splits, live_probe_batches=1, epochs=1)
    info = result.feature_cache
    assert info["live_seconds_per_sample"] > 0 and info["speedup_per_epoch"] > 0


def test_resume_after_interruption_gives_the_same_result(splits, tmp_path):
    # attention: optimizer state through the backbone; side: cached features, BN buffers
    for family in ("attention", "side"):
        ref_model, ref = _train(family, splits, epochs=2)
        run_dir = tmp_path / family
        _, first = _train(family, splits, epochs=2, checkpoint_dir=run_dir, stop_after_epoch=1)
        assert first.interrupted and first.epochs_run == 1
        model, resumed = _train(family, splits, epochs=2, checkpoint_dir=run_dir, resume=True)
        assert not resumed.interrupted and resumed.epochs_run == 2
        assert _numbers(resumed) == _numbers(ref), family
        assert _same_state(model, ref_model, splits.name), family
        assert len(list(run_dir.glob("epoch-*"))) == 2  # only the last epoch's pair is kept


def test_early_stopping_restores_the_best_epoch(splits):
    # A step size too small to change any quantised weight: validation never improves.
    model, result = _train("head", splits, epochs=20, patience=2, lr=1e-12)
    assert result.stopped_early and result.epochs_run == 3 and result.best_epoch == 1
    assert result.val_accuracy == result.history[0]["val_accuracy"]


def test_sgd_and_other_sizes_run(splits):
    _, result = _train("scale_bias", synthetic_splits(classes=4, train=5), optimizer="sgd", lr=0.05,
                       epochs=1)
    assert result.epochs_run == 1 and 0.0 <= result.test_accuracy <= 1.0


def _norm_state(model, domain: str, suffixes: tuple[str, ...]) -> dict:
    return {k: v.clone() for k, v in model.domain_state_dict(domain).items() if k.endswith(suffixes)}


def test_frozen_bn_stats_keep_running_statistics_and_train_scale_and_bias(splits):
    """scale_bias owns one BatchNorm per site: with bn_stats="frozen" its running statistics
    stay those copied from the backbone while its scale and bias train; with "batch" (the
    default) the statistics move. Both are deterministic per seed."""
    stats, affine = ("running_mean", "running_var"), (".weight", ".bias")
    start = tiny_model("scale_bias")
    add_seeded_domain(start, splits.name, splits.num_classes, 0)
    start_stats, start_affine = _norm_state(start, splits.name, stats), _norm_state(start, splits.name, affine)
    assert start_stats and start_affine
    frozen, _ = _train("scale_bias", splits, bn_stats="frozen")
    assert all(torch.equal(v, start_stats[k]) for k, v in _norm_state(frozen, splits.name, stats).items())
    assert any(not torch.equal(v, start_affine[k]) for k, v in _norm_state(frozen, splits.name, affine).items())
    batch, _ = _train("scale_bias", splits)
    assert any(not torch.equal(v, start_stats[k]) for k, v in _norm_state(batch, splits.name, stats).items())
    again, _ = _train("scale_bias", splits, bn_stats="frozen")
    assert _same_state(frozen, again, splits.name)


def test_frozen_bn_stats_leave_a_fresh_batchnorm_learning_its_statistics(splits):
    """The side network's BatchNorms start fresh (mean 0, variance 1): there is nothing of
    the backbone's to keep, so they learn their statistics under either setting."""
    stats = ("running_mean", "running_var")
    start = tiny_model("side")
    add_seeded_domain(start, splits.name, splits.num_classes, 0)
    start_stats = _norm_state(start, splits.name, stats)
    assert start_stats
    frozen, _ = _train("side", splits, bn_stats="frozen", feature_cache=False)
    assert all(not torch.equal(v, start_stats[k]) for k, v in _norm_state(frozen, splits.name, stats).items())


def test_bn_stats_is_validated_and_in_the_config_dict():
    from codesign.train.config import TrainError

    assert TrainConfig(bn_stats="frozen").to_dict()["bn_stats"] == "frozen"
    assert TrainConfig.from_dict(TrainConfig().to_dict()).bn_stats == "batch"
    with pytest.raises(TrainError, match=r"bn_stats: expected one of batch, frozen, got 'eval'"):
        TrainConfig(bn_stats="eval")
