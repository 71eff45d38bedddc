"""Figures of the report: PNG bytes when there is data, None when there is none."""

from __future__ import annotations

import io

import pytest
from report_fixtures import full_doc, minimal_doc, result

from codesign.report import plots
from codesign.report.figure import new_figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def full_pngs() -> dict[str, bytes]:
    return plots.render_plots(result(full_doc()))


def test_every_plot_renders_for_the_full_document(full_pngs):
    assert set(full_pngs) == set(plots.PLOTS)
    assert all(png.startswith(PNG_MAGIC) for png in full_pngs.values())


def test_interconnect_plot_is_not_blank(full_pngs):
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(full_pngs["interconnect_vs_accuracy"]), format="png")
    assert pixels.shape[0] > 300 and pixels.shape[1] > 500
    assert pixels[..., :3].std() > 0.05


def test_sweep_plots_are_none_without_a_sweep():
    minimal = result(minimal_doc())
    assert plots.plot_sample_efficiency(minimal) is None
    assert plots.plot_label_noise(minimal) is None
    assert set(plots.render_plots(minimal)) == set(plots.PLOTS) - {"sample_efficiency", "label_noise"}


def test_a_single_sweep_point_draws_no_curve():
    full = result(full_doc())
    for arch in full.architectures:
        for rec in arch.domains.values():
            rec.samples_needed = {"all": rec.samples_needed["all"]}
            rec.label_noise = {}
    assert plots.plot_sample_efficiency(full) is None
    assert plots.plot_label_noise(full) is None


def test_no_architecture_means_no_plot():
    full = result(full_doc())
    full.architectures = []
    assert plots.render_plots(full) == {}


def test_failed_estimates_are_left_out_of_tradeoff_plots():
    minimal = result(minimal_doc())  # tiny_series has no estimate: one point remains
    assert plots.plot_interconnect_vs_accuracy(minimal).startswith(PNG_MAGIC)
    for arch in minimal.architectures:
        arch.estimate = None
    assert plots.plot_interconnect_vs_accuracy(minimal) is None
    assert plots.plot_resources(minimal) is None


@pytest.mark.parametrize("xs, scale", [([8, 12, 28, 416], "log"), ([8, 12, 28, 64], "linear"),
                                       ([0, 12, 28, 5000], "symlog"), ([0, 0], "linear")])
def test_cost_axis_goes_logarithmic_over_a_wide_range(xs, scale):
    ax = new_figure(4, 3).add_subplot()
    plots._scale_x(ax, [float(x) for x in xs])
    assert ax.get_xscale() == scale


def test_pngs_are_reproducible(full_pngs):
    assert plots.plot_resources(result(full_doc())) == full_pngs["resources"]
