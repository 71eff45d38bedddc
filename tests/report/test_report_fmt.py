"""Number formatting of the report: percentages, separators, budget comparators, missing values."""

from __future__ import annotations

from codesign.report import fmt


def test_accuracy_is_percent_with_one_decimal_std_and_n():
    assert fmt.accuracy({"mean": 0.934, "std": 0.008, "n": 3}) == "93.4 ± 0.8 (n=3)"
    assert fmt.accuracy({"mean": 0.934, "std": 0.008, "n": 3}, with_n=False) == "93.4 ± 0.8"
    assert fmt.accuracy({"mean": 0.5, "std": None, "n": 1}) == "50.0 (n=1)"
    assert fmt.accuracy(None) == fmt.MISSING
    assert fmt.accuracy({"mean": float("nan"), "std": 0.0, "n": 0}) == fmt.MISSING


def test_counts_and_numbers_have_thousands_separators():
    assert fmt.count(65024) == "65,024"
    assert fmt.count(2100.0) == "2,100"
    assert fmt.number(2712.66) == "2,712.7"
    assert fmt.number(None) == fmt.MISSING
    assert fmt.limit(45000.0) == "45,000" and fmt.limit(5.5) == "5.5"


def test_budget_checks_use_the_metric_comparator():
    lut = fmt.budget_check({"metric": "lut", "value": 49787, "limit": 45000.0, "ok": False})
    assert lut == "LUT 49,787 (limit ≤ 45,000 LUT)"
    fps = fmt.budget_check({"metric": "fps", "value": 2712.7, "limit": 5000.0, "ok": False})
    assert "limit ≥ 5,000 FPS" in fps
    missing = fmt.budget_check({"metric": "interconnect_bits", "value": None, "limit": 64, "ok": False})
    assert "no estimate" in missing
    limits = fmt.budget_limits({"interconnect_bits": 64.0, "fps": 100.0})
    assert limits == "interconnect ≤ 64 bits, throughput ≥ 100 FPS"


def test_sweep_keys_sort_numerically_with_all_last():
    assert sorted(["all", "20", "5", "100"], key=fmt.k_shot_order) == ["5", "20", "100", "all"]
    assert sorted(["0.4", "0", "0.2"], key=fmt.noise_order) == ["0", "0.2", "0.4"]


def test_source_caption_names_the_source_or_says_it_is_missing():
    sources = {"resources": "estimated: FINN estimators.", "device": "data sheet: DS190"}
    assert fmt.source_caption(sources, "resources") == "Source — estimated: FINN estimators."
    assert fmt.source_caption(sources, "resources", "device") == \
        "Sources — estimated: FINN estimators; data sheet: DS190."
    assert "not recorded" in fmt.source_caption({}, "energy")
    assert fmt.source_kind("measured: x") == "measured"
