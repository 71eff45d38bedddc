"""Sweep points and their content-addressed cache.

A point is one unit of work of a comparison: the hardware estimate of one
architecture on one device, or one training run (architecture, domain, seed,
setting). Its *key* holds everything its result depends on (file contents, not
names: the resolved graph spec, the backbone weights' SHA-256, the device spec, the
prepared data's content hash, the training settings, the versions of the tools, and
the digest of the source of the codesign code that computes it: :func:`code_key`,
from ``codesign.store``'s ESTIMATE_CODE / TRAIN_CODE); the SHA-256 of the key names its
cache file. Two comparisons that share a point share its result, and a changed input
or an edited cost model / training loop can never reuse a stale one.

Results are written atomically (temporary file + rename) by the coordinating process
only, after a point finishes: a killed comparison leaves finished points complete and
unfinished ones absent, so a resumed run recomputes exactly the missing points.
Failed points are not cached (they are retried next time).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from codesign.store import ESTIMATE_CODE, TRAIN_CODE, atomic_write_text, code_digest, payload_sha256

CODE_BY_KIND = {"estimate": ESTIMATE_CODE, "train": TRAIN_CODE}  # what computes each kind


def as_json_data(obj):
    """``obj`` as it reads back from JSON (tuples -> lists, paths -> strings): keys are
    compared in this form, so an entry read from disk equals the key that wrote it."""
    return json.loads(json.dumps(obj, sort_keys=True, default=str))


def code_key(kind: str) -> str:
    """Digest of the source of the code that computes a point of ``kind`` (part of its key)."""
    return code_digest(*CODE_BY_KIND[kind])


@dataclass(frozen=True)
class Point:
    kind: str  # "estimate" or "train"
    architecture: str  # graph name
    label: str  # human-readable: "cnv_attention / sklearn_digits / seed0 / k=5"
    key: dict  # everything the result depends on (content, not paths)
    task: dict  # what the worker needs to run it (paths, settings)
    cost: float = 1.0  # relative expected cost, to start long points first
    domain: str | None = None
    setting: dict = field(default_factory=dict)  # {"seed", "k_per_class", "label_noise"} for train

    @property
    def digest(self) -> str:
        payload = {"kind": self.kind, **self.key}
        return payload_sha256(payload)


class PointCache:
    """``<root>/<kind>/<digest>.json``: ``{"key": ..., "label": ..., "result": record}``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, point: Point) -> Path:
        return self.root / point.kind / f"{point.digest}.json"

    def get(self, point: Point):
        """The point's record (``EstimateSummary`` or ``TrainPointResult``), or None."""
        from codesign.compare.outcomes import record_type
        from codesign.records import RecordError

        path = self.path(point)
        if not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None  # not ours (writes are atomic): recompute and replace it
        if not isinstance(entry, dict) or entry.get("key") != as_json_data(point.key) or "result" not in entry:
            return None  # a hash collision or a foreign file: never trust it
        try:
            return record_type(point.kind).from_dict(entry["result"], str(path))
        except RecordError:
            return None  # not a record of this version: recompute and replace it

    def put(self, point: Point, record, seconds: float) -> Path:
        """Store a finished point's record (its ``to_dict()`` form)."""
        path = self.path(point)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"kind": point.kind, "label": point.label,
                 "key": point.key, "seconds": seconds, "result": record.to_dict()}
        return atomic_write_text(path, json.dumps(entry, sort_keys=True, default=str))

    def domain_checkpoint(self, point: Point) -> Path:
        """The trained domain checkpoint (``<domain>.json`` + ``.safetensors``) a train point
        saves when the estimates use its weights (plan.Plan.weights_source). Written by the
        worker, atomically (tensors first, the JSON last), beside the point's entry."""
        return self.root / "domains" / point.digest / f"{point.domain}.json"

    def partial_dir(self, point: Point) -> Path:
        """Per-epoch training checkpoints of an unfinished train point (resumable)."""
        return self.root / "partial" / point.digest

    def log_path(self, point: Point) -> Path:
        """What the tools printed while the point ran (FINN is verbose)."""
        return self.root / "logs" / f"{point.digest}.log"
