"""The comparison's figures, each rendered to PNG bytes (or None when its data is absent).

Trade-off scatters, accuracy and resource bars live here; the sweep curves in
``plots_sweeps.py``; figure creation and PNG encoding in ``figure.py``.
"""

from __future__ import annotations

import math

from codesign.compare.budget import metric_value
from codesign.compare.result import CompareResult
from codesign.report.figure import arch_colours, new_figure, to_png
from codesign.report.fmt import PARETO_AXES, axis_label
from codesign.report.plots_sweeps import plot_label_noise, plot_sample_efficiency

RESOURCE_BARS = (("lut", "LUT"), ("ff", "FF"), ("bram18", "BRAM18"), ("uram", "URAM"), ("dsp", "DSP"))


def plot_tradeoff(result: CompareResult, metric: str) -> bytes | None:
    """Mean test accuracy (%) against one cost metric, Pareto front as a step line."""
    energy = result.budget.energy  # the energy figure the comparison ranks on
    points = [(arch.name, metric_value(metric, arch.estimate, energy), 100.0 * arch.mean_accuracy, arch.budget.meets)
              for arch in result.architectures if arch.estimate is not None and arch.mean_accuracy is not None]
    if not points:
        return None
    limits = result.budget.limits
    has_budget = bool(limits)
    colours = arch_colours(result)
    # the interconnect figure is the report's key plot: drawn larger than the other two
    fig = new_figure(*((8.0, 5.0) if metric == "interconnect_bits" else (6.0, 4.2)))
    ax = fig.add_subplot()
    for name, x, y, meets in points:
        marker = "X" if has_budget and meets is False else "o"
        ax.scatter([x], [y], s=70, marker=marker, color=colours[name], edgecolor="black",
                   linewidth=0.6, zorder=3)
        ax.annotate(name, (x, y), xytext=(6, 5), textcoords="offset points", fontsize=8)
    front_names = set(result.pareto.get(metric) or [])
    front = sorted((x, y) for name, x, y, _ in points if name in front_names)
    if len(front) >= 2:  # a one-point front draws no line
        ax.step([p[0] for p in front], [p[1] for p in front], where="post", color="black",
                linewidth=1.2, zorder=2, label=f"Pareto front (fewer {PARETO_AXES[metric][1]}, higher accuracy)")
    limit = limits.get(metric)  # budget metric names equal the Pareto keys
    if isinstance(limit, (int, float)):
        ax.axvline(limit, color="#c62828", linestyle="--", linewidth=1.2, label=f"budget limit {limit:,g}")
    _scale_x(ax, [p[1] for p in points] + ([limit] if isinstance(limit, (int, float)) else []))
    if metric != "energy_uj" and ax.get_xscale() == "linear":  # bits and LUTs come whole
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if isinstance(limit, (int, float)):  # shade the side of the limit that breaks the budget
        ax.axvspan(limit, ax.get_xlim()[1], color="#c62828", alpha=0.06, zorder=0)
    if has_budget:
        ax.scatter([], [], marker="o", color="grey", edgecolor="black", label="meets budget")
        ax.scatter([], [], marker="X", color="grey", edgecolor="black", label="violates budget")
    ax.set_xlabel(axis_label(metric, result.budget.energy))
    ax.set_ylabel("mean test accuracy over domains (%)")
    lo = min(p[2] for p in points)
    ax.set_ylim(max(0.0, lo - 8.0), min(100.0, max(p[2] for p in points) + 4.0) + 1.0)
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"Mean accuracy vs {axis_label(metric, result.budget.energy)}", fontsize=10)
    return to_png(fig)


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


def plot_interconnect_vs_accuracy(result: CompareResult) -> bytes | None:
    return plot_tradeoff(result, "interconnect_bits")


def plot_lut_vs_accuracy(result: CompareResult) -> bytes | None:
    return plot_tradeoff(result, "lut")


def plot_energy_vs_accuracy(result: CompareResult) -> bytes | None:
    return plot_tradeoff(result, "energy_uj")


def plot_accuracy_per_domain(result: CompareResult) -> bytes | None:
    """Grouped bars: test accuracy (%) per domain and architecture, error bars = std over seeds."""
    domains = result.domain_names
    archs = result.architectures
    values = {(a.name, d): a.domains[d].test_accuracy for a in archs for d in domains if d in a.domains}
    if not any(isinstance(v.mean, (int, float)) for v in values.values()):
        return None
    colours = arch_colours(result)
    fig = new_figure(max(6.6, 1.6 * len(domains) + 2.5), 4.2)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(archs))
    for i, arch in enumerate(archs):
        xs, ys, errs = [], [], []
        for j, domain in enumerate(domains):
            stat = values.get((arch.name, domain))
            if stat is not None and isinstance(stat.mean, (int, float)):
                xs.append(j - 0.4 + width * (i + 0.5))
                ys.append(100.0 * stat.mean)
                errs.append(100.0 * (stat.std or 0.0))
        ax.bar(xs, ys, width=width * 0.92, yerr=errs, capsize=3, color=colours[arch.name],
               label=arch.name, error_kw={"linewidth": 0.9})
    ax.set_xticks(range(len(domains)), domains)
    ax.set_ylabel("test accuracy (%), mean ± std over seeds")
    ax.set_ylim(0, 105)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncols=min(4, len(archs)), loc="upper center", bbox_to_anchor=(0.5, -0.09))
    ax.set_title("Accuracy per domain", fontsize=11)
    return to_png(fig)


def plot_resources(result: CompareResult) -> bytes | None:
    """Grouped bars: utilisation (%) of each device resource per architecture, 100 % line."""
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
        util = arch.estimate.utilisation_pct
        ys = [float(getattr(util, k) or 0.0) for k, _ in bars]
        top = max(top, *ys)
        ax.bar([j - 0.4 + width * (i + 0.5) for j in range(len(bars))], ys, width=width * 0.92,
               color=colours[arch.name], label=arch.name)
    ax.axhline(100.0, color="#c62828", linestyle="--", linewidth=1.2, label="device capacity")
    ax.set_xticks(range(len(bars)), [label for _, label in bars])
    ax.set_ylabel("utilisation of the device (%)")
    ax.set_ylim(0, math.ceil(top * 1.12 / 10.0) * 10.0)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncols=min(5, len(archs) + 1), loc="upper center", bbox_to_anchor=(0.5, -0.09))
    ax.set_title(f"Resources on {result.device.name or 'the device'}", fontsize=11)
    return to_png(fig)


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


def render_plots(result: CompareResult) -> dict[str, bytes]:
    """Every figure that has data, as ``{plot name: PNG bytes}``."""
    pngs = {}
    for name, render in PLOTS.items():
        png = render(result)
        if png is not None:
            pngs[name] = png
    return pngs
