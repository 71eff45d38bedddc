"""Results JSON: per-domain summaries (mean ± std over seeds, n) and the study summary.

``<out>/<domain>.json`` holds every run plus ``summary``; ``<out>/summary.json`` holds
one row per domain, the mean accuracy over domains and, given a ``finetune`` baseline,
the Decathlon-style score (metrics.py). Both are written atomically.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from codesign.adapters.base import decathlon_baselines
from codesign.store import atomic_write_json as store_write_json
from codesign.train.config import TrainError
from codesign.train.metrics import METRICS, decathlon_score, mean_std


def atomic_write_json(path: Path, obj: dict) -> None:
    """The store's atomic JSON write, with NaN written as null (JSON has no NaN)."""
    store_write_json(path, _finite(obj), make_parents=True)


def _finite(obj):
    """JSON has no NaN: write null instead (an interrupted run has no test accuracy)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _key(value) -> str:
    return "all" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def summarise_domain(runs: list[dict], doc: dict) -> dict:
    """Mean ± std (n = seeds) of the main runs, the k-shot curve and the noise study."""
    finished = [r for r in runs if not r.get("interrupted")]
    main = [r for r in finished if r["k_per_class"] is None and r["label_noise"] == 0.0]
    samples: dict[str, dict] = {}
    for r in finished:
        if r["label_noise"] == 0.0:
            samples.setdefault(_key(r["k_per_class"]), []).append(r)
    noise: dict[str, dict] = {}
    for r in finished:
        if r["k_per_class"] is None:
            noise.setdefault(_key(r["label_noise"]), []).append(r)
    macs = doc.get("macs", {})
    cached_used = any(r.get("feature_cache", {}).get("used") for r in main)
    return {
        "test_accuracy": mean_std([r["test_accuracy"] for r in main]),
        "val_accuracy": mean_std([r["val_accuracy"] for r in main]),
        "epochs_run": mean_std([r["epochs_run"] for r in main]),
        "epoch_seconds": mean_std([r["mean_epoch_seconds"] for r in main]),
        "adaptation_seconds": mean_std([r["adaptation_seconds"] for r in main]),
        "trainable_parameters": doc.get("parameters", {}).get("trainable_parameters"),
        "domain_bytes": doc.get("parameters", {}).get("total_bytes"),
        "macs_inference": macs.get("inference"),
        "macs_training": macs.get("training_cached") if cached_used else macs.get("training_live"),
        "feature_cache_speedup_per_epoch": mean_std(
            [r["feature_cache"].get("speedup_per_epoch") for r in main
             if r.get("feature_cache", {}).get("speedup_per_epoch")]),
        "samples_needed": {
            k: {"test_accuracy": mean_std([r["test_accuracy"] for r in rs]),
                "train_samples": mean_std([r["train_samples"] for r in rs])}
            for k, rs in sorted(samples.items(), key=lambda kv: (kv[0] == "all", int(kv[0]) if kv[0] != "all" else 0))},
        "label_noise": {
            rate: {"test_accuracy": mean_std([r["test_accuracy"] for r in rs]),
                   "realised_noise": mean_std([r["realised_noise"] for r in rs])}
            for rate, rs in sorted(noise.items(), key=lambda kv: float(kv[0]))},
    }


def read_baseline(directory: str | Path) -> dict[str, float]:
    """Test error (fraction) per domain from a ``finetune`` study's output directory."""
    directory = Path(directory)
    summary = directory / "summary.json"
    if not summary.is_file():
        raise FileNotFoundError(f"{summary}: no study summary (run `codesign train graphs/cnv_finetune.yaml "
                                f"--out {directory}` first)")
    data = json.loads(summary.read_text(encoding="utf-8"))
    if data.get("family") not in decathlon_baselines():  # the family's registry flag, not its name
        raise TrainError(f"{summary}: baseline must be a finetune study, this is {data.get('family')!r}")
    return {d: 1.0 - row["test_accuracy"]["mean"] for d, row in data["domains"].items()
            if row["test_accuracy"]["mean"] is not None}


def summarise_study(docs: dict[str, dict], baseline_errors: dict[str, float] | None, family: str,
                    graph: str) -> dict:
    """One row per domain, mean accuracy over domains and the Decathlon score."""
    domains = {}
    for name, doc in docs.items():
        s = doc["summary"]
        domains[name] = {k: s[k] for k in ("test_accuracy", "val_accuracy", "epochs_run", "epoch_seconds",
                                           "adaptation_seconds", "trainable_parameters", "domain_bytes",
                                           "macs_inference", "macs_training")}
        domains[name]["test_images"] = doc["sizes"]["test"]  # the fixed test split (codesign.data.prepare)
        domains[name]["synthetic"] = doc.get("data", {}).get("synthetic")  # how, for synthetic images; else None
    means = [row["test_accuracy"]["mean"] for row in domains.values() if row["test_accuracy"]["n"]]
    summary = {
        "graph": graph, "family": family, "domains": domains,
        "mean_test_accuracy": sum(means) / len(means) if means else None,
        "metrics": {k: METRICS[k].to_dict() for k in ("test_accuracy", "decathlon_score")},
    }
    if family in decathlon_baselines() and baseline_errors is None:
        # the baseline against itself: 250 per domain unless its error is below one image
        baseline_errors = {d: 1.0 - row["test_accuracy"]["mean"] for d, row in domains.items()
                           if row["test_accuracy"]["n"]}
    if baseline_errors is not None:
        errors = {d: 1.0 - row["test_accuracy"]["mean"] for d, row in domains.items() if row["test_accuracy"]["n"]}
        summary["decathlon"] = decathlon_score(errors, baseline_errors,
                                               {d: domains[d]["test_images"] for d in errors})
    return summary
