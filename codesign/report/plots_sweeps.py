"""Sweep curves: test accuracy against k images per class, and against label noise.

One subplot per domain, one line per architecture (error bars = std over seeds). A
curve needs two points; a figure with no curve at all is not drawn (None).
"""

from __future__ import annotations

from codesign.compare.result import CompareResult
from codesign.report.figure import arch_colours, encode, new_figure
from codesign.report.fmt import k_shot_order, noise_order


def sweep_curves(result: CompareResult, field: str, order) -> dict[str, dict[str, list[tuple[str, float, float]]]]:
    """``{domain: {architecture: [(key, accuracy %, std %), ...]}}`` in sweep order, curves of >= 2 points."""
    curves: dict[str, dict[str, list[tuple[str, float, float]]]] = {}
    for domain in result.domain_names:
        for arch in result.architectures:
            entries = getattr(arch.domains[domain], field) if domain in arch.domains else {}
            points = []
            for key in sorted(entries, key=order):
                stat = entries[key].test_accuracy
                if isinstance(stat.mean, (int, float)):
                    std = stat.std
                    points.append((key, 100.0 * stat.mean, 100.0 * std if isinstance(std, (int, float)) else 0.0))
            if len(points) >= 2:
                curves.setdefault(domain, {})[arch.name] = points
    return curves


def _plot_curves(result: CompareResult, curves: dict, numeric_x: bool, order, xlabel: str, title: str,
                 image_format: str = "png") -> bytes:
    colours = arch_colours(result)
    domains = list(curves)
    fig = new_figure(max(6.6, 3.4 * len(domains)), 3.9)
    axes = fig.subplots(1, len(domains), sharey=True, squeeze=False)[0]
    for ax, domain in zip(axes, domains):
        keys = sorted({k for points in curves[domain].values() for k, _, _ in points}, key=order)
        position = {k: (float(k) if numeric_x else i) for i, k in enumerate(keys)}
        for name, points in curves[domain].items():
            ax.errorbar([position[k] for k, _, _ in points], [y for _, y, _ in points],
                        yerr=[s for _, _, s in points], color=colours[name], marker="o", markersize=4,
                        capsize=3, linewidth=1.4, label=name)
        ax.set_xticks([position[k] for k in keys], keys)
        ax.set_title(domain, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.grid(True, alpha=0.3)
        if numeric_x:
            span = max(position.values()) - min(position.values()) or 1.0
            ax.set_xlim(min(position.values()) - 0.06 * span, max(position.values()) + 0.06 * span)
        else:
            ax.set_xlim(-0.3, len(keys) - 0.7)
    axes[0].set_ylabel("test accuracy (%)")
    lo = min(y - s for per_arch in curves.values() for pts in per_arch.values() for _, y, s in pts)
    axes[0].set_ylim(max(0.0, lo - 5.0), 101.0)
    handles = {}
    for ax in axes:  # one legend entry per architecture even when domains differ
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    labels = list(handles)
    fig.legend([handles[k] for k in labels], labels, fontsize=8, loc="outside lower center",
               ncols=min(5, len(labels)))
    fig.suptitle(title, fontsize=11)
    return encode(fig, image_format)


def plot_sample_efficiency(result: CompareResult, image_format: str = "png") -> bytes | None:
    """Test accuracy (%) against k training images per class (``all`` at the right end)."""
    curves = sweep_curves(result, "samples_needed", k_shot_order)
    if not curves:
        return None
    return _plot_curves(result, curves, False, k_shot_order, "training images per class (k)",
                        "Sample efficiency", image_format)


def plot_label_noise(result: CompareResult, image_format: str = "png") -> bytes | None:
    """Test accuracy (%) against the rate of training labels replaced at random."""
    curves = sweep_curves(result, "label_noise", noise_order)
    if not curves:
        return None
    return _plot_curves(result, curves, True, noise_order, "label noise rate (fraction of training labels)",
                        "Robustness to label noise", image_format)
