"""Figure creation and PNG/SVG encoding shared by every plot.

Figures are ``matplotlib.figure.Figure`` objects saved through the Agg canvas, never
pyplot: no display is needed, no global backend or figure registry is touched, and
nothing leaks between calls (a figure is garbage once its bytes are returned).
"""

from __future__ import annotations

import io

DPI = 110  # dots per inch of every PNG: a 6.6 in wide figure is ~730 px
IMAGE_FORMATS = ("png", "svg")  # codesign compare --plots


def new_figure(width_in: float, height_in: float):
    """An empty figure of the given size in inches with constrained layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)  # a renderer to measure text with (labels.py); still no pyplot
    return fig


def to_png(fig) -> bytes:
    buffer = io.BytesIO()
    # no "Software" stamp: the same document gives byte-identical PNGs across versions
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def to_svg(fig) -> bytes:
    """SVG with text as paths (no font needed to view it) and fixed ids, no date: the same
    document gives the same bytes."""
    from matplotlib import rc_context

    buffer = io.BytesIO()
    with rc_context({"svg.hashsalt": "codesign", "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def encode(fig, image_format: str = "png") -> bytes:
    """The figure as ``image_format`` (IMAGE_FORMATS) bytes."""
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image format: expected one of {', '.join(IMAGE_FORMATS)}, got {image_format!r}")
    return to_svg(fig) if image_format == "svg" else to_png(fig)


def arch_colours(result) -> dict[str, tuple]:
    """One colour per architecture of a CompareResult, the same in every figure (matplotlib's
    tab10 cycle)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return {a.name: cmap(i % 10) for i, a in enumerate(result.architectures)}
