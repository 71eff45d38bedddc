"""``build(inputs, out)``: one shared FINN design + per-domain memory images, verified.

Order (each step's output is what the next one trusts):
 1. inputs hashed; an identical finished build at ``out`` is reused (``force`` rebuilds);
 2. every domain converted with FINN (cached); the first defines the shared graph and
    the fixed/reconfigurable labels (codesign.fpga_build.domains);
 3. every other domain aligned with it: same structure, bit-identical fixed nodes
    (codesign.fpga_build.shared);
 4. shared graph specialised for the part, folded for the target (or the fastest
    folding that fits), and refused with the resource and shortfall if it does not fit;
 5. FINN outputs that need no Vivado: folding config, estimate reports, per-node code;
 6. each domain's memory images + AXI-lite writes, cross-checked against the same files
    made from that domain's own conversion;
 7. each domain verified: shared graph with its values vs its Brevitas model;
 8. synthesis handed to FINN (run here only when Vivado and Vitis HLS are found);
 9. manifest + README, then the folder is renamed into place.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from codesign.fpga_build import codegen, folder, vendor, verify, weights
from codesign.fpga_build.errors import VerificationError
from codesign.fpga_build.inputs import input_hash, input_record, sha256_file


@dataclass
class BuildResult:
    out: Path
    reused: bool
    manifest: dict
    seconds: float


def build(inputs, out, force: bool = False, cache_dir=None, progress=None, tools=None) -> BuildResult:
    from codesign.graph.cache import DEFAULT_CACHE

    say = progress or (lambda _m: None)
    start = time.perf_counter()
    out = Path(out)
    folder.check_target(out)
    sources = {d.name: verify.image_source(d.name, inputs.spec, inputs.images, inputs.seed, inputs.data_cache)
               for d in inputs.domains}
    record = input_record(inputs, sources)
    key = input_hash(record)
    if not force:
        manifest = folder.finished(out, key)
        if manifest is not None:
            return BuildResult(out, True, manifest, time.perf_counter() - start)
    folder.clean_stale(out)
    tmp = folder.temporary(out)
    try:
        with _finn_warnings_quiet():
            manifest = _run(inputs, tmp, out, record, key, DEFAULT_CACHE if cache_dir is None else cache_dir,
                            say, tools or vendor.detect_tools(), start)
    except VerificationError:
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # interrupted or failed: nothing left behind
        raise
    folder.install(tmp, out)
    return BuildResult(out, False, manifest, time.perf_counter() - start)


@contextlib.contextmanager
def _finn_warnings_quiet():
    """FINN logs every folding decision and datatype narrowing as a warning (hundreds of
    lines for one build); the build reports its own results, so only FINN errors show."""
    logger = logging.getLogger("finn_logger")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _run(inputs, tmp: Path, out: Path, record: dict, key: str, cache_dir, say, tools, start) -> dict:
    from codesign.fpga_build.domains import convert_domains, reference_model
    from codesign.fpga_build.readme import render
    from codesign.fpga_build.shared import HOST, share
    from codesign.cost.estimate import Estimator
    from codesign.graph.design import specialise_design

    spec, device = inputs.spec, inputs.device
    seconds = {}
    t = time.perf_counter()
    designs = convert_domains(spec, inputs.domains, Path(cache_dir) if cache_dir else None, tmp / "qonnx", say)
    seconds["convert"] = time.perf_counter() - t
    shared = share(designs)
    first = shared.generic
    say(f"shared design: {len(inputs.domains)} domain(s) fit; fixed nodes bit-identical "
        f"({shared.fixed_constants_checked} constants compared)")

    t = time.perf_counter()
    hw = specialise_design(first, device.part)
    estimator = Estimator(hw, device)
    folding_result = estimator.fold(inputs.target_fps)
    # estimate() folds again; the fastest-fitting search is the slow part (minutes on CNV),
    # so let it reuse this result: the estimate then describes exactly the folded model.
    estimator.fold = lambda target_fps: folding_result
    estimate = estimator.estimate(inputs.target_fps, require_fit=True)  # EstimateError: shortfall
    folded_raw = folding_result.model
    names = weights.generic_names(folded_raw, first.model)
    weights.check_writeable(folded_raw, names, shared)
    folded = codegen.minimize_bit_width(folded_raw)  # as FINN's step_minimize_bit_width (a copy)
    finn_dir = tmp / "finn"
    finn_dir.mkdir()
    first.model.save(str(finn_dir / "generic_hw.onnx"))
    folded.save(str(finn_dir / "dataflow_folded.onnx"))  # before codegen: no build paths inside
    folding = codegen.write_folding(folded, finn_dir / "folding_config.json")
    perf = codegen.write_reports(folded, device.part, device.clock_mhz, tmp / "reports")
    (tmp / "reports" / "codesign_estimate.json").write_text(json.dumps(estimate.to_dict(), indent=1, default=str))
    say(f"folded: {estimate.fps:,.1f} FPS at {device.clock_mhz:g} MHz; generating per-node code")
    generated = codegen.generate_code(copy.deepcopy(folded), device.part, device.clock_mhz, tmp / "ip")
    seconds["hardware"] = time.perf_counter() - t

    t = time.perf_counter()
    per_domain, crosschecks, hardware = {}, {}, {}
    for d in inputs.domains:
        values = shared.values[d.name]
        hardware[d.name] = weights.domain_hardware(folded_raw, names, values, folded, d.name)
        host = {f"{n}:{i}": v.tolist() for (n, i), v in values.items() if shared.roles[n] == HOST}
        ddir = tmp / "domains" / d.name
        per_domain[d.name] = weights.write_domain(hardware[d.name], host, ddir, device)
        crosschecks[d.name] = weights.crosscheck(designs[d.name], shared.roles, finn_dir / "folding_config.json",
                                                 device.part, ddir / "runtime_weights", tmp / ".scratch" / d.name)
    shutil.rmtree(tmp / ".scratch", ignore_errors=True)
    seconds["domain_files"] = time.perf_counter() - t

    t = time.perf_counter()
    reference = reference_model(spec, inputs.domains).double()  # float64: see verify.py
    checks = {}
    for d in inputs.domains:
        x, labels, source = verify.verification_images(d.name, spec, inputs.images, inputs.seed, inputs.data_cache)
        # the values that reach the hardware (clipped thresholds included) in the generic graph
        values = {**shared.values[d.name], **weights.hardware_values(hardware[d.name], names)}
        graph = verify.with_values(first.model, values)
        checks[d.name] = verify.check_domain(d.name, lambda xb, n=d.name: reference(xb.double(), n), graph, x,
                                             labels, source, exact=inputs.exact)
        c = checks[d.name]
        say(f"verified {d.name}: same top-1 on {round(c.top1_agreement * c.images)}/{c.images} images, "
            f"identical {c.mode} outputs on {c.exact_images}/{c.images} ({c.seconds:.1f} s)")
    seconds["verify"] = time.perf_counter() - t

    handoff = vendor.write_finn_handoff(finn_dir, device, inputs.target_fps)
    synthesis = {"status": "not run", "config": handoff, "tools": tools.describe(),
                 "reason": f"vendor tools absent ({tools.describe()}); run finn/run_synthesis.py where they are"}
    failed = [n for n, c in checks.items() if not c.passed] + [n for n, f in crosschecks.items() if f]
    if tools.present and not failed:
        say(f"vendor tools found ({tools.describe()}): running FINN's synthesis steps (hours)")
        t = time.perf_counter()
        rc = vendor.run_synthesis(finn_dir, finn_dir / "synthesis.log")
        seconds["synthesis"] = time.perf_counter() - t
        synthesis.update(status="done" if rc == 0 else "failed", returncode=rc,
                         reason="FINN synthesis ran here" if rc == 0 else f"FINN exited with {rc}")

    seconds["total"] = time.perf_counter() - start
    manifest = {
        folder.MARKER: record["format"], "status": "complete", "input_hash": key,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "out": str(out), "inputs": record,
        "device": {"name": device.name, "board": device.board, "part": device.part, "clock_mhz": device.clock_mhz,
                   "finn_board": vendor.FINN_BOARDS.get(device.name)},
        "design": _design_summary(shared, folded, names, designs),
        "folding": folding,
        "estimate": {**{k: getattr(estimate, k) for k in ("totals", "available", "utilisation_pct", "fits", "fps",
                                                          "latency_s", "cycles_per_frame", "bottleneck")},
                     "basis": "codesign Estimator on the folded graph before bit-width minimisation "
                              "(conservative); reports/ hold FINN's own estimates after it"},
        "finn_performance": perf,
        "switch": {"per_domain": per_domain, "estimated": {k: v for k, v in estimate.switch.items()
                                                           if k != "memories"}},
        "verification": {n: c.to_dict() for n, c in checks.items()},
        "crosscheck": {n: {"files_differing": f, "passed": not f} for n, f in crosschecks.items()},
        "generated_code": generated, "synthesis": synthesis, "seconds": seconds,
    }
    if failed or synthesis["status"] == "failed":
        manifest["status"] = "failed"
        (tmp / folder.MANIFEST).write_text(json.dumps(manifest, indent=1, default=str))
        kept = folder.keep_failed(tmp, out)
        what = (f"verification failed for domain(s) {', '.join(failed)}" if failed
                else f"FINN synthesis failed (see {kept}/finn/synthesis.log)")
        raise VerificationError(f"{what}; nothing installed at {out}, failed build kept in {kept}")
    codegen.relocate(tmp / "ip", str(tmp.resolve()), str(out.resolve()))
    (tmp / "README.md").write_text(render(manifest))
    manifest["outputs"] = {str(p.relative_to(tmp)): sha256_file(p) for p in sorted(tmp.rglob("*"))
                           if p.is_file() and "synthesis" not in p.parts}
    (tmp / folder.MANIFEST).write_text(json.dumps(manifest, indent=1, default=str))  # last: marks it complete
    return manifest


def _design_summary(shared, folded, names, designs) -> dict:
    from codesign.fpga_build.shared import HOST
    from codesign.graph.ownership import FIXED, RECONFIGURABLE

    roles = {n.name: shared.roles[names[n.name]] for n in folded.graph.node}
    first = next(iter(designs.values()))
    return {"hw_nodes": len(roles), "fixed": sum(r == FIXED for r in roles.values()),
            "reconfigurable": sum(r == RECONFIGURABLE for r in roles.values()),
            "roles": roles, "host_nodes": [n for n, r in shared.roles.items() if r == HOST],
            "hw_op_types": first.hw_op_types, "differing_between_domains": shared.differing,
            "fixed_constants_compared": shared.fixed_constants_checked,
            "runtime_writeable": [n.name for _, n in weights.writeable_nodes(folded)]}
