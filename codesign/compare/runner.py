"""The coordinator: plan the points, take finished ones from the cache, run the rest on
the executor, cache each record as it arrives, then assemble the comparison's result.

Resume is the cache: a killed comparison leaves every finished point in
``<cache>/points`` (atomic writes) and nothing else, so running the same command again
computes only the missing points; an interrupted training point also continues from
its last epoch checkpoint (``points/partial/<digest>``).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from codesign.compare.analysis import assemble
from codesign.compare.eta import TimeLeft, format_left
from codesign.compare.executors import make_executor
from codesign.compare.finished import FinishedPoints
from codesign.compare.folding_policy import choose_target
from codesign.compare.outcomes import FAILURE_REJECTED, PointResult
from codesign.compare.plan import CompareConfig, DomainWeights, Plan, make_plan, say
from codesign.compare.points import PointCache
from codesign.compare.result import CompareResult, LrChoice, PointStats, recipe_label
from codesign.store import file_sha256


def _describe(point, record) -> str:
    if point.kind == "estimate":
        ic = record.interconnect
        return (f"{'fits' if record.fits else 'does NOT fit'}, {record.fps:,.0f} FPS, "
                f"{ic.streams} streams / {ic.interconnect_bits} bits crossing, "
                f"LUT {record.utilisation_pct.lut:.1f} %")
    return f"test {100 * record.run.test_accuracy:.1f} %, {record.run.epochs_run} epochs"


def group_of(point) -> tuple:
    """Points alike in cost per unit of weight (the time-left estimate's groups)."""
    return (point.kind, point.architecture, point.setting.get("folding", ""))


def _task(point, cache: PointCache) -> dict:
    saves = {"domain_out": str(cache.domain_checkpoint(point).parent)} if point.task.get("save_domain") else {}
    return {**point.task, "digest": point.digest, "threads": 1, "log": str(cache.log_path(point)),
            **({"checkpoint_dir": str(cache.partial_dir(point))} if point.kind == "train" else {}), **saves}


def _failure_line(point, result: PointResult, internal_mark: str = "") -> str:
    """How a failed point is listed: a rejection (deterministic) says so and why; an
    internal failure keeps the exception's type and where it was raised."""
    if result.failure == FAILURE_REJECTED:
        return f"{point.label}: rejected: {result.message}"
    return f"{point.label}: {internal_mark}{result.message}"


@dataclass
class _Progress:
    """Counts and the progress line of one round of points."""
    total: int
    from_cache: int
    workers: int
    start: float  # time.perf_counter() when the round began
    done: int = 0
    failed: int = 0
    rejected: int = 0

    def __post_init__(self) -> None:
        self.time_left = TimeLeft(workers=self.workers)

    def finished(self, point, result: PointResult, remaining: list) -> str:
        """Count ``result``; the line's prefix: points done, seconds, time left."""
        self.done += 1
        if result.ok:
            self.time_left.finished(group_of(point), point.cost, result.seconds, worker=result.pid)
        else:
            self.failed += 1
            self.rejected += result.failure == FAILURE_REJECTED
        left = format_left(self.time_left.seconds_left(remaining))
        return f"{self.from_cache + self.done}/{self.total} [{time.perf_counter() - self.start:.0f} s{left}]"

    def stats(self, executor: str) -> PointStats:
        return PointStats(total=self.total, from_cache=self.from_cache, computed=self.done - self.failed,
                          failed=self.failed, rejected=self.rejected,
                          wall_seconds=round(time.perf_counter() - self.start, 1), executor=executor)


def _cached(points: list, cache: PointCache) -> FinishedPoints:
    finished = FinishedPoints()
    for point in points:
        record = cache.get(point)
        if point.task.get("save_domain") and not cache.domain_checkpoint(point).is_file():
            record = None  # the estimates need the checkpoint it saves (an entry cached before they did)
        if record is not None:
            finished.add(point, record)
    return finished


def run_points(plan: Plan, points: list, cache: PointCache,
               progress: Callable[[str], None] = say) -> FinishedPoints:
    """Run every point not in the cache; return every point's record (cached or computed),
    the failures by architecture and the statistics.

    On Ctrl-C (KeyboardInterrupt) the running points are stopped, not waited for: every
    finished point is already cached, so the same command resumes."""
    config = plan.config
    start = time.perf_counter()
    finished = _cached(points, cache)
    pending = sorted((p for p in points if not finished.has(p)), key=lambda p: -p.cost)  # longest first
    count = _Progress(len(points), len(points) - len(pending), config.workers, start)
    executor = make_executor(config.executor, config.workers, config.scheduler)
    progress(f"{count.total} points: {count.from_cache} from the cache, {len(pending)} to compute on "
             f"{executor.description}")
    remaining = {index: (group_of(p), p.cost) for index, p in enumerate(pending)}
    results = executor.run([_task(p, cache) for p in pending])
    complete = False
    try:
        for index, result in results:
            point = pending[index]
            remaining.pop(index)
            prefix = count.finished(point, result, list(remaining.values()))
            if result.ok:
                cache.put(point, result.record, result.seconds)
                shutil.rmtree(cache.partial_dir(point), ignore_errors=True)  # the run is cached now
                finished.add(point, result.record)
                progress(f"{prefix} {point.label}: {_describe(point, result.record)} ({result.seconds:.1f} s)")
            else:
                finished.errors.setdefault(point.architecture, []).append(_failure_line(point, result))
                progress(f"{prefix} {_failure_line(point, result, internal_mark='FAILED ')}")
        complete = True
    finally:
        results.close()  # an interrupted generator: cancel the futures it still holds
        executor.close(wait=complete)  # interrupted: stop the running points, do not wait
    finished.stats = count.stats(executor.description)
    finished.in_plan_order(points)
    return finished


def failure_advice(points: PointStats) -> str | None:
    """The one line a comparison with failed points ends with (None: none failed).
    Rejected points fail the same way every time (change the design, device or
    settings); only the others are worth a retry."""
    if not points.failed:
        return None
    internal = points.failed - points.rejected
    parts = []
    if points.rejected:
        parts.append(f"{points.rejected} point(s) rejected (deterministic: the same inputs fail the same way; "
                     f"change the design, device or settings)")
    if internal:
        parts.append(f"{internal} point(s) failed (run the same command to retry them)")
    return "; ".join(parts) + "; listed in the report"


def select_lr(plan: Plan, finished: FinishedPoints) -> dict[str, LrChoice]:
    """Per architecture, the step size (and, with both --bn-stats values, the BatchNorm
    statistics) with the best mean validation accuracy of its main runs (over domains and
    seeds; the test split is never looked at). Ties: the first in --lr, then --bn-stats order."""
    choice = {}
    expected = len(plan.domains) * plan.config.seeds
    on_grid = len(plan.config.bn_stats) > 1
    for spec in plan.specs:
        grid = [(lr, bn) for lr in plan.config.lr for bn in plan.bn_grid(spec)]
        scores = {}
        for lr, bn in grid:
            vals = [r.run.val_accuracy for r in finished.runs_of(spec.name, lr=lr, main=True, bn_stats=bn)]
            scores[lr, bn] = sum(vals) / len(vals) if len(vals) == expected else None
        done = {recipe: v for recipe, v in scores.items() if v is not None}
        lr, bn = max(done, key=lambda recipe: (done[recipe], -grid.index(recipe))) if done else grid[0]
        choice[spec.name] = LrChoice(
            selected=lr, bn_stats=bn if on_grid else None,
            validation_accuracy={recipe_label(r_lr, r_bn if on_grid else None): v for (r_lr, r_bn), v in scores.items()})
    return choice


def chosen_bn_stats(plan: Plan, choice: LrChoice) -> str:
    """The BatchNorm setting of the architecture's reported runs."""
    return choice.bn_stats or plan.config.bn_stats[0]


def run_compare(config: CompareConfig, command: str = "", progress: Callable[[str], None] = say) -> CompareResult:
    """Plan, run (cache first), assemble the comparison's result (not written: see
    codesign.api.compare, which writes the report). Three rounds of points:

    1. the main runs at every step size; the step size with the best validation accuracy
       is then chosen per architecture (only it enters the report);
    2. the k-shot / label-noise sweeps at that step size, and each architecture's fastest
       folding within the budget, estimated from the weights its first domain's main run
       (first seed, chosen step size) trained;
    3. every architecture's estimate at the common frame rate (folding_policy.py)."""
    plan = make_plan(config, progress)
    cache = PointCache(Path(config.cache_dir) / "points")
    finished = run_points(plan, plan.points, cache, progress)
    lr_choice = select_lr(plan, finished)
    if len(config.lr) > 1 or len(config.bn_stats) > 1:
        for name, choice in lr_choice.items():
            scores = ", ".join(f"lr {recipe}: {'-' if v is None else f'{100 * v:.1f} %'}"
                               for recipe, v in choice.validation_accuracy.items())
            chosen = recipe_label(choice.selected, choice.bn_stats)
            progress(f"{name}: step size {chosen} chosen on validation accuracy ({scores})")
    weights = {spec.name: trained_weights(plan, spec, lr_choice[spec.name], finished, cache, progress)
               for spec in plan.specs}
    fastest = [plan.estimate_point(spec, weights[spec.name], None) for spec in plan.specs]
    sweeps = [p for spec in plan.specs
              for p in plan.train_points(spec, lr_choice[spec.name].selected,
                                         chosen_bn_stats(plan, lr_choice[spec.name]), sweeps=True, main=False)]
    finished.merge(run_points(plan, fastest + sweeps, cache, progress))
    policy = choose_target({spec.name: finished.fastest.get(spec.name) for spec in plan.specs}, plan.budget,
                           plan.device.name, config.target_fps)
    progress(f"folding: {policy.policy}")
    if policy.target_fps is None:
        finished.estimates.update(finished.fastest)  # nothing to compare at: each at its fastest
    else:
        at_target = [plan.estimate_point(spec, weights[spec.name], policy.target_fps) for spec in plan.specs
                     if spec.name in finished.fastest]  # a failed conversion would only fail again
        finished.merge(run_points(plan, at_target, cache, progress))
    return dataclasses.replace(assemble(plan, finished, command, lr_choice), folding=policy)


def trained_weights(plan: Plan, spec, choice: LrChoice, finished: FinishedPoints, cache: PointCache,
                    progress: Callable[[str], None] = say) -> DomainWeights | None:
    """The checkpoint of ``spec``'s weights-source run at the chosen recipe (plan.Plan.weights_source):
    one domain's trained weights stand for every domain's in the estimates (the same shapes
    and bit widths; only the values, thresholds among them, differ). None, with a progress
    line, when that run failed: the estimates then use seeded random weights."""
    lr = choice.selected
    source = plan.weights_source(spec, lr, chosen_bn_stats(plan, choice))
    checkpoint = cache.domain_checkpoint(source)
    if not finished.has(source) or not checkpoint.is_file():
        progress(f"{spec.name}: no trained weights ({source.label} did not finish): estimated with random weights")
        return None
    shown = os.path.relpath(checkpoint)  # reports do not carry /home/... when the cache is below here
    shown = str(checkpoint) if shown.startswith("..") else shown
    return DomainWeights(str(checkpoint), file_sha256(checkpoint), f"trained: {source.domain}, seed "
                         f"{source.setting['seed']}, main run, lr {recipe_label(lr, choice.bn_stats)} "
                                                  f"(checkpoint {shown})")
