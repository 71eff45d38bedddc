"""Loading backbone weights: our own safetensors checkpoints, or registry-installed
torchvision-format state dicts (read with ``torch.load(weights_only=True)``: no pickle
of anything a user hands in)."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
from safetensors.torch import load_file
from codesign.errors import InputError
from codesign.store.shipped import checkout_root, resolve_shipped


class WeightsError(InputError, ValueError):
    """A weight file is missing, unreadable or does not fit the architecture (one line)."""


def resolve_path(path: str | Path) -> Path:
    """A weight file named in a spec: an existing path (absolute, or relative to the
    current directory), a shipped checkpoint (``checkpoints/<file>``, found in the
    installed package too), or in a checkout a path relative to the repository root."""
    resolved = resolve_shipped(path, "checkpoints")
    root = checkout_root()
    if not resolved.exists() and not resolved.is_absolute() and root is not None:
        return root / resolved
    return resolved


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    path = resolve_path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: weight file not found")
    try:
        if path.suffix == ".safetensors":
            return load_file(str(path))
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any parse failure is a bad file
        raise WeightsError(f"{path}: cannot read weights ({err.__class__.__name__}: {err})") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{path}: expected a flat mapping of tensor names to tensors")
    return state


def assign_state(module: nn.Module, state: dict[str, torch.Tensor], source: str | Path) -> None:
    """Strict, shape-checked load; the error names the first offending tensor."""
    own = module.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    if missing or unexpected:
        first = (f"missing tensor {missing[0]!r}" if missing else f"unexpected tensor {unexpected[0]!r}")
        raise WeightsError(f"{source}: does not fit this architecture: {first} "
                           f"({len(missing)} missing, {len(unexpected)} unexpected)")
    for key, tensor in state.items():
        if tuple(own[key].shape) != tuple(tensor.shape):
            raise WeightsError(f"{source}: tensor {key!r} has shape {tuple(tensor.shape)}, "
                               f"expected {tuple(own[key].shape)}")
    module.load_state_dict(state, strict=True)


def load_backbone_weights(backbone: nn.Module, source: str | Path) -> None:
    assign_state(backbone, read_state_dict(source), resolve_path(source))
