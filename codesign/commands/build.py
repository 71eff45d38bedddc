"""``codesign build graphs/X.yaml --device Y --domains a,b --checkpoints DIR --out builds/NAME``."""

from __future__ import annotations

import sys

from codesign.commands.arguments import check_input_dir, check_output_dir


def _progress(message: str) -> None:
    print(f"[codesign] {message}", file=sys.stderr, flush=True)


def format_result(result) -> str:
    m = result.manifest
    lines = [f"build {'reused (inputs unchanged; --force rebuilds)' if result.reused else 'written'}: "
             f"{result.out}  [{result.seconds:.1f} s]"]
    est, dev = m["estimate"], m["device"]
    design = m["design"]
    lines.append(f"design: {m['inputs']['graph']['name']} on {dev['name']} ({dev['part']}, {dev['clock_mhz']:g} MHz): "
                 f"{design['hw_nodes']} HW nodes, {design['fixed']} fixed, {design['reconfigurable']} "
                 f"reconfigurable ({len(design['runtime_writeable'])} run-time writeable); "
                 f"{est['fps']:,.1f} FPS; LUT {est['totals']['lut']:,.0f}/{est['available']['lut']:,} "
                 f"BRAM18 {est['totals']['bram18']:,.0f}/{est['available']['bram18']:,}")
    lines.append(f"{'domain':16s} {'switch bytes':>12s} {'AXI words':>9s} {'switch ms':>9s} {'images':>6s} "
                 f"{'top-1':>5s} {'exact':>5s} {'max steps':>9s} {'acc':>5s} source")
    for name, v in m["verification"].items():
        s = m["switch"]["per_domain"][name]
        acc = "" if v["accuracy_finn"] is None else f"{v['accuracy_finn']:.2f}"
        lines.append(f"{name:16s} {s['write_bytes']:>12,d} {s['axi_words']:>9,d} {s['write_time_s'] * 1e3:>9.3f} "
                     f"{v['images']:>6d} {round(v['top1_agreement'] * v['images']):>5d} {v['exact_images']:>5d} "
                     f"{v['max_step_diff']:>9g} {acc:>5s} {v['source']['kind']}")
    lines.append(f"verification: {next(iter(m['verification'].values()))['criterion']} (Brevitas float64 "
                 f"vs FINN's Python execution of the shared graph; 'exact' = identical integer logits)")
    est_sw = m["switch"]["estimated"]
    lines.append(f"switch model (codesign estimate): {est_sw['write_bytes']:,} B, {est_sw['write_time_s'] * 1e3:.3f} ms; "
                 f"full bitstream {est_sw['bitstream_bytes']:,} B in {est_sw['bitstream_time_s'] * 1e3:.1f} ms")
    syn = m["synthesis"]
    if syn["status"] == "done":
        lines.append("synthesis: done (FINN bitfile under finn/synthesis/)")
    else:
        lines.append(f"synthesis: NOT RUN - the build stopped before synthesis because the vendor tools are "
                     f"absent ({syn['tools']}). Finish with: cd {result.out}/finn && python run_synthesis.py "
                     f"(see {result.out}/README.md)")
    return "\n".join(lines)


def run(args) -> int:
    check_output_dir("--out", args.out)
    check_output_dir("--cache-dir", args.cache_dir)
    check_input_dir("--checkpoints", args.checkpoints)
    from codesign.api.build import build_domain_set

    # A failed verification raises VerificationError (DesignRejected): exit 3, one line.
    result = build_domain_set(args.graph, args.device, args.domains, args.checkpoints, args.out,
                              target_fps=args.target_fps, images=args.images, seed=args.seed,
                              data_cache=args.data_cache, exact=args.exact, force=args.force,
                              cache_dir=args.cache_dir, use_cache=not args.no_cache, progress=_progress,
                              folding=args.folding)
    print(format_result(result))
    return 0
