"""Point keys, the content-addressed cache, the Pareto front and the verdict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from compare_helpers import architecture

from codesign import store
from codesign.compare.budget import parse_budget
from codesign.compare.outcomes import TrainPointResult
from codesign.compare.plan import CompareConfig, make_plan
from codesign.compare.points import Point, PointCache
from codesign.compare.summaries import Decathlon
from codesign.compare.verdict import pareto_front, verdict
from codesign.graph.cache import design_key


def _point(**key) -> Point:
    return Point(kind="train", architecture="a", label="a / d / seed0", key={"graph": "g", **key}, task={})


def test_digest_follows_the_content_of_the_key():
    assert _point(seed=0).digest == _point(seed=0).digest
    assert _point(seed=0).digest != _point(seed=1).digest
    assert _point(data="x").digest != _point(data="y").digest
    assert Point("estimate", "a", "l", {"graph": "g"}, {}).digest != Point("train", "a", "l", {"graph": "g"}, {}).digest


RUN = {"seed": 0, "k_per_class": None, "label_noise": 0.0, "train_samples": 210, "realised_noise": 0.0,
       "domain": "d", "test_accuracy": 0.75, "val_accuracy": 0.8, "best_epoch": 3, "epochs_run": 5,
       "stopped_early": False, "epoch_seconds": [0.5, 0.5, 0.5, 0.5, 0.5], "feature_cache": {"used": False},
       "interrupted": False, "mean_epoch_seconds": 0.5, "adaptation_seconds": 2.6}
TRAINED = {"run": RUN, "parameters": {"trainable_parameters": 3264, "total_bytes": 1632.0},
           "macs": {"inference": 15256128}, "sizes": {"train": 210, "val": 30, "test": 60}}


def test_cache_round_trip_is_atomic_and_refuses_foreign_entries(tmp_path):
    cache = PointCache(tmp_path)
    point = _point(seed=0)
    assert cache.get(point) is None
    path = cache.put(point, TrainPointResult.from_dict(TRAINED), seconds=1.5)
    assert json.loads(path.read_text())["result"] == TRAINED  # the record's dict form, as computed
    assert cache.get(point) == TrainPointResult.from_dict(TRAINED)
    assert cache.get(point).run.test_accuracy == 0.75
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    # an entry whose key is not this point's (a collision or a hand-made file) is not trusted
    entry = json.loads(path.read_text())
    entry["key"]["seed"] = 1
    path.write_text(json.dumps(entry))
    assert cache.get(point) is None
    path.write_text("{torn")
    assert cache.get(point) is None
    cache.put(point, TrainPointResult.from_dict(TRAINED), seconds=1.5)
    entry = json.loads(path.read_text())
    del entry["result"]["run"]["val_accuracy"]  # a record of another version: recomputed, not trusted
    path.write_text(json.dumps(entry))
    assert cache.get(point) is None


def _keys(tiny_inputs, root: Path, **options) -> dict[str, set[str]]:
    """The keys of a tiny comparison's points and of its architectures' converted designs."""
    plan = make_plan(CompareConfig(graphs=tiny_inputs["graphs"], device="pynq-z1", domains=tiny_inputs["domains"],
                                   out=str(root / "out"), cache_dir=str(root), **options), progress=lambda _m: None)
    keys = {"train": {p.digest for p in plan.points},
            "estimate": {plan.estimate_point(spec, None, None).digest for spec in plan.specs}}
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


def test_bn_stats_changes_every_training_key_and_nothing_else(tiny_inputs, tmp_path):
    batch = _keys(tiny_inputs, tmp_path / "cache")
    frozen = _keys(tiny_inputs, tmp_path / "cache", bn_stats="frozen")
    assert frozen["estimate"] == batch["estimate"] and frozen["design"] == batch["design"]
    assert len(frozen["train"]) == 4 and not frozen["train"] & batch["train"]
    assert _keys(tiny_inputs, tmp_path / "cache", bn_stats="batch") == batch  # the default, spelled out
    # both: scale_bias's main runs under each setting, head's (no BatchNorm copied from the
    # backbone) under the first only; the keys of the single settings (caches carry over)
    both = _keys(tiny_inputs, tmp_path / "cache", bn_stats="batch,frozen")
    assert batch["train"] < both["train"] and both["train"] - batch["train"] < frozen["train"]
    assert len(both["train"]) == 6 and both["estimate"] == batch["estimate"]


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
    front = pareto_front(points)
    assert sorted(front) == ["attention", "finetune", "head", "twin"]  # parallel: attention is better and cheaper


def test_verdict_best_under_budget_and_infeasible():
    budget = parse_budget("interconnect_bits=64")
    archs = [architecture("attention", 0.85, 28, True), architecture("finetune", 0.9, 5000, False),
             architecture("head", 0.85, 4, True)]
    found = verdict(archs, budget, "pynq-z1")
    assert found.best == "head"  # equal accuracy: fewer wires wins
    assert found.meeting == ["attention", "head"] and not found.infeasible
    none = verdict([architecture("finetune", 0.9, 5000, False)], budget, "pynq-z1")
    assert none.to_dict() == {"meeting": [], "best": None, "infeasible": True,
                              "text": "no architecture meets the budget (interconnect_bits=64) on pynq-z1",
                              "rank_by": "accuracy"}


def _decathlon(score: float) -> Decathlon:
    return Decathlon(score=score, max_score=3000.0, domains={}, without_baseline=[], baseline="finetune")


def test_verdict_by_decathlon_score():
    budget = parse_budget("interconnect_bits=64")
    side, head = architecture("side", 0.82, 12, True), architecture("head", 0.80, 4, True)
    side.decathlon, head.decathlon = _decathlon(373.0), _decathlon(670.0)
    assert verdict([side, head], budget, "pynq-z1").best == "side"  # by mean accuracy
    by_score = verdict([side, head], budget, "pynq-z1", rank_by="decathlon")
    assert by_score.best == "head" and by_score.rank_by == "decathlon"
    assert by_score.text == ("head has the best Decathlon-style score (670 of 3,000, against finetune) of the "
                             "2 of 2 architecture(s) that meet the budget and fit pynq-z1")
    side.decathlon = None  # no baseline compared: falls back to accuracy, and names the baseline family
    fallback = verdict([side, head], budget, "pynq-z1", rank_by="decathlon", baseline_families=("finetune",))
    assert fallback.best == "side"
    assert fallback.text.endswith(" (no Decathlon score: compare a finetune architecture too)")


def test_estimates_are_keyed_by_the_trained_weights_and_the_budget_limits(tiny_inputs, tmp_path):
    from codesign.compare.plan import DomainWeights

    plan = make_plan(CompareConfig(graphs=tiny_inputs["graphs"], device="pynq-z1", domains=tiny_inputs["domains"],
                                   out=str(tmp_path / "out"), cache_dir=str(tmp_path), seeds=2, lr=[0.005, 0.02],
                                   budget="lut=90%,interconnect_bits=64"), progress=lambda _m: None)
    # the first round is the main runs; the first domain's seed-0 run at each step size saves its weights
    assert all(p.kind == "train" and p.setting["k_per_class"] is None for p in plan.points)
    sources = [(p.architecture, p.domain, p.setting["seed"], p.setting["lr"])
               for p in plan.points if p.task.get("save_domain")]
    assert sources == [(s.name, "a", 0, lr) for s in plan.specs for lr in (0.005, 0.02)]
    source = plan.weights_source(plan.specs[0], 0.02)
    assert (source.domain, source.setting["seed"], source.setting["lr"]) == ("a", 0, 0.02)
    spec = plan.specs[0]
    trained = DomainWeights("/x/a.json", "sha-1", "trained: a, seed 0")
    fastest = plan.estimate_point(spec, None, None)
    assert fastest.key["limits"] == {"lut": pytest.approx(0.9 * 53200)}  # the wires do not constrain folding
    assert fastest.task["limits"] == fastest.key["limits"] and "checkpoint" not in fastest.task
    with_weights = plan.estimate_point(spec, trained, None)
    assert with_weights.task["checkpoint"] == "/x/a.json" and with_weights.task["weights_label"] == trained.label
    other_weights = plan.estimate_point(spec, DomainWeights("/x/a.json", "sha-2", "trained"), None)
    assert len({fastest.digest, with_weights.digest, other_weights.digest}) == 3
    at_target = plan.estimate_point(spec, trained, 1000.0)
    assert at_target.key["limits"] == {} and at_target.task["target_fps"] == 1000.0
    assert at_target.digest != with_weights.digest and at_target.cost < with_weights.cost
