"""Per-domain checkpoints: ``<dir>/<domain>.safetensors`` + ``<dir>/<domain>.json``.

Only what the domain owns is saved (adapter, head, its BN buffers), never the model.
The JSON records the architecture fingerprint, the tensor shapes and the SHA-256 of
the tensor file; loading checks all three, so a checkpoint from another architecture
or a half-written pair is refused with a one-line error. Both files are written to a
temporary name and renamed, tensors first, so the JSON (which is what makes a pair
valid) only appears when the tensors are complete.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save

from codesign.errors import InputError
from codesign.store import atomic_write_bytes, atomic_write_text, file_sha256

FORMAT_VERSION = 1


class DomainCheckpointError(InputError, ValueError):
    """A domain checkpoint cannot be loaded into this model (one-line message)."""


def save_domain(model, name: str, directory: str | Path) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.contiguous() for k, v in model.domain_state_dict(name).items()}
    weights = directory / f"{name}.safetensors"
    atomic_write_bytes(weights, save(tensors))  # the bytes safetensors' save_file writes
    meta = {
        "format_version": FORMAT_VERSION,
        "domain": name,
        "num_classes": model.num_classes[name],
        "architecture": model.fingerprint,
        "tensors": {k: list(v.shape) for k, v in tensors.items()},
        "parameters": sum(p.numel() for p in model.domain(name).parameters()),
        "sha256": file_sha256(weights),
    }
    meta_path = directory / f"{name}.json"
    atomic_write_text(meta_path, json.dumps(meta, indent=2, sort_keys=True))
    return meta_path


def _first_difference(expected, found, prefix: str = "") -> str:
    if isinstance(expected, dict) and isinstance(found, dict):
        # The family first: "another family" explains every other difference.
        keys = sorted(set(expected) | set(found), key=lambda k: (k != "family", k))
        for key in keys:
            if expected.get(key) != found.get(key):
                return _first_difference(expected.get(key), found.get(key), f"{prefix}{key}.")
    return f"{prefix.rstrip('.')} is {found!r} in the checkpoint, {expected!r} in this model"


def read_domain_meta(path: str | Path) -> tuple[Path, dict]:
    """Return (tensor file, metadata) for a checkpoint given its .json or .safetensors."""
    path = Path(path)
    meta_path = path.with_suffix(".json")
    if not meta_path.is_file():
        raise DomainCheckpointError(f"{meta_path}: domain checkpoint metadata not found "
                                    f"(an interrupted save leaves no .json)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise DomainCheckpointError(f"{meta_path}: unreadable metadata ({err})") from None
    if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
        raise DomainCheckpointError(f"{meta_path}: format_version: expected {FORMAT_VERSION}")
    return meta_path.with_suffix(".safetensors"), meta


def load_domain(model, name: str, path: str | Path, as_name: str | None = None) -> None:
    """Load domain ``name``'s checkpoint from ``path`` (file or directory) into ``model``,
    adding the domain (as ``as_name`` if given) when it does not exist yet."""
    path = Path(path)
    if path.is_dir():
        path = path / f"{name}.json"
    weights, meta = read_domain_meta(path)
    meta_path = weights.with_suffix(".json")
    if meta.get("architecture") != model.fingerprint:
        diff = _first_difference(model.fingerprint, meta.get("architecture"))
        raise DomainCheckpointError(f"{meta_path}: checkpoint is for another architecture: {diff}")
    if not weights.is_file():
        raise DomainCheckpointError(f"{weights}: tensor file missing")
    if file_sha256(weights) != meta.get("sha256"):
        raise DomainCheckpointError(f"{weights}: content does not match the SHA-256 in {meta_path.name} "
                                    f"(partial or altered file)")
    state = load_file(str(weights))
    target = as_name or name
    num_classes = meta.get("num_classes")
    if target in model.domains:
        module = model.domain(target)
        if model.num_classes[target] != num_classes:
            raise DomainCheckpointError(f"{meta_path}: num_classes is {num_classes}, domain {target!r} "
                                        f"has {model.num_classes[target]}")
    else:  # check against a fresh module first: a refused load must not leave a domain behind
        module = model.family.build(model.backbone, num_classes, model.head_bits)
    own = module.state_dict()
    for key in own:
        if key not in state:
            raise DomainCheckpointError(f"{weights}: missing tensor {key!r}")
    for key, tensor in state.items():
        if key not in own:
            raise DomainCheckpointError(f"{weights}: unexpected tensor {key!r}")
        if tuple(own[key].shape) != tuple(tensor.shape):
            raise DomainCheckpointError(f"{weights}: tensor {key!r} has shape {tuple(tensor.shape)}, "
                                        f"expected {tuple(own[key].shape)}")
    if target not in model.domains:
        module = model.add_domain(target, num_classes)
    with torch.no_grad():
        module.load_state_dict(state, strict=True)
