"""A user's own QONNX model as a labelled FINN HW design (docs/imported-models.md).

The split works as for a codesign spec (:mod:`codesign.graph.design`): the model is
converted twice, as it is and as a probe whose domain-owned values are perturbed
(:mod:`codesign.graph.imported_probe` for a QONNX file and patterns,
:mod:`codesign.graph.imported_module` for a Brevitas module and a predicate); nodes whose
values differ are reconfigurable, the rest are labelled by structure
(:func:`codesign.graph.labels.labels_from_probe`). The converted design is cached by the
content of the two converted files, the code and the tool versions
(:mod:`codesign.graph.cache` stores it).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from codesign.errors import InputError
from codesign.graph.design import PERTURB_SEED, GenericDesign, convert_files, structure_graph
from codesign.graph.ownership import RECONFIGURABLE
from codesign.store import DESIGN_CODE, code_digest, file_sha256, payload_sha256, tool_versions

QUANT_OPS = ("Quant", "BipolarQuant", "Trunc")


@dataclass(frozen=True)
class ImportedModel:
    """The design's source where a codesign spec would be (only ``name`` is read
    downstream: it heads the estimate)."""

    name: str
    path: str  # the QONNX file, or "<module ClassName>"
    sha256: str  # of the QONNX file as converted (for a module: its export)
    patterns: tuple[str, ...]  # --reconfigurable patterns, or the selected parameter names
    input_shape: tuple[int, ...]  # (batch, channels, height, width)
    selected_by: str = "--reconfigurable"  # the option or argument that selected the domain (for errors)


def load_qonnx(path: str | Path):
    """The ModelProto of a QONNX file; an ``InputError`` naming the file otherwise."""
    import onnx

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found (a QONNX .onnx file, e.g. from brevitas.export.export_qonnx)")
    try:
        model = onnx.load(str(path))
    except Exception as err:  # noqa: BLE001 - protobuf raises several kinds for a bad file
        raise InputError(f"{path}: not a loadable ONNX file ({type(err).__name__})") from None
    if not model.graph.node or not model.graph.input:
        raise InputError(f"{path}: not a loadable ONNX model (no nodes or no graph input)")
    if not any(n.op_type in QUANT_OPS for n in model.graph.node):
        raise InputError(f"{path}: not a QONNX model: no Quant/BipolarQuant node (export the Brevitas "
                         "model with brevitas.export.export_qonnx)")
    return model


def input_shape(model) -> tuple[int, ...]:
    """The shape of the graph's first non-initializer input (0 for a symbolic dimension)."""
    inits = {i.name for i in model.graph.initializer}
    first = next(i for i in model.graph.input if i.name not in inits)
    return tuple(int(d.dim_value) for d in first.type.tensor_type.shape.dim)


def imported_key(kind: str, domain_sha256: str, probe_sha256: str) -> str:
    """Cache key of a converted import: the two files converted, the code, the tools."""
    payload = {"kind": kind, "domain": domain_sha256, "probe": probe_sha256,
               "code": code_digest(*DESIGN_CODE), "versions": tool_versions()}
    return payload_sha256(payload)[:24]


def convert_and_label(record: ImportedModel, domain_path: Path, probe_path: Path, parallel: bool,
                      progress: Callable[[str], None] | None = None) -> GenericDesign:
    """Convert the domain and probe files (in two processes when ``parallel``) and label
    the HW nodes; an ``InputError`` when the selection makes no HW node, or every one,
    reconfigurable (the selected values then live on the host only, or nothing is fixed)."""
    import onnx
    from qonnx.core.modelwrapper import ModelWrapper

    from codesign.finn.compat import ensure_finn
    from codesign.finn.non_hw import NonHWNodeError
    from codesign.graph.conversion_time import count_nodes
    from codesign.graph.imported_errors import unmappable
    from codesign.graph.labels import labels_from_probe, structure_signature

    ensure_finn()
    start = time.perf_counter()
    nodes = count_nodes(domain_path)
    if progress is not None:
        progress(f"converting {record.name} ({nodes} QONNX nodes) and its probe with FINN")
    with tempfile.TemporaryDirectory(prefix="codesign_import_") as tmp:
        jobs = [(str(domain_path), str(Path(tmp) / "domain_hw.onnx")), (str(probe_path), str(Path(tmp) / "probe_hw.onnx"))]
        try:
            reports = convert_files(jobs, parallel)
        except NonHWNodeError as err:
            raise unmappable(err, onnx.load(str(domain_path)), record.path) from None
        hw, hw_probe = (ModelWrapper(out) for _, out in jobs)
    by_output = labels_from_probe(hw, hw_probe, structure_graph)
    _check_split(record, by_output)
    seconds = {"convert": time.perf_counter() - start}
    seconds["total"] = seconds["convert"]
    if progress is not None:
        progress(f"converted {record.name} in {seconds['convert']:.0f} s")
    return GenericDesign(record, hw, by_output, [tuple(h) for h in reports[0]["host_nodes"]],
                         reports[0]["hw_op_types"], seconds, record.path, nodes, structure_signature(hw), "probe")


def _check_split(record: ImportedModel, by_output: dict[str, str]) -> None:
    reconfigurable = sum(role == RECONFIGURABLE for role in by_output.values())
    what = (f"{record.selected_by} {','.join(record.patterns)}" if record.selected_by.endswith("reconfigurable")
            else record.selected_by)
    if reconfigurable == 0:
        raise InputError(f"{what}: no HW layer of {record.name} depends on the selected values (they end up "
                         "on the host, e.g. a final scale/bias, or are folded away): nothing distinctive to split")
    if reconfigurable == len(by_output):
        raise InputError(f"{what}: every HW layer of {record.name} ({len(by_output)}) depends on the selected "
                         "values: nothing would stay fixed hardware")


def cached_or_converted(record: ImportedModel, domain_path: Path, probe_path: Path, cache_dir: Path | None,
                        parallel: bool = True, progress: Callable[[str], None] | None = None,
                        kind: str = "qonnx") -> GenericDesign:
    """The labelled generic design of (domain, probe) files: from ``cache_dir`` (a designs
    folder; None: no cache) or converted now and stored there."""
    from codesign.graph.cache import load_cached, store

    key = imported_key(kind, file_sha256(domain_path), file_sha256(probe_path))
    if cache_dir is not None:
        cached = load_cached(record, key, cache_dir)
        if cached is not None:
            if progress is not None:
                progress(f"using cached FINN conversion {Path(cache_dir) / key}")
            return cached
    generic = convert_and_label(record, domain_path, probe_path, parallel, progress)
    if cache_dir is not None:
        store(generic, key, cache_dir)
    return generic


def qonnx_generic(path: str | Path, patterns: list[str], cache_dir: Path | None, parallel: bool = True,
                  progress: Callable[[str], None] | None = None, option: str = "--reconfigurable") -> GenericDesign:
    """A QONNX file with the domain-owned parts named by ``patterns``, converted and labelled;
    ``option`` names the patterns in error messages."""
    import onnx

    from codesign.graph.imported_probe import domain_and_probe, select

    path = Path(path)
    model = load_qonnx(path)
    selection = select(model, list(patterns), str(path), option)
    domain, probe = domain_and_probe(model, selection, PERTURB_SEED)
    record = ImportedModel(path.stem, str(path), file_sha256(path), tuple(patterns), input_shape(model), option)
    with tempfile.TemporaryDirectory(prefix="codesign_import_") as tmp:
        domain_path, probe_path = Path(tmp) / "domain.onnx", Path(tmp) / "probe.onnx"
        onnx.save(domain, str(domain_path))
        onnx.save(probe, str(probe_path))
        return cached_or_converted(record, domain_path, probe_path, cache_dir, parallel, progress)
