"""Benchmark: what parallel points and the point cache buy a comparison.

    python benchmarks/bench_compare.py [--graphs graphs/cnv_attention.yaml,graphs/cnv_side.yaml]
        [--domains sklearn_digits,animal_mnist] [--max-per-class 20] [--epochs 4] [--seeds 2]

Runs the same comparison (training points only: the estimates are taken from a warm
design cache first, so conversion time does not blur the ratio) three times in this
process, each into a fresh point cache except the last:
  1. one worker (points one after another, in-process),
  2. two local worker processes,
  3. the same command again on the cache of run 2 (resume: every point cached).
Prints wall times and the ratios against run 1, and checks that the three runs give
identical accuracies (points are seeded and single-threaded).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codesign.compare.plan import CompareConfig  # noqa: E402
from codesign.compare.runner import run_compare  # noqa: E402 (the comparison's result, no report written)


def _quiet(_message: str) -> None:
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphs", default="graphs/cnv_attention.yaml,graphs/cnv_side.yaml")
    parser.add_argument("--domains", default="sklearn_digits,animal_mnist")
    parser.add_argument("--device", default="pynq-z1")
    parser.add_argument("--max-per-class", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench_compare_"))
    shared = {"graphs": args.graphs.split(","), "device": args.device, "domains": args.domains,
              "seeds": args.seeds, "k_shot": [5], "noise": [0.2], "epochs": args.epochs, "patience": 3,
              "max_per_class": args.max_per_class}
    try:
        # warm the conversion cache (designs/) so that every timed run trains only
        warm = root / "warm"
        run_compare(CompareConfig(**{**shared, "seeds": 1}, out=str(root / "out0"), cache_dir=str(warm),
                                  workers=1), progress=_quiet)
        rows = []
        for label, workers, reuse in (("1 worker (in-process)", 1, False), ("2 worker processes", 2, False),
                                      ("resume: all points cached", 2, True)):
            cache = root / ("run2" if reuse else f"run{workers}")
            if not reuse:
                cache.mkdir()
                shutil.copytree(warm / "designs", cache / "designs")
                shutil.copytree(warm / "domains", cache / "domains")
            start = time.perf_counter()
            result = run_compare(CompareConfig(**shared, out=str(root / "out"), cache_dir=str(cache),
                                               workers=workers), progress=_quiet)
            seconds = time.perf_counter() - start
            accuracies = {(a.name, d): s.test_accuracy.mean for a in result.architectures
                          for d, s in a.domains.items()}
            rows.append((label, seconds, result.points, accuracies))
        base = rows[0][1]
        print(f"{'run':28s} {'wall s':>8s} {'points computed/cached':>24s} {'speed-up vs 1 worker':>21s}")
        for label, seconds, points, _ in rows:
            print(f"{label:28s} {seconds:>8.1f} {points.computed:>12d}/{points.from_cache:<11d} "
                  f"{base / seconds:>20.2f}x")
        same = all(r[3] == rows[0][3] for r in rows)
        print(f"identical accuracies in all runs: {'yes' if same else 'NO'}")
        return 0 if same else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
