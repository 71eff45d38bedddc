"""The seed-claims analysis (codesign.compare.claims) on hand-built results and on the committed demo.

Hand-built domains have seed std 0 and 1,000 test images, so each interval is the binomial
one: half-width 1.96 * sqrt(sum of p(1 - p) / 1000) (claims_records.METHOD).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from compare_helpers import estimate_summary

from codesign.compare.claims import claims_of, study_claims
from codesign.compare.claims_records import ClaimsTable
from codesign.compare.result import read_result

ROOT = Path(__file__).resolve().parents[2]
TEST_IMAGES = 1000


def _stat(mean):
    return {"mean": mean, "std": 0.0, "n": 3}


def _domain(acc, params, k5, noisy):
    from codesign.compare.summaries import DomainSummary

    none = {"mean": None, "std": None, "n": 0}
    return DomainSummary.from_dict({
        "test_accuracy": _stat(acc), "val_accuracy": _stat(acc), "epochs_run": _stat(5), "epoch_seconds": _stat(1),
        "adaptation_seconds": _stat(5), "trainable_parameters": params, "domain_bytes": params / 2,
        "macs_inference": 1, "macs_training": 1, "feature_cache_speedup_per_epoch": none,
        "samples_needed": {} if k5 is None else {"5": {"test_accuracy": _stat(k5), "train_samples": _stat(50)},
                                                 "all": {"test_accuracy": _stat(acc), "train_samples": _stat(900)}},
        "label_noise": {} if noisy is None else {"0": {"test_accuracy": _stat(acc), "realised_noise": _stat(0)},
                                                 "0.4": {"test_accuracy": _stat(noisy), "realised_noise": _stat(.4)}},
        "training_macs_total": _stat(1), "test_images": TEST_IMAGES})


def arch(family, acc=0.9, params=1000, bits=28, streams=7, latency_ms=5.0, k5=0.7, noisy=0.8, estimate=True):
    from codesign.compare.budget import BudgetCheck
    from codesign.compare.result import ArchitectureResult, LrChoice

    return ArchitectureResult(
        name=f"cnv_{family}", graph="", family=family, backbone="cnv x0.5 W4A4", description="",
        estimate=estimate_summary(bits=bits, streams=streams, latency_ms=latency_ms) if estimate else None,
        domains={"d": _domain(acc, params, k5, noisy)}, mean_accuracy=acc, mean_accuracy_std=0.0, decathlon=None,
        errors=[], training_lr=LrChoice(0.005, {}), budget=BudgetCheck(meets=True, checks=[]), pareto={})


def result(*archs):
    doc = read_result(ROOT / "reports/examples/demo/compare.json")
    doc.architectures = list(archs)
    return doc


def rows(*archs):
    return {r.claim: r for r in claims_of(result(*archs))}


def half_width(*accuracies):
    return 1.959963984540054 * math.sqrt(sum(p * (1 - p) for p in accuracies) / TEST_IMAGES)


def test_parameters_supported_at_a_tie_with_the_exact_ratio_and_interval():
    row = rows(arch("attention", acc=0.90, params=1000), arch("parallel", acc=0.91, params=10500))["parameters"]
    ratio, accuracy = row.comparisons
    assert row.verdict == "supported" and ratio.difference.value == pytest.approx(10.5)
    assert accuracy.difference.value == pytest.approx(-0.01)
    assert accuracy.difference.high - accuracy.difference.value == pytest.approx(half_width(0.90, 0.91))
    assert accuracy.outcome == "tie" and "10.5x fewer" in row.summary and "similar" in row.summary


@pytest.mark.parametrize("params, acc, verdict", [(10500, 0.80, "mixed"), (2000, 0.90, "mixed"),
                                                  (2000, 0.80, "not supported")])
def test_parameters_mixed_or_not_supported(params, acc, verdict):
    row = rows(arch("attention", acc=acc, params=1000), arch("parallel", acc=0.90, params=params))["parameters"]
    assert row.verdict == verdict
    if acc == 0.80:  # -10 pt, interval half-width ~3.3 pt: worse beyond noise, and said so
        assert row.comparisons[1].outcome == "worse" and "LOSES" in row.summary


def test_interconnect_supported_mixed_not_supported_and_streams_break_equal_bits():
    assert rows(arch("attention", bits=28), arch("parallel", bits=1196),
                arch("scale_bias", bits=1244))["interconnect"].verdict == "supported"
    mixed = rows(arch("attention", bits=28), arch("parallel", bits=1196), arch("head", bits=4))["interconnect"]
    assert mixed.verdict == "mixed" and "LOSES to cnv_head" in mixed.summary
    assert [c.difference.value for c in mixed.comparisons] == [1168, -24]
    equal = rows(arch("attention", bits=28, streams=7), arch("side", bits=28, streams=3))["interconnect"]
    assert equal.verdict == "not supported" and equal.comparisons[0].measure.startswith("interconnect streams")
    assert equal.comparisons[0].difference.value == -4


def test_samples_at_the_smallest_k():
    supported = rows(arch("attention", k5=0.80), arch("parallel", k5=0.70), arch("finetune", k5=0.60))["samples"]
    assert supported.verdict == "supported"
    assert [c.difference.value for c in supported.comparisons] == pytest.approx([0.10, 0.20])
    mixed = rows(arch("attention", k5=0.80), arch("parallel", k5=0.79), arch("finetune", k5=0.60))["samples"]
    assert mixed.verdict == "mixed" and "tie with cnv_parallel" in mixed.summary
    tie = rows(arch("attention", k5=0.80), arch("series", k5=0.81))["samples"]
    assert tie.verdict == "not supported" and tie.comparisons[0].outcome == "tie"
    assert rows(arch("attention", k5=None), arch("parallel"))["samples"].verdict == "not measured"


def test_noise_drop_against_parallel():
    better = rows(arch("attention", acc=0.9, noisy=0.85), arch("parallel", acc=0.9, noisy=0.70))["noise"]
    assert better.verdict == "supported"
    (c,) = better.comparisons
    assert (c.attention, c.other, c.difference.value) == pytest.approx((0.05, 0.20, 0.15))
    assert c.difference.high - c.difference.value == pytest.approx(half_width(0.9, 0.85, 0.9, 0.7))
    worse = rows(arch("attention", acc=0.9, noisy=0.60), arch("parallel", acc=0.9, noisy=0.80))["noise"]
    assert worse.verdict == "not supported" and "LOSES" in worse.summary
    assert rows(arch("attention", noisy=None), arch("parallel"))["noise"].verdict == "not measured"


def test_order_by_latency_with_head_as_reference():
    row = rows(arch("attention", latency_ms=6.0), arch("parallel", latency_ms=7.0), arch("series", latency_ms=6.5),
               arch("head", latency_ms=5.5))["order"]
    assert row.verdict == "supported" and "attention adds +0.500 ms" in row.summary
    assert [c.against for c in row.comparisons] == ["cnv_parallel", "cnv_series"]
    mixed = rows(arch("attention", latency_ms=6.0), arch("parallel", latency_ms=7.0), arch("side", latency_ms=5.0))
    assert mixed["order"].verdict == "mixed"
    assert rows(arch("attention", estimate=False), arch("parallel"))["order"].verdict == "not measured"


def test_no_attention_or_no_parallel_is_not_measured():
    assert {r.verdict for r in claims_of(result(arch("parallel"), arch("head")))} == {"not measured"}
    assert rows(arch("attention"), arch("head"))["parameters"].verdict == "not measured"


def test_study_claims_training_once_per_backbone_hardware_per_device():
    a, b = result(arch("attention"), arch("parallel")), result(arch("attention"), arch("parallel"))
    b.device.name = "zcu104"
    table = study_claims([a, b])
    assert [(r.claim, r.device) for r in table.rows] == [
        ("parameters", ""), ("interconnect", "pynq-z1"), ("interconnect", "zcu104"), ("samples", ""),
        ("order", "pynq-z1"), ("order", "zcu104"), ("noise", "")]
    assert ClaimsTable.from_dict(json.loads(json.dumps(table.to_dict()))).to_dict() == table.to_dict()
    assert len(study_claims([a, a]).rows) == 5  # the same backbone and device twice: one row per claim


def test_committed_demo_claims():
    table = study_claims([read_result(ROOT / "reports/examples/demo/compare.json")])
    by_claim = {r.claim: r for r in table.rows}
    assert {c: r.verdict for c, r in by_claim.items()} == {
        "parameters": "supported", "interconnect": "mixed", "samples": "mixed", "order": "mixed",
        "noise": "not supported"}
    ratio = by_claim["parameters"].comparisons[0]
    assert ratio.difference.value == pytest.approx((2 * 35296 + 38880) / (2 * 3264 + 6848))  # 8.18x
    assert [c.against for c in by_claim["interconnect"].comparisons if c.outcome == "worse"] == [
        "cnv_side", "cnv_finetune", "cnv_head"]


def test_an_architecture_compared_at_several_noise_rates_is_named_once():
    from types import SimpleNamespace

    from codesign.compare.claims import _count_comparison, _losers_text

    parallel, side = SimpleNamespace(name="cnv_parallel"), SimpleNamespace(name="cnv_side")
    comparisons = [_count_comparison(parallel, "drop", 0.1, 0.1) for _ in range(3)]
    comparisons += [_count_comparison(side, "drop", 0.2, 0.1) for _ in range(2)]
    assert [c.outcome for c in comparisons] == ["tie"] * 3 + ["worse"] * 2
    assert _losers_text(comparisons, "noise") == "; attention LOSES to cnv_side on noise; tie with cnv_parallel"
