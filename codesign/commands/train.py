"""``codesign train graphs/X.yaml --domains a,b,c [--seeds N] [--k-shot ...] [--noise ...]``.

Checks the arguments, runs the study (codesign.api.train: every domain prepared at the
backbone's input size, ``<out>/<domain>.json`` per domain and ``<out>/summary.json``)
and prints a table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from codesign.commands.accelerator import resolved_accelerator
from codesign.commands.arguments import check_input_dir, check_output_dir


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args) -> int:
    from codesign.api.train import prepare_study, train_study
    from codesign.train.config import TrainConfig
    from codesign.train.runs import parse_k_shot, parse_noise

    # Validate every argument and output location before any data is prepared or model built.
    check_output_dir("--out", args.out)
    check_output_dir("--cache-dir", args.cache_dir)
    check_input_dir("--baseline", args.baseline)
    config = TrainConfig(optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size,
                         epochs=args.epochs, patience=args.patience, seed=args.seed,
                         feature_cache=not args.no_feature_cache, accelerator=resolved_accelerator(args),
                         bn_stats=args.bn_stats)
    k_shots, noises = parse_k_shot(args.k_shot), parse_noise(args.noise)
    plan = prepare_study(args.graph, args.domains, range(args.seed, args.seed + args.seeds), k_shots, noises,
                         backbone_weights=args.backbone_weights, baseline=args.baseline)
    out = Path(args.out) if args.out else check_output_dir("--out", Path("reports/train") / plan.spec.name)
    study = train_study(plan, config, out, max_per_class=args.max_per_class, cache_dir=args.cache_dir,
                        resume=args.resume, log=_say)
    print(format_study(study))
    return 0


def format_study(study) -> str:
    """The study's table: per domain accuracy, parameters, bytes, epochs, seconds per epoch,
    then the mean, the Decathlon score and the sweep curves when there are any."""
    from codesign.train.metrics import format_mean_std

    summary = study.summary
    lines = [f"{study.graph} ({study.family}): {study.runs_per_domain} run(s) per domain -> {study.out}",
             f"  {'domain':18s} {'test acc %':>22s} {'params':>9s} {'bytes':>9s} {'epochs':>6s} {'s/epoch':>8s}"]
    for name, row in summary["domains"].items():
        lines.append(f"  {name:18s} {format_mean_std(row['test_accuracy']):>22s} {row['trainable_parameters']:>9,d} "
                     f"{row['domain_bytes']:>9,.0f} {row['epochs_run']['mean'] or 0:>6.1f} "
                     f"{row['epoch_seconds']['mean'] or 0:>8.2f}")
    lines.append("  test images per domain (fixed split, the same for every seed and --max-per-class): " + ", ".join(
        f"{name} {row['test_images']:,d}" + (" (synthetic)" if row.get("synthetic") else "")
        for name, row in summary["domains"].items()))
    if summary["mean_test_accuracy"] is not None:
        lines.append(f"  mean test accuracy over domains: {100 * summary['mean_test_accuracy']:.2f} %")
    if "decathlon" in summary:
        d = summary["decathlon"]
        lines.append(f"  Decathlon score vs finetune: {d['score']:.0f} of {d['max_score']:.0f}")
    for name, doc in study.domains.items():
        lines += _curves(name, doc["summary"])
    return "\n".join(lines)


def _curves(name: str, summary: dict) -> list[str]:
    from codesign.train.metrics import format_mean_std

    lines = []
    curve = summary["samples_needed"]
    if len(curve) > 1:
        lines.append(f"  {name} samples needed: " + ", ".join(
            f"k={k}: {format_mean_std(v['test_accuracy'])}" for k, v in curve.items()))
    noise = summary["label_noise"]
    if len(noise) > 1:
        lines.append(f"  {name} label noise: " + ", ".join(
            f"{float(r):.0%} (realised {v['realised_noise']['mean']:.3f}): "
            f"{format_mean_std(v['test_accuracy'])}" for r, v in noise.items()))
    return lines
