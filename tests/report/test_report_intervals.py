"""Intervals in the report: the tie in the verdict box, paired differences, intervals in the
tables, error bars, readable plots (labels apart, every Pareto member ringed, the budget on
the resources plot) and SVG figures."""

from __future__ import annotations

import itertools

import pytest
from report_fixtures import full_doc, result, with_intervals

from codesign.cli import main
from codesign.report import plots, write_report
from codesign.report.markdown import render_markdown


@pytest.fixture(scope="module")
def doc() -> dict:
    return with_intervals(full_doc())


def test_markdown_states_the_tie_the_differences_and_the_intervals(doc):
    md = render_markdown(result(doc), {})
    assert ("**VERDICT — Tied within noise under the budget: cnv_side, cnv_head; chosen by fewer interconnect bits, "
            "then fewer trainable parameters per domain: cnv_head**") in md
    assert doc["verdict"]["text"] in md
    assert "| cnv_head | 82.0 [78.0, 85.5] | +7.2 pt [-0.5, +14.0] | tied within noise | yes |" in md
    assert "| cnv_finetune | 93.0 [89.0, 96.5] | -3.6 pt [-7.0, -0.4] | ahead beyond noise | no |" in md
    assert "| cnv_side | 40 ✓ | 41,200 [32,960–49,440] ✓ ? | meets only within estimator error |" in md
    assert "cnv_side meets only within estimator error: the limit lies inside the calibrated interval: LUT " \
           "41,200 [32,960–49,440] (limit ≤ 45,000 LUT)" in md
    # accuracy table: mean ± std [95 %] (n); headline: mean [95 %]
    assert "| cnv_finetune | 93.4 ± 0.8 [87.4, 98.4] (n=2) |" in md
    assert "| cnv_head | head | 82.0 [78.0, 85.5] |" in md


def test_a_verdict_beyond_noise_says_so(doc):
    beyond = dict(doc, verdict={**doc["verdict"], "best": "cnv_side", "beyond_noise": True, "tied": None,
                                "tie_break": None})
    beyond["verdict"] = {k: v for k, v in beyond["verdict"].items() if v is not None}
    md = render_markdown(result(beyond), {})
    assert "Best under the budget: cnv_side, better than every other admissible architecture beyond noise" in md


def _boxes(texts, fig):
    """The boxes of the label texts alone (an annotation's own extent includes its leader line)."""
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    for t in texts:
        t.update_positions(renderer)
    return [Text.get_window_extent(t, renderer) for t in texts]


def test_labels_of_coinciding_points_do_not_overlap(doc):
    crowded = with_intervals(full_doc())
    for arch in crowded["architectures"]:  # four designs within a bit and half a point of each other
        arch["estimate"]["interconnect"]["interconnect_bits"] = 28
        arch["mean_accuracy"] = 0.90
    fig = plots.tradeoff_figure(result(crowded), "interconnect_bits")
    ax = fig.axes[0]
    names = {a["name"] for a in crowded["architectures"]}
    texts = [t for t in ax.texts if t.get_text() in names]
    assert len(texts) == 4
    fig.canvas.draw()
    for a, b in itertools.combinations(_boxes(texts, fig), 2):
        assert not a.overlaps(b)


def _ringed(ax) -> int:
    ring = next(c for c in ax.collections if (c.get_label() or "").startswith("Pareto front"))
    return len(ring.get_offsets())


def test_every_pareto_member_is_marked_also_a_front_of_one(doc):
    assert _ringed(plots.tradeoff_figure(result(doc), "lut").axes[0]) == 4
    single = dict(doc, pareto={**doc["pareto"], "interconnect_bits": ["cnv_head"]})
    assert _ringed(plots.tradeoff_figure(result(single), "interconnect_bits").axes[0]) == 1


def test_tradeoff_plots_have_accuracy_error_bars_and_lut_intervals(doc):
    ax = plots.tradeoff_figure(result(doc), "lut").axes[0]
    bars = [c for c in ax.containers if c.__class__.__name__ == "ErrorbarContainer"
            and not c.get_label().startswith("95 %")]  # not the legend's sample
    assert len(bars) == 4 and all(c.has_yerr and c.has_xerr for c in bars)
    head = result(doc).architecture("cnv_head")
    segments = [seg for c in bars for col in c.lines[2] for seg in col.get_segments()]
    # the head's accuracy bar runs over its 95 % interval (78.0-85.5 %)
    assert any(s[0][1] == pytest.approx(100 * head.mean_accuracy_interval.low) and
               s[1][1] == pytest.approx(100 * head.mean_accuracy_interval.high) for s in segments)


def test_resources_plot_draws_the_budget_limit(doc):
    ax = plots.resources_figure(result(doc)).axes[0]
    limit = next(c for c in ax.collections if c.get_label() == "budget limit")
    (segment,) = limit.get_segments()  # only LUT has a budget limit
    assert segment[0][1] == pytest.approx(100 * 45000 / 53200)


def test_svg_figures_in_every_report_file(tmp_path, doc):
    compared = result(doc)
    first = write_report(compared, tmp_path / "out")
    assert "plots/resources.png" in first
    paths = write_report(compared, tmp_path / "out", image_format="svg")
    svgs = [name for name in paths if name.startswith("plots/")]
    assert svgs and all(name.endswith(".svg") for name in svgs)
    assert not list((tmp_path / "out" / "plots").glob("*.png"))  # the PNGs of the first report are gone
    assert paths["plots/resources.svg"].read_bytes().lstrip().startswith(b"<?xml")
    page = paths["report.html"].read_text()
    assert page.count("data:image/svg+xml;base64,") == len(svgs) and "data:image/png" not in page
    assert "](plots/interconnect_vs_accuracy.svg)" in paths["report.md"].read_text()
    assert plots.plot_resources(compared, "svg") == plots.plot_resources(compared, "svg")  # reproducible


def test_plots_option_is_checked_before_any_work(tmp_path, capsys):
    code = main(["compare", "graphs/cnv_head.yaml", "--device", "pynq-z1", "--domains", "sklearn_digits",
                 "--plots", "gif", "--out", str(tmp_path / "r")])
    assert code == 2 and "--plots" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
