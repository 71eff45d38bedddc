"""The folding exploration's figure: each front resource against FPS, one panel each.

Every explored folding is a grey dot (hollow where it does not fit the device at the
point values), the Pareto front's foldings red dots, each panel's own two-way front
(that resource alone against FPS) a red staircase, the device's capacity a dashed line. FPS on a log axis: the SetFolding ladder spans orders of magnitude.
"""

from __future__ import annotations

from codesign.cost.pareto import pareto_front
from codesign.report.figure import encode, new_figure

LABELS = {"lut": "LUT", "ff": "FF", "bram18": "BRAM18", "uram": "URAM", "dsp": "DSP"}


def plot_front(points: list, front: list[int], resources: tuple[str, ...], available: dict[str, int],
               title: str, image_format: str) -> bytes:
    """The figure as PNG or SVG bytes (codesign.report.figure.IMAGE_FORMATS)."""
    fig = new_figure(4.2 * len(resources), 3.6)
    axes = fig.subplots(1, len(resources), squeeze=False)[0]
    for ax, resource in zip(axes, resources):
        fits = [p for p in points if p.fits]
        over = [p for p in points if not p.fits]
        ax.scatter([p.fps for p in fits], [p.totals[resource] for p in fits], s=7, color="#9e9e9e",
                   label="explored foldings", zorder=1)
        if over:
            ax.scatter([p.fps for p in over], [p.totals[resource] for p in over], s=9, facecolors="none",
                       edgecolors="#9e9e9e", linewidths=0.6, label="does not fit", zorder=1)
        ax.scatter([points[i].fps for i in front], [points[i].totals[resource] for i in front], s=12,
                   color="#cc4125", label=f"Pareto front ({', '.join(LABELS[r] for r in resources)})", zorder=3)
        alone = sorted(pareto_front(points, (resource,)), key=lambda i: points[i].fps)
        ax.step([points[i].fps for i in alone], [points[i].totals[resource] for i in alone], where="pre",
                color="#cc4125", linewidth=1.0, label=f"front of {LABELS[resource]} alone", zorder=3)
        if available.get(resource):
            ax.axhline(available[resource], color="#3c78d8", linestyle="--", linewidth=1.0,
                       label="device capacity", zorder=2)
        ax.set_xscale("log")
        ax.set_xlabel("frames/s")
        ax.set_ylabel(f"{LABELS.get(resource, resource)} (calibrated)")
        ax.grid(True, which="major", linewidth=0.4, alpha=0.5)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title, fontsize=10)
    return encode(fig, image_format)
