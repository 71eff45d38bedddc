"""Point keys, the content-addressed cache, the Pareto front and the verdict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from codesign import store
from codesign.compare.analysis import _pareto, _verdict
from codesign.compare.budget import parse_budget
from codesign.compare.plan import CompareConfig, make_plan
from codesign.compare.points import Point, PointCache
from codesign.graph.cache import design_key


def _point(**key) -> Point:
    return Point(kind="train", architecture="a", label="a / d / seed0", key={"graph": "g", **key}, task={})


def test_digest_follows_the_content_of_the_key():
    assert _point(seed=0).digest == _point(seed=0).digest
    assert _point(seed=0).digest != _point(seed=1).digest
    assert _point(data="x").digest != _point(data="y").digest
    assert Point("estimate", "a", "l", {"graph": "g"}, {}).digest != Point("train", "a", "l", {"graph": "g"}, {}).digest


def test_cache_round_trip_is_atomic_and_refuses_foreign_entries(tmp_path):
    cache = PointCache(tmp_path)
    point = _point(seed=0)
    assert cache.get(point) is None
    path = cache.put(point, {"run": {"test_accuracy": 0.75}}, seconds=1.5)
    assert cache.get(point) == {"run": {"test_accuracy": 0.75}}
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    # an entry whose key is not this point's (a collision or a hand-made file) is not trusted
    entry = json.loads(path.read_text())
    entry["key"]["seed"] = 1
    path.write_text(json.dumps(entry))
    assert cache.get(point) is None
    path.write_text("{torn")
    assert cache.get(point) is None


def _keys(tiny_inputs, root: Path) -> dict[str, set[str]]:
    """The keys of a tiny comparison's points and of its architectures' converted designs."""
    plan = make_plan(CompareConfig(graphs=tiny_inputs["graphs"], device="pynq-z1", domains=tiny_inputs["domains"],
                                   out=str(root / "out"), cache_dir=str(root)), progress=lambda _m: None)
    keys = {kind: {p.digest for p in plan.points if p.kind == kind} for kind in ("estimate", "train")}
    keys["design"] = {design_key(spec, None, 4, 0) for spec in plan.specs}
    return keys


@pytest.mark.parametrize("edited, changed", [
    ("cost/ff.py", {"estimate"}),  # a cost model: estimates recomputed, trained points and designs kept
    ("train/loop.py", {"train"}),
    ("finn/convert.py", {"design", "estimate"}),
])
def test_editing_code_invalidates_exactly_the_entries_it_computes(tiny_inputs, tmp_path, monkeypatch, edited,
                                                                   changed):
    before = _keys(tiny_inputs, tmp_path / "cache")
    assert [len(before[k]) for k in ("estimate", "train", "design")] == [2, 4, 2]
    copy = tmp_path / "codesign"  # the package with one byte appended to one file
    shutil.copytree(store.PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / edited).write_bytes((copy / edited).read_bytes() + b"\n")
    monkeypatch.setattr(store, "PACKAGE_ROOT", copy)
    after = _keys(tiny_inputs, tmp_path / "cache")
    assert {kind for kind in before if before[kind] != after[kind]} == changed
    for kind in changed:
        assert not before[kind] & after[kind]  # every entry of the kind, not just some


def test_cache_root_of_a_comparison_is_explicit_else_environment_else_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.CACHE_DIR_ENV, raising=False)
    args = {"graphs": ["g.yaml"], "device": "pynq-z1", "domains": "a", "out": "out"}
    assert CompareConfig(**args).cache_dir == str(tmp_path / ".cache")
    monkeypatch.setenv(store.CACHE_DIR_ENV, str(tmp_path / "env"))
    assert CompareConfig(**args).cache_dir == str(tmp_path / "env")
    assert CompareConfig(**args, cache_dir="here").cache_dir == str(tmp_path / "here")  # absolute for workers


def test_pareto_front_keeps_only_undominated_designs():
    points = {"head": (0.80, 4), "attention": (0.85, 28), "parallel": (0.84, 1964), "finetune": (0.90, 5000),
              "twin": (0.85, 28)}
    front = _pareto(points)
    assert sorted(front) == ["attention", "finetune", "head", "twin"]  # parallel: attention is better and cheaper


def _arch(name, acc, bits, meets):
    return {"name": name, "mean_accuracy": acc, "estimate": {"interconnect": {"data_bits": bits}},
            "budget": {"meets": meets}}


def test_verdict_best_under_budget_and_infeasible():
    budget = parse_budget("interconnect_bits=64")
    archs = [_arch("attention", 0.85, 28, True), _arch("finetune", 0.9, 5000, False), _arch("head", 0.85, 4, True)]
    verdict = _verdict(archs, budget, "pynq-z1")
    assert verdict["best"] == "head"  # equal accuracy: fewer wires wins
    assert verdict["meeting"] == ["attention", "head"] and not verdict["infeasible"]
    none = _verdict([_arch("finetune", 0.9, 5000, False)], budget, "pynq-z1")
    assert none == {"meeting": [], "best": None, "infeasible": True, "rank_by": "accuracy",
                    "text": "no architecture meets the budget (interconnect_bits=64) on pynq-z1"}


def test_verdict_by_decathlon_score():
    budget = parse_budget("interconnect_bits=64")
    side, head = _arch("side", 0.82, 12, True), _arch("head", 0.80, 4, True)
    side["decathlon"] = {"score": 373.0, "max_score": 3000.0, "baseline": "finetune"}
    head["decathlon"] = {"score": 670.0, "max_score": 3000.0, "baseline": "finetune"}
    assert _verdict([side, head], budget, "pynq-z1")["best"] == "side"  # by mean accuracy
    verdict = _verdict([side, head], budget, "pynq-z1", rank_by="decathlon")
    assert verdict["best"] == "head" and verdict["rank_by"] == "decathlon"
    assert verdict["text"] == ("head has the best Decathlon-style score (670 of 3,000, against finetune) of the "
                               "2 of 2 architecture(s) that meet the budget and fit pynq-z1")
    side["decathlon"] = None  # no finetune compared: falls back to accuracy, and says so
    fallback = _verdict([side, head], budget, "pynq-z1", rank_by="decathlon")
    assert fallback["best"] == "side" and "no Decathlon score" in fallback["text"]
