"""User domains: name=folder (ImageFolder) and name=file.npz, validation, listing."""

from __future__ import annotations

import numpy as np
import pytest

from codesign.data import (DataError, DomainSpec, list_domains, load_image_folder, load_npz_domain,
                           parse_domain_arg, prepare_domain)
from synthdata import write_image_folder, write_npz


def test_parse_domain_arg_mixes_registered_and_user_domains(tmp_path):
    specs = parse_domain_arg(f"mnist, glyphs_latin,mine={tmp_path}/x.npz")
    assert [s.name for s in specs] == ["mnist", "glyphs_latin", "mine"]
    assert specs[0] == DomainSpec("mnist") and specs[2].path == tmp_path / "x.npz"
    assert parse_domain_arg(["a", "b=c"])[1].is_user


@pytest.mark.parametrize("arg, message", [
    ("", "no domain"), ("a,a", "given twice"), ("9bad", "bad domain name"),
    ("mine=", "empty path"), ("mnist=some/folder", "registered domain"),
])
def test_parse_domain_arg_rejects(arg, message):
    with pytest.raises(DataError, match=message):
        parse_domain_arg(arg)


def test_image_folder_skips_and_counts_corrupt_images(image_folder, cache_dir):
    raw = load_image_folder(image_folder, size=16)
    assert raw.class_names == ["dark", "light", "mid"]
    assert raw.images.shape == (36, 16, 16, 3) and raw.skipped == {"corrupt": 2}
    d = prepare_domain(f"shapes={image_folder}", cache_dir, size=8, seed=0)
    assert d.num_classes == 3 and d.stats["skipped"] == {"corrupt": 2}
    assert sum(d.stats["counts"].values()) == 36 and d.x_test.shape[1:] == (3, 8, 8)
    grey = prepare_domain(f"shapes={image_folder}", cache_dir, size=8, seed=0, channels=1)
    assert grey.x_train.shape[1] == 1


def test_empty_class_folder_is_an_error_naming_it(tmp_path):
    root = write_image_folder(tmp_path / "d", {"a": 4, "b": 4})
    (root / "empty").mkdir()
    with pytest.raises(DataError, match=rf"{root / 'empty'}: empty class folder") as err:
        load_image_folder(root)
    assert "\n" not in str(err.value)


def test_class_folder_of_only_corrupt_images_is_an_error(tmp_path):
    root = write_image_folder(tmp_path / "d", {"a": 0, "b": 3}, corrupt=2)
    with pytest.raises(DataError, match=rf"{root / 'a'}: no readable images"):
        load_image_folder(root)


def test_single_class_is_an_error_naming_the_path(tmp_path, cache_dir):
    root = write_image_folder(tmp_path / "one", {"only": 5})
    with pytest.raises(DataError, match=rf"{root}: a domain needs at least 2 classes"):
        prepare_domain(f"one={root}", cache_dir)
    npz = write_npz(tmp_path / "one.npz", classes=1)
    with pytest.raises(DataError, match=rf"{npz}: a domain needs at least 2 classes"):
        prepare_domain(f"one={npz}", cache_dir)


def test_missing_user_path_is_an_error_naming_it(tmp_path, cache_dir):
    with pytest.raises(DataError, match=rf"{tmp_path / 'nope'}: not found"):
        prepare_domain(f"x={tmp_path / 'nope'}", cache_dir)


def test_npz_layouts_floats_and_nan_images(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((12, 3, 7, 5)).astype(np.float32)  # channel-first floats in 0..1
    images[4, 0, 0, 0] = np.nan
    labels = np.array([5, 9] * 6)
    np.savez(tmp_path / "f.npz", images=images, labels=labels)
    raw = load_npz_domain(tmp_path / "f.npz")
    assert raw.images.shape == (11, 7, 5, 3) and raw.images.dtype == np.uint8
    assert raw.class_names == ["5", "9"] and raw.skipped == {"corrupt": 1}
    assert raw.images.max() > 200  # scaled from 0..1


def test_npz_class_names_and_bad_files(tmp_path):
    named = write_npz(tmp_path / "n.npz", classes=2, class_names=np.array(["cat", "dog"]))
    assert load_npz_domain(named).class_names == ["cat", "dog"]
    np.savez(tmp_path / "nolabels.npz", images=np.zeros((3, 4, 4), np.uint8))
    with pytest.raises(DataError, match="missing array 'labels'"):
        load_npz_domain(tmp_path / "nolabels.npz")
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(DataError, match="cannot read as .npz"):
        load_npz_domain(tmp_path / "junk.npz")


def test_prepared_user_domains_are_listed_and_reusable_by_name(npz_domain, cache_dir):
    first = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8, seed=0)
    rows = {i.name: i for i in list_domains(cache_dir)}
    assert rows["tiny"].kind == "user" and rows["tiny"].classes == 3
    assert rows["tiny"].prepared == ["8px 3ch seed0"] and str(npz_domain) in rows["tiny"].source
    again = prepare_domain("tiny", cache_dir, size=8, seed=0)  # bare name: found in the cache
    assert again.path == first.path
    npz_domain.unlink()  # the cache still serves it when the source is gone
    assert np.array_equal(prepare_domain("tiny", cache_dir, size=8, seed=0).x_val, first.x_val)
    with pytest.raises(DataError, match="unknown domain 'tinyy'"):
        prepare_domain("tinyy", cache_dir, size=8, seed=0)


def test_duplicate_files_are_skipped_and_counted(tmp_path):
    root = write_image_folder(tmp_path / "d", {"a": 4, "b": 4})
    (root / "b" / "copy.png").write_bytes((root / "a" / "0.png").read_bytes())
    raw = load_image_folder(root)
    assert len(raw.images) == 8 and raw.skipped == {"duplicate": 1}
