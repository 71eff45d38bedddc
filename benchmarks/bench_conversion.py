"""Benchmark: one FINN conversion (QONNX -> generic HW layers) with codesign's fast pass
bodies against qonnx's own, in the same process, on the same exported graph; checks
that both give the same model byte for byte.

    python benchmarks/bench_conversion.py [--graphs cnv_attention,mobilenet_v2_attention]

Prints per graph: QONNX nodes, seconds with qonnx's passes, seconds with the fast ones,
their ratio, and whether the two models are identical. MobileNetV2's baseline takes
~7 minutes on one core of the reference machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codesign.finn.compat import ensure_finn  # noqa: E402
from codesign.finn.convert import to_generic_hw  # noqa: E402
from codesign.graph.conversion_time import count_nodes  # noqa: E402
from codesign.graph.design import _model_with_probe  # noqa: E402
from codesign.models.export import export_domain_qonnx  # noqa: E402
from codesign.specs.graph import load_graph  # noqa: E402


def _timed(path: Path, fast: bool) -> tuple[float, bytes]:
    start = time.perf_counter()
    model = to_generic_hw(str(path), fast=fast)
    return time.perf_counter() - start, model.model.SerializeToString()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphs", default="cnv_attention")
    args = parser.parse_args()
    ensure_finn()
    print(f"{'graph':24s} {'nodes':>6s} {'qonnx s':>8s} {'fast s':>7s} {'ratio':>6s}  identical", flush=True)
    for name in [g for g in args.graphs.split(",") if g]:
        model, domain = _model_with_probe(load_graph(name), None, 10, 0)
        with tempfile.TemporaryDirectory(prefix="bench_conversion_") as tmp:
            path = export_domain_qonnx(model, domain, Path(tmp) / "domain.onnx", cleanup=False)
            slow_s, slow = _timed(path, fast=False)
            fast_s, fast = _timed(path, fast=True)
            print(f"{name:24s} {count_nodes(path):6d} {slow_s:8.1f} {fast_s:7.1f} {slow_s / fast_s:6.1f}  "
                  f"{'yes' if slow == fast else 'NO'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
