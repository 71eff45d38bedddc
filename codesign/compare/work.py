"""What one point computes, in whichever process the executor runs it.

``run_point(task)`` is the single entry point an executor calls (local process pool
or Dask worker): it never raises for a failed point; it returns
``{"ok": False, "failure": "rejected" | "internal", "error": "one line"}`` so one broken
architecture does not stop a sweep (failed points are reported, not cached). The kind
is plain data, so it survives pickling to any executor: "rejected" (a
``DesignRejected`` or ``InputError``: the same inputs fail the same way, retrying is
pointless) or "internal" (anything else, or a worker that died: worth a retry). Tasks
carry absolute paths: a Dask cluster's workers must see the same checkout and
caches (a shared file system, as on HPC clusters).
"""

from __future__ import annotations

import contextlib
import os
import time
import traceback


@contextlib.contextmanager
def _point_environment(threads: int | None):
    """One point = ``threads`` torch threads (1 by default): the numbers then do not depend
    on how many workers ran the sweep, and N single-threaded workers use N cores better
    than N workers fighting over all of them. Conversions run one after another inside
    a point: points are the parallel unit, and pool workers (Dask's especially) are
    daemonic and may not start children. Restored afterwards (in-process runs)."""
    import torch

    before_threads, before_env = torch.get_num_threads(), os.environ.get("CODESIGN_PARALLEL_CONVERT")
    torch.set_num_threads(threads or 1)
    os.environ["CODESIGN_PARALLEL_CONVERT"] = "0"
    try:
        yield
    finally:
        torch.set_num_threads(before_threads)
        if before_env is None:
            os.environ.pop("CODESIGN_PARALLEL_CONVERT", None)
        else:
            os.environ["CODESIGN_PARALLEL_CONVERT"] = before_env


def run_point(task: dict) -> dict:
    start = time.perf_counter()
    try:
        if task["kind"] not in ("estimate", "train"):
            raise ValueError(f"unknown point kind {task['kind']!r}")
        compute = estimate_point if task["kind"] == "estimate" else train_point
        with _point_environment(task.get("threads")), _tool_output_to(task.get("log")):
            result = compute(task)
        return {"ok": True, "result": result, "seconds": time.perf_counter() - start, "pid": os.getpid()}
    except Exception as exc:  # reported per point; the comparison goes on
        return failed_outcome(exc, time.perf_counter() - start)


FAILURE_REJECTED = "rejected"  # deterministic: the inputs or the design; retrying cannot help
FAILURE_INTERNAL = "internal"  # a bug, a broken environment or a lost worker: worth a retry


def failed_outcome(exc: BaseException, seconds: float = 0.0) -> dict:
    """The outcome of a point that raised ``exc`` (or whose worker was lost, in the
    coordinator). The kind is decided here, where the exception's class is known."""
    from codesign.errors import DesignRejected, InputError

    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, (DesignRejected, InputError)):
        return {"ok": False, "failure": FAILURE_REJECTED, "error": message, "seconds": seconds,
                "pid": os.getpid()}
    last = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({os.path.basename(last.filename)}:{last.lineno})" if last else ""
    return {"ok": False, "failure": FAILURE_INTERNAL, "error": f"{type(exc).__name__}: {message}{where}",
            "seconds": seconds, "pid": os.getpid()}


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


def estimate_summary(estimate) -> dict:
    """The fields of an ``Estimate`` a comparison reports (units in the names)."""
    ic = estimate.interconnect
    roles = [n.role for n in estimate.nodes]
    return {
        "fits": bool(estimate.fits), "shortfall": dict(estimate.shortfall),
        "fps": float(estimate.fps), "latency_ms": float(estimate.latency_s) * 1e3,
        "target_fps": estimate.target_fps, "bottleneck": estimate.bottleneck,
        "cycles_per_frame": int(estimate.cycles_per_frame),
        "resources": {k: float(v) for k, v in estimate.totals.items()},
        "available": {k: int(v) for k, v in estimate.available.items()},
        "utilisation_pct": {k: float(v) for k, v in estimate.utilisation_pct.items()},
        "interconnect": {
            "streams": int(ic.streams), "data_bits": int(ic.width_bits),
            "handshake_wires": int(ic.handshake_wires), "bits_per_frame": int(ic.bits_per_frame),
            "fixed_to_reconfigurable": {"streams": int(ic.fixed_to_reconfigurable.streams),
                                        "bits": int(ic.fixed_to_reconfigurable.width_bits)},
            "reconfigurable_to_fixed": {"streams": int(ic.reconfigurable_to_fixed.streams),
                                        "bits": int(ic.reconfigurable_to_fixed.width_bits)},
        },
        "energy_uj": {"total": float(estimate.energy["total_uj"]), "dynamic": float(estimate.energy["dynamic_uj"]),
                      "static": float(estimate.energy["static_uj"])},
        "switch": {"payload_bytes": float(estimate.switch["payload_bytes"]),
                   "write_time_ms": float(estimate.switch["write_time_s"]) * 1e3,
                   "bitstream_time_ms": float(estimate.switch["bitstream_time_s"]) * 1e3,
                   "speedup": float(estimate.switch["speedup"])},
        "nodes": {"fixed": roles.count("fixed"), "reconfigurable": roles.count("reconfigurable")},
        # what the reconfigurable part occupies (node estimates; FIFOs/AXI-lite not split)
        "reconfigurable_resources": {
            key: float(sum(getattr(n, key) for n in estimate.nodes if n.role == "reconfigurable"))
            for key in ("lut", "ff", "bram18", "uram", "dsp")},
        "domain_weights": estimate.domain_weights,
        "sources": dict(estimate.sources),
    }


def estimate_point(task: dict) -> dict:
    from codesign.commands.estimate import run_estimate

    start = time.perf_counter()
    estimate, _ = run_estimate(task["graph"], task["device"], task.get("target_fps"),
                               classes=task["classes"], cache_dir=task.get("design_cache"))
    return {**estimate_summary(estimate), "seconds": time.perf_counter() - start}


def uses_random_backbone(spec) -> bool:
    """A spec without backbone weights trains on a seeded uniform random backbone: PyTorch's
    default init leaves nearly every 4-bit weight on the zero level (train.runner)."""
    return spec.backbone.weights in (None, "none", "random")


def train_point(task: dict) -> dict:
    """One training run: prepare (cached) data, seed, train the domain's modules, test."""
    from codesign.data import prepare_domain
    from codesign.specs.graph import load_graph
    from codesign.train.config import TrainConfig
    from codesign.train.features import build_feature_cache
    from codesign.train.inputs import DomainSplits
    from codesign.train.loop import add_seeded_domain, train_domain
    from codesign.train.runner import build_study_model, run_splits, static_facts, subset_cache
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
    config = TrainConfig.from_dict({**task["config"], "seed": plan.seed})
    data, index, info = run_splits(base, plan)
    model = build_study_model(spec, random_backbone=uses_random_backbone(spec))
    add_seeded_domain(model, base.name, base.num_classes, plan.seed)
    cache = None
    if config.feature_cache and model.domain(base.name).feature_cacheable:
        # backbone outputs once per point (a few hundred images), then the run's subset/labels
        cache = subset_cache(build_feature_cache(model, base.name, base, config.eval_batch_size),
                             index, data.train.y)
    start = time.perf_counter()
    result = train_domain(model, base.name, data, config, checkpoint_dir=task.get("checkpoint_dir"),
                          resume=True, cache=cache, run_key={"point": task["digest"]}, log=None)
    record = {**plan.to_dict(), **info, **result.to_dict(), "adaptation_seconds": time.perf_counter() - start}
    record.pop("history", None)
    return {"run": record, **static_facts(spec, base.name, base.num_classes, plan.seed),
            "sizes": {"train": len(base.train), "val": len(base.val), "test": len(base.test)}}
