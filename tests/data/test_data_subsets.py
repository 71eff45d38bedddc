"""Seeded splits, nested k-per-class subsets and exact symmetric label noise."""

from __future__ import annotations

import numpy as np
import pytest

from codesign.data import DataError, apply_label_noise, k_per_class_subset, prepare_domain, stratified_split

LABELS = np.repeat(np.arange(5), [40, 30, 20, 13, 7])


def test_stratified_split_is_deterministic_disjoint_and_covers_every_class():
    a = stratified_split(LABELS, 0.1, 0.2, seed=3)
    b = stratified_split(LABELS, 0.1, 0.2, seed=3)
    c = stratified_split(LABELS, 0.1, 0.2, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))
    assert sorted(np.concatenate(a).tolist()) == list(range(len(LABELS)))
    for part in a:
        assert set(LABELS[part].tolist()) == set(range(5))
    assert len(a[2]) == sum(max(1, round(0.2 * n)) for n in (40, 30, 20, 13, 7))


def test_split_refuses_classes_too_small_to_split():
    with pytest.raises(DataError, match="class 'b' has 2 images"):
        stratified_split(np.array([0, 0, 0, 0, 1, 1]), 0.1, 0.2, seed=0, class_names=["a", "b"])


def test_prepare_same_seed_same_split(npz_domain, cache_dir, tmp_path):
    a = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8, seed=1)
    b = prepare_domain(f"tiny={npz_domain}", tmp_path / "other_cache", size=8, seed=1)
    c = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8, seed=2)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert a.stats["content_hash"] == b.stats["content_hash"] != c.stats["content_hash"]
    assert a.x_train.shape[1:] == (3, 8, 8) and a.x_train.dtype == np.uint8


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_k_per_class_subsets_are_nested(seed):
    subsets = [set(k_per_class_subset(LABELS, k, seed).tolist()) for k in (1, 2, 5, 10, 50)]
    for small, big in zip(subsets, subsets[1:]):
        assert small <= big
    counts = np.bincount(LABELS[sorted(subsets[3])], minlength=5)
    assert counts.tolist() == [10, 10, 10, 10, 7]  # the 7-image class keeps all it has
    assert len(subsets[-1]) == len(LABELS)


def test_k_per_class_depends_on_seed_and_rejects_zero():
    assert not np.array_equal(k_per_class_subset(LABELS, 3, 0), k_per_class_subset(LABELS, 3, 1))
    with pytest.raises(DataError):
        k_per_class_subset(LABELS, 0, 0)


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.25, 0.333, 1.0])
def test_label_noise_flips_exactly_round_rate_n_to_other_classes(rate):
    noisy, realised = apply_label_noise(LABELS, rate, 5, seed=0)
    flipped = noisy != LABELS
    assert flipped.sum() == round(rate * len(LABELS))
    assert realised == pytest.approx(flipped.sum() / len(LABELS))
    assert noisy.min() >= 0 and noisy.max() < 5
    assert np.array_equal(LABELS, np.repeat(np.arange(5), [40, 30, 20, 13, 7]))  # input untouched


def test_label_noise_targets_are_uniform_over_other_classes():
    labels = np.zeros(30000, dtype=np.int64)
    noisy, _ = apply_label_noise(labels, 1.0, 4, seed=0)
    share = np.bincount(noisy, minlength=4)[1:] / len(labels)
    assert np.allclose(share, 1 / 3, atol=0.02)


def test_label_noise_rejects_bad_arguments():
    with pytest.raises(DataError):
        apply_label_noise(LABELS, 1.5, 5, 0)
    with pytest.raises(DataError):
        apply_label_noise(LABELS, 0.1, 1, 0)


def test_noise_and_k_touch_train_only(npz_domain, cache_dir):
    clean = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8, seed=0)
    noisy = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8, seed=0, label_noise=0.3)
    assert np.array_equal(clean.y_val, noisy.y_val) and np.array_equal(clean.y_test, noisy.y_test)
    assert np.array_equal(noisy.y_train_clean, clean.y_train)
    n = len(clean.y_train)
    assert (noisy.y_train != clean.y_train).sum() == round(0.3 * n)
    assert noisy.stats["label_noise"]["realised"] == round(0.3 * n) / n
    few = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8, seed=0, k_per_class=2)
    assert np.bincount(few.y_train).tolist() == [2, 2, 2]
    assert np.array_equal(few.y_test, clean.y_test)
