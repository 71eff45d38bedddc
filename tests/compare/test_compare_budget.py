"""Budget strings: parsing, clear errors, and the check of an estimate against limits."""

from __future__ import annotations

import pytest
from compare_helpers import estimate_summary

from codesign.cli import main
from codesign.compare.budget import BudgetError, parse_budget

DEVICE = {"lut": 53200, "ff": 106400, "bram18": 280, "uram": 0, "dsp": 220}
ESTIMATE = estimate_summary(bits=28, streams=7, lut=49787, fps=2712.7, energy_uj=857.9, latency_ms=5.52)


def test_parse_all_metrics_and_percentages():
    budget = parse_budget("interconnect_bits=64, lut=80%,bram=120,energy_uj=900.5,fps=1000,"
                          "streams=8,ff=1e5,dsp=0,latency_ms=10", DEVICE)
    assert budget.limits == {"interconnect_bits": 64, "lut": pytest.approx(42560), "bram": 120,
                             "energy_uj": 900.5, "fps": 1000, "streams": 8, "ff": 1e5, "dsp": 0,
                             "latency_ms": 10}
    assert parse_budget(None).limits == {} and parse_budget("  ").limits == {}


def test_check_maxima_and_fps_minimum():
    check = parse_budget("interconnect_bits=64,lut=45000,fps=3000", DEVICE).check(ESTIMATE)
    by_metric = {c.metric: c for c in check.checks}
    assert by_metric["interconnect_bits"].ok and by_metric["interconnect_bits"].value == 28
    assert not by_metric["lut"].ok and by_metric["lut"].comparator == "<="
    assert not by_metric["fps"].ok and by_metric["fps"].comparator == ">="  # 2,713 < 3,000
    assert not check.meets
    assert parse_budget("interconnect_bits=28,fps=2712", DEVICE).check(ESTIMATE).meets  # limits inclusive
    assert not parse_budget("lut=1", DEVICE).check(None).meets  # no estimate never meets
    more = parse_budget("streams=7,energy_uj=857.9,latency_ms=5.5,ff=45568,bram=107,dsp=0", DEVICE).check(ESTIMATE)
    assert {c.metric: (c.value, c.ok) for c in more.checks} == {
        "streams": (7.0, True), "energy_uj": (857.9, True), "latency_ms": (5.52, False), "ff": (45568.0, True),
        "bram": (107.0, True), "dsp": (0.0, True)}


@pytest.mark.parametrize("text, message", [
    ("interconnect_bits", "is not metric=value"),
    ("=5", "is not metric=value"),
    ("wires=5", "unknown metric 'wires'; expected one of interconnect_bits"),
    ("lut=lots", "lut='lots': expected a number or a percentage"),
    ("energy_uj=-1", "expected a finite number >= 0"),
    ("energy_uj=nan", "expected a finite number >= 0"),
    ("energy_uj=5%", "a percentage is only allowed for lut, ff, bram, dsp"),
    ("lut=5,lut=6", "lut is given twice"),
    (",,", "no limit"),
])
def test_bad_budget_is_a_clear_error(text, message):
    with pytest.raises(BudgetError, match="^--budget: .*" + message.replace("(", r"\(")):
        parse_budget(text, DEVICE)


def test_bad_budget_on_the_command_line_exits_2_before_any_work(tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["compare", "graphs/cnv_attention.yaml", "--device", "pynq-z1", "--domains", "sklearn_digits",
                 "--budget", "lut:40000", "--out", str(out), "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == ["codesign: error: --budget: 'lut:40000' is not metric=value (e.g. interconnect_bits=64,lut=40000)"]
    assert not out.exists() and not (tmp_path / "cache").exists()


def _with_interval(summary, low: float, high: float):
    import dataclasses

    from codesign.cost.summary import ResourceAmounts

    lows = dataclasses.replace(summary.resources, lut=low)
    highs = dataclasses.replace(summary.resources, lut=high)
    assert isinstance(lows, ResourceAmounts)
    return dataclasses.replace(summary, resources_low=lows, resources_high=highs)


@pytest.mark.parametrize("low, high, ok, certainty", [
    (40_000, 45_000, True, "certain"),      # whole interval under the limit
    (40_000, 55_000, True, "uncertain"),    # point under, top over: the data cannot decide
    (47_000, 60_000, False, "uncertain"),   # point over, bottom under
    (50_500, 60_000, False, "certain"),     # whole interval over
])
def test_resource_limits_see_the_interval(low, high, ok, certainty):
    from tests.compare.compare_helpers import estimate_summary

    limit = 50_000 if ok else 49_000
    budget = parse_budget(f"lut={limit},interconnect_bits=64")
    check = budget.check(_with_interval(estimate_summary(lut=49_787), low, high))
    lut, bits = check.checks
    assert (lut.ok, lut.low, lut.high, lut.certainty) == (ok, low, high, certainty)
    assert bits.low is None and bits.certainty is None  # counted wires have no interval
    assert check.uncertain == (["lut"] if certainty == "uncertain" else None)
    assert check.meets is ok


def test_summaries_without_intervals_check_as_before():
    from tests.compare.compare_helpers import estimate_summary

    check = parse_budget("lut=50000").check(estimate_summary(lut=49_787))
    assert check.meets and check.checks[0].certainty is None and check.uncertain is None
