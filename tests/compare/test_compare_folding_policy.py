"""The folding policy: budgets met by folding, one common frame rate, estimates from trained weights."""

from __future__ import annotations

from pathlib import Path

import pytest
from compare_helpers import estimate_summary

from codesign.compare.budget import parse_budget
from codesign.compare.folding_policy import choose_target, resource_limits

PYNQ_Z1 = {"lut": 53200, "ff": 106400, "bram18": 280, "uram": 0, "dsp": 220}


def _estimator(designs: Path, graph: str, limits=None):
    from codesign.cost.estimate import Estimator
    from codesign.graph.cache import get_design
    from codesign.specs.device import load_device
    from codesign.specs.graph import load_graph

    device = load_device("pynq-z1")
    design = get_design(load_graph(graph), device.part, None, 4, cache_dir=designs)
    return Estimator(design, device, limits=limits)


def test_a_budget_only_a_slower_folding_meets_is_met_by_folding(tiny_inputs, tiny_designs):
    from codesign.cost.folding import fold

    graph = next(g for g in tiny_inputs["graphs"] if "scale_bias" in g)
    free = _estimator(tiny_designs, graph)
    fastest = free.estimate()  # fastest folding that fits the device: no budget
    slowest = free.estimate(folding=fold(free.design.model, 10 ** 12))  # PE = SIMD = 1 everywhere
    assert slowest.totals["lut"] < fastest.totals["lut"] and slowest.fps < fastest.fps
    limit = (slowest.totals["lut"] + fastest.totals["lut"]) / 2  # only a slower folding meets it
    limited = _estimator(tiny_designs, graph, limits={"lut": limit}).estimate()
    assert limited.totals["lut"] <= limit < fastest.totals["lut"]
    assert slowest.fps <= limited.fps < fastest.fps
    assert limited.fits and limited.target_fps is None
    # what `codesign estimate` does is unchanged: no limits, the device only
    assert _estimator(tiny_designs, graph).estimate().fps == fastest.fps


def test_unknown_resource_limit_is_refused(tiny_inputs, tiny_designs):
    with pytest.raises(ValueError, match="unknown resource 'bram'"):
        _estimator(tiny_designs, tiny_inputs["graphs"][0], limits={"bram": 10})


def test_budget_resource_limits_by_device_resource_name():
    budget = parse_budget("interconnect_bits=64,lut=90%,bram=100,energy_uj=900", PYNQ_Z1)
    assert resource_limits(budget) == {"lut": pytest.approx(47880.0), "bram18": 100.0}


def test_common_target_is_the_minimum_of_the_maxima_within_the_budget():
    budget = parse_budget("interconnect_bits=64,lut=90%", PYNQ_Z1)  # LUT <= 47,880
    fastest = {"fast": estimate_summary(lut=40000, fps=3906.2), "slow": estimate_summary(lut=47000, fps=2712.7),
               "fastest": estimate_summary(lut=30000, fps=5000.0),
               "large": estimate_summary(lut=49787, fps=1000.0),  # even its slowest folding is over
               "broken": None}
    policy = choose_target(fastest, budget, "pynq-z1")
    assert policy.target_fps == 2712.7 and policy.target_source == "minimum of the maxima within the budget"
    assert policy.max_fps_within_budget == {"fast": 3906.2, "slow": 2712.7, "fastest": 5000.0, "large": None,
                                            "broken": None}
    assert set(policy.left_out) == {"large", "broken"}
    assert policy.left_out["large"] == "even its slowest folding is over the budget (LUT 49,787 > 47,880)"
    assert "2,712.7 FPS" in policy.policy and "left out of the minimum: broken, large" in policy.policy
    given = choose_target(fastest, budget, "pynq-z1", target_fps=1500.0)
    assert given.target_fps == 1500.0 and given.target_source == "--target-fps"
    assert given.max_fps_within_budget == policy.max_fps_within_budget
    nobody = choose_target({"large": fastest["large"]}, budget, "pynq-z1")
    assert nobody.target_fps is None and nobody.policy.startswith("no architecture has a folding within")


def _compare(tiny_inputs, cache_root: Path, target_fps: float | None = None) -> dict:
    """A tiny comparison's result (as compare.json holds it): main runs only, LUT budget."""
    from codesign.compare import CompareConfig, run_compare

    config = CompareConfig(graphs=tiny_inputs["graphs"], device="pynq-z1", domains=tiny_inputs["domains"],
                           out=str(cache_root.parent / "out"), epochs=4, patience=2, lr=[0.02], budget="lut=90%",
                           target_fps=target_fps, cache_dir=str(cache_root), workers=1)
    return run_compare(config, progress=lambda _m: None).to_dict()


def test_every_architecture_at_the_common_target_from_trained_weights(tiny_inputs, cache_root):
    doc = _compare(tiny_inputs, cache_root)
    folding = doc["folding"]
    maxima = folding["max_fps_within_budget"]
    assert set(maxima) == {"tiny_head", "tiny_scale_bias"} and folding["left_out"] == {}
    assert folding["target_fps"] == min(maxima.values())
    for arch in doc["architectures"]:
        e = arch["estimate"]
        assert e["target_fps"] == folding["target_fps"] and e["fps"] >= folding["target_fps"]
        assert arch["budget"]["meets"]
        # the estimate used the checkpoint the first domain's seed-0 main run saved, and says so
        assert e["domain_weights"].startswith("trained: a, seed 0, main run, lr 0.02 (checkpoint ")
        checkpoint = Path(e["domain_weights"].split("(checkpoint ")[1].rstrip(")"))
        assert checkpoint.name == "a.json" and checkpoint.with_suffix(".safetensors").is_file()
    assert len(list((cache_root / "points" / "domains").glob("*/a.json"))) == 2  # one run per architecture
    assert doc["points"]["total"] == 2 * 2 + 2 * 2  # 2 archs x (2 domains' main runs + 2 estimates)

    # --target-fps: every architecture folded for it; the maxima and trained runs come from the cache
    target = round(folding["target_fps"] / 3, 1)
    given = _compare(tiny_inputs, cache_root, target_fps=target)
    assert given["folding"]["target_fps"] == target and given["folding"]["target_source"] == "--target-fps"
    assert given["folding"]["max_fps_within_budget"] == maxima
    assert given["points"]["computed"] == 2  # the two estimates at the new target, nothing else
    for arch in given["architectures"]:
        assert arch["estimate"]["target_fps"] == target and arch["estimate"]["fps"] >= target
