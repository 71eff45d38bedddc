"""Benchmark: accuracy, per-domain parameters and adaptation time of every adapter
family on cnv with the shipped pretrained backbone, on real domains.

    python benchmarks/bench_train.py [--domains animal_mnist,sklearn_digits,glyphs_greek]
        [--families attention,side,...] [--max-per-class 40] [--epochs 5] [--seeds 1]
        [--out reports/bench_train] [--live-check] [--speed]

Each (family, domain) runs codesign's own study runner (the same code as
``codesign train``): backbone frozen, modules trained with QAT, early stopping on
validation, test accuracy at the best epoch. ``--max-per-class`` caps every class
before splitting (70/10/20 train/val/test), which bounds the run time on a CPU; the
accuracies are therefore those of a small-data regime, not of the full domains.
Prints one table (mean over domains, and per domain), the Decathlon-style score
against ``finetune`` when it is among the families, and the feature cache's speed-up
for ``side``/``head``: probed on a few live batches, and with ``--live-check`` a full
live run on the first domain (also checks that cached and live training agree).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codesign.data import prepare_domain  # noqa: E402
from codesign.specs.graph import load_graph  # noqa: E402
from codesign.train.config import TrainConfig  # noqa: E402
from codesign.train.inputs import DomainSplits  # noqa: E402
from codesign.train.metrics import decathlon_score  # noqa: E402
from codesign.train.results import atomic_write_json  # noqa: E402
from codesign.train.runner import run_domain_study  # noqa: E402
from codesign.train.runs import plan_runs  # noqa: E402

FAMILIES = ("attention", "side", "parallel", "series", "scale_bias", "head", "finetune")


def _quiet(_message: str) -> None:
    pass


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", default="animal_mnist,sklearn_digits,glyphs_greek")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--max-per-class", type=int, default=40, help="images per class before splitting")
    parser.add_argument("--epochs", type=int, default=5, help="maximum epochs per domain")
    parser.add_argument("--patience", type=int, default=3, help="early-stopping patience, epochs")
    parser.add_argument("--lr", type=float, default=TrainConfig.lr)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--cache-dir", default=".cache/domains")
    parser.add_argument("--out", default="reports/bench_train")
    parser.add_argument("--live-check", action="store_true",
                        help="also train side/head live on the first domain (full measured speed-up)")
    parser.add_argument("--verbose", action="store_true", help="per-epoch progress lines on stderr")
    parser.add_argument("--speed", action="store_true", help="only the speed section (train_speed.py): live vs "
                        "cached epochs per family, evaluation batch, threads, on the first domain")
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    if args.speed:
        return speed(args)
    log = (lambda m: print(m, file=sys.stderr, flush=True)) if args.verbose else _quiet
    domains = [d for d in args.domains.split(",") if d]
    families = [f for f in args.families.split(",") if f]
    out = Path(args.out)
    config = TrainConfig(epochs=args.epochs, patience=args.patience, lr=args.lr)
    plans = plan_runs(list(range(args.seeds)))

    data = {}
    for name in domains:
        prepared = prepare_domain(name, args.cache_dir, size=32, seed=0, max_per_class=args.max_per_class)
        data[name] = (DomainSplits.from_prepared(prepared), {"content_hash": prepared.stats["content_hash"],
                                                             "max_per_class": args.max_per_class})
    sizes = ", ".join(f"{n} {len(d.train)}/{len(d.val)}/{len(d.test)}" for n, (d, _) in data.items())
    print(f"bench_train: cnv W4A4, shipped backbone; train/val/test images: {sizes}; "
          f"epochs <= {args.epochs}, patience {args.patience}, lr {args.lr:g}, seeds {args.seeds}", flush=True)

    rows: dict[str, dict] = {}
    for family in families:
        spec = load_graph(f"cnv_{family}")
        per_domain = {}
        for name, (splits, info) in data.items():
            start = time.perf_counter()
            doc = run_domain_study(spec, splits, plans, config, out / family, data_info=info, log=log)
            s = doc["summary"]
            per_domain[name] = {"acc": s["test_accuracy"]["mean"], "acc_std": s["test_accuracy"]["std"],
                                "n": s["test_accuracy"]["n"], "epochs": s["epochs_run"]["mean"],
                                "seconds": time.perf_counter() - start,
                                "params": s["trainable_parameters"], "bytes": s["domain_bytes"],
                                "speedup": s["feature_cache_speedup_per_epoch"]["mean"],
                                "test_images": doc["sizes"]["test"]}
            print(f"  {family:10s} {name:16s} acc {100 * per_domain[name]['acc']:5.1f} %  "
                  f"{per_domain[name]['seconds']:6.0f} s  epochs {per_domain[name]['epochs']:.0f}", flush=True)
        rows[family] = per_domain

    if args.live_check:
        first = domains[0]
        for family in [f for f in ("head", "side") if f in rows]:
            splits, info = data[first]
            start = time.perf_counter()
            doc = run_domain_study(load_graph(f"cnv_{family}"), splits, plans,
                                   TrainConfig(epochs=args.epochs, patience=args.patience, lr=args.lr,
                                               feature_cache=False),
                                   out / f"{family}_live", data_info=info, log=log)
            rows[family][first]["live_seconds"] = time.perf_counter() - start
            rows[family][first]["live_acc"] = doc["summary"]["test_accuracy"]["mean"]

    lines = table(rows, domains)
    text = "\n".join(lines)
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    (out / "table.txt").write_text(text + "\n", encoding="utf-8")
    atomic_write_json(out / "bench.json", {"args": vars(args), "rows": rows})
    return 0


def speed(args) -> int:
    from train_speed import FAMILIES as SPEED_FAMILIES, cache_rows, eval_and_thread_rows

    name = args.domains.split(",")[0]
    splits = DomainSplits.from_prepared(prepare_domain(name, args.cache_dir, size=32, seed=0,
                                                       max_per_class=args.max_per_class))
    families = [f for f in args.families.split(",") if f in SPEED_FAMILIES]
    print("\n".join(cache_rows(splits, args.epochs, families)), flush=True)
    print("\n".join(eval_and_thread_rows(splits)), flush=True)
    return 0


def table(rows: dict[str, dict], domains: list[str]) -> list[str]:
    lines = ["", f"{'family':11s} {'mean acc %':>10s} " + " ".join(f"{d[:14]:>14s}" for d in domains)
             + f" {'params/domain':>13s} {'% of parallel':>13s} {'bytes/domain':>12s} {'adapt s':>8s}"
             + f" {'Decathlon':>9s}"]
    parallel = rows.get("parallel")
    baseline = rows.get("finetune")
    for family, per in rows.items():
        accs = [per[d]["acc"] for d in domains]
        params = sum(per[d]["params"] for d in domains) / len(domains)
        ref = (sum(parallel[d]["params"] for d in domains) / len(domains)) if parallel else None
        score = "-"
        if baseline:
            s = decathlon_score({d: 1 - per[d]["acc"] for d in domains},
                                {d: 1 - baseline[d]["acc"] for d in domains},
                                {d: per[d]["test_images"] for d in domains})
            score = f"{s['score']:.0f}"
        lines.append(f"{family:11s} {100 * sum(accs) / len(accs):10.1f} "
                     + " ".join(f"{100 * a:14.1f}" for a in accs)
                     + f" {params:13,.0f} {(100 * params / ref if ref else float('nan')):12.1f}%"
                     + f" {sum(per[d]['bytes'] for d in domains) / len(domains):12,.0f}"
                     + f" {sum(per[d]['seconds'] for d in domains):8.0f} {score:>9s}")
    lines.append("adapt s = wall time of the whole adaptation (cache build, training, evaluation) summed "
                 "over domains; Decathlon vs finetune (max 1000 per domain)")
    for family in ("head", "side"):
        if family not in rows:
            continue
        speeds = [rows[family][d]["speedup"] for d in domains if rows[family][d]["speedup"]]
        if speeds:
            lines.append(f"{family}: feature cache speed-up per training epoch (probed live batches vs "
                         f"cached steps): {min(speeds):.1f}x - {max(speeds):.1f}x over domains")
        first = rows[family][domains[0]]
        if "live_seconds" in first:
            lines.append(f"{family}: full run on {domains[0]}: cached {first['seconds']:.0f} s vs live "
                         f"{first['live_seconds']:.0f} s ({first['live_seconds'] / first['seconds']:.1f}x, "
                         f"cache build included); accuracy cached {100 * first['acc']:.1f} % vs live "
                         f"{100 * first['live_acc']:.1f} %")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
