"""The converted-design cache: where it lives by default and what its key follows."""

from __future__ import annotations

import importlib

from codesign import store
from codesign.graph import cache
from codesign.specs.graph import graph_from_dict

TINY = {"name": "tiny_head", "backbone": {"name": "tiny", "input_size": 16, "weight_bits": 4, "act_bits": 4},
        "adapter": {"family": "head"}, "head": {"weight_bits": 4}}


def test_default_designs_folder_is_below_the_cache_root_of_the_call(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.CACHE_DIR_ENV, raising=False)
    seen = []
    monkeypatch.setattr(cache, "load_cached", lambda spec, key, cache_dir: seen.append(cache_dir) or "cached")
    spec = graph_from_dict(TINY, "<tiny>")
    assert cache.get_generic(spec) == "cached"
    monkeypatch.setenv(store.CACHE_DIR_ENV, str(tmp_path / "shared"))
    assert cache.get_generic(spec) == "cached"
    assert cache.get_generic(spec, cache_dir=tmp_path / "mine") == "cached"
    assert seen == [tmp_path / ".cache" / "designs", tmp_path / "shared" / "designs", tmp_path / "mine"]
    # the name older callers import is resolved when imported, from the same root
    assert importlib.import_module("codesign.graph.cache").DEFAULT_CACHE == tmp_path / "shared" / "designs"


def test_design_key_follows_inputs_and_conversion_code(tmp_path, monkeypatch):
    spec = graph_from_dict(TINY, "<tiny>")
    key = cache.design_key(spec, None, 4, 0)
    assert key == cache.design_key(graph_from_dict(TINY, "<tiny>"), None, 4, 0) and len(key) == 24
    assert len({key, cache.design_key(spec, None, 5, 0), cache.design_key(spec, None, 4, 1)}) == 3
    # a missing checkpoint pair is part of the key, not an error (the conversion reports it)
    assert cache.design_key(spec, tmp_path / "nowhere" / "d.json", 4, 0) != key
    monkeypatch.setattr(store, "PACKAGE_ROOT", tmp_path / "codesign")
    for part in ("adapters", "finn", "graph", "models", "network", "specs", "cost", "train"):
        (tmp_path / "codesign" / part).mkdir(parents=True)
        (tmp_path / "codesign" / part / "__init__.py").write_text("")
    empty = cache.design_key(spec, None, 4, 0)
    assert empty != key  # different conversion code: a different entry
    (tmp_path / "codesign" / "cost" / "__init__.py").write_text("x = 1\n")
    store._digest.cache_clear()  # same root, edited in place: forget this process's digests
    assert cache.design_key(spec, None, 4, 0) == empty  # cost models do not convert
    (tmp_path / "codesign" / "graph" / "__init__.py").write_text("x = 1\n")
    store._digest.cache_clear()
    assert cache.design_key(spec, None, 4, 0) != empty
