"""Number formatting of the report: percentages, separators, budget comparators, missing values."""

from __future__ import annotations

from codesign.compare.budget import LimitCheck
from codesign.compare.summaries import MeanStd
from codesign.report import fmt


def test_accuracy_is_percent_with_one_decimal_std_and_n():
    assert fmt.accuracy(MeanStd(0.934, 0.008, 3)) == "93.4 ± 0.8 (n=3)"
    assert fmt.accuracy(MeanStd(0.934, 0.008, 3), with_n=False) == "93.4 ± 0.8"
    assert fmt.accuracy(MeanStd(0.5, None, 1)) == "50.0 (n=1)"
    assert fmt.accuracy(None) == fmt.MISSING
    assert fmt.accuracy(MeanStd(float("nan"), 0.0, 0)) == fmt.MISSING
    assert fmt.accuracy(MeanStd(None, None, 0)) == fmt.MISSING
    assert fmt.mean_std(MeanStd(6.0, 0.5, 2)) == "6.0 ± 0.5" and fmt.mean_std(MeanStd(6.0, 0.0, 2)) == "6.0"


def test_counts_and_numbers_have_thousands_separators():
    assert fmt.count(65024) == "65,024"
    assert fmt.count(2100.0) == "2,100"
    assert fmt.number(2712.66) == "2,712.7"
    assert fmt.number(None) == fmt.MISSING
    assert fmt.limit(45000.0) == "45,000" and fmt.limit(5.5) == "5.5"


def test_budget_checks_use_the_metric_comparator():
    lut = fmt.budget_check(LimitCheck("lut", 49787, 45000.0, False, "<="))
    assert lut == "LUT 49,787 (limit ≤ 45,000 LUT)"
    fps = fmt.budget_check(LimitCheck("fps", 2712.7, 5000.0, False, ">="))
    assert "limit ≥ 5,000 FPS" in fps
    missing = fmt.budget_check(LimitCheck("interconnect_bits", None, 64, False, "<="))
    assert missing == "interconnect no estimate (limit ≤ 64 bits)"
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
