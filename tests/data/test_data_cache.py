"""The prepared-domain cache: reuse on matching parameters, nothing half-written trusted."""

from __future__ import annotations

import json

import numpy as np
import pytest

import codesign.data.prepare as prep
from codesign.data import prepare_domain


@pytest.fixture
def count_loads(monkeypatch):
    calls = []
    real = prep._load_raw

    def counting(*args, **kwargs):
        calls.append(args[0].name)
        return real(*args, **kwargs)

    monkeypatch.setattr(prep, "_load_raw", counting)
    return calls


def test_matching_parameters_reuse_the_cache(npz_domain, cache_dir, count_loads):
    a = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8)
    b = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8)
    assert count_loads == ["tiny"] and b.path == a.path
    assert np.array_equal(a.x_train, b.x_train)
    sidecar = json.loads(a.path.with_suffix(".json").read_text())
    assert sidecar["counts"] == {"train": 21, "val": 3, "test": 6}
    assert sidecar["class_names"] == ["0", "1", "2"] and len(sidecar["content_hash"]) == 64
    prepare_domain(f"tiny={npz_domain}", cache_dir, size=12)  # other size: other entry
    assert count_loads == ["tiny", "tiny"]
    assert len(list(cache_dir.glob("*.npz"))) == 2


def test_changed_user_source_is_reprepared(tmp_path, cache_dir, count_loads):
    from synthdata import write_npz

    path = write_npz(tmp_path / "d.npz", seed=0)
    prepare_domain(f"d={path}", cache_dir, size=8)
    write_npz(path, seed=1, n_per_class=11)  # new content and size: new fingerprint
    assert sum(prepare_domain(f"d={path}", cache_dir, size=8).stats["counts"].values()) == 33
    assert count_loads == ["d", "d"]


def test_leftover_temp_file_is_not_trusted(npz_domain, cache_dir, count_loads):
    a = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8)
    # simulate a crash mid-write: only a temp file remains where the .npz would be
    tmp = a.path.with_name(f".{a.path.name}.tmp-999")  # codesign.store's temporary name
    a.path.rename(tmp)
    b = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8)
    assert count_loads == ["tiny", "tiny"] and b.path.exists()
    assert np.array_equal(a.x_train, b.x_train)
    assert not list(cache_dir.glob(f".*.tmp-{__import__('os').getpid()}"))  # ours cleaned up


def test_missing_sidecar_or_corrupt_arrays_force_a_rebuild(npz_domain, cache_dir, count_loads):
    a = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8)
    a.path.with_suffix(".json").unlink()  # crash between the two writes
    prepare_domain(f"tiny={npz_domain}", cache_dir, size=8)
    # same-size file with other bytes: only the content hash can tell
    arrays = dict(np.load(a.path))
    arrays["x_train"] = arrays["x_train"] ^ 1
    np.savez(a.path, **arrays)
    c = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8)
    a.path.write_bytes(b"truncated")
    d = prepare_domain(f"tiny={npz_domain}", cache_dir, size=8)
    assert count_loads == ["tiny"] * 4
    assert np.array_equal(c.x_train, a.x_train) and np.array_equal(d.x_train, a.x_train)


def test_force_rebuilds(npz_domain, cache_dir, count_loads):
    prepare_domain(f"tiny={npz_domain}", cache_dir, size=8)
    prepare_domain(f"tiny={npz_domain}", cache_dir, size=8, force=True)
    assert count_loads == ["tiny", "tiny"]
