"""Per-epoch training checkpoints that make a run resumable with identical results.

Layout of one run's directory::

    epoch-0007.safetensors   domain tensors now ("cur.*") and at the best epoch ("best.*")
    epoch-0007.pt            optimizer state and torch's RNG state (torch.save; loaded
                             with weights_only=True, so no pickle of code is ever read)
    progress.json            written last: epoch, best, patience counter, history, and
                             the SHA-256 of both files above

Every file is written to a temporary name and renamed. ``progress.json`` is what makes
a checkpoint valid and it names the files of its own epoch, so a run killed at any
point leaves either the previous complete checkpoint or the new one, never a mix.
Files of older epochs are deleted only after the new ``progress.json`` is in place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save

from codesign.store import atomic_file, atomic_write_bytes, atomic_write_text, file_sha256
from codesign.train.config import TrainError

PROGRESS = "progress.json"
FORMAT_VERSION = 1


class CheckpointError(TrainError):
    """A training checkpoint is inconsistent or belongs to another run (one line)."""


@dataclass
class Progress:
    epoch: int = 0  # last completed epoch (1-based); 0 = nothing trained yet
    best_epoch: int = 0
    best_val_accuracy: float = -1.0  # fraction; -1 = no epoch evaluated yet
    bad_epochs: int = 0  # consecutive epochs without improvement (early stopping)
    stopped_early: bool = False
    history: list[dict] = field(default_factory=list)  # one dict per epoch (loss, accs, s)
    run_key: dict = field(default_factory=dict)  # what must match for a resume


def save_checkpoint(directory: Path, progress: Progress, current: dict[str, torch.Tensor],
                    best: dict[str, torch.Tensor], optimizer_state: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"epoch-{progress.epoch:04d}"
    tensors = {f"cur.{k}": v.detach().contiguous().clone() for k, v in current.items()}
    tensors.update({f"best.{k}": v.detach().contiguous().clone() for k, v in best.items()})
    weights, extra = directory / f"{stem}.safetensors", directory / f"{stem}.pt"
    atomic_write_bytes(weights, save(tensors))  # the bytes safetensors' save_file writes
    with atomic_file(extra) as tmp:
        torch.save({"optimizer": optimizer_state, "torch_rng": torch.get_rng_state()}, str(tmp))
    meta = {"format_version": FORMAT_VERSION, **progress.__dict__,
            "files": {weights.name: file_sha256(weights), extra.name: file_sha256(extra)}}
    atomic_write_text(directory / PROGRESS, json.dumps(meta, indent=2, sort_keys=True))
    for old in directory.glob("epoch-*"):  # the new checkpoint is complete: drop the old
        if not old.name.startswith(stem):
            old.unlink(missing_ok=True)


def load_checkpoint(directory: Path, run_key: dict
                    ) -> tuple[Progress, dict[str, torch.Tensor], dict[str, torch.Tensor], dict] | None:
    """(progress, current tensors, best tensors, optimizer state) or None if none saved."""
    path = directory / PROGRESS
    if not path.is_file():
        return None
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path}: unreadable ({err})") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: format_version: expected {FORMAT_VERSION}")
    if meta.get("run_key") != run_key:
        raise CheckpointError(f"{path}: belongs to another run configuration (delete the directory "
                              f"or run without --resume)")
    files = meta.pop("files", {})
    for name, digest in files.items():
        if not (directory / name).is_file() or file_sha256(directory / name) != digest:
            raise CheckpointError(f"{directory / name}: missing or does not match {PROGRESS}")
    meta.pop("format_version")
    progress = Progress(**meta)
    stem = f"epoch-{progress.epoch:04d}"
    tensors = load_file(str(directory / f"{stem}.safetensors"))
    current = {k[4:]: v for k, v in tensors.items() if k.startswith("cur.")}
    best = {k[5:]: v for k, v in tensors.items() if k.startswith("best.")}
    extra = torch.load(str(directory / f"{stem}.pt"), map_location="cpu", weights_only=True)
    torch.set_rng_state(extra["torch_rng"])
    return progress, current, best, extra["optimizer"]
