"""Figure creation and PNG encoding shared by every plot.

Figures are ``matplotlib.figure.Figure`` objects saved through the Agg canvas, never
pyplot: no display is needed, no global backend or figure registry is touched, and
nothing leaks between calls (a figure is garbage once its bytes are returned).
"""

from __future__ import annotations

import io

DPI = 110  # dots per inch of every PNG: a 6.6 in wide figure is ~730 px


def new_figure(width_in: float, height_in: float):
    """An empty figure of the given size in inches with constrained layout."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), layout="constrained")


def to_png(fig) -> bytes:
    buffer = io.BytesIO()
    # no "Software" stamp: the same document gives byte-identical PNGs across versions
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def arch_colours(result) -> dict[str, tuple]:
    """One colour per architecture of a CompareResult, the same in every figure (matplotlib's
    tab10 cycle)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return {a.name: cmap(i % 10) for i, a in enumerate(result.architectures)}
