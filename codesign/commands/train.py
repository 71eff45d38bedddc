"""``codesign train graphs/X.yaml --domains a,b,c [--seeds N] [--k-shot ...] [--noise ...]``.

Prepares each domain at the backbone's input size, runs the study (train.runner) and
writes ``<out>/<domain>.json`` per domain and ``<out>/summary.json``; prints a table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from codesign.commands.arguments import check_input_dir, check_output_dir


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args) -> int:
    from codesign.data import parse_domain_arg, prepare_domain
    from codesign.models.weights import resolve_path
    from codesign.specs.graph import load_graph
    from codesign.train.config import TrainConfig, TrainError
    from codesign.train.inputs import DomainSplits
    from codesign.train.metrics import format_mean_std
    from codesign.train.results import atomic_write_json, read_baseline, summarise_study
    from codesign.train.runner import run_domain_study, with_backbone_weights
    from codesign.train.runs import parse_k_shot, parse_noise, plan_runs

    # Validate every argument and output location before any data is prepared or model built.
    check_output_dir("--out", args.out)
    check_output_dir("--cache-dir", args.cache_dir)
    check_input_dir("--baseline", args.baseline)
    from codesign.store import cache_root, domains_dir

    splits = domains_dir(cache_root(args.cache_dir))
    config = TrainConfig(optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size,
                         epochs=args.epochs, patience=args.patience, seed=args.seed,
                         feature_cache=not args.no_feature_cache)
    k_shots, noises = parse_k_shot(args.k_shot), parse_noise(args.noise)
    specs = parse_domain_arg(args.domains)
    if not specs:
        raise TrainError("--domains: expected at least one domain name")
    spec = load_graph(args.graph)
    random_backbone = args.backbone_weights == "random"
    if args.backbone_weights is not None:
        weights = None if args.backbone_weights in ("none", "random") else args.backbone_weights
        if weights is not None and not resolve_path(weights).is_file():
            raise FileNotFoundError(f"--backbone-weights {weights}: file not found")
        spec = with_backbone_weights(spec, weights)
    baseline = read_baseline(args.baseline) if args.baseline else None
    out = Path(args.out) if args.out else check_output_dir("--out", Path("reports/train") / spec.name)
    plans = plan_runs(list(range(args.seed, args.seed + args.seeds)), k_shots, noises)

    size, channels = spec.backbone.input_size or 32, 3
    docs = {}
    for domain_spec in specs:
        prepared = prepare_domain(domain_spec, splits, size=size, seed=0, channels=channels,
                                  max_per_class=args.max_per_class, progress=_say)
        data_info = {"content_hash": prepared.stats.get("content_hash"), "params": prepared.params,
                     "split_seed": 0}
        docs[prepared.name] = run_domain_study(spec, DomainSplits.from_prepared(prepared), plans, config,
                                               out, resume=args.resume, data_info=data_info, log=_say,
                                               random_backbone=random_backbone)
    summary = summarise_study(docs, baseline, spec.family, str(spec.path))
    atomic_write_json(out / "summary.json", summary)

    print(f"{spec.name} ({spec.family}): {len(plans)} run(s) per domain -> {out}")
    print(f"  {'domain':18s} {'test acc %':>22s} {'params':>9s} {'bytes':>9s} {'epochs':>6s} {'s/epoch':>8s}")
    for name, row in summary["domains"].items():
        print(f"  {name:18s} {format_mean_std(row['test_accuracy']):>22s} {row['trainable_parameters']:>9,d} "
              f"{row['domain_bytes']:>9,.0f} {row['epochs_run']['mean'] or 0:>6.1f} "
              f"{row['epoch_seconds']['mean'] or 0:>8.2f}")
    if summary["mean_test_accuracy"] is not None:
        print(f"  mean test accuracy over domains: {100 * summary['mean_test_accuracy']:.2f} %")
    if "decathlon" in summary:
        d = summary["decathlon"]
        print(f"  Decathlon score vs finetune: {d['score']:.0f} of {d['max_score']:.0f}")
    for name, doc in docs.items():
        curve = doc["summary"]["samples_needed"]
        if len(curve) > 1:
            print(f"  {name} samples needed: " + ", ".join(
                f"k={k}: {format_mean_std(v['test_accuracy'])}" for k, v in curve.items()))
        noise = doc["summary"]["label_noise"]
        if len(noise) > 1:
            print(f"  {name} label noise: " + ", ".join(
                f"{float(r):.0%} (realised {v['realised_noise']['mean']:.3f}): "
                f"{format_mean_std(v['test_accuracy'])}" for r, v in noise.items()))
    return 0
