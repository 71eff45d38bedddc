"""The coordinator: plan the points, take finished ones from the cache, run the rest on
the executor, cache each result as it arrives, then assemble and write the report.

Resume is the cache: a killed comparison leaves every finished point in
``<cache>/points`` (atomic writes) and nothing else, so running the same command again
computes only the missing points; an interrupted training point also continues from
its last epoch checkpoint (``points/partial/<digest>``).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Callable

from codesign.compare.analysis import assemble
from codesign.compare.eta import TimeLeft, format_left
from codesign.compare.executors import make_executor
from codesign.compare.plan import CompareConfig, Plan, make_plan, say
from codesign.compare.points import PointCache
from codesign.compare.work import FAILURE_REJECTED


def result_key(point) -> tuple:
    if point.kind == "estimate":
        return ("estimate", point.architecture)
    s = point.setting
    return ("train", point.architecture, point.domain, s["seed"], s["k_per_class"], s["label_noise"], s["lr"])


def _describe(point, result: dict) -> str:
    if point.kind == "estimate":
        ic = result["interconnect"]
        return (f"{'fits' if result['fits'] else 'does NOT fit'}, {result['fps']:,.0f} FPS, "
                f"{ic['streams']} streams / {ic['data_bits']} bits crossing, LUT {result['utilisation_pct']['lut']:.1f} %")
    run = result["run"]
    return f"test {100 * run['test_accuracy']:.1f} %, {run['epochs_run']} epochs"


def group_of(point) -> tuple:
    """Points alike in cost per unit of weight (the time-left estimate's groups)."""
    return (point.kind, point.architecture)


def _task(point, cache: PointCache) -> dict:
    return {**point.task, "digest": point.digest, "threads": 1, "log": str(cache.log_path(point)),
            **({"checkpoint_dir": str(cache.partial_dir(point))} if point.kind == "train" else {})}


def _failure_line(point, outcome: dict, internal_mark: str = "") -> str:
    """How a failed point is listed: a rejection (deterministic) says so and why; an
    internal failure keeps the exception's type and where it was raised."""
    if outcome.get("failure") == FAILURE_REJECTED:
        return f"{point.label}: rejected: {outcome['error']}"
    return f"{point.label}: {internal_mark}{outcome['error']}"


def run_points(plan: Plan, points: list, cache: PointCache,
               progress: Callable[[str], None] = say) -> tuple[dict, dict, dict]:
    """Run every point not in the cache; return (results by key, errors by architecture, stats).

    On Ctrl-C (KeyboardInterrupt) the running points are stopped, not waited for: every
    finished point is already cached, so the same command resumes."""
    config = plan.config
    start = time.perf_counter()
    results = {result_key(p): found for p in points if (found := cache.get(p)) is not None}
    pending = sorted((p for p in points if result_key(p) not in results),
                     key=lambda p: -p.cost)  # longest first: the pool drains evenly
    total, from_cache = len(points), len(points) - len(pending)
    executor = make_executor(config.executor, config.workers, config.scheduler)
    progress(f"{total} points: {from_cache} from the cache, {len(pending)} to compute on {executor.description}")
    errors: dict[str, list[str]] = {}
    done = failed = rejected = 0
    time_left = TimeLeft(workers=config.workers)
    remaining = {index: (group_of(p), p.cost) for index, p in enumerate(pending)}
    outcomes = executor.run([_task(p, cache) for p in pending])
    finished = False
    try:
        for index, outcome in outcomes:
            point = pending[index]
            done += 1
            remaining.pop(index)
            if outcome["ok"]:
                time_left.finished(group_of(point), point.cost, outcome["seconds"], worker=outcome.get("pid"))
            left = format_left(time_left.seconds_left(list(remaining.values())))
            prefix = f"{from_cache + done}/{total} [{time.perf_counter() - start:.0f} s{left}]"
            if outcome["ok"]:
                cache.put(point, outcome["result"], outcome["seconds"])
                shutil.rmtree(cache.partial_dir(point), ignore_errors=True)  # the run is cached now
                results[result_key(point)] = outcome["result"]
                progress(f"{prefix} {point.label}: {_describe(point, outcome['result'])} ({outcome['seconds']:.1f} s)")
            else:
                failed += 1
                rejected += outcome.get("failure") == FAILURE_REJECTED
                errors.setdefault(point.architecture, []).append(_failure_line(point, outcome))
                progress(f"{prefix} {_failure_line(point, outcome, internal_mark='FAILED ')}")
        finished = True
    finally:
        outcomes.close()  # an interrupted generator: cancel the futures it still holds
        executor.close(wait=finished)  # interrupted: stop the running points, do not wait
    stats = {"total": total, "from_cache": from_cache, "computed": done - failed, "failed": failed,
             "rejected": rejected, "wall_seconds": round(time.perf_counter() - start, 1),
             "executor": executor.description}
    return results, errors, stats


def failure_advice(points: dict) -> str | None:
    """The one line a comparison with failed points ends with (None: none failed).
    ``points`` is the report's "points" stats. Rejected points fail the same way every
    time (change the design, device or settings); only the others are worth a retry."""
    failed, rejected = points.get("failed", 0), points.get("rejected", 0)
    if not failed:
        return None
    internal = failed - rejected
    parts = []
    if rejected:
        parts.append(f"{rejected} point(s) rejected (deterministic: the same inputs fail the same way; "
                     f"change the design, device or settings)")
    if internal:
        parts.append(f"{internal} point(s) failed (run the same command to retry them)")
    return "; ".join(parts) + "; listed in the report"


def select_lr(plan: Plan, results: dict) -> dict[str, dict]:
    """Per architecture, the step size with the best mean validation accuracy of its main
    runs (over domains and seeds; the test split is never looked at). Ties: the first."""
    choice = {}
    for spec in plan.specs:
        scores = {}
        for lr in plan.config.lr:
            vals = [r["run"]["val_accuracy"] for k, r in results.items()
                    if k[0] == "train" and k[1] == spec.name and k[4] is None and k[5] == 0.0 and k[6] == lr]
            expected = len(plan.domains) * plan.config.seeds
            scores[lr] = sum(vals) / len(vals) if len(vals) == expected else None
        finished = {lr: v for lr, v in scores.items() if v is not None}
        selected = max(finished, key=lambda lr: (finished[lr], -plan.config.lr.index(lr))) if finished \
            else plan.config.lr[0]
        choice[spec.name] = {"selected": selected, "validation_accuracy": {f"{lr:g}": v for lr, v in scores.items()}}
    return choice


def _merge(stats: dict, more: dict) -> dict:
    return {**stats, **{k: stats[k] + more[k]
                      for k in ("total", "from_cache", "computed", "failed", "rejected", "wall_seconds")}}


def run_compare(config: CompareConfig, command: str = "", progress: Callable[[str], None] = say,
                write: bool = True) -> dict:
    """Plan, run, assemble; write ``<out>/report.md``, ``report.html``, ``compare.json``.

    With several ``lr`` values the main runs of every step size come first; the step size
    with the best validation accuracy is then chosen per architecture and only it gets
    the k-shot / label-noise sweeps (and is what the report shows)."""
    plan = make_plan(config, progress)
    cache = PointCache(Path(config.cache_dir) / "points")
    results, errors, stats = run_points(plan, plan.points, cache, progress)
    lr_choice = select_lr(plan, results)
    if len(config.lr) > 1:
        for name, choice in lr_choice.items():
            scores = ", ".join(f"lr {lr}: {'-' if v is None else f'{100 * v:.1f} %'}"
                               for lr, v in choice["validation_accuracy"].items())
            progress(f"{name}: step size {choice['selected']:g} chosen on validation accuracy ({scores})")
        sweeps = [p for spec in plan.specs
                  for p in plan.train_points(spec, lr_choice[spec.name]["selected"], sweeps=True, main=False)]
        if sweeps:
            more, more_errors, more_stats = run_points(plan, sweeps, cache, progress)
            results.update(more)
            for name, errs in more_errors.items():
                errors.setdefault(name, []).extend(errs)
            stats = _merge(stats, more_stats)
    doc = assemble(plan, results, errors, stats, command, lr_choice)
    if write:
        from codesign.report import write_report

        paths = write_report(doc, Path(config.out))
        doc["_written"] = {k: str(v) for k, v in paths.items()}
    return doc
