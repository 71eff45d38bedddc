"""The fixed test split: the same images in the same order for every seed and cap, as
large as the domain allows, glyph domains tested on fonts no training image uses."""

from __future__ import annotations

import numpy as np
import pytest

import codesign.data.prepare as prep
from codesign.data import DOMAINS, DataError, prepare_domain
from codesign.data.glyphs import MPL_TEST_FONTS, MPL_TRAIN_FONTS, mpl_font_dir, render_font_split_domain
from codesign.data.subsets import fixed_test_split, train_val_split

LABELS = np.repeat(np.arange(4), [50, 30, 12, 7])


def _installed(name: str) -> None:
    if not DOMAINS.get(name).installed():
        pytest.skip(f"{name} not installed: {DOMAINS.get(name).install}")


def test_fixed_test_split_is_balanced_capped_and_seed_free():
    test = fixed_test_split(LABELS, 0.2, max_images=20)
    assert np.bincount(LABELS[test]).tolist() == [5, 5, 2, 1]  # quota 20 // 4 = 5; else 20 % (>= 1)
    assert np.array_equal(test, np.sort(test)) and len(set(test.tolist())) == len(test)
    assert np.array_equal(test, fixed_test_split(LABELS, 0.2, max_images=20))


def test_reserved_images_alone_form_the_test_split():
    reserved = np.zeros(len(LABELS), bool)
    reserved[[0, 1, 2, 50, 51, 80, 92]] = True
    test = fixed_test_split(LABELS, 0.2, max_images=8, reserved=reserved)  # quota 2 per class
    assert reserved[test].all() and np.bincount(LABELS[test]).tolist() == [2, 2, 1, 1]
    reserved[92] = False
    with pytest.raises(DataError, match="class 'd' has no images set aside for the test split"):
        fixed_test_split(LABELS, 0.2, 8, reserved, class_names=list("abcd"))


def test_train_val_split_keeps_a_training_image_per_class():
    train, val = train_val_split(LABELS, 0.1, seed=3)
    assert np.bincount(LABELS[val]).tolist() == [5, 3, 1, 1]
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(len(LABELS)))
    with pytest.raises(DataError, match="class '0' has 1 image"):
        train_val_split(np.array([0, 1, 1]), 0.5, seed=0)


def test_user_domain_test_split_ignores_seed_and_cap(npz_domain, cache_dir):
    first = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8, seed=0)
    for seed, cap in ((1, None), (0, 4), (5, 3)):
        other = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8, seed=seed, max_per_class=cap)
        assert np.array_equal(other.x_test, first.x_test) and np.array_equal(other.y_test, first.y_test)
        if cap:
            assert np.bincount(np.concatenate([other.y_train, other.y_val])).tolist() == [cap] * 3
    assert first.stats["test_split"]["images"] == len(first.y_test) == 6
    assert first.stats["synthetic"] is False


@pytest.mark.parametrize("name", ["sklearn_digits", "animal_mnist"])
def test_real_domains_have_hundreds_of_fixed_test_images(name, cache_dir):
    _installed(name)
    runs = [prepare_domain(name, cache_dir, seed=seed, max_per_class=cap)
            for seed, cap in ((0, 30), (1, 30), (0, 5), (2, None))]
    sizes = {"sklearn_digits": 250, "animal_mnist": 250}  # MAX_TEST_IMAGES: 25 per class of 10
    for prepared in runs:
        assert np.array_equal(prepared.x_test, runs[0].x_test) and np.array_equal(prepared.y_test, runs[0].y_test)
        assert len(prepared.y_test) == prepared.stats["test_split"]["images"] == sizes[name] >= 200
    assert runs[0].stats["counts"] == {"train": 270, "val": 30, "test": sizes[name]}  # the cap: train + val
    assert runs[0].stats["synthetic"] is False


def test_glyph_domain_tests_on_held_out_fonts(cache_dir):
    _installed("glyphs_greek")
    small = prepare_domain("glyphs_greek", cache_dir, seed=0, max_per_class=5)
    large = prepare_domain("glyphs_greek", cache_dir, seed=1, max_per_class=12)
    assert np.array_equal(small.x_test, large.x_test) and len(small.y_test) == 24 * 10 >= 200
    notes = small.stats["notes"]
    assert notes["test_fonts"] == sorted(MPL_TEST_FONTS) and not set(notes["train_fonts"]) & set(notes["test_fonts"])
    assert small.stats["synthetic"] is True and "font renderings" in small.stats["synthetic_description"]
    assert "same for every --seed" in small.stats["test_split"]["rule"]


def test_font_split_rendering_is_nested_and_disjoint():
    if mpl_font_dir() is None:
        pytest.skip("matplotlib fonts not found")
    a = render_font_split_domain("t", "AB", mpl_font_dir(), MPL_TRAIN_FONTS, MPL_TEST_FONTS, 3, 2)
    b = render_font_split_domain("t", "AB", mpl_font_dir(), MPL_TRAIN_FONTS, MPL_TEST_FONTS, 5, 2)
    assert a.test_mask.tolist() == [False] * 3 + [True] * 2 + [False] * 3 + [True] * 2
    assert np.array_equal(a.images[a.test_mask], b.images[b.test_mask])  # test images: cap-free
    assert np.array_equal(a.images[:3], b.images[:3])  # a smaller cap renders a prefix
    with pytest.raises(DataError, match="both training and test fonts"):
        render_font_split_domain("t", "AB", mpl_font_dir(), ["DejaVuSans.ttf"], ["DejaVuSans.ttf"], 1, 1)


def test_cache_is_keyed_by_the_data_code(npz_domain, cache_dir, monkeypatch):
    first = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8)
    assert first.params["code"] == prep.code_digest(*prep.DATA_CODE)
    monkeypatch.setattr(prep, "code_digest", lambda *names: "edited")
    again = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8)
    assert again.path != first.path and again.params["code"] == "edited"
