"""Decathlon score known answers, mean ± std, metric declarations."""

from __future__ import annotations

import math

import pytest

from codesign.train.metrics import METRICS, decathlon_domain_score, decathlon_score, mean_std


def test_decathlon_known_answers():
    base = 0.2  # the finetune baseline's test error
    assert decathlon_domain_score(0.2, base, 1000)["score"] == pytest.approx(250.0)  # = baseline
    assert decathlon_domain_score(0.0, base, 1000)["score"] == pytest.approx(1000.0)  # perfect
    assert decathlon_domain_score(0.4, base, 1000)["score"] == 0.0  # exactly 2x baseline error
    assert decathlon_domain_score(0.7, base, 1000)["score"] == 0.0  # worse than 2x
    assert decathlon_domain_score(0.1, base, 1000)["score"] == pytest.approx(1000 / 0.16 * 0.09)


def test_decathlon_sums_domains_and_lists_those_without_baseline():
    total = decathlon_score({"a": 0.2, "b": 0.0, "c": 0.3}, {"a": 0.2, "b": 0.1}, {"a": 50, "b": 50, "c": 50})
    assert total["score"] == pytest.approx(1250.0) and total["max_score"] == 2000.0
    assert total["without_baseline"] == ["c"]


def test_zero_baseline_error_is_floored_at_one_test_image():
    n = 200
    perfect = decathlon_domain_score(0.0, 0.0, n)
    assert perfect["score"] == pytest.approx(1000.0) and perfect["floored"]
    assert decathlon_domain_score(1 / n, 0.0, n)["score"] == pytest.approx(250.0)  # one error
    assert decathlon_domain_score(2 / n, 0.0, n)["score"] == 0.0
    assert all(math.isfinite(decathlon_domain_score(e, 0.0, n)["score"]) for e in (0.0, 0.5, 1.0))


def test_mean_std_reports_n():
    assert mean_std([0.5, 0.7]) == {"mean": pytest.approx(0.6), "std": pytest.approx(0.1414, abs=1e-4), "n": 2}
    assert mean_std([0.9]) == {"mean": 0.9, "std": 0.0, "n": 1}
    assert mean_std([float("nan")])["n"] == 0


def test_metrics_declare_direction():
    assert METRICS["test_accuracy"].higher_is_better and METRICS["decathlon_score"].higher_is_better
    assert not METRICS["trainable_parameters"].higher_is_better
    assert all(m.unit for m in METRICS.values())
