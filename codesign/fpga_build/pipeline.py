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

Each step is a function of steps.py; ``_run`` below calls them in this order.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from codesign.fpga_build import folder, steps, vendor, verify
from codesign.fpga_build.errors import VerificationError
from codesign.fpga_build.inputs import input_hash, input_record


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
            state = steps.BuildState(inputs, tmp, out, record, key, start, say)
            manifest = _run(state, DEFAULT_CACHE if cache_dir is None else cache_dir,
                            tools or vendor.detect_tools())
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


def _run(state: steps.BuildState, cache_dir, tools) -> dict:
    designs, shared = steps.convert_and_share(state, cache_dir)
    hardware = steps.shared_hardware(state, shared)
    files = steps.domain_files(state, designs, shared, hardware)
    checks = steps.verify_domains(state, shared, hardware, files)
    failed = [n for n, c in checks.items() if not c.passed] + [n for n, f in files.crosschecks.items() if f]
    synthesis = steps.synthesis_handoff(state, hardware.finn_dir, tools, failed)
    state.seconds["total"] = time.perf_counter() - state.start_s
    manifest = steps.build_manifest(state, designs, shared, hardware, files, checks, synthesis)
    steps.install_or_fail(state, manifest, failed, synthesis)
    return manifest
