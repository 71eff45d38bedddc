"""``codesign compare graphs/A.yaml graphs/B.yaml ... --device Y --domains SET --out reports/NAME``."""

from __future__ import annotations

import math
import shlex
import sys

from codesign.commands.arguments import check_output_dir
from codesign.errors import EXIT_INTERNAL, EXIT_REJECTED


def run(args) -> int:
    check_output_dir("--out", args.out)
    check_output_dir("--cache-dir", args.cache_dir)
    from codesign.api.comparison import compare
    from codesign.compare.plan import CompareConfig
    from codesign.compare.runner import failure_advice
    from codesign.train.runs import parse_k_shot, parse_noise

    noise = [r for r in parse_noise(args.noise) if r > 0]
    k_shot = [k for k in parse_k_shot(args.k_shot) if k is not None]  # "all" is the main run
    config = CompareConfig(graphs=list(args.graphs), device=args.device, domains=args.domains, out=args.out,
                           lr=parse_lr(args.lr), seeds=args.seeds, first_seed=args.seed, k_shot=k_shot, noise=noise,
                           budget=args.budget, epochs=args.epochs, patience=args.patience,
                           batch_size=args.batch_size, max_per_class=args.max_per_class,
                           target_fps=args.target_fps, cache_dir=args.cache_dir, executor=args.executor,
                           workers=args.workers, scheduler=args.scheduler, rank_by=args.rank_by,
                           energy=args.energy, calibration=args.calibration, accelerator=args.accelerator,
                           bn_stats=args.bn_stats)
    command = "codesign " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["compare"] \
        else "codesign compare " + " ".join(shlex.quote(g) for g in args.graphs)
    done = compare(config, command, image_format=getattr(args, "plots", "png"))
    result = done.result
    print(headline(result))
    if "report.html" in done.written:
        print(f"report: {done.written['report.html']} (self-contained) and {done.written['report.md']}")
    advice = failure_advice(result.points)
    if advice:
        # the report is written and lists them; failed points are not cached
        print(f"codesign: {advice}", file=sys.stderr)
        all_rejected = result.points.failed == result.points.rejected
        return EXIT_REJECTED if all_rejected else EXIT_INTERNAL
    if result.verdict.infeasible:
        # a result, reported in full; the status lets a script tell it from a verdict
        return EXIT_REJECTED
    return 0


def parse_lr(text: str) -> list[float]:
    """'0.005,0.02' -> [0.005, 0.02]."""
    from codesign.compare.plan import CompareError

    values = []
    for item in str(text).split(","):
        try:
            value = float(item)
        except ValueError:
            raise CompareError(f"--lr: {item.strip()[:40]!r} is not a step size (e.g. 0.005 or 0.005,0.02)") from None
        if not math.isfinite(value) or not 0 < value <= 100:
            raise CompareError(f"--lr: {item.strip()[:40]!r} must be a finite step size > 0 and <= 100")
        values.append(value)
    return values


def headline(result) -> str:
    """The verdict and one line per architecture of a ``CompareResult`` (the report has
    everything else)."""
    lines = [f"{result.name}: {len(result.architectures)} architectures on {result.device.name} "
             f"({result.device.part}), domains {', '.join(result.domain_names)}",
             f"  {'architecture':18s} {'acc % [95 %]':>18s} {'params':>8s} {'streams':>7s} {'bits':>6s} {'LUT %':>6s} "
             f"{'(10-90 %)':>11s} "
             f"{'BRAM %':>6s} {'FPS':>7s} {'uJ/inf':>8s} {'switch ms':>9s} {'budget':>6s} pareto"]
    single = result.budget.energy == "single-image"  # the energy figure the comparison uses
    lines += [_architecture_line(a, single) for a in result.architectures]
    verdict = result.verdict
    lines.append(("VERDICT: " if not verdict.infeasible else "VERDICT (infeasible): ") + verdict.text)
    points = result.points
    lines.append(f"points: {points.total} ({points.from_cache} from the cache, {points.computed} computed, "
                 f"{points.failed} failed) in {points.wall_seconds:.0f} s on {points.executor}")
    return "\n".join(lines)


def _energy(e, single_image: bool) -> float:
    """µJ per inference: at throughput, or one image alone (``--energy single-image``)."""
    return e.energy_uj.single_image if single_image else e.energy_uj.per_inference_at_throughput


def _lut_range(e) -> str:
    """The LUT interval in % of the device, ``78-110``; ``-`` for an uncalibrated summary."""
    if e.resources_low is None or not e.available.lut:
        return "-"
    return f"{100 * e.resources_low.lut / e.available.lut:.0f}-{100 * e.resources_high.lut / e.available.lut:.0f}"


def _architecture_line(arch, single_image: bool = False) -> str:
    acc = "-" if arch.mean_accuracy is None else f"{100 * arch.mean_accuracy:.1f}"
    interval = getattr(arch, "mean_accuracy_interval", None)
    if interval is not None and arch.mean_accuracy is not None:
        acc += f" [{100 * interval.low:.1f}, {100 * interval.high:.1f}]"
    params = [d.trainable_parameters for d in arch.domains.values()]
    params_text = f"{max(params):,}" if params else "-"
    fronts = ",".join(m for m, on in arch.pareto.items() if on) or "-"
    e = arch.estimate
    if e is None:
        hw = f"{'-':>7s} {'-':>6s} {'-':>6s} {'-':>11s} {'-':>6s} {'-':>7s} {'-':>8s} {'-':>9s}"
    else:
        ic, u = e.interconnect, e.utilisation_pct
        hw = (f"{ic.streams:>7d} {ic.interconnect_bits:>6,d} {u.lut:>6.1f} {_lut_range(e):>11s} {u.bram18:>6.1f} "
              f"{e.fps:>7,.0f} {_energy(e, single_image):>8,.1f} {e.switch.write_time_ms:>9.3f}")
    # "yes?": met at the estimate, a resource limit inside the calibrated interval
    meets = ("yes?" if getattr(arch.budget, "uncertain", None) else "yes") if arch.budget.meets else "no"
    return f"  {arch.name:18s} {acc:>18s} {params_text:>8s} {hw} {meets:>6s} {fronts}"
