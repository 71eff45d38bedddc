"""From an architecture spec to a labelled, specialised FINN HW design (the slow part).

``prepare_design`` exports (backbone + one domain) to QONNX, converts it with FINN to
HW layers specialised for the device's part, converts a second copy whose domain
tensors are perturbed (to tell reconfigurable nodes by their values, see
``ownership``), and sets the memory attributes that carry the split: fixed weights
``internal_embedded``; reconfigurable weights ``internal_decoupled`` with
``runtime_writeable_weights=1``; reconfigurable thresholds run-time writeable too.
The result is cached in memory: re-folding and re-estimating never converts again.
"""

from __future__ import annotations

import copy
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import torch

from codesign.finn.nodekinds import generic_kind, is_hw
from codesign.graph.conversion_time import count_nodes, expected_line
from codesign.graph.ownership import RECONFIGURABLE

PROBE_DOMAIN = "probe"
PERTURB_SEED = 20211021  # fixed: the labels must not depend on the run


@dataclass
class HardwareDesign:
    spec: object  # GraphSpec
    fpgapart: str
    model: object  # specialised FINN ModelWrapper (domain weights), folded in place
    roles: dict[str, str]
    host_nodes: list[tuple[str, str]]
    hw_op_types: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    domain_weights: str = "random"  # or the checkpoint path


def perturb_domain(module: torch.nn.Module, seed: int, scale: float = 0.5) -> None:
    """Random, distinctive values for every float tensor a domain owns (parameters and
    BatchNorm statistics), so each domain-dependent HW value differs from the original."""
    gen = torch.Generator().manual_seed(seed)
    params = {name for name, _ in module.named_parameters()}
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            statistic = name.endswith(("running_mean", "running_var"))
            # Only what training changes: parameters and BN statistics (not, e.g., the
            # backbone-given sign pattern of a SignFixedBatchNorm).
            if not tensor.is_floating_point() or not (name in params or statistic):
                continue
            noise = torch.randn(tensor.shape, generator=gen)
            if name.endswith("running_var"):
                tensor.mul_(1.0 + 0.5 * noise.abs())
            else:
                tensor.add_(scale * noise)


def convert_file(qonnx_path: str, out_path: str) -> dict:
    """QONNX file -> generic FINN HW model file (runs in a worker process)."""
    from codesign.finn.convert import ConversionReport, to_generic_hw

    report = ConversionReport()
    generic = to_generic_hw(qonnx_path, report=report)
    _prefer_hls(generic)
    generic.save(out_path)
    return {"host_nodes": [list(h) for h in report.host_nodes], "hw_op_types": dict(report.hw_op_types)}


def convert_files(jobs: list[tuple[str, str]], parallel: bool) -> list[dict]:
    """``convert_file`` for each (QONNX, output) pair: all at once in worker processes
    when ``parallel`` (each is single-threaded streamlining), else, or where a process
    pool cannot start, one after another. The results are the same either way; a
    conversion error (e.g. ``NonHWNodeError``) is raised once, never retried
    (:mod:`codesign.graph.workers`)."""
    from codesign.graph.workers import run_jobs

    return run_jobs(convert_file, jobs, parallel)


def _prefer_hls(model) -> None:
    """Matrix units as HLS: finn-plus 1.6.1's RTL MVAU estimator reports 0 LUT and
    ignores resType (matrixvectoractivation_rtl.py), so its numbers would be meaningless."""
    from finn.util.basic import getHWCustomOp

    for node in model.graph.node:
        if node.op_type in ("MVAU", "VVAU"):
            getHWCustomOp(node).set_nodeattr("preferred_impl_style", "hls")


def structure_graph(model) -> nx.DiGraph:
    """Kinds and streams only (enough for ownership); the full graph is built later."""
    graph = nx.DiGraph()
    producer = {}
    for node in model.graph.node:
        if is_hw(node):
            graph.add_node(node.name, kind=generic_kind(node.op_type))
            for t in node.output:
                producer[t] = node.name
    for node in model.graph.node:
        if is_hw(node):
            for t in node.input:
                if t in producer:
                    graph.add_edge(producer[t], node.name)
    return graph


def apply_memory_modes(model, roles: dict[str, str]) -> None:
    """The fixed/reconfigurable split as FINN memory attributes."""
    from finn.util.basic import getHWCustomOp

    for node in model.graph.node:
        if node.name not in roles:
            continue
        inst = getHWCustomOp(node)
        types = inst.get_nodeattr_types()
        reconf = roles[node.name] == RECONFIGURABLE
        if "mem_mode" in types and generic_kind(node.op_type) in ("MVAU", "VVAU"):
            inst.set_nodeattr("mem_mode", "internal_decoupled" if reconf else "internal_embedded")
        if "runtime_writeable_weights" in types:
            # Decoupled weights and standalone thresholds can be written over AXI-lite.
            inst.set_nodeattr("runtime_writeable_weights", 1 if reconf else 0)


@dataclass
class GenericDesign:
    """The part-independent conversion: generic HW nodes and the split, by stream name."""

    spec: object
    model: object  # generic FINN ModelWrapper (dataflow nodes + host boundary nodes)
    roles_by_output: dict[str, str]  # first output tensor of a HW node -> role
    host_nodes: list[tuple[str, str]]
    hw_op_types: dict[str, int]
    seconds: dict[str, float]
    domain_weights: str
    qonnx_nodes: int = 0  # nodes of the exported QONNX graph (what conversion time grows with)
    structure: str = ""  # codesign.graph.labels.structure_signature of model
    labels_from: str = "probe"  # or "known structure": labels reused, no probe converted


def _model_with_probe(spec, checkpoint: Path | None, num_classes: int, seed: int):
    """The model with its domain (from ``checkpoint``, else fresh and perturbed) and the
    probe domain (the same values, perturbed again); returns (model, domain name)."""
    from codesign.network.factory import build_model

    torch.manual_seed(seed)
    model = build_model(spec)
    if checkpoint is not None:
        from codesign.models.domain_io import read_domain_meta

        _, meta = read_domain_meta(checkpoint)
        domain = meta["domain"]
        model.load_domain(domain, checkpoint)
    else:
        domain = "domain"
        model.add_domain(domain, num_classes)
        perturb_domain(model.domains[domain], seed)  # fresh adapters start at zero
    probe = model.add_domain(PROBE_DOMAIN, model.num_classes[domain])
    probe.load_state_dict(model.domains[domain].state_dict())
    perturb_domain(probe, PERTURB_SEED)
    model.eval()
    return model, domain


def _convert_exports(tmp: Path, tags: list[str], parallel: bool):
    """Convert ``tmp/<tag>.onnx`` for each tag; (models, reports) in tag order."""
    from qonnx.core.modelwrapper import ModelWrapper

    jobs = [(str(tmp / f"{tag}.onnx"), str(tmp / f"{tag}_hw.onnx")) for tag in tags]
    reports = convert_files(jobs, parallel)
    return [ModelWrapper(out) for _, out in jobs], reports


def prepare_generic(spec, checkpoint: str | Path | None = None, num_classes: int = 10,
                    seed: int = 0, parallel: bool = True, progress=None,
                    known_labels: dict[str, dict[str, str]] | None = None) -> GenericDesign:
    """Export the domain and the probe, convert both (``parallel``: in two processes at
    once; False inside a worker that may not start processes) and label the nodes.
    ``known_labels`` (labels by structure signature, :mod:`codesign.graph.labels`): if the
    domain's conversion has one of these structures, its labels are used and no probe is
    converted. ``progress``: called with a line before converting (the expected time) and after."""
    from codesign.finn.compat import ensure_finn
    from codesign.graph.labels import labels_from_probe, structure_signature
    from codesign.models.export import export_domain_qonnx

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    model, domain = _model_with_probe(spec, checkpoint, num_classes, seed)
    ensure_finn()
    tags = ["domain"] if known_labels else ["domain", "probe"]
    with tempfile.TemporaryDirectory(prefix="codesign_") as tmp:
        tmp = Path(tmp)

        def export(tag: str) -> None:  # the conversion cleans up itself
            export_domain_qonnx(model, domain if tag == "domain" else PROBE_DOMAIN, tmp / f"{tag}.onnx",
                                cleanup=False)
        for tag in tags:
            export(tag)
        seconds["export"] = time.perf_counter() - start
        nodes = count_nodes(tmp / "domain.onnx")
        if progress is not None:
            progress(expected_line(spec.name, nodes, seconds["export"], len(tags), parallel))
        t = time.perf_counter()
        models, reports = _convert_exports(tmp, tags, parallel)
        hw, signature = models[0], structure_signature(models[0])
        by_output = (known_labels or {}).get(signature)
        labels_from = "probe" if by_output is None else "known structure"
        if by_output is None:
            if len(tags) == 1:  # another structure than the known ones: probe after all
                export("probe")
                models += _convert_exports(tmp, ["probe"], parallel)[0]
            by_output = labels_from_probe(hw, models[1], structure_graph)
        seconds["convert"] = time.perf_counter() - t
    if progress is not None:
        progress(f"converted {spec.name} in {seconds['convert']:.0f} s")
    seconds["total"] = time.perf_counter() - start
    return GenericDesign(spec, hw, by_output, [tuple(h) for h in reports[0]["host_nodes"]],
                         reports[0]["hw_op_types"], seconds,
                         str(checkpoint) if checkpoint is not None else "random", nodes, signature,
                         labels_from)


def specialise_design(generic: GenericDesign, fpgapart: str) -> HardwareDesign:
    """Memory modes from the split, ``SpecializeLayers`` for the part, then the dataflow
    partition alone (FINN's analyses, e.g. dataflow_performance, fail on host nodes)."""
    from codesign.finn.convert import dataflow_partition, specialize

    t = time.perf_counter()
    roles_generic = {n.name: generic.roles_by_output[n.output[0]] for n in generic.model.graph.node
                     if n.output and n.output[0] in generic.roles_by_output}
    model = copy.deepcopy(generic.model)
    apply_memory_modes(model, roles_generic)
    model = specialize(model, fpgapart)
    _, model = dataflow_partition(model)
    # SpecializeLayers renames nodes but keeps their stream (tensor) names.
    roles = {n.name: generic.roles_by_output[n.output[0]] for n in model.graph.node
             if n.output[0] in generic.roles_by_output}
    seconds = {**generic.seconds, "specialise": time.perf_counter() - t}
    return HardwareDesign(generic.spec, fpgapart, model, roles, list(generic.host_nodes),
                          dict(generic.hw_op_types), seconds, generic.domain_weights)


def prepare_design(spec, fpgapart: str, checkpoint: str | Path | None = None,
                   num_classes: int = 10, seed: int = 0, parallel: bool = True) -> HardwareDesign:
    return specialise_design(prepare_generic(spec, checkpoint, num_classes, seed, parallel), fpgapart)
