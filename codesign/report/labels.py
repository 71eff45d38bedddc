"""Point labels that do not overlap: each label takes the first of a few positions around
its point whose box touches no label placed before it, no marker and stays inside the
axes; when none is free, the least-overlapping one, farther out with a leader line.

Boxes are measured in display pixels on the figure's own Agg renderer after a layout
pass, so the check sees the text as it will be drawn.
"""

from __future__ import annotations

# (dx, dy) in points, horizontal and vertical alignment; the first four hug the point
NEAR = [(7, 5, "left", "bottom"), (7, -5, "left", "top"), (-7, 5, "right", "bottom"), (-7, -5, "right", "top"),
        (0, 9, "center", "bottom"), (0, -9, "center", "top"), (10, 0, "left", "center"), (-10, 0, "right", "center")]
# farther out, drawn with a leader line back to the point
FAR = [(dx * 3, dy * 3 + (12 if dy >= 0 else -12), ha, va) for dx, dy, ha, va in NEAR[:6]]
MARKER_PX = 12.0  # half the size of a ringed scatter marker (s ~ 230 pt^2) in pixels
LINE_PX = 2.5  # half the width of an error bar in pixels, with a margin


def _overlap(a, b) -> float:
    """Area shared by two (x0, y0, x1, y1) boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _outside(box, frame) -> float:
    """Area of ``box`` outside ``frame``."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    return area - _overlap(box, frame)


def _segment_box(ax, x0: float, y0: float, x1: float, y1: float) -> tuple:
    """The pixel box around a data-space segment (an error bar), LINE_PX wide."""
    (a, b), (c, d) = ax.transData.transform((x0, y0)), ax.transData.transform((x1, y1))
    return (min(a, c) - LINE_PX, min(b, d) - LINE_PX, max(a, c) + LINE_PX, max(b, d) + LINE_PX)


def place_labels(fig, ax, points: list[tuple[float, float, str]], fontsize: float = 8.0,
                 segments: list[tuple[float, float, float, float]] = ()) -> list:
    """Annotate each ``(x, y, text)`` in data coordinates without overlapping another label, a
    marker or one of the ``segments`` ((x0, y0, x1, y1) in data coordinates: error bars); returns
    the texts."""
    from matplotlib.text import Text

    fig.canvas.draw()  # settles the constrained layout, so the transforms below are final
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer).extents
    pixels = [ax.transData.transform((x, y)) for x, y, _ in points]
    taken = [(px - MARKER_PX, py - MARKER_PX, px + MARKER_PX, py + MARKER_PX) for px, py in pixels]
    taken += [_segment_box(ax, *segment) for segment in segments]
    texts = []
    for x, y, label in points:
        best = None
        for dx, dy, ha, va in NEAR + FAR:
            far = (dx, dy, ha, va) in FAR
            text = ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                               ha=ha, va=va, zorder=4,
                               arrowprops={"arrowstyle": "-", "color": "0.4", "linewidth": 0.6} if far else None)
            text.update_positions(renderer)  # where the offset puts it (the base class below does not)
            box = Text.get_window_extent(text, renderer).extents  # the text alone, not its leader line
            cost = sum(_overlap(box, other) for other in taken) + 4.0 * _outside(box, frame)
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, text, box)
            else:
                text.remove()
            if cost == 0.0:
                break
        taken.append(best[2])
        texts.append(best[1])
    return texts
