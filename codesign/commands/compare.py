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
    from codesign.compare.plan import CompareConfig
    from codesign.compare.runner import failure_advice, run_compare
    from codesign.train.runs import parse_k_shot, parse_noise

    noise = [r for r in parse_noise(args.noise) if r > 0]
    k_shot = [k for k in parse_k_shot(args.k_shot) if k is not None]  # "all" is the main run
    config = CompareConfig(graphs=list(args.graphs), device=args.device, domains=args.domains, out=args.out,
                           lr=parse_lr(args.lr), seeds=args.seeds, first_seed=args.seed, k_shot=k_shot, noise=noise,
                           budget=args.budget, epochs=args.epochs, patience=args.patience,
                           batch_size=args.batch_size, max_per_class=args.max_per_class,
                           target_fps=args.target_fps, cache_dir=args.cache_dir, executor=args.executor,
                           workers=args.workers, scheduler=args.scheduler, rank_by=args.rank_by)
    command = "codesign " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["compare"] \
        else "codesign compare " + " ".join(shlex.quote(g) for g in args.graphs)
    doc = run_compare(config, command)
    print(headline(doc))
    written = doc.get("_written", {})
    if "report.html" in written:
        print(f"report: {written['report.html']} (self-contained) and {written['report.md']}")
    advice = failure_advice(doc["points"])
    if advice:
        # the report is written and lists them; failed points are not cached
        print(f"codesign: {advice}", file=sys.stderr)
        all_rejected = doc["points"]["failed"] == doc["points"].get("rejected", 0)
        return EXIT_REJECTED if all_rejected else EXIT_INTERNAL
    if doc["verdict"]["infeasible"]:
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


def headline(doc: dict) -> str:
    """The verdict and one line per architecture (the report has everything else)."""
    lines = [f"{doc['name']}: {len(doc['architectures'])} architectures on {doc['device']['name']} "
             f"({doc['device']['part']}), domains {', '.join(d['name'] for d in doc['domains'])}",
             f"  {'architecture':18s} {'acc %':>6s} {'params':>8s} {'streams':>7s} {'bits':>6s} {'LUT %':>6s} "
             f"{'BRAM %':>6s} {'FPS':>7s} {'uJ/inf':>8s} {'switch ms':>9s} {'budget':>6s} pareto"]
    for a in doc["architectures"]:
        e = a["estimate"]
        acc = "-" if a["mean_accuracy"] is None else f"{100 * a['mean_accuracy']:.1f}"
        params = [d["trainable_parameters"] for d in a["domains"].values()]
        params_text = f"{max(params):,}" if params else "-"
        fronts = ",".join(m for m, on in a.get("pareto", {}).items() if on) or "-"
        if e is None:
            hw = f"{'-':>7s} {'-':>6s} {'-':>6s} {'-':>6s} {'-':>7s} {'-':>8s} {'-':>9s}"
        else:
            ic, u = e["interconnect"], e["utilisation_pct"]
            hw = (f"{ic['streams']:>7d} {ic['data_bits']:>6,d} {u['lut']:>6.1f} {u['bram18']:>6.1f} "
                  f"{e['fps']:>7,.0f} {e['energy_uj']['total']:>8,.1f} {e['switch']['write_time_ms']:>9.3f}")
        lines.append(f"  {a['name']:18s} {acc:>6s} {params_text:>8s} {hw} "
                     f"{'yes' if a['budget']['meets'] else 'no':>6s} {fronts}")
    verdict = doc["verdict"]
    lines.append(("VERDICT: " if not verdict["infeasible"] else "VERDICT (infeasible): ") + verdict["text"])
    points = doc["points"]
    lines.append(f"points: {points['total']} ({points['from_cache']} from the cache, {points['computed']} computed, "
                 f"{points['failed']} failed) in {points['wall_seconds']:.0f} s on {points['executor']}")
    return "\n".join(lines)
