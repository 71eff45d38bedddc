"""``codesign estimate graphs/X.yaml --device hw_specs/Y.yaml``: hardware cost before synthesis."""

from __future__ import annotations

import json
from pathlib import Path

from codesign.commands.arguments import check_output_dir, check_output_file
from codesign.errors import InputError


RESOURCE_LABELS = (("lut", "LUT"), ("ff", "FF"), ("bram18", "BRAM18"), ("uram", "URAM"), ("dsp", "DSP"))


def format_estimate(e) -> str:
    folding = (f"folding from {e.folding_source} (as given)" if e.folding_source
               else f"target {e.target_fps:,.0f} FPS" if e.target_fps is not None
               else "fastest folding that fits" if e.fits else "least parallel folding (none fits)")
    lines = [f"{e.graph} on {e.device} ({e.part}, {e.clock_mhz:.0f} MHz), {folding}",
             f"{'node':34s} {'role':6s} {'PE':>4s} {'SIMD':>4s} {'cycles':>9s} {'LUT':>8s} {'FF':>8s} "
             f"{'BRAM18':>6s} {'URAM':>4s} {'DSP':>4s} {'energy nJ':>9s}"]
    for n in e.nodes:
        lines.append(f"{n.name:34s} {'reconf' if n.role == 'reconfigurable' else 'fixed':6s} {n.pe:>4d} "
                     f"{n.simd:>4d} {n.cycles:>9,d} {n.lut:>8,.0f} {n.ff:>8,.0f} {n.bram18:>6.0f} "
                     f"{n.uram:>4.0f} {n.dsp:>4.0f} {n.energy_pj / 1e3:>9,.1f}")
    for key, res in e.extras.items():
        lines.append(f"{'+ ' + key:34s} {'':6s} {'':>4s} {'':>4s} {'':>9s} {res['lut']:>8,.0f} "
                     f"{res['ff']:>8,.0f} {res['bram18']:>6.0f} {res['uram']:>4.0f} {res['dsp']:>4.0f}")
    t, a, u = e.totals, e.available, e.utilisation_pct
    lines.append(f"{'total (calibrated)':34s} {'':6s} {'':>4s} {'':>4s} {e.cycles_per_frame:>9,d} {t['lut']:>8,.0f} "
                 f"{t['ff']:>8,.0f} {t['bram18']:>6.0f} {t['uram']:>4.0f} {t['dsp']:>4.0f}")
    if e.finn_totals:
        f = e.finn_totals
        lines.append(f"{'FINN estimate, uncalibrated':34s} {'':6s} {'':>4s} {'':>4s} {'':>9s} {f['lut']:>8,.0f} "
                     f"{f['ff']:>8,.0f} {f['bram18']:>6.0f} {f['uram']:>4.0f} {f['dsp']:>4.0f}")
    lines.append(f"{'device':34s} {'':6s} {'':>4s} {'':>4s} {'':>9s} {a['lut']:>8,d} {a['ff']:>8,d} "
                 f"{a['bram18']:>6d} {a['uram']:>4d} {a['dsp']:>4d}")
    lines.append(f"{'utilisation %':34s} {'':6s} {'':>4s} {'':>4s} {'':>9s} {u['lut']:>8.1f} {u['ff']:>8.1f} "
                 f"{u['bram18']:>6.1f} {u['uram']:>4.0f} {u['dsp']:>4.1f}")
    if e.intervals is not None:
        lines.append("resources, 10-90 % interval: " + ", ".join(
            f"{label} {e.intervals.get(r).value:,.0f} [{e.intervals.get(r).low:,.0f}-{e.intervals.get(r).high:,.0f}]"
            for r, label in RESOURCE_LABELS))
    verdict = "fits" if e.fits else "DOES NOT FIT: " + ", ".join(
        f"{r.upper()} short by {v:,.0f}" for r, v in e.shortfall.items())
    if e.fit_confidence:
        verdict += f" at the estimate; over the intervals: {e.fit_confidence}"
    ic = e.interconnect
    lines += [
        f"fit: {verdict}",
        f"throughput: {e.fps:,.1f} FPS (bottleneck {e.bottleneck}, {e.cycles_per_frame:,d} cycles/frame); "
        f"latency {e.latency_s * 1e3:,.3f} ms ({e.critical_path_cycles:,d} cycles)",
        f"interconnect fixed<->reconfigurable: {ic.streams} streams, {ic.interconnect_bits} data wires "
        f"(+{ic.handshake_wires} handshake); fixed->reconf {ic.fixed_to_reconfigurable.streams} streams/"
        f"{ic.fixed_to_reconfigurable.interconnect_bits} bits, reconf->fixed {ic.reconfigurable_to_fixed.streams} "
        f"streams/{ic.reconfigurable_to_fixed.interconnect_bits} bits; {ic.bits_per_frame:,d} bits cross per frame",
        *_energy_lines(e.energy),
        f"domain switch: {e.switch['payload_bytes']:,.0f} B of weights+thresholds, "
        f"{e.switch['write_time_s'] * 1e3:,.3f} ms over AXI-lite vs {e.switch['bitstream_time_s'] * 1e3:,.1f} ms "
        f"for a full bitstream ({e.switch['bitstream_bytes']:,d} B): {e.switch['speedup']:,.1f}x faster",
        "sources: resources = FINN estimators through the calibration, + FIFOs, width converters, "
        f"AXI-lite and shell; cycles = FINN; energy = device spec coefficients; domain weights: {e.domain_weights}",
    ]
    if e.calibration:
        lines.append(f"calibration: {e.calibration}")
    lines += [f"note: {note}" for note in e.calibration_notes]
    return "\n".join(lines)


def _energy_lines(energy: dict) -> list[str]:
    """The two energy figures and the powers behind them (docs/energy.md)."""
    standing_w = energy["board_idle_power_w"] + energy["static_power_w"]
    return [
        f"energy per inference at {energy['fps']:,.1f} FPS: {energy['per_inference_at_throughput_uj']:,.2f} uJ "
        f"= {energy['power_at_throughput_w']:,.3f} W / FPS (board idle {energy['board_idle_power_w']:g} W "
        f"+ static {energy['static_power_w']:g} W + dynamic {energy['dynamic_power_w']:,.3f} W)",
        f"energy of a single image alone: {energy['single_image_uj']:,.2f} uJ = {standing_w:g} W x latency "
        f"+ dynamic {energy['dynamic_uj']:,.2f} uJ",
    ]


def run(args) -> int:
    # Every output location is checked before the (minutes-long) conversion; the files are
    # then written all or nothing.
    from codesign.commands.imported import DEFAULT_CLASSES, check_arguments, estimate_qonnx_args, is_qonnx

    check_arguments(args)  # spec vs QONNX file: which options apply
    from codesign.commands import finn_formats

    folding_config = finn_formats.check_estimate_arguments(args)  # --folding's shape, --finn-reports
    outputs_asked = {"--json": check_output_file("--json", args.json),
                     "--graphml": check_output_file("--graphml", args.graphml),
                     "--dot": check_output_file("--dot", args.dot)}
    check_output_dir("--cache-dir", args.cache_dir)
    if args.checkpoint is not None and not Path(args.checkpoint).is_file():
        raise InputError(f"--checkpoint {args.checkpoint}: file not found (a domain checkpoint .json)")
    from codesign.api.estimate import estimate_design
    from codesign.commands.input_size import apply_input_size
    from codesign.cost.calibration_files import load_calibration
    from codesign.specs.device import load_device
    from codesign.specs.graph import load_graph
    from codesign.store import OutputGroup, cache_root, designs_dir

    calibration = load_calibration(args.calibration, load_device(args.device))  # checked before converting
    if is_qonnx(args.graph):
        estimate, estimator, input_line = estimate_qonnx_args(args, calibration, designs_dir(cache_root(args.cache_dir)),
                                                              folding_config)
    else:
        spec = apply_input_size(load_graph(args.graph), args.input_size)  # checked before converting
        classes = args.classes if args.classes is not None else DEFAULT_CLASSES
        estimate, estimator = estimate_design(spec, args.device, args.target_fps, args.checkpoint,
                                              classes, designs_dir(cache_root(args.cache_dir)), not args.no_cache,
                                              calibration=calibration, folding_config=folding_config)
        input_line = (f"input: {spec.backbone.input_size}x{spec.backbone.input_size} px, {spec.backbone.in_channels} "
                      f"channel(s){' (--input-size)' if args.input_size is not None else ''}")
    with OutputGroup() as outputs:
        if args.json:
            outputs.write_text(args.json, json.dumps(estimate.to_dict(), indent=2, default=str))
        if args.graphml or args.dot:
            from codesign.graph.hwgraph import to_dot, write_graphml

            graph = finn_formats.estimated_graph(estimator)
            if args.graphml:
                write_graphml(graph, outputs.path_for(args.graphml))
            if args.dot:
                outputs.write_text(args.dot, to_dot(graph, estimate.graph))
        finn_formats.write_finn_reports(args, estimate, estimator, outputs)
    print(input_line)
    print(format_estimate(estimate))
    for label, path in zip(("JSON", "GraphML", "DOT"), outputs_asked.values()):
        if path is not None:
            print(f"{label} written to {path}")
    if getattr(args, "finn_reports", None):
        print(f"FINN reports written to {args.finn_reports} (docs/finn-formats.md)")
    return 0
