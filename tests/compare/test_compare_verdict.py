"""An honest verdict: bootstrap intervals, paired differences, ties within noise and their
tie-break, and the three budget states."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from compare_helpers import architecture, estimate_summary

from codesign.compare.analysis import add_intervals
from codesign.compare.budget import MEETS, MEETS_WITHIN_ERROR, VIOLATES, parse_budget
from codesign.compare.result import Verdict
from codesign.compare.stats import (BOOTSTRAP, NORMAL, PAIRED, UNPAIRED, AccuracyReplicates, DomainOutcomes,
                                    interval)
from codesign.compare.summaries import Decathlon
from codesign.compare.verdict import TIE_BREAK, check_budget, verdict

IMAGES = 200
SEEDS = (0, 1)


def _outcomes(correct_per_seed: list[np.ndarray]) -> DomainOutcomes:
    """Main runs of one architecture on one domain from per-seed 0/1 vectors."""
    return DomainOutcomes.of([(seed, float(v.mean()), [int(x) for x in v])
                              for seed, v in zip(SEEDS, correct_per_seed)], IMAGES)


def _vector(right: int, shift: int = 0) -> np.ndarray:
    """``right`` of IMAGES correct, a contiguous run starting at ``shift`` (wrapping)."""
    v = np.zeros(IMAGES, dtype=int)
    v[(np.arange(right) + shift) % IMAGES] = 1
    return v


def _archs(accuracy_right: dict[str, tuple[int, int]], bits: dict[str, int], domains=("d",)):
    """ArchitectureResults and their replicates: per architecture (images right, shift) on each domain."""
    outcomes, archs = {}, []
    for name, (right, shift) in accuracy_right.items():
        per_domain = {d: _outcomes([_vector(right, shift), _vector(right, shift + 3)]) for d in domains}
        outcomes[name] = per_domain
        arch = architecture(name, right / IMAGES, bits[name], True)
        arch.domains = {d: SimpleNamespace(trainable_parameters=1000 + bits[name], test_images=IMAGES,
                                           test_accuracy_interval=None) for d in domains}
        archs.append(arch)
    replicates = AccuracyReplicates(outcomes, list(domains))
    add_intervals(archs, replicates)
    return archs, replicates


def test_bootstrap_interval_is_reproducible_per_seed_and_contains_the_estimate():
    rng = np.random.default_rng(7)
    correct = [rng.random(IMAGES) < 0.8, rng.random(IMAGES) < 0.75]
    outcomes = {"a": {"d": _outcomes([c.astype(int) for c in correct])}}
    first = AccuracyReplicates(outcomes, ["d"], seed=3).domain("a", "d")
    again = AccuracyReplicates(outcomes, ["d"], seed=3).domain("a", "d")
    other = AccuracyReplicates(outcomes, ["d"], seed=4).domain("a", "d")
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    point = float(np.mean([c.mean() for c in correct]))
    low, high = interval(first)
    assert low < point < high
    # two seeds of 200 images at ~78 %: the binomial half-width alone is ~6 points, the seeds add some
    assert 0.10 < high - low < 0.20
    assert first.mean() == pytest.approx(point, abs=0.005)


def test_a_perfect_domain_has_a_zero_width_interval():
    outcomes = {"a": {"d": _outcomes([np.ones(IMAGES, int), np.ones(IMAGES, int)])}}
    assert interval(AccuracyReplicates(outcomes, ["d"]).domain("a", "d")) == (1.0, 1.0)


def test_differences_less_than_the_noise_are_a_tie_broken_by_fewer_wires():
    # 160 vs 158 vs 157 of 200 right, ~20 images apart: 1-1.5 points, inside the noise
    archs, replicates = _archs({"side": (160, 0), "head": (158, 20), "attention": (157, 40)},
                               {"side": 12, "head": 4, "attention": 28})
    found = verdict(archs, parse_budget("interconnect_bits=64"), "pynq-z1", replicates=replicates)
    assert found.beyond_noise is False
    assert found.tied == ["side", "head", "attention"] and found.tie_break == TIE_BREAK
    assert found.best == "head"  # 4 bits: the tie-break, not the highest point estimate
    diffs = {d.b: d for d in found.differences}
    assert set(diffs) == {"head", "attention"} and all(d.a == "side" for d in diffs.values())
    assert diffs["head"].value == pytest.approx(0.01) and diffs["head"].low < 0 < diffs["head"].high
    assert diffs["head"].method == PAIRED
    assert found.text.startswith("side 80.0 % [")
    assert "is tied within noise with head (difference +1.0 pt [" in found.text
    assert found.text.endswith(f"tie broken by {TIE_BREAK}: head (4 bits, 1,004 trainable parameters per domain)")


def test_equal_wires_fall_to_fewer_parameters():
    archs, replicates = _archs({"a": (160, 0), "b": (159, 20)}, {"a": 8, "b": 8})
    archs[0].domains["d"].trainable_parameters = 5000
    found = verdict(archs, parse_budget(None), "pynq-z1", replicates=replicates)
    assert found.tied == ["a", "b"] and found.best == "b"


def test_a_difference_far_beyond_the_noise_has_a_winner():
    archs, replicates = _archs({"side": (180, 0), "head": (120, 0)}, {"side": 12, "head": 4})
    found = verdict(archs, parse_budget("interconnect_bits=64"), "pynq-z1", replicates=replicates)
    assert found.best == "side" and found.beyond_noise is True and found.tied is None
    (diff,) = found.differences
    assert diff.value == pytest.approx(0.30) and diff.low > 0.2 and diff.beyond_noise
    assert found.text.startswith("side 90.0 % [")
    assert "has the best mean accuracy of the 2 of 2 architecture(s) that meet the budget and fit pynq-z1, " \
           "beyond noise, ahead of the next, head, by +30.0 pt [" in found.text


def test_paired_differences_are_narrower_than_the_single_intervals():
    # the same hard images for both: the difference is known far better than either accuracy
    archs, replicates = _archs({"a": (150, 0), "b": (140, 0)}, {"a": 8, "b": 8})
    found = verdict(archs, parse_budget(None), "pynq-z1", replicates=replicates)
    (diff,) = found.differences
    width = archs[0].mean_accuracy_interval.high - archs[0].mean_accuracy_interval.low
    assert diff.high - diff.low < 0.5 * width and diff.beyond_noise and found.best == "a"


def test_without_per_image_outcomes_a_normal_approximation_is_stated():
    outcomes = {"a": {"d": DomainOutcomes.of([(0, 0.80, None), (1, 0.84, None)], IMAGES)},
                "b": {"d": _outcomes([_vector(150), _vector(152)])}}
    replicates = AccuracyReplicates(outcomes, ["d"])
    assert replicates.method("a") == NORMAL and replicates.method("b") == BOOTSTRAP
    assert replicates.pair_method("a", "b") == UNPAIRED
    low, high = interval(replicates.domain("a", "d"))
    # variance = seed variance 0.0008 / 2 seeds + 0.82 * 0.18 / 200 images = 0.00114: 95 % ~ +-6.6 pt
    assert low == pytest.approx(0.82 - 0.066, abs=0.005) and high == pytest.approx(0.82 + 0.066, abs=0.005)
    again = AccuracyReplicates(outcomes, ["d"]).domain("a", "d")
    assert np.array_equal(again, replicates.domain("a", "d"))


def test_decathlon_ranking_applies_the_same_tie_logic():
    archs, replicates = _archs({"finetune": (170, 0), "side": (166, 20), "head": (100, 0)},
                               {"finetune": 20, "side": 12, "head": 4}, domains=("d", "e"))
    for arch in archs:
        arch.decathlon = Decathlon(score=0.0, max_score=2000.0, domains={"d": None, "e": None},
                                   without_baseline=[], baseline="finetune")
    from codesign.train.metrics import decathlon_score

    for arch in archs:  # the scores at the point estimates, as analysis computes them
        err = 1 - arch.mean_accuracy
        arch.decathlon.score = decathlon_score({"d": err, "e": err}, {"d": 0.15, "e": 0.15},
                                               {"d": IMAGES, "e": IMAGES})["score"]
    found = verdict(archs, parse_budget(None), "pynq-z1", rank_by="decathlon", replicates=replicates)
    assert found.rank_by == "decathlon" and found.tied == ["finetune", "side"] and found.best == "side"
    diffs = {d.b: d for d in found.differences}
    assert diffs["head"].metric == "decathlon" and diffs["head"].beyond_noise
    assert diffs["side"].low < 0 < diffs["side"].high and diffs["side"].value == pytest.approx(124.4, abs=0.1)
    assert found.text.startswith("finetune score 500 [500, 500] of 2,000 has the highest Decathlon-style score")


def test_budget_has_three_states():
    est = estimate_summary(lut=40000)
    from codesign.cost.summary import ResourceAmounts

    amounts = {"ff": 45568.0, "bram18": 107.0, "uram": 0.0, "dsp": 0.0}
    est.resources_low, est.resources_high = ResourceAmounts(lut=36000.0, **amounts), ResourceAmounts(lut=44000.0,
                                                                                                      **amounts)
    states = {limit: check_budget(parse_budget(f"lut={limit}"), est, True, "pynq-z1").state
              for limit in (45000, 42000, 39000)}
    assert states == {45000: MEETS, 42000: MEETS_WITHIN_ERROR, 39000: VIOLATES}
    archs, replicates = _archs({"a": (160, 0)}, {"a": 8})
    archs[0].budget = check_budget(parse_budget("lut=42000"), est, True, "pynq-z1")
    found = verdict(archs, parse_budget("lut=42000"), "pynq-z1", replicates=replicates)
    assert found.best == "a" and found.text.endswith(
        "; a meets only within estimator error (a resource limit inside the calibrated interval)")


def test_verdict_with_intervals_reads_back_and_older_verdicts_still_load():
    archs, replicates = _archs({"a": (160, 0), "b": (158, 20)}, {"a": 12, "b": 4})
    found = verdict(archs, parse_budget(None), "pynq-z1", replicates=replicates)
    assert Verdict.from_dict(found.to_dict()) == found
    old = {"meeting": ["a"], "best": "a", "infeasible": False, "text": "a", "rank_by": "accuracy"}
    assert Verdict.from_dict(old).to_dict() == old  # no interval keys appear in an older document
