"""Benchmark: 1,000 foldings of one design estimated by the explorer, against today's path
(a folded model copy + ``Estimator.estimate`` per folding), in the same run.

    python benchmarks/bench_explore.py [--graph cnv_attention] [--devices pynq-z1,zcu104]
                                       [--foldings 1000] [--sample 40] [--cache-dir DIR]

Goal (issue 14): 1,000 foldings of cnv_attention in < 60 s on 2 cores and >= 4x faster
than today's path. Per device it prints the explorer's total time (SetFolding ladder +
moves + estimates; the design's conversion, cached under --cache-dir, is not counted),
today's per-folding time on ``--sample`` foldings spread over the explored ones (the
ladder's through FINN's SetFolding as ``codesign.cost.folding.fold`` does, the moves
through a folded copy), the projected time of today's path for all foldings, the ratio,
and whether the sample's estimates are identical (totals, intervals, cycles, FPS,
latency, fit).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_SECONDS = 60.0
GOAL_RATIO = 4.0
COMPARED = ("cycles_per_frame", "critical_path_cycles", "fps", "latency_s", "bottleneck", "fits", "fit_confidence")


def differences(estimate, point) -> list[str]:
    """What differs between an Estimate and a FoldingPoint of the same folding (empty: identical)."""
    out = [] if estimate.intervals == point.intervals and estimate.totals == point.totals else ["resources"]
    return out + [name for name in COMPARED if getattr(estimate, name) != getattr(point, name)]


def slow_path(estimator, point):
    """Today's path for ``point``'s folding: SetFolding for a ladder point, a folded copy
    for a move; then Estimator.estimate. Returns the Estimate."""
    from codesign.cost.explore import folding_result
    from codesign.cost.folding import fold

    origin = point.origin
    if origin.startswith("SetFolding") and ";" not in origin:
        result = fold(estimator.design.model, int(origin.split()[1].replace(",", "")))
    else:
        result = folding_result(estimator.design.model, point.folding)
    return estimator.estimate(folding=result)


def bench_device(graph: str, device_name: str, count: int, sample: int, cache_dir: Path) -> tuple[float, float, bool]:
    from codesign.cost.estimate import Estimator
    from codesign.cost.explore import FastEstimator
    from codesign.cost.explore_space import explore_foldings
    from codesign.graph.cache import get_design
    from codesign.specs.device import load_device
    from codesign.specs.graph import load_graph

    device = load_device(device_name)
    design = get_design(load_graph(graph), device.part, cache_dir=cache_dir / "designs")
    estimator = Estimator(design, device)
    t0 = time.perf_counter()
    points = list(explore_foldings(FastEstimator(estimator), count))
    fast_s = time.perf_counter() - t0
    chosen = [points[round(i * (len(points) - 1) / max(sample - 1, 1))] for i in range(min(sample, len(points)))]
    t1 = time.perf_counter()
    estimates = [slow_path(estimator, p) for p in chosen]
    slow_each_s = (time.perf_counter() - t1) / len(chosen)
    mismatched = [(p.origin, differences(e, p)) for e, p in zip(estimates, chosen) if differences(e, p)]
    projected = slow_each_s * len(points)
    print(f"{graph} on {device.name}: {len(points):,} foldings explored in {fast_s:.1f} s "
          f"({fast_s / len(points) * 1e3:.1f} ms each, SetFolding ladder included); today's path "
          f"{slow_each_s * 1e3:.0f} ms per folding on {len(chosen)} of them -> {projected:.0f} s for all; "
          f"ratio {projected / fast_s:.1f}x; identical on the sample: "
          f"{'yes' if not mismatched else 'NO ' + str(mismatched[:3])}", flush=True)
    return fast_s, projected / fast_s, not mismatched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", default="cnv_attention")
    parser.add_argument("--devices", default="pynq-z1,zcu104")
    parser.add_argument("--foldings", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--cache-dir", default="/tmp/codesign-bench-explore")
    args = parser.parse_args()
    results = [bench_device(args.graph, d, args.foldings, args.sample, Path(args.cache_dir))
               for d in args.devices.split(",") if d]
    slowest = max(r[0] for r in results)
    worst = min(r[1] for r in results)
    print(f"goal: {args.foldings:,} foldings in < {GOAL_SECONDS:.0f} s: slowest {slowest:.1f} s, "
          f"{'met' if slowest < GOAL_SECONDS else 'NOT met'}")
    print(f"goal: >= {GOAL_RATIO:.0f}x today's path: smallest ratio {worst:.1f}x, "
          f"{'met' if worst >= GOAL_RATIO else 'NOT met'}")
    print(f"identical to today's path on every sample: {'yes' if all(r[2] for r in results) else 'NO'}")
    return 0 if all(r[2] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
