"""The comparison's figures, each rendered to PNG bytes (or None when its data is absent).

Trade-off scatters (error bars, Pareto members ringed, labels placed without overlaps:
labels.py), accuracy and resource bars (calibrated intervals, budget limits) live here; the sweep curves in
``plots_sweeps.py``; figure creation and PNG encoding in ``figure.py``.
"""

from __future__ import annotations

import math

from codesign.compare.budget import RESOURCE_KEYS, metric_interval, metric_value
from codesign.compare.result import CompareResult
from codesign.report.figure import arch_colours, encode, new_figure
from codesign.report.labels import place_labels
from codesign.report.fmt import PARETO_AXES, axis_label
from codesign.report.plots_sweeps import plot_label_noise, plot_sample_efficiency

RESOURCE_BARS = (("lut", "LUT"), ("ff", "FF"), ("bram18", "BRAM18"), ("uram", "URAM"), ("dsp", "DSP"))


def _tradeoff_points(result: CompareResult, metric: str) -> list[dict]:
    """Per architecture with an estimate and an accuracy: cost, accuracy %, their error bars."""
    energy = result.budget.energy  # the energy figure the comparison ranks on
    points = []
    for arch in result.architectures:
        if arch.estimate is None or arch.mean_accuracy is None:
            continue
        x, y = metric_value(metric, arch.estimate, energy), 100.0 * arch.mean_accuracy
        iv = arch.mean_accuracy_interval
        x_iv = metric_interval(metric, arch.estimate)
        points.append({"name": arch.name, "x": x, "y": y, "meets": arch.budget.meets,
                       "yerr": None if iv is None else (y - 100.0 * iv.low, 100.0 * iv.high - y),
                       "xerr": None if x_iv is None else (x - x_iv[0], x_iv[1] - x)})
    return points


def _error_bars(ax, points: list[dict], colours: dict) -> bool:
    """Accuracy (95 %) and cost (calibrated 10-90 %) error bars; True when any is drawn."""
    drawn = False
    for p in points:
        if p["yerr"] is None and p["xerr"] is None:
            continue
        ax.errorbar([p["x"]], [p["y"]], fmt="none", ecolor=colours[p["name"]], elinewidth=1.1, capsize=3,
                    alpha=0.85, zorder=2,
                    yerr=None if p["yerr"] is None else [[max(0.0, p["yerr"][0])], [max(0.0, p["yerr"][1])]],
                    xerr=None if p["xerr"] is None else [[max(0.0, p["xerr"][0])], [max(0.0, p["xerr"][1])]])
        drawn = True
    return drawn


def _bar_segments(points: list[dict]) -> list[tuple[float, float, float, float]]:
    """The error bars as data-space segments (x0, y0, x1, y1), for label placement."""
    segments = []
    for p in points:
        x, y = p["x"], p["y"]
        if p["yerr"]:
            segments.append((x, y - p["yerr"][0], x, y + p["yerr"][1]))
        if p["xerr"]:
            segments.append((x - p["xerr"][0], y, x + p["xerr"][1], y))
    return segments


def plot_tradeoff(result: CompareResult, metric: str, image_format: str = "png") -> bytes | None:
    fig = tradeoff_figure(result, metric)
    return None if fig is None else encode(fig, image_format)


def tradeoff_figure(result: CompareResult, metric: str):
    """Mean test accuracy (%) against one cost metric with error bars; Pareto members ringed
    (a front of one too) and joined by a step line; labels placed without overlaps."""
    points = _tradeoff_points(result, metric)
    if not points:
        return None
    limits = result.budget.limits
    has_budget = bool(limits)
    colours = arch_colours(result)
    # the interconnect figure is the report's key plot: drawn larger than the other two
    fig = new_figure(*((8.0, 5.0) if metric == "interconnect_bits" else (6.0, 4.2)))
    ax = fig.add_subplot()
    has_bars = _error_bars(ax, points, colours)
    for p in points:
        marker = "X" if has_budget and p["meets"] is False else "o"
        ax.scatter([p["x"]], [p["y"]], s=70, marker=marker, color=colours[p["name"]], edgecolor="black",
                   linewidth=0.6, zorder=3)
    front_names = set(result.pareto.get(metric) or [])
    front = sorted((p["x"], p["y"]) for p in points if p["name"] in front_names)
    if front:  # every member ringed, also a front of one
        ax.scatter([f[0] for f in front], [f[1] for f in front], s=230, facecolors="none", edgecolors="black",
                   linewidths=1.3, zorder=3, label=f"Pareto front (fewer {PARETO_AXES[metric][1]}, higher accuracy)")
    if len(front) >= 2:
        ax.step([f[0] for f in front], [f[1] for f in front], where="post", color="black", linewidth=1.0,
                alpha=0.7, zorder=2)
    limit = limits.get(metric)  # budget metric names equal the Pareto keys
    if isinstance(limit, (int, float)):
        ax.axvline(limit, color="#c62828", linestyle="--", linewidth=1.2, label=f"budget limit {limit:,g}")
    xs = [p["x"] for p in points] + [p["x"] + (p["xerr"] or (0, 0))[1] for p in points]
    _scale_x(ax, xs + [p["x"] - (p["xerr"] or (0, 0))[0] for p in points]
             + ([limit] if isinstance(limit, (int, float)) else []))
    if metric != "energy_uj" and ax.get_xscale() == "linear":  # bits and LUTs come whole
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if isinstance(limit, (int, float)):  # shade the side of the limit that breaks the budget
        ax.axvspan(limit, ax.get_xlim()[1], color="#c62828", alpha=0.06, zorder=0)
    if has_budget:
        ax.scatter([], [], marker="o", color="grey", edgecolor="black", label="meets budget")
        ax.scatter([], [], marker="X", color="grey", edgecolor="black", label="violates budget")
    if has_bars:
        ax.errorbar([], [], yerr=[], fmt="none", ecolor="grey", capsize=3,
                    label="95 % interval of accuracy" + ("; LUT: calibrated 10–90 %" if metric == "lut" else ""))
    ax.set_xlabel(axis_label(metric, result.budget.energy))
    ax.set_ylabel("mean test accuracy over domains (%)")
    lows = [p["y"] - (p["yerr"] or (0, 0))[0] for p in points]
    highs = [p["y"] + (p["yerr"] or (0, 0))[1] for p in points]
    ax.set_ylim(max(0.0, min(lows) - 8.0), min(100.0, max(highs) + 4.0) + 1.0)
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7.5, loc="lower right", framealpha=0.85)
    ax.set_title(f"Mean accuracy vs {axis_label(metric, result.budget.energy)}", fontsize=10)
    place_labels(fig, ax, [(p["x"], p["y"], p["name"]) for p in points], segments=_bar_segments(points))
    return fig


def _scale_x(ax, xs: list[float]) -> None:
    """Log x when the values span more than 50x (symlog when one is zero), else linear."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    positive = [x for x in xs if x > 0]
    lo, hi = min(xs), max(xs)
    if positive and max(positive) / min(positive) > 50 and lo > 0:
        ax.set_xscale("log")
        # labelled 1-2-5 steps (5, 10, 20, 50): finer than decades when the range is short
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.set_xlim(lo / 1.6, hi * 1.6)
    elif positive and lo <= 0 and max(positive) > 50 * min(positive):
        ax.set_xscale("symlog", linthresh=min(positive))
        ax.set_xlim(lo - 0.5 * min(positive), hi * 1.6)
    else:
        pad = 0.08 * ((hi - lo) or abs(hi) or 1.0)
        ax.set_xlim(lo - pad, hi + 2.5 * pad)  # extra room on the right for the point labels
    # plain numbers with separators (45,000; 20) read better than 10^1 or 4.5e4
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_interconnect_vs_accuracy(result: CompareResult, image_format: str = "png") -> bytes | None:
    return plot_tradeoff(result, "interconnect_bits", image_format)


def plot_lut_vs_accuracy(result: CompareResult, image_format: str = "png") -> bytes | None:
    return plot_tradeoff(result, "lut", image_format)


def plot_energy_vs_accuracy(result: CompareResult, image_format: str = "png") -> bytes | None:
    return plot_tradeoff(result, "energy_uj", image_format)


def _domain_bar(summary) -> tuple[float, tuple[float, float]] | None:
    """Accuracy % of one domain and its error bar (95 % interval, else std over seeds)."""
    stat = None if summary is None else summary.test_accuracy
    if stat is None or not isinstance(stat.mean, (int, float)):
        return None
    y, iv = 100.0 * stat.mean, summary.test_accuracy_interval
    if iv is not None:
        return y, (max(0.0, y - 100.0 * iv.low), max(0.0, 100.0 * iv.high - y))
    return y, (100.0 * (stat.std or 0.0),) * 2


def plot_accuracy_per_domain(result: CompareResult, image_format: str = "png") -> bytes | None:
    """Grouped bars: test accuracy (%) per domain and architecture, error bars = 95 % interval
    (std over seeds in documents without intervals)."""
    domains = result.domain_names
    archs = result.architectures
    bars = {(a.name, d): _domain_bar(a.domains.get(d)) for a in archs for d in domains}
    if not any(bars.values()):
        return None
    with_intervals = any(a.domains[d].test_accuracy_interval for a in archs for d in domains if d in a.domains)
    colours = arch_colours(result)
    fig = new_figure(max(6.6, 1.6 * len(domains) + 2.5), 4.2)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(archs))
    for i, arch in enumerate(archs):
        found = [(j, bars[(arch.name, d)]) for j, d in enumerate(domains) if bars[(arch.name, d)]]
        ax.bar([j - 0.4 + width * (i + 0.5) for j, _ in found], [b[0] for _, b in found], width=width * 0.92,
               yerr=[[b[1][0] for _, b in found], [b[1][1] for _, b in found]], capsize=3,
               color=colours[arch.name], label=arch.name, error_kw={"linewidth": 0.9})
    ax.set_xticks(range(len(domains)), domains)
    ax.set_ylabel("test accuracy (%), " + ("95 % interval" if with_intervals else "mean ± std over seeds"))
    ax.set_ylim(0, 105)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncols=min(4, len(archs)), loc="upper center", bbox_to_anchor=(0.5, -0.09))
    ax.set_title("Accuracy per domain", fontsize=11)
    return encode(fig, image_format)


def _utilisation(arch, key: str, device) -> tuple[float, tuple[float, float] | None]:
    """Utilisation % of one resource and its calibrated interval's error bar, if any."""
    est, whole = arch.estimate, float(getattr(device, key) or 0)
    y = float(getattr(est.utilisation_pct, key) or 0.0)
    if est.resources_low is None or est.resources_high is None or not whole:
        return y, None
    value = float(getattr(est.resources, key))
    low, high = float(getattr(est.resources_low, key)), float(getattr(est.resources_high, key))
    return y, (max(0.0, 100.0 * (value - low) / whole), max(0.0, 100.0 * (high - value) / whole))


def plot_resources(result: CompareResult, image_format: str = "png") -> bytes | None:
    fig = resources_figure(result)
    return None if fig is None else encode(fig, image_format)


def resources_figure(result: CompareResult):
    """Grouped bars: utilisation (%) of each device resource per architecture (error bars: the
    calibrated 10-90 % interval), the device's 100 % line and each resource budget limit."""
    archs = [a for a in result.architectures if a.estimate is not None]
    if not archs:
        return None
    device = result.device.resources
    # a resource the device lacks (URAM on a Zynq-7000) would only show empty bars
    bars = [(k, label) for k, label in RESOURCE_BARS if getattr(device, k) != 0]
    colours = arch_colours(result)
    fig = new_figure(6.6, 4.0)
    ax = fig.add_subplot()
    width = 0.8 / len(archs)
    top = 100.0
    for i, arch in enumerate(archs):
        values = [_utilisation(arch, k, device) for k, _ in bars]
        errs = [e or (0.0, 0.0) for _, e in values]
        top = max(top, *(y + e[1] for (y, _), e in zip(values, errs)))
        ax.bar([j - 0.4 + width * (i + 0.5) for j in range(len(bars))], [y for y, _ in values], width=width * 0.92,
               color=colours[arch.name], label=arch.name,
               yerr=[[e[0] for e in errs], [e[1] for e in errs]] if any(e for _, e in values) else None,
               capsize=2, error_kw={"linewidth": 0.8, "ecolor": "0.25"})
    ax.axhline(100.0, color="#c62828", linestyle="--", linewidth=1.2, label="device capacity")
    top = max(top, _budget_lines(ax, result, bars))
    ax.set_xticks(range(len(bars)), [label for _, label in bars])
    ax.set_ylabel("utilisation of the device (%)")
    ax.set_ylim(0, math.ceil(top * 1.12 / 10.0) * 10.0)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncols=min(4, len(archs) + 2), loc="upper center", bbox_to_anchor=(0.5, -0.09))
    ax.set_title(f"Resources on {result.device.name or 'the device'}", fontsize=11)
    return fig


def _budget_lines(ax, result: CompareResult, bars: list[tuple[str, str]]) -> float:
    """A budget limit over its resource's group of bars, as a share of the device; returns
    the highest one drawn (0 when none)."""
    device, shown, top = result.device.resources, False, 0.0
    by_key = {resource: budget_name for budget_name, resource in RESOURCE_KEYS.items()}
    for j, (key, _) in enumerate(bars):
        limit = result.budget.limits.get(by_key.get(key, ""))
        whole = float(getattr(device, key) or 0)
        if limit is None or not whole:
            continue
        share = 100.0 * limit / whole
        ax.hlines(share, j - 0.45, j + 0.45, colors="#6a1b9a", linestyles=":", linewidth=2.0, zorder=4,
                  label=None if shown else "budget limit")
        ax.annotate(f"{share:.0f} %", (j + 0.45, share), xytext=(2, 2), textcoords="offset points",
                    fontsize=7, color="#6a1b9a")
        shown, top = True, max(top, share)
    return top


# plot name -> renderer; the order is the order of the report's figures
PLOTS = {
    "interconnect_vs_accuracy": plot_interconnect_vs_accuracy,
    "lut_vs_accuracy": plot_lut_vs_accuracy,
    "energy_vs_accuracy": plot_energy_vs_accuracy,
    "accuracy_per_domain": plot_accuracy_per_domain,
    "resources": plot_resources,
    "sample_efficiency": plot_sample_efficiency,
    "label_noise": plot_label_noise,
}


def render_plots(result: CompareResult, image_format: str = "png") -> dict[str, bytes]:
    """Every figure that has data, as ``{plot name: PNG (or SVG) bytes}``."""
    images = {}
    for name, render in PLOTS.items():
        image = render(result, image_format)
        if image is not None:
            images[name] = image
    return images
