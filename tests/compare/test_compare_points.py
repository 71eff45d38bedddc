"""Point keys, the content-addressed cache, the Pareto front and the verdict."""

from __future__ import annotations

import json

from codesign.compare.analysis import _pareto, _verdict
from codesign.compare.budget import parse_budget
from codesign.compare.points import Point, PointCache


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
