"""What one point computes, in whichever process the executor runs it.

``run_point(task)`` is the single entry point an executor calls (local process pool
or Dask worker): it never raises for a failed point; it returns a ``PointResult``
(outcomes.py) whose failure kind is plain data, so it survives pickling to any
executor, and one broken architecture does not stop a sweep (failed points are
reported, not cached). Tasks carry absolute paths: a Dask cluster's workers must see
the same checkout and caches (a shared file system, as on HPC clusters).
"""

from __future__ import annotations

import contextlib
import os
import time


@contextlib.contextmanager
def _torch_threads(threads: int | None):
    """One point = ``threads`` torch threads (1 by default): the numbers then do not depend
    on how many workers ran the sweep, and N single-threaded workers use N cores better
    than N workers fighting over all of them. Restored afterwards (in-process runs)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads or 1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run_point(task: dict):
    """The point's ``PointResult``: its record, or its failure (never raises for one)."""
    # imported here, not at the top: module-level imports would enter both kinds of code key
    from codesign.compare.outcomes import PointResult, TrainPointResult, failed_result

    start = time.perf_counter()
    try:
        if task["kind"] not in ("estimate", "train"):
            raise ValueError(f"unknown point kind {task['kind']!r}")
        with _torch_threads(task.get("threads")), _tool_output_to(task.get("log")):
            if task["kind"] == "estimate":
                record = estimate_point(task)
            else:
                record = TrainPointResult.from_dict(train_point(task), "train point")
        return PointResult(True, time.perf_counter() - start, os.getpid(), record=record)
    except Exception as exc:  # reported per point; the comparison goes on
        return failed_result(exc, time.perf_counter() - start)


@contextlib.contextmanager
def _tool_output_to(log_path: str | None):
    """FINN's transformations print hundreds of lines per conversion: into the point's
    log file (kept beside the cache), so the comparison's progress stays readable."""
    if not log_path:
        yield
        return
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log):
        yield


def estimate_point(task: dict):
    """The architecture's estimate on the device, summarised (an ``EstimateSummary``): at
    ``target_fps``, else its fastest folding within the resource ``limits``; from the
    trained ``checkpoint`` when there is one (``domain_weights`` then names it), else
    seeded random weights. Its two conversions run one after another (``parallel=False``):
    points are the parallel unit, and pool workers (Dask's especially) are daemonic and may
    not start children."""
    import dataclasses

    from codesign.cost.design import estimate_design
    from codesign.cost.summary import EstimateSummary

    start = time.perf_counter()
    estimate, _ = estimate_design(task["graph"], task["device"], task.get("target_fps"),
                                  checkpoint=task.get("checkpoint"), classes=task["classes"],
                                  cache_dir=task.get("design_cache"), parallel=False,
                                  calibration=_task_calibration(task), limits=task.get("limits") or None)
    summary = EstimateSummary.from_estimate(estimate, seconds=time.perf_counter() - start)
    if task.get("weights_label"):  # the checkpoint's path alone does not say which run it is
        summary = dataclasses.replace(summary, domain_weights=task["weights_label"])
    return summary


def _task_calibration(task: dict):
    """The calibration the plan chose (a LoadedCalibration): the same bytes, or the
    point's key would not describe its result."""
    from codesign.cost.calibration_files import read_calibration

    if not task.get("calibration"):
        return None
    loaded = read_calibration(task["calibration"], task.get("calibration_origin") or task["calibration"])
    if loaded.sha256 != task["calibration_sha256"]:
        raise RuntimeError(f"{task['calibration']}: calibration file changed since the comparison was planned")
    return loaded


def uses_random_backbone(spec) -> bool:
    """A spec without backbone weights trains on a seeded uniform random backbone: PyTorch's
    default init leaves nearly every 4-bit weight on the zero level (train.runner)."""
    return spec.backbone.weights in (None, "none", "random")


def train_point(task: dict) -> dict:
    """One training run (train.one_run, as ``codesign train`` makes it) on the planned data,
    with the domain's static facts; the record keeps no per-epoch history."""
    import dataclasses

    from codesign.data import prepare_domain
    from codesign.specs.graph import load_graph
    from codesign.train.config import TrainConfig
    from codesign.train.inputs import DomainSplits
    from codesign.train.one_run import train_one_run
    from codesign.train.runner import static_facts
    from codesign.train.runs import RunPlan

    spec = load_graph(task["graph"])
    data_args = task["data"]
    prepared = prepare_domain(task["domain"], data_args["cache_dir"], size=data_args["size"], seed=0,
                              channels=data_args["channels"], max_per_class=data_args["max_per_class"])
    if prepared.stats.get("content_hash") != data_args["content_hash"]:
        raise RuntimeError(f"domain {prepared.name}: prepared data differ from the planned data "
                           f"(content hash {prepared.stats.get('content_hash')} != {data_args['content_hash']})")
    base = DomainSplits.from_prepared(prepared)
    plan = RunPlan(**task["plan"])
    # features (if cacheable) are built once per point: a point is one run
    trained = train_one_run(spec, base, plan, TrainConfig.from_dict({**task["config"], "seed": plan.seed}),
                            random_backbone=uses_random_backbone(spec), checkpoint_dir=task.get("checkpoint_dir"),
                            resume=True, run_key={"point": task["digest"]}, log=None)
    if task.get("domain_out"):  # the estimates use this run's trained weights (plan.Plan.weights_source)
        trained.model.save_domain(base.name, task["domain_out"])
    record = dataclasses.replace(trained.record, history=None)
    return {"run": record.to_dict(), **static_facts(spec, base.name, base.num_classes, plan.seed),
            "sizes": {"train": len(base.train), "val": len(base.val), "test": len(base.test)}}
