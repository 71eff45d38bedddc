"""The Pareto front of resources against frame rate over explored foldings.

A folding is on the front when no other folding has at least its FPS and at most its
amount of every front resource with one of them strictly better (dominance), and no
earlier folding has exactly its figures (ties keep the first). Default resources:
LUT and BRAM18, the two that bound cnv-class designs on Zynq parts (DSP stays 0 with
LUT-mapped products, URAM is absent on 7-series, FF tracks LUT); any of
``RESOURCES`` can be chosen. The front is over every folding, fitting or not; each
point says whether it fits.
"""

from __future__ import annotations

from codesign.cost.estimate import RESOURCES

DEFAULT_FRONT_RESOURCES = ("lut", "bram18")


def objectives(point, resources: tuple[str, ...]) -> tuple[float, ...]:
    """(FPS, resource amounts...): FPS is maximised, the amounts minimised."""
    totals = point.totals
    return (point.fps, *(totals[r] for r in resources))


def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """``a`` at least as fast and at most as costly in every resource, and better in one."""
    no_worse = a[0] >= b[0] and all(x <= y for x, y in zip(a[1:], b[1:]))
    return no_worse and a != b


def pareto_front(points: list, resources: tuple[str, ...] = DEFAULT_FRONT_RESOURCES) -> list[int]:
    """Indices of the front's points, fastest first. Sorted by (-FPS, resources, index), a
    point can only be dominated or equalled by one before it, and (dominance being
    transitive) by one already on the front: O(points x front)."""
    unknown = [r for r in resources if r not in RESOURCES]
    if unknown or not resources:
        raise ValueError(f"front resources: expected some of {', '.join(RESOURCES)}, got {list(resources)}")
    figures = [objectives(p, resources) for p in points]
    order = sorted(range(len(points)), key=lambda i: (-figures[i][0], *figures[i][1:], i))
    front: list[int] = []
    for i in order:
        if not any(dominates(figures[j], figures[i]) or figures[j] == figures[i] for j in front):
            front.append(i)
    return front
