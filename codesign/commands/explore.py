"""``codesign explore GRAPH --device D``: the Pareto front of resources against FPS over foldings.

The foldings are FINN's SetFolding ladder and one-knob moves around it
(codesign.cost.explore_space), each estimated by codesign.cost.explore (identical to
``codesign estimate`` for that folding, milliseconds each). Output: the front as a table,
``--json`` (every folding with its FINN folding config, ready for ``codesign estimate
--folding``) and ``--plot`` (PNG or SVG). docs/explore.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from codesign.commands import arguments as A
from codesign.commands.arguments import check_output_dir, check_output_file

DEFAULT_FOLDINGS = 1000
DEFAULT_TABLE_ROWS = 25
FOLDINGS = A.integer(1, 100_000, "a number of foldings")
TABLE_ROWS = A.integer(1, 100_000, "a number of rows")
PLOT_SUFFIXES = {".png": "png", ".svg": "svg"}
RESOURCE_NAMES = ("lut", "ff", "bram18", "uram", "dsp")  # codesign.cost.estimate.RESOURCES (not imported: fast --help)
RESOURCE_LABELS = (("lut", "LUT"), ("ff", "FF"), ("bram18", "BRAM18"), ("uram", "URAM"), ("dsp", "DSP"))


def plot_path(text: str) -> str:
    """An argparse type: a file name ending in .png or .svg."""
    if Path(text).suffix.lower() not in PLOT_SUFFIXES:
        raise argparse.ArgumentTypeError(f"expected a file ending in .png or .svg, got {text!r}")
    return text


def front_resources(text: str) -> tuple[str, ...]:
    """An argparse type: comma-separated resources, e.g. lut,bram18."""
    names = tuple(dict.fromkeys(s.strip().lower() for s in text.split(",") if s.strip()))
    bad = [n for n in names if n not in RESOURCE_NAMES]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"expected resources from {','.join(RESOURCE_NAMES)}, got {text!r}")
    return names


def add_arguments(p: argparse.ArgumentParser) -> None:
    from codesign.commands import imported

    p.add_argument("graph", help="graphs/X.yaml (or a shipped name such as cnv_attention), or a QONNX "
                   "model.onnx with --reconfigurable")
    imported.add_arguments(p)
    p.add_argument("--device", required=True, help="hw_specs/Y.yaml (or a shipped name such as pynq-z1)")
    p.add_argument("--foldings", type=FOLDINGS, default=DEFAULT_FOLDINGS, metavar="N",
                   help=f"how many distinct foldings to estimate (default: {DEFAULT_FOLDINGS})")
    p.add_argument("--front", type=front_resources, default=("lut", "bram18"), metavar="R[,R]",
                   help="resources the Pareto front minimises against FPS (default: lut,bram18)")
    p.add_argument("--json", metavar="OUT", help="write every folding (estimate + FINN folding config) as JSON")
    p.add_argument("--plot", type=plot_path, metavar="OUT.png|OUT.svg", help="write the front as a figure")
    p.add_argument("--table-rows", type=TABLE_ROWS, default=DEFAULT_TABLE_ROWS, metavar="K",
                   help=f"front points shown on stdout (default: {DEFAULT_TABLE_ROWS})")
    p.add_argument("--cache-dir", help="cache root holding designs/ (default: $CODESIGN_CACHE_DIR, else .cache)")
    p.add_argument("--calibration", metavar="FILE", help="calibration of the resource estimates (default: the "
                   "device spec's, else the shipped one)")


def point_record(index: int, point, on_front: bool) -> dict:
    from codesign.finn.folding_space import to_config

    return {"index": index, "origin": point.origin, "on_front": on_front, "fps": point.fps,
            "cycles_per_frame": point.cycles_per_frame, "critical_path_cycles": point.critical_path_cycles,
            "latency_s": point.latency_s, "bottleneck": point.bottleneck, "totals": point.totals,
            "intervals": {r: list(point.intervals.get(r)) for r in RESOURCE_NAMES},
            "fits": point.fits, "fit_confidence": point.fit_confidence, "folding_config": to_config(point.folding)}


def format_front(head: str, points: list, front: list[int], rows: int) -> str:
    lines = [head, f"{'#':>5s} {'FPS':>10s} {'cycles':>10s} {'lat ms':>8s} " + " ".join(
        f"{label:>7s}" for _, label in RESOURCE_LABELS) + "  fits (point/intervals)  folding"]
    for i in front[:rows]:
        p = points[i]
        lines.append(f"{i:>5d} {p.fps:>10,.1f} {p.cycles_per_frame:>10,d} {p.latency_s * 1e3:>8.2f} " + " ".join(
            f"{p.totals[r]:>7,.0f}" for r, _ in RESOURCE_LABELS)
            + f"  {'yes' if p.fits else 'no':3s}/{p.fit_confidence:12s}  {p.origin}")
    if len(front) > rows:
        lines.append(f"... {len(front) - rows} more front points (--table-rows, --json)")
    fitting = [i for i in front if points[i].fits]
    lines.append(f"fastest fitting folding on the front: #{fitting[0]}, {points[fitting[0]].fps:,.1f} FPS"
                 if fitting else "no folding on the front fits the device")
    return "\n".join(lines)


def run(args) -> int:
    from codesign.commands.imported import check_arguments

    check_arguments(args)  # a spec, or a QONNX file with --reconfigurable
    outputs = {"--json": check_output_file("--json", args.json), "--plot": check_output_file("--plot", args.plot)}
    check_output_dir("--cache-dir", args.cache_dir)
    from codesign.cost.calibration_files import load_calibration
    from codesign.cost.design import say
    from codesign.cost.estimate import Estimator
    from codesign.cost.explore import FastEstimator
    from codesign.cost.explore_space import explore_foldings
    from codesign.cost.pareto import pareto_front
    from codesign.specs.device import load_device
    from codesign.store import OutputGroup, cache_root, designs_dir

    device = load_device(args.device)  # names checked before the conversion
    calibration = load_calibration(args.calibration, device)
    design = _design(args, device.part, designs_dir(cache_root(args.cache_dir)), say)
    spec = design.spec
    started = time.perf_counter()
    points = list(explore_foldings(FastEstimator(Estimator(design, device, calibration=calibration)),
                                   args.foldings))
    seconds = time.perf_counter() - started
    front = pareto_front(points, args.front)
    labels = ", ".join(dict(RESOURCE_LABELS)[r] for r in args.front)
    head = (f"{spec.name} on {device.name} ({device.part}, {device.clock_mhz:.0f} MHz): {len(points):,} foldings "
            f"estimated in {seconds:.1f} s; Pareto front of {labels} against FPS: {len(front)} foldings")
    available = {r: int(getattr(device.resources, r)) for r in RESOURCE_NAMES}
    with OutputGroup() as group:
        if args.json:
            on_front = set(front)
            group.write_text(args.json, json.dumps({
                "graph": spec.name, "device": device.name, "part": device.part, "clock_mhz": device.clock_mhz,
                "front_resources": list(args.front), "front": front, "available": available,
                "calibration": calibration.origin, "seconds": seconds,
                "points": [point_record(i, p, i in on_front) for i, p in enumerate(points)]}))
        if args.plot:
            from codesign.report.explore_plot import plot_front

            image = plot_front(points, front, args.front, available, head.split(":")[0],
                               PLOT_SUFFIXES[Path(args.plot).suffix.lower()])
            with open(group.path_for(args.plot), "wb") as handle:
                handle.write(image)
                handle.flush()
                os.fsync(handle.fileno())
    print(format_front(head, points, front, args.table_rows))
    for label, path in outputs.items():
        if path is not None:
            print(f"{label.lstrip('-').upper()} written to {path}")
    return 0


def _design(args, fpgapart: str, designs, progress):
    """The specialised design of a graph spec or of a QONNX file (``--reconfigurable``)."""
    from codesign.commands.imported import OPTION, is_qonnx

    if is_qonnx(args.graph):
        from codesign.api.imported import qonnx_design

        return qonnx_design(args.graph, args.reconfigurable, fpgapart, designs, progress=progress, option=OPTION)
    from codesign.graph.cache import get_design
    from codesign.specs.graph import load_graph

    return get_design(load_graph(args.graph), fpgapart, cache_dir=designs, progress=progress)
