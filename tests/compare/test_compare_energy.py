"""Energy in a comparison: the budget metric energy_uj and the energy Pareto front use the
energy per inference at the design's throughput unless --energy single-image; older
documents (energy as {total, dynamic, static}) still load, with both figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from codesign.compare.budget import BudgetError, metric_value, parse_budget
from codesign.compare.result import read_result
from codesign.compare.verdict import pareto_fronts
from tests.compare.compare_helpers import architecture, estimate_summary

DEMO_V1 = Path(__file__).resolve().parent / "fixtures" / "compare_format1_demo.json"


def test_energy_metric_is_the_throughput_figure_unless_asked():
    est = estimate_summary(energy_uj=700.0, single_image_uj=9000.0)
    assert metric_value("energy_uj", est) == 700.0
    assert metric_value("energy_uj", est, "single-image") == 9000.0
    assert parse_budget("energy_uj=800").check(est).meets
    assert not parse_budget("energy_uj=800", energy="single-image").check(est).meets
    assert parse_budget(None, energy="single-image").energy == "single-image"


def test_unknown_energy_figure_is_a_one_line_budget_error():
    with pytest.raises(BudgetError) as info:
        parse_budget("energy_uj=800", energy="latency")
    assert str(info.value) == "--energy: expected one of throughput, single-image, got 'latency'"


def _two_designs():
    """'fast' runs at 10x the rate with 3x the latency: cheaper per inference at its
    throughput, dearer as a single image; equal accuracy."""
    fast, slow = architecture("fast", 0.9, 28, True), architecture("slow", 0.9, 28, True)
    fast.estimate = estimate_summary(fps=27000.0, energy_uj=90.0, single_image_uj=27000.0)
    slow.estimate = estimate_summary(fps=2700.0, energy_uj=620.0, single_image_uj=9000.0)
    return [fast, slow]


def test_energy_pareto_front_uses_the_throughput_figure():
    archs = _two_designs()
    assert pareto_fronts(archs)["energy_uj"] == ["fast"]
    assert archs[0].pareto["energy_uj"] and not archs[1].pareto["energy_uj"]
    assert pareto_fronts(_two_designs(), "single-image")["energy_uj"] == ["slow"]


def test_old_documents_load_with_both_figures():
    """Format 1 stored {total, dynamic, static} = static power x latency + dynamic; read back,
    single image = that total, at throughput = static power / FPS + dynamic, no board power."""
    arch = read_result(DEMO_V1).architecture("cnv_attention")
    est, energy = arch.estimate, arch.estimate.energy_uj
    static_w = 833.388 / (est.latency_ms * 1e3)  # 0.15 W x 5.556 ms = 833.4 µJ
    assert static_w == pytest.approx(0.15)
    assert energy.single_image == pytest.approx(863.2470237399999)
    assert energy.per_inference_at_throughput == pytest.approx(0.15 / est.fps * 1e6 + 29.85902374)
    assert energy.per_inference_at_throughput == pytest.approx(85.16, abs=0.01)
    assert energy.board_idle_power_w == 0.0 and energy.static_power_w == pytest.approx(0.15)
    assert energy.power_at_throughput_w == pytest.approx(energy.per_inference_at_throughput * est.fps / 1e6)
