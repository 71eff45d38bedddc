"""RunRecord: the numbers of one (domain, seed, setting) training run, as written to JSON.

Both ``codesign train`` (``<out>/<domain>.json``, list ``runs``) and ``compare`` (a train
point's ``run``) store a run's record; this dataclass is that record. Its dict form keeps
the keys and their order exactly as both files have always had them, so results and
cache entries do not change: the study's record leads with ``tag`` and carries
``history``, the study's ``config`` and (main runs) the saved domain's ``checkpoint``;
compare's record has none of these four (optional fields left at None are not written).
``test_images`` and ``test_correct`` (per-image results on the fixed test split) come
last, so the readable keys lead; records written before them load without them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

_OPTIONAL = ("tag", "history", "config", "checkpoint", "test_images", "test_correct", "accelerator")


@dataclass
class RunRecord:
    seed: int
    k_per_class: int | None  # labelled training images per class; None = all
    label_noise: float  # planned fraction of training labels flipped
    train_samples: int  # training images of the run (after the k-shot subset)
    realised_noise: float  # fraction of training labels actually flipped
    domain: str
    test_accuracy: float | None  # fraction, at the best validation epoch; None (JSON null) if interrupted
    val_accuracy: float  # fraction, best epoch
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    epoch_seconds: list[float]  # measured wall time of each epoch (train + validation), s
    feature_cache: dict  # used?, cacheable?, build s, bytes, live/cached s per sample, speed-ups
    interrupted: bool
    mean_epoch_seconds: float  # s
    adaptation_seconds: float  # s, the training run itself (data and feature cache excluded)
    tag: str | None = None  # study runs: RunPlan.tag, what --resume matches
    history: list[dict] | None = None  # study runs: one dict per epoch (loss, accuracies, s)
    config: dict | None = None  # study runs: the study's TrainConfig.to_dict()
    checkpoint: str | None = None  # study main runs: the saved domain's .safetensors path
    # The fixed test split (codesign.data.prepare): its size and, per image in its fixed
    # order (the same images for every seed and architecture), 1 if classified right else
    # 0; mean(test_correct) == test_accuracy. None in records written before they existed.
    test_images: int | None = None
    test_correct: list[int] | None = None
    # The torch device that trained ("cpu" or "cuda"); None in records written before it.
    accelerator: str | None = None

    @property
    def is_main(self) -> bool:
        """All labels, no noise: the run the accuracy summaries are made of."""
        return self.k_per_class is None and self.label_noise == 0.0

    def to_dict(self) -> dict:
        """The record as stored, in the stored key order; unset optional fields left out."""
        ordered = ["tag", "seed", "k_per_class", "label_noise", "train_samples", "realised_noise",
                   "domain", "test_accuracy", "val_accuracy", "best_epoch", "epochs_run",
                   "stopped_early", "epoch_seconds", "history", "feature_cache", "interrupted",
                   "mean_epoch_seconds", "adaptation_seconds", "accelerator", "config", "checkpoint",
                   "test_images", "test_correct"]
        out = {}
        for name in ordered:
            value = getattr(self, name)
            if value is not None or name not in _OPTIONAL:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "RunRecord":
        """Read a stored record; a key this version does not know is refused (ValueError)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"run record: unknown key(s) {', '.join(unknown)}")
        missing = sorted(known - set(_OPTIONAL) - set(data))
        if missing:
            raise ValueError(f"run record: missing key(s) {', '.join(missing)}")
        return cls(**data)
