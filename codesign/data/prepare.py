"""Prepare a domain for training: fixed seeded splits at a common size, cached.

``prepare_domain("mnist", cache_dir)`` decodes the source once, resizes every image to
size x size pixels, converts it to 1 or 3 channels, splits it per class into
train/val/test with a seeded shuffle, and caches the result (see cache.py). Later
calls with the same parameters read the cache. Training-time options (a k-per-class
subset of train, symmetric label noise on train) are applied after the cache, so they
never touch val/test and never need a re-preparation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from codesign.data.cache import (FORMAT, SPLITS, content_hash, params_key, read_entry, scan_sidecars,
                                 write_entry)
from codesign.data.domains import DOMAINS, DataError, RawDomain
from codesign.data.images import resize_images, to_channels, to_nchw
from codesign.data.subsets import apply_label_noise, k_per_class_subset, stratified_split
from codesign.data.user import DomainSpec, as_spec, load_user_domain, source_fingerprint


@dataclass
class PreparedDomain:
    """Splits of one domain. Images uint8 (N, C, H, W), 0..255; labels int64 (N,)."""

    name: str
    class_names: list[str]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None  # the cache .npz
    y_train_clean: np.ndarray | None = None  # train labels before label noise

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]

    def split(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        if which not in SPLITS:
            raise DataError(f"unknown split {which!r}; expected one of {', '.join(SPLITS)}")
        return getattr(self, f"x_{which}"), getattr(self, f"y_{which}")

    def as_float(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        """(float32 images scaled to 0..1, int64 labels) of one split."""
        x, y = self.split(which)
        return x.astype(np.float32) / 255.0, y

    def tensors(self, which: str):
        """(float32 torch tensor in 0..1, int64 torch tensor) of one split."""
        import torch  # imported here: the data layer itself does not need torch

        x, y = self.as_float(which)
        return torch.from_numpy(x), torch.from_numpy(y)


def _load_raw(spec: DomainSpec, size: int, max_per_class: int | None,
              root: str | Path | None) -> tuple[RawDomain, dict[str, Any]]:
    if spec.is_user:
        return load_user_domain(spec, size=size), {"kind": "user", "source": str(spec.path)}
    entry = DOMAINS.get(spec.name)
    raw = entry.load(root, size=size, max_per_class=max_per_class)
    return raw, {"kind": "registered", "source": entry.source, "licence": entry.licence}


def _cap_per_class(raw: RawDomain, max_per_class: int | None, seed: int) -> RawDomain:
    if max_per_class is None:
        return raw
    keep = k_per_class_subset(raw.labels, max_per_class, seed)
    if len(keep) == len(raw.labels):
        return raw
    return RawDomain(raw.images[keep], raw.labels[keep], raw.class_names, raw.skipped)


def _base_params(name: str, size: int, seed: int, channels: int, val_fraction: float,
                 test_fraction: float, max_per_class: int | None) -> dict[str, Any]:
    return {"format": FORMAT, "name": name, "size": size, "channels": channels, "seed": seed,
            "val_fraction": val_fraction, "test_fraction": test_fraction, "max_per_class": max_per_class}


def _request_params(spec: DomainSpec, size: int, seed: int, channels: int, val_fraction: float,
                    test_fraction: float, max_per_class: int | None) -> dict[str, Any]:
    params = _base_params(spec.name, size, seed, channels, val_fraction, test_fraction, max_per_class)
    if spec.is_user:
        params["user_path"] = str(Path(spec.path).resolve())
        params["user_fingerprint"] = source_fingerprint(spec.path)
    else:
        params["loader_version"] = DOMAINS.get(spec.name).version
    return params


def _find_cached_user(name: str, cache_dir: Path, request: dict[str, Any]) -> dict[str, Any] | None:
    """Params of a user domain prepared earlier under this bare name, matching ``request``."""
    for sidecar in scan_sidecars(cache_dir):
        p = sidecar.get("params", {})
        if "user_path" in p and all(p.get(k) == v for k, v in request.items()):
            return p
    return None


def prepare_domain(name_or_spec: str | DomainSpec, cache_dir: str | Path, size: int = 32,
                   seed: int = 0, *, channels: int = 3, val_fraction: float = 0.1,
                   test_fraction: float = 0.2, max_per_class: int | None = None,
                   k_per_class: int | None = None, label_noise: float = 0.0,
                   noise_seed: int | None = None, root: str | Path | None = None,
                   force: bool = False, progress: Callable[[str], None] | None = None) -> PreparedDomain:
    """Prepared splits of a domain (registered name, ``"name=path"`` or a DomainSpec).

    size: side in pixels; channels: 1 (grey) or 3 (RGB; grey sources are repeated).
    val/test_fraction: share of each class; max_per_class: cap on each class before
    splitting (seeded). k_per_class / label_noise (+ noise_seed, default ``seed``) act
    on train only, after the cache. root: override the source location (tests).
    """
    say = progress or (lambda _msg: None)
    cache_dir = Path(cache_dir)
    spec = as_spec(name_or_spec)
    if not isinstance(size, int) or size < 4:
        raise DataError(f"size must be an integer >= 4 pixels, got {size!r}")
    if channels not in (1, 3):
        raise DataError(f"channels must be 1 or 3, got {channels!r}")
    cached_params = None
    if not spec.is_user and spec.name not in DOMAINS:
        # a bare name may be a user domain prepared earlier (listed by `data list`)
        request = _base_params(spec.name, size, seed, channels, val_fraction, test_fraction, max_per_class)
        cached_params = _find_cached_user(spec.name, cache_dir, request)
        if cached_params is None:
            raise DataError(f"unknown domain {spec.name!r}; registered: {', '.join(DOMAINS.names())} "
                            f"(a user domain is name=folder or name=file.npz)")
        spec = DomainSpec(spec.name, Path(cached_params["user_path"]))
    if cached_params is not None and not Path(spec.path).exists():
        params = cached_params  # the user's source is gone: the cache is all there is
    else:
        params = _request_params(spec, size, seed, channels, val_fraction, test_fraction, max_per_class)
    if root is not None:
        params["root"] = str(Path(root).resolve())  # another copy of the source: another entry
    stem = cache_dir / f"{spec.name}-{size}px-{channels}ch-seed{seed}-{params_key(params)}"
    entry = None if force else read_entry(stem, params)
    if entry is None:
        say(f"preparing {spec} ({size}x{size}, {channels} channel(s), seed {seed})")
        entry = _build(spec, stem, params, size, seed, channels, val_fraction, test_fraction,
                       max_per_class, root)
        say(f"prepared {spec.name}: {entry[1]['counts']} -> {stem.with_suffix('.npz')}")
    arrays, sidecar = entry
    return _finish(spec.name, arrays, sidecar, stem, channels, seed, k_per_class, label_noise, noise_seed)


def _build(spec: DomainSpec, stem: Path, params: dict[str, Any], size: int, seed: int, channels: int,
           val_fraction: float, test_fraction: float, max_per_class: int | None,
           root: str | Path | None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    start = time.time()
    raw, about = _load_raw(spec, size, max_per_class, root)
    raw = _cap_per_class(raw, max_per_class, seed)
    images = resize_images(raw.images, size)
    # store the fewest channels that hold the data; grey is repeated to RGB on load
    stored = 1 if images.ndim == 3 or channels == 1 else 3
    images = to_nchw(to_channels(images, stored))
    parts = stratified_split(raw.labels, val_fraction, test_fraction, seed, raw.class_names, spec.name)
    arrays: dict[str, np.ndarray] = {}
    for which, idx in zip(SPLITS, parts):
        arrays[f"x_{which}"], arrays[f"y_{which}"] = images[idx], raw.labels[idx]
    counts = {which: int(len(idx)) for which, idx in zip(SPLITS, parts)}
    per_class = {which: np.bincount(arrays[f"y_{which}"], minlength=len(raw.class_names)).tolist()
                 for which in SPLITS}
    sidecar = {
        "format": FORMAT, "name": spec.name, "params": params, **about,
        "class_names": list(raw.class_names), "num_classes": len(raw.class_names),
        "counts": counts, "per_class": per_class, "skipped": dict(raw.skipped),
        "skipped_total": int(sum(raw.skipped.values())), "stored_channels": stored,
        "content_hash": content_hash(arrays, list(raw.class_names)),
        "seconds": round(time.time() - start, 2), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    write_entry(stem, arrays, sidecar)
    return arrays, sidecar


def _finish(name: str, arrays: dict[str, np.ndarray], sidecar: dict[str, Any], stem: Path,
            channels: int, seed: int, k_per_class: int | None, label_noise: float,
            noise_seed: int | None) -> PreparedDomain:
    def expand(x: np.ndarray) -> np.ndarray:
        return np.repeat(x, 3, axis=1) if x.shape[1] == 1 and channels == 3 else x

    class_names = list(sidecar["class_names"])
    stats = {k: sidecar[k] for k in ("counts", "per_class", "skipped", "skipped_total",
                                      "content_hash", "source") if k in sidecar}
    x_train, y_train = arrays["x_train"], arrays["y_train"]
    if k_per_class is not None:
        keep = k_per_class_subset(y_train, k_per_class, seed)
        x_train, y_train = x_train[keep], y_train[keep]
        stats["k_per_class"] = k_per_class
        stats["train_used"] = int(len(keep))
    y_clean = y_train
    if label_noise:
        y_train, realised = apply_label_noise(y_train, label_noise, len(class_names),
                                              seed if noise_seed is None else noise_seed)
        stats["label_noise"] = {"rate": label_noise, "realised": realised,
                                "flipped": int((y_train != y_clean).sum())}
    return PreparedDomain(
        name=name, class_names=class_names, x_train=expand(x_train), y_train=y_train,
        x_val=expand(arrays["x_val"]), y_val=arrays["y_val"],
        x_test=expand(arrays["x_test"]), y_test=arrays["y_test"], stats=stats,
        params=dict(sidecar["params"]), path=stem.with_suffix(".npz"), y_train_clean=y_clean)
