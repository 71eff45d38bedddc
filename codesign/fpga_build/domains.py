"""Convert every domain of a build with FINN (cached), and build the reference model.

The first domain goes through :func:`codesign.graph.cache.get_generic`: its conversion
defines the shared HW graph and, with the perturbed probe, which nodes are fixed and
which reconfigurable. Every other domain is converted on its own (no probe: the
labels come from the first) and cached beside it, under a key derived from
``get_generic``'s, so a rebuild with one changed checkpoint converts one domain again.
Conversion is the slow step (~15 s to minutes per domain on one core), so the
remaining domains are converted two at a time in worker processes.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import torch

from codesign.store import payload_sha256

BACKBONE_SEED = 0  # get_generic's seed: a spec without backbone weights gets this init


def reference_model(spec, domains):
    """The Brevitas model every conversion starts from, with all domains loaded."""
    from codesign.network.factory import build_model

    torch.manual_seed(BACKBONE_SEED)  # same sequence as prepare_generic: same backbone
    model = build_model(spec)
    for d in domains:
        model.load_domain(d.name, d.checkpoint)
    return model.eval()


def _domain_only_key(spec, domain) -> str:
    from codesign.graph.cache import design_key

    base = design_key(spec, domain.checkpoint, domain.num_classes, BACKBONE_SEED)
    return payload_sha256({"design": base, "conversion": "domain-only"})[:24]


def convert_domains(spec, domains, cache_dir: Path | None, qonnx_dir: Path, progress=None) -> dict:
    """{domain: GenericDesign}; writes each domain's QONNX export to ``qonnx_dir``."""
    from codesign.graph.cache import get_generic, load_cached, store
    from codesign.graph.design import GenericDesign, convert_file, convert_files
    from codesign.models.export import export_domain_qonnx

    say = progress or (lambda _m: None)
    qonnx_dir.mkdir(parents=True, exist_ok=True)
    first = domains[0]
    designs = {first.name: get_generic(spec, first.checkpoint, first.num_classes, BACKBONE_SEED,
                                       cache_dir=cache_dir, progress=say)}
    model = reference_model(spec, domains)
    for d in domains:  # the QONNX of every domain is part of the build (cheap: ~1-3 s each)
        export_domain_qonnx(model, d.name, qonnx_dir / f"{d.name}.onnx")
    todo = []
    for d in domains[1:]:
        key = _domain_only_key(spec, d)
        cached = load_cached(spec, key, cache_dir) if cache_dir is not None else None
        if cached is not None:
            say(f"using cached FINN conversion of domain {d.name!r}")
            designs[d.name] = cached
        else:
            todo.append((d, key))
    with tempfile.TemporaryDirectory(prefix="codesign_build_") as tmp:
        for i in range(0, len(todo), 2):  # two workers: conversion is single-threaded
            batch = todo[i:i + 2]
            say(f"converting domain(s) {', '.join(repr(d.name) for d, _ in batch)} with FINN")
            start = time.perf_counter()
            jobs = [(str(qonnx_dir / f"{d.name}.onnx"), str(Path(tmp) / f"{d.name}_hw.onnx")) for d, _ in batch]
            # one job: in this process (a worker would spend ~5-10 s importing FINN)
            reports = convert_files(jobs, parallel=True) if len(jobs) > 1 else [convert_file(*jobs[0])]
            seconds = time.perf_counter() - start
            from qonnx.core.modelwrapper import ModelWrapper

            for (d, key), (_, out), report in zip(batch, jobs, reports):
                generic = GenericDesign(spec, ModelWrapper(out), {}, [tuple(h) for h in report["host_nodes"]],
                                        report["hw_op_types"], {"convert": seconds}, str(d.checkpoint))
                if cache_dir is not None:
                    store(generic, key, cache_dir)
                designs[d.name] = generic
    return designs
