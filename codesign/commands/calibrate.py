"""``codesign calibrate BUILD_DIR... --out FILE``: refit the estimate corrections on real builds."""

from __future__ import annotations

import json

from codesign.commands.arguments import check_output_file


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def format_result(result) -> str:
    """Per resource and op type: rows, FINN raw vs corrected held-out mean |error|, coverage."""
    shipped = " + the shipped public builds" if result.with_shipped else ""
    lines = [f"calibrated on {len(result.builds)} build folder(s){shipped}: {result.rows} rows in "
             f"{result.groups} leave-one-build-out group(s)"]
    if not result.held_out:
        lines.append("no held-out error: one build (leave-one-build-out needs two or more builds, or --with-shipped)")
    lines.append(f"{'resource':8s} {'op type':34s} {'rows':>5s} {'FINN raw':>8s} {'corrected':>9s} "
                 f"{'in interval':>11s}  correction")
    for e in result.errors:
        serving = "own" if e.correction == e.op_type else f"pooled ({e.correction})"
        lines.append(f"{e.resource:8s} {e.op_type:34s} {e.rows:>5d} {_pct(e.finn_raw_error):>8s} "
                     f"{_pct(e.corrected_error):>9s} {_pct(e.coverage):>11s}  {serving}")
    lines.append("(mean |error| over held-out rows with a measurement >= 1; FINN has no FF estimate)")
    fallbacks = result.pooled_fallbacks()
    if fallbacks:
        lines.append("too little data for their own correction (pooled fallback): "
                     + "; ".join(f"{r}: {', '.join(ops)}" for r, ops in fallbacks.items()))
    return "\n".join(lines)


def run(args) -> int:
    out = check_output_file("--out", args.out)
    report = check_output_file("--json", args.json)
    from codesign.cost.calibrate_builds import calibrate_from_builds
    from codesign.store import OutputGroup

    result = calibrate_from_builds(args.builds, with_shipped=args.with_shipped, part=args.part or "")
    with OutputGroup() as outputs:  # both files or neither
        outputs.write_text(out, json.dumps(result.model.to_dict(), indent=1) + "\n")
        if report is not None:
            outputs.write_text(report, json.dumps(result.to_dict(), indent=2) + "\n")
    print(format_result(result))
    print(f"calibration written to {out}" + (f", errors to {report}" if report is not None else ""))
    return 0
