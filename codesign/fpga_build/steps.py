"""The steps of one build (pipeline.py orders them; see its docstring for what each trusts).

Each step takes the build in progress (:class:`BuildState`: inputs, temporary folder,
progress lines, step times) and what earlier steps made, and returns a typed result.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from codesign.fpga_build import codegen, folder, vendor, verify, weights
from codesign.fpga_build.errors import VerificationError
from codesign.store import file_sha256


@dataclass
class BuildState:
    """One build in progress: its inputs, temporary folder, progress lines, step times (s)."""
    inputs: object  # BuildInputs
    tmp: Path  # the folder being filled; renamed to ``out`` when complete
    out: Path
    record: dict  # what the build depends on (inputs.input_record), into the manifest
    key: str  # hash of ``record``: an identical finished build is reused
    start_s: float  # time.perf_counter() at the start of the build
    say: Callable[[str], None]
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class SharedHardware:
    """The shared design folded for the target, with FINN's files for it written."""
    first: object  # the first domain's GenericDesign: the shared graph
    estimate: object  # codesign Estimate of ``folded_raw``
    folded_raw: object  # folded model before bit-width minimisation (what was estimated)
    folded: object  # after FINN's bit-width minimisation: what FINN builds
    names: dict[str, str]  # folded node name -> generic node name
    folding: dict  # folding_config.json
    perf: dict  # FINN's performance estimates (reports/)
    generated: dict  # per-node code generated
    finn_dir: Path


@dataclass
class DomainFiles:
    """Per domain: switch files written, their cross-check, the values written to hardware."""
    per_domain: dict[str, dict]
    crosschecks: dict[str, list]  # domain -> files that differ from its own conversion
    hardware: dict[str, dict]


def convert_and_share(state: BuildState, cache_dir) -> tuple[dict, object]:
    """Every domain converted (cached), then aligned with the first: one shared design."""
    from codesign.fpga_build.domains import convert_domains
    from codesign.fpga_build.shared import share

    inputs, t = state.inputs, time.perf_counter()
    designs = convert_domains(inputs.spec, inputs.domains, Path(cache_dir) if cache_dir else None,
                              state.tmp / "qonnx", state.say)
    state.seconds["convert"] = time.perf_counter() - t
    shared = share(designs)
    state.say(f"shared design: {len(inputs.domains)} domain(s) fit; fixed nodes bit-identical "
               f"({shared.fixed_constants_checked} constants compared)")
    return designs, shared


def fold_and_estimate(design, device, target_fps: float | None, folding_config=None):
    """(folding, estimate) of a specialised design; EstimateError if it does not fit.
    The estimate is of exactly this folding (folded once: the fastest-fitting search is
    the slow part, minutes on CNV); ``folding_config`` (--folding) replaces the search."""
    from codesign.cost.estimate import Estimator
    from codesign.cost.folding_checks import apply_folding_config

    estimator = Estimator(design, device)
    folding = (estimator.fold(target_fps) if folding_config is None
               else apply_folding_config(design, folding_config))
    estimate = estimator.estimate(target_fps, require_fit=True, folding=folding)
    estimate.folding_source = folding_config.path if folding_config is not None else ""
    return folding, estimate


def shared_hardware(state: BuildState, shared) -> SharedHardware:
    """Specialise and fold the shared design; write FINN's outputs that need no Vivado."""
    from codesign.cost.finn_reports import PERFORMANCE_FILE, write_reports
    from codesign.cost.folding_config import folding_config_text
    from codesign.graph.design import specialise_design

    device, tmp, t = state.inputs.device, state.tmp, time.perf_counter()
    first = shared.generic
    folding_result, estimate = fold_and_estimate(specialise_design(first, device.part), device,
                                                 state.inputs.target_fps, state.inputs.folding)
    folded_raw = folding_result.model
    names = weights.generic_names(folded_raw, first.model)
    weights.check_writeable(folded_raw, names, shared)
    folded = codegen.minimize_bit_width(folded_raw)  # as FINN's step_minimize_bit_width (a copy)
    finn_dir = tmp / "finn"
    finn_dir.mkdir()
    first.model.save(str(finn_dir / "generic_hw.onnx"))
    folded.save(str(finn_dir / "dataflow_folded.onnx"))  # before codegen: no build paths inside
    (finn_dir / "folding_config.json").write_text(folding_config_text(folded))  # what FINN's synthesis applies
    folding = json.loads((finn_dir / "folding_config.json").read_text())
    # the same report files as `codesign estimate --finn-reports`, of the estimated folding
    reports = write_reports(estimate, folded_raw, tmp / "reports")
    perf = json.loads(reports[PERFORMANCE_FILE])
    state.say(f"folded: {estimate.fps:,.1f} FPS at {device.clock_mhz:g} MHz; generating per-node code")
    generated = codegen.generate_code(copy.deepcopy(folded), device.part, device.clock_mhz, tmp / "ip")
    state.seconds["hardware"] = time.perf_counter() - t
    return SharedHardware(first, estimate, folded_raw, folded, names, folding, perf, generated, finn_dir)


def domain_files(state: BuildState, designs: dict, shared, hw: SharedHardware) -> DomainFiles:
    """Each domain's memory images + AXI-lite writes, cross-checked against the same files
    made from that domain's own conversion."""
    from codesign.fpga_build.shared import HOST

    tmp, device, t = state.tmp, state.inputs.device, time.perf_counter()
    files = DomainFiles({}, {}, {})
    for d in state.inputs.domains:
        values = shared.values[d.name]
        files.hardware[d.name] = weights.domain_hardware(hw.folded_raw, hw.names, values, hw.folded, d.name)
        host = {f"{n}:{i}": v.tolist() for (n, i), v in values.items() if shared.roles[n] == HOST}
        ddir = tmp / "domains" / d.name
        files.per_domain[d.name] = weights.write_domain(files.hardware[d.name], host, ddir, device)
        files.crosschecks[d.name] = weights.crosscheck(designs[d.name], shared.roles,
                                                       hw.finn_dir / "folding_config.json", device.part,
                                                       ddir / "runtime_weights", tmp / ".scratch" / d.name)
    shutil.rmtree(tmp / ".scratch", ignore_errors=True)
    state.seconds["domain_files"] = time.perf_counter() - t
    return files


def verify_domains(state: BuildState, shared, hw: SharedHardware, files: DomainFiles) -> dict:
    """Each domain: the shared graph with its values vs its Brevitas model."""
    from codesign.fpga_build.domains import reference_model

    inputs, t = state.inputs, time.perf_counter()
    reference = reference_model(inputs.spec, inputs.domains).double()  # float64: see verify.py
    checks = {}
    for d in inputs.domains:
        x, labels, source = verify.verification_images(d.name, inputs.spec, inputs.images, inputs.seed,
                                                       inputs.data_cache)
        # the values that reach the hardware (clipped thresholds included) in the generic graph
        values = {**shared.values[d.name], **weights.hardware_values(files.hardware[d.name], hw.names)}
        graph = verify.with_values(hw.first.model, values)
        checks[d.name] = verify.check_domain(d.name, lambda xb, n=d.name: reference(xb.double(), n), graph, x,
                                             labels, source, exact=inputs.exact)
        c = checks[d.name]
        state.say(f"verified {d.name}: same top-1 on {round(c.top1_agreement * c.images)}/{c.images} images, "
                   f"identical {c.mode} outputs on {c.exact_images}/{c.images} ({c.seconds:.1f} s)")
    state.seconds["verify"] = time.perf_counter() - t
    return checks


def synthesis_handoff(state: BuildState, finn_dir: Path, tools, failed: list[str]) -> dict:
    """FINN's synthesis hand-off; run here only where the vendor tools are and all passed."""
    handoff = vendor.write_finn_handoff(finn_dir, state.inputs.device, state.inputs.target_fps)
    synthesis = {"status": "not run", "config": handoff, "tools": tools.describe(),
                 "reason": f"vendor tools absent ({tools.describe()}); run finn/run_synthesis.py where they are"}
    if tools.present and not failed:
        state.say(f"vendor tools found ({tools.describe()}): running FINN's synthesis steps (hours)")
        t = time.perf_counter()
        rc = vendor.run_synthesis(finn_dir, finn_dir / "synthesis.log")
        state.seconds["synthesis"] = time.perf_counter() - t
        synthesis.update(status="done" if rc == 0 else "failed", returncode=rc,
                         reason="FINN synthesis ran here" if rc == 0 else f"FINN exited with {rc}")
    return synthesis


def build_manifest(state: BuildState, designs: dict, shared, hw: SharedHardware,
              files: DomainFiles, checks: dict, synthesis: dict) -> dict:
    device, estimate, record = state.inputs.device, hw.estimate, state.record
    return {
        folder.MARKER: record["format"], "status": "complete", "input_hash": state.key,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "out": str(state.out), "inputs": record,
        "device": {"name": device.name, "board": device.board, "part": device.part, "clock_mhz": device.clock_mhz,
                   "finn_board": device.finn_board},
        "design": design_summary(shared, hw.folded, hw.names, designs),
        "folding": hw.folding,
        "estimate": {**{k: getattr(estimate, k) for k in ("totals", "available", "utilisation_pct", "fits", "fps",
                                                          "latency_s", "cycles_per_frame", "bottleneck")},
                     "basis": "codesign Estimator on the folded graph before bit-width minimisation "
                              "(conservative); reports/ hold the same estimate in FINN's schema "
                              "(docs/finn-formats.md)",
                     "folding_source": estimate.folding_source or "searched (fastest that fits, or --target-fps)"},
        "finn_performance": hw.perf,
        "switch": {"per_domain": files.per_domain, "estimated": {k: v for k, v in estimate.switch.items()
                                                                 if k != "memories"}},
        "verification": {n: c.to_dict() for n, c in checks.items()},
        "crosscheck": {n: {"files_differing": f, "passed": not f} for n, f in files.crosschecks.items()},
        "generated_code": hw.generated, "synthesis": synthesis, "seconds": state.seconds,
    }


def install_or_fail(state: BuildState, manifest: dict, failed: list[str], synthesis: dict) -> None:
    """A failed build is kept aside (VerificationError); a good one gets its README, the
    hashes of its files and, written last, the manifest that marks it complete."""
    from codesign.fpga_build.readme import render

    tmp, out = state.tmp, state.out
    if failed or synthesis["status"] == "failed":
        manifest["status"] = "failed"
        (tmp / folder.MANIFEST).write_text(json.dumps(manifest, indent=1, default=str))
        kept = folder.keep_failed(tmp, out)
        what = (f"verification failed for domain(s) {', '.join(failed)}" if failed
                else f"FINN synthesis failed (see {kept}/finn/synthesis.log)")
        raise VerificationError(f"{what}; nothing installed at {out}, failed build kept in {kept}")
    codegen.relocate(tmp / "ip", str(tmp.resolve()), str(out.resolve()))
    (tmp / "README.md").write_text(render(manifest))
    manifest["outputs"] = {str(p.relative_to(tmp)): file_sha256(p) for p in sorted(tmp.rglob("*"))
                           if p.is_file() and "synthesis" not in p.parts}
    (tmp / folder.MANIFEST).write_text(json.dumps(manifest, indent=1, default=str))  # last: marks it complete


def design_summary(shared, folded, names, designs) -> dict:
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
