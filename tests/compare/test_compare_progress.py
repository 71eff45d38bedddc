"""The progress line's time left: measured from this run's finished points, not from the
cost weights, and close to the truth on a simulated pool of workers."""

from __future__ import annotations

import heapq
import random

import pytest

from codesign.compare.eta import TimeLeft, format_left

# Cost weights as the plan gives them (an estimate = 40 training units) against what the
# points really take: the estimates' designs are cached (3 s, not 40x a training run),
# and the two families' weights are off by 1.3x from each other. The first point on
# each worker also pays 5 s of process start and imports.
TRUE_SECONDS = {("estimate", "head"): 3.0, ("estimate", "scale_bias"): 3.0,
                ("train", "scale_bias"): 4.0, ("train", "head"): 0.6}
POINTS = ([(("estimate", "head"), 40.0), (("estimate", "scale_bias"), 40.0)]
          + [(("train", "scale_bias"), 0.5)] * 24 + [(("train", "head"), 0.1)] * 24)
START_UP_S = 5.0


def simulate(points: list, workers: int, seed: int) -> tuple[list, float]:
    """A pool running ``points`` longest first: [(finish time s, index, seconds, worker)]
    in the order they finish, and the time the last one finishes."""
    rng = random.Random(seed)
    free = [(0.0, worker, True) for worker in range(workers)]  # (free at s, worker, fresh)
    finished = []
    for index in sorted(range(len(points)), key=lambda i: -points[i][1]):
        at, worker, fresh = heapq.heappop(free)
        seconds = TRUE_SECONDS[points[index][0]] * rng.uniform(0.8, 1.2) + (START_UP_S if fresh else 0.0)
        finished.append((at + seconds, index, seconds, worker))
        heapq.heappush(free, (at + seconds, worker, False))
    finished.sort()
    return finished, finished[-1][0]


def estimates_along(workers: int, seed: int) -> list[tuple[int, int, float | None, float]]:
    """(points finished, points left, estimated s left, true s left) after each point."""
    finished, end = simulate(POINTS, workers, seed)
    time_left = TimeLeft(workers=workers)
    remaining = dict(enumerate(POINTS))
    rows = []
    for n, (at, index, seconds, worker) in enumerate(finished, start=1):
        group, cost = remaining.pop(index)
        time_left.finished(group, cost, seconds, worker=worker)
        rows.append((n, len(remaining), time_left.seconds_left(list(remaining.values())), end - at))
    return rows


@pytest.mark.parametrize("workers", [1, 2, 4])
@pytest.mark.parametrize("seed", range(3))
def test_time_left_converges_to_the_true_time_within_a_factor_of_two(workers, seed):
    rows = estimates_along(workers, seed)
    # no number until a training point has finished (the estimates say nothing about them)
    first = next(n for n, _, estimate, _ in rows if estimate is not None)
    assert first <= 2 + workers
    checked = 0
    for n, left, estimate, true_s in rows:
        # from a tenth of the points on, while a full wave of points is still to run
        if n >= len(POINTS) // 10 and left >= workers:
            assert 0.5 <= estimate / true_s <= 2.0, (n, estimate, true_s)
            checked += 1
    assert checked >= len(POINTS) // 2
    assert rows[-1][2] == 0.0


def test_no_estimate_from_another_kinds_points():
    time_left = TimeLeft(workers=2)
    assert time_left.seconds_left([(("train", "a"), 1.0)]) is None  # nothing finished yet
    time_left.finished(("estimate", "a"), 40.0, 30.0, worker=1)
    assert time_left.seconds_left([(("train", "a"), 0.5)] * 10) is None  # 30 s / 40 units says nothing
    assert time_left.seconds_left([(("estimate", "b"), 40.0)]) == pytest.approx(30.0)
    assert time_left.seconds_left([]) == 0.0


def test_a_workers_first_point_does_not_set_the_rate_once_warm_ones_exist():
    time_left = TimeLeft(workers=1)
    time_left.finished(("train", "a"), 1.0, 12.0, worker=7)  # 10 s of imports + 2 s
    assert time_left.seconds_left([(("train", "a"), 1.0)] * 3) == pytest.approx(36.0)
    time_left.finished(("train", "a"), 1.0, 2.0, worker=7)
    assert time_left.seconds_left([(("train", "a"), 1.0)] * 3) == pytest.approx(6.0)
    # a group without points of its own takes its kind's rate, per cost unit
    assert time_left.seconds_left([(("train", "b"), 0.5)] * 4) == pytest.approx(4.0)


def test_time_left_is_capped_by_the_longest_point_seen():
    """A remaining point whose weight is wildly wrong cannot make the estimate absurd:
    points start longest first, so none left should take longer than the longest seen."""
    time_left = TimeLeft(workers=2)
    for worker in (1, 2, 1, 2):
        time_left.finished(("train", "a"), 0.01, 3.0, worker=worker)  # 300 s per unit
    remaining = [(("train", "b"), 50.0)] * 5  # 5 x 50 units x 300 s = 75,000 s by the weights
    assert time_left.seconds_left(remaining) == pytest.approx(3 * 3.0)  # 3 waves of at most 3 s


@pytest.mark.parametrize("seconds, text", [
    (None, ""), (0.0, ""), (0.4, ", <1 s left"), (42.4, ", ~42 s left"), (119.0, ", ~119 s left"),
    (125.0, ", ~2 min left"), (3000.0, ", ~50 min left"), (9000.0, ", ~2.5 h left"),
])
def test_time_left_text(seconds, text):
    assert format_left(seconds) == text
