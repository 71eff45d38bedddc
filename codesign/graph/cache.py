"""On-disk cache of converted designs, keyed by everything the conversion depends on.

A converted design (the generic FINN HW model with the domain's weights, and the
fixed/reconfigurable labels by stream name; specialising for a part is cheap and
done per use) is stored under ``<cache>/<key>/``: ``design.onnx`` and
``design.json``; the labels found by probing are kept per architecture in
``<cache>/labels/`` (:mod:`codesign.graph.labels`), so that a later conversion of the
same architecture with other weights needs no probe; ``<cache>`` defaults to ``designs/`` below the cache root
(``codesign.store.cache_root``: ``$CODESIGN_CACHE_DIR`` or ``./.cache``). The key hashes
the architecture fingerprint, the backbone and domain weight files, the tool versions
and the source of the code that converts (``codesign.store.DESIGN_CODE``). Entries are
written to a temporary folder and renamed (``codesign.store.atomic_folder``), so an
interrupted run never leaves an entry a later run would trust; ``design.json`` also
records the SHA-256 of ``design.onnx``, checked on load.
"""

from __future__ import annotations

import json
from pathlib import Path

from codesign.graph.design import GenericDesign, HardwareDesign, prepare_generic, specialise_design
from codesign.graph.labels import labels_key, load_labels, store_labels
from codesign.plugins import cache_key_part as plugin_key_part
from codesign.store import (DESIGN_CODE, atomic_folder, cache_root, code_digest, designs_dir, file_sha256,
                            payload_sha256, tool_versions)

# labels by architecture, beside the design entries: <cache>/labels/<labels_key>.json
LABELS_SUBDIR = "labels"
# get_generic/get_design's default cache: designs/ below cache_root(None), looked up per
# call (the environment and working directory of the call, not of the import)
ROOT_DEFAULT = object()


def __getattr__(name: str):
    """``DEFAULT_CACHE``: designs/ below the cache root, resolved when it is imported."""
    if name == "DEFAULT_CACHE":
        return designs_dir(cache_root(None))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _file_digest(path: str | Path | None) -> str:
    if path is None:
        return "none"
    path = Path(path)
    if not path.is_file():
        return f"missing:{path}"
    return file_sha256(path)


def design_key(spec, checkpoint: str | Path | None, num_classes: int, seed: int) -> str:
    from codesign.models.weights import resolve_path

    weights = spec.backbone.weights
    weights_digest = _file_digest(resolve_path(weights)) if weights not in (None, "none", "imagenet") \
        else str(weights)
    checkpoint_digest = "random"
    if checkpoint is not None:
        ckpt = Path(checkpoint)
        checkpoint_digest = _file_digest(ckpt.with_suffix(".safetensors")) + _file_digest(ckpt.with_suffix(".json"))
    payload = {
        "fingerprint": spec.fingerprint(), "weights": weights_digest, "checkpoint": checkpoint_digest,
        "classes": num_classes, "seed": seed, "code": code_digest(*DESIGN_CODE), "versions": tool_versions(),
        **plugin_key_part(spec.backbone.name, spec.family),  # {} unless a plugin part is used
    }
    return payload_sha256(payload)[:24]


def load_cached(spec, key: str, cache_dir: Path) -> GenericDesign | None:
    from qonnx.core.modelwrapper import ModelWrapper

    entry = Path(cache_dir) / key
    meta_path, onnx_path = entry / "design.json", entry / "design.onnx"
    if not meta_path.is_file() or not onnx_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if meta.get("onnx_sha256") != _file_digest(onnx_path):
        return None  # partial or altered entry: convert again
    from codesign.finn.compat import ensure_finn

    ensure_finn()
    return GenericDesign(spec, ModelWrapper(str(onnx_path)), meta["roles_by_output"],
                         [tuple(h) for h in meta["host_nodes"]], meta["hw_op_types"],
                         {**meta["seconds"], "from_cache": 1.0}, meta["domain_weights"],
                         int(meta.get("qonnx_nodes", 0)), str(meta.get("structure", "")),
                         str(meta.get("labels_from", "probe")))


def store(design: GenericDesign, key: str, cache_dir: Path) -> None:
    with atomic_folder(Path(cache_dir) / key) as tmp:
        design.model.save(str(tmp / "design.onnx"))
        meta = {"roles_by_output": design.roles_by_output, "host_nodes": design.host_nodes,
                "hw_op_types": design.hw_op_types, "seconds": design.seconds,
                "domain_weights": design.domain_weights, "graph": design.spec.name,
                "qonnx_nodes": design.qonnx_nodes, "structure": design.structure,
                "labels_from": design.labels_from,
                "onnx_sha256": _file_digest(tmp / "design.onnx")}
        (tmp / "design.json").write_text(json.dumps(meta, indent=2))


def get_generic(spec, checkpoint=None, num_classes: int = 10, seed: int = 0,
                cache_dir: Path | None = ROOT_DEFAULT, progress=None, parallel: bool = True) -> GenericDesign:
    """The part-independent conversion, from the cache or converted now (and cached).

    ``cache_dir``: the designs folder; None: no cache; default: designs/ below cache_root(None).
    ``parallel``: convert the domain and the probe in two processes at once (False in a
    worker that may not start processes, e.g. a sweep point); the result is the same."""
    if cache_dir is ROOT_DEFAULT:
        cache_dir = designs_dir(cache_root(None))
    key = design_key(spec, checkpoint, num_classes, seed)
    if cache_dir is not None:
        cached = load_cached(spec, key, cache_dir)
        if cached is not None:
            if progress:
                progress(f"using cached FINN conversion {Path(cache_dir) / key}")
            return cached
    known, labels_dir, lkey = None, None, labels_key(spec, num_classes)
    if cache_dir is not None:
        labels_dir = Path(cache_dir) / LABELS_SUBDIR
        known = load_labels(labels_dir, lkey)
    if progress:
        progress(f"exporting {spec.name} to QONNX")
    generic = prepare_generic(spec, checkpoint, num_classes, seed, parallel, progress, known)
    if cache_dir is not None:
        store(generic, key, cache_dir)
        if generic.structure not in known:
            store_labels(labels_dir, lkey, generic.structure, generic.roles_by_output)
    return generic


def get_design(spec, fpgapart: str, checkpoint=None, num_classes: int = 10, seed: int = 0,
               cache_dir: Path | None = ROOT_DEFAULT, progress=None, parallel: bool = True) -> HardwareDesign:
    """A design specialised for ``fpgapart`` (the conversion itself is cached)."""
    generic = get_generic(spec, checkpoint, num_classes, seed, cache_dir, progress, parallel)
    return specialise_design(generic, fpgapart)
