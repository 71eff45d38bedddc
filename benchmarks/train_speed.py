"""The speed section of bench_train.py (``--speed``): today's path vs the new, in one run.

Per family on cnv (shipped backbone), one domain: the time of a training epoch with the
frozen part run live (today's path for attention/series) vs cached (features.py, prefix.py)
and whether both give the same numbers; then, on the cnv attention model, evaluation at
the evaluation batch of today vs a larger one, and torch threads 1 vs 2 (intra-op) with
1 vs 2 inter-op threads. Every ratio is measured in this process against its baseline.
"""

from __future__ import annotations

import time

import torch

from codesign.specs.graph import load_graph
from codesign.train.config import TrainConfig
from codesign.train.epochs import correct_per_image
from codesign.train.loop import add_seeded_domain, domain_batches, train_domain
from codesign.train.one_run import build_study_model

FAMILIES = ("attention", "series", "side", "head", "parallel", "scale_bias", "finetune")


def _train(family: str, splits, epochs: int, feature_cache: bool):
    model = build_study_model(load_graph(f"cnv_{family}"))
    add_seeded_domain(model, splits.name, splits.num_classes, 0)
    config = TrainConfig(epochs=epochs, patience=epochs, feature_cache=feature_cache, live_probe_batches=0)
    start = time.perf_counter()
    result = train_domain(model, splits.name, splits, config, log=None)
    numbers = ([(h["loss"], h["val_accuracy"]) for h in result.history], result.test_correct)
    return result, numbers, time.perf_counter() - start


def cache_rows(splits, epochs: int, families=FAMILIES) -> list[str]:
    lines = [f"feature cache, cnv, {splits.name} ({len(splits.train)} train images), {epochs} epochs:",
             f"  {'family':11s} {'cached at':18s} {'live s/epoch':>12s} {'cached s/epoch':>14s} {'build s':>8s} "
             f"{'run live/cached':>15s} same numbers"]
    for family in families:
        live, live_numbers, live_s = _train(family, splits, epochs, feature_cache=False)
        if not live.feature_cache["cacheable"]:
            lines.append(f"  {family:11s} {'(not cacheable)':18s} {_per_epoch(live):12.3f}")
            continue
        cached, cached_numbers, cached_s = _train(family, splits, epochs, feature_cache=True)
        at = cached.feature_cache.get("cached_at", "backbone outputs")
        lines.append(f"  {family:11s} {at:18s} {_per_epoch(live):12.3f} {_per_epoch(cached):14.3f} "
                     f"{cached.feature_cache['build_seconds']:8.2f} {live_s / cached_s:14.2f}x "
                     f"{'yes' if cached_numbers == live_numbers else 'NO'}")
    return lines


def _per_epoch(result) -> float:
    return sum(result.epoch_seconds) / max(1, len(result.epoch_seconds))


def _eval_seconds(model, splits, batch_size: int, repeats: int = 3):
    batches = domain_batches(model, splits.name, splits.test)
    model.eval()
    start = time.perf_counter()
    for _ in range(repeats):
        correct = correct_per_image(batches, batch_size)
    return (time.perf_counter() - start) / repeats, correct


def eval_and_thread_rows(splits) -> list[str]:
    model = build_study_model(load_graph("cnv_attention"))
    add_seeded_domain(model, splits.name, splits.num_classes, 0)
    base_s, base = _eval_seconds(model, splits, 256)
    lines = [f"evaluation, cnv attention live, {len(splits.test)} test images (batch 256: {base_s:.3f} s):"]
    for batch in (64, 1024):
        s, correct = _eval_seconds(model, splits, batch)
        lines.append(f"  batch {batch:5d}: {base_s / s:5.2f}x of batch 256, same results: "
                     f"{'yes' if torch.equal(correct, base) else 'NO'}")
    before = torch.get_num_threads()
    timings = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        timings[threads] = _train("attention", splits, 1, feature_cache=False)[1:]
    torch.set_num_threads(before)
    (n1, s1), (n2, s2) = timings[1], timings[2]
    lines.append(f"threads, cnv attention live, 1 epoch: 2 threads {s1 / s2:.2f}x the speed of 1 thread; "
                 f"same numbers: {'yes' if n1 == n2 else 'NO'} (inter-op threads: "
                 f"{torch.get_num_interop_threads()}, fixed at start-up; see docs/training-speed.md)")
    return lines
