"""Prepare a domain for training: fixed seeded splits at a common size, cached.

``prepare_domain("mnist", cache_dir)`` decodes the source once, resizes every image to
size x size pixels, converts it to 1 or 3 channels, splits it per class and caches the
result (see cache.py). Later calls with the same parameters read the cache.

The test split is fixed per domain: the same images, in the same order, whatever the
seed or ``max_per_class`` (subsets.fixed_test_split; at most MAX_TEST_IMAGES, balanced
over classes, from the images the source reserves for testing where it does, e.g. the
glyph domains' held-out fonts). So every run of every architecture is scored on the same
images, and index i of a run's per-image results is the same image everywhere.
``max_per_class`` caps the rest (train + validation) per class, then a seeded split
sets validation apart. Training-time options (a k-per-class subset of train, symmetric
label noise on train) are applied after the cache, so they never touch val/test and
never need a re-preparation.
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
from codesign.data.subsets import (TEST_SPLIT_SEED, apply_label_noise, fixed_test_split, k_per_class_subset,
                                   train_val_split)
from codesign.data.user import DomainSpec, as_spec, load_user_domain, source_fingerprint
from codesign.store import DATA_CODE, code_digest

# At most this many test images per domain (balanced over classes): enough that one
# image is 0.4 % of accuracy and a 95 % binomial interval at 80 % is about +-5 points,
# while scoring it stays a small part of a run (each run evaluates it once).
MAX_TEST_IMAGES = 250


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
        return load_user_domain(spec, size=size), {"kind": "user", "source": str(spec.path), "synthetic": False}
    entry = DOMAINS.get(spec.name)
    # a cap reaches the loader only where it cannot change the test split
    raw = entry.load(root, size=size, max_per_class=max_per_class if entry.caps_train_only else None)
    about = {"kind": "registered", "source": entry.source, "licence": entry.licence,
             "synthetic": bool(entry.synthetic)}
    if entry.synthetic:
        about["synthetic_description"] = entry.synthetic
    return raw, about


def _base_params(name: str, size: int, seed: int, channels: int, val_fraction: float,
                 test_fraction: float, max_per_class: int | None, max_test_images: int) -> dict[str, Any]:
    # the code digest keys the entry by the splitting and loading code that made it
    return {"format": FORMAT, "name": name, "size": size, "channels": channels, "seed": seed,
            "val_fraction": val_fraction, "test_fraction": test_fraction, "max_per_class": max_per_class,
            "max_test_images": max_test_images, "code": code_digest(*DATA_CODE)}


def _request_params(spec: DomainSpec, size: int, seed: int, channels: int, val_fraction: float,
                    test_fraction: float, max_per_class: int | None, max_test_images: int) -> dict[str, Any]:
    params = _base_params(spec.name, size, seed, channels, val_fraction, test_fraction, max_per_class,
                          max_test_images)
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
                   max_test_images: int = MAX_TEST_IMAGES, k_per_class: int | None = None, label_noise: float = 0.0,
                   noise_seed: int | None = None, root: str | Path | None = None,
                   force: bool = False, progress: Callable[[str], None] | None = None) -> PreparedDomain:
    """Prepared splits of a domain (registered name, ``"name=path"`` or a DomainSpec).

    size: side in pixels; channels: 1 (grey) or 3 (RGB; grey sources are repeated).
    test_fraction / max_test_images: the fixed test split (share of each class, at most
    that many images in all; see subsets.fixed_test_split); seed, max_per_class and
    val_fraction never change it. max_per_class: cap on each class's train + validation
    images (seeded); val_fraction: share of those held out for validation.
    k_per_class / label_noise (+ noise_seed, default ``seed``) act on train only, after
    the cache. root: override the source location (tests).
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
        request = _base_params(spec.name, size, seed, channels, val_fraction, test_fraction, max_per_class,
                               max_test_images)
        cached_params = _find_cached_user(spec.name, cache_dir, request)
        if cached_params is None:
            raise DataError(f"unknown domain {spec.name!r}; registered: {', '.join(DOMAINS.names())} "
                            f"(a user domain is name=folder or name=file.npz)")
        spec = DomainSpec(spec.name, Path(cached_params["user_path"]))
    if cached_params is not None and not Path(spec.path).exists():
        params = cached_params  # the user's source is gone: the cache is all there is
    else:
        params = _request_params(spec, size, seed, channels, val_fraction, test_fraction, max_per_class,
                                 max_test_images)
    if root is not None:
        params["root"] = str(Path(root).resolve())  # another copy of the source: another entry
    stem = cache_dir / f"{spec.name}-{size}px-{channels}ch-seed{seed}-{params_key(params)}"
    entry = None if force else read_entry(stem, params)
    if entry is None:
        say(f"preparing {spec} ({size}x{size}, {channels} channel(s), seed {seed})")
        entry = _build(spec, stem, params, size, channels, root)
        say(f"prepared {spec.name}: {entry[1]['counts']} -> {stem.with_suffix('.npz')}")
    arrays, sidecar = entry
    return _finish(spec.name, arrays, sidecar, stem, channels, seed, k_per_class, label_noise, noise_seed)


def _split(raw: RawDomain, params: dict[str, Any], where: str) -> tuple[list[np.ndarray], dict[str, Any]]:
    """(train, val, test) indices into ``raw`` and the test split's description."""
    names = list(raw.class_names)
    test = fixed_test_split(raw.labels, params["test_fraction"], params["max_test_images"], raw.test_mask,
                            names, where)
    rest = np.setdiff1d(np.arange(len(raw.labels)), test)
    if raw.test_mask is not None:
        rest = rest[~raw.test_mask[rest]]  # reserved test images never train, even unused ones
    if params["max_per_class"] is not None:
        rest = rest[k_per_class_subset(raw.labels[rest], params["max_per_class"], params["seed"])]
    train, val = train_val_split(raw.labels[rest], params["val_fraction"], params["seed"], names, where)
    how = (raw.notes.get("held_out", "images the source sets aside for testing") if raw.test_mask is not None
           else f"{100 * params['test_fraction']:g} % of each class")
    about = {"images": int(len(test)), "seed": TEST_SPLIT_SEED, "max_images": params["max_test_images"],
             "rule": f"{how}, at most {params['max_test_images']} images balanced over classes; "
                     f"the same for every --seed and --max-per-class"}
    return [rest[train], rest[val], test], about


def _build(spec: DomainSpec, stem: Path, params: dict[str, Any], size: int, channels: int,
           root: str | Path | None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    start = time.time()
    raw, about = _load_raw(spec, size, params["max_per_class"], root)
    parts, test_split = _split(raw, params, spec.name)
    used = np.concatenate(parts)  # only the images a split uses are resized
    images = resize_images(raw.images[used], size)
    # store the fewest channels that hold the data; grey is repeated to RGB on load
    stored = 1 if images.ndim == 3 or channels == 1 else 3
    images = to_nchw(to_channels(images, stored))
    arrays: dict[str, np.ndarray] = {}
    ends = np.cumsum([len(idx) for idx in parts])
    for which, idx, end in zip(SPLITS, parts, ends):
        arrays[f"x_{which}"], arrays[f"y_{which}"] = images[end - len(idx):end], raw.labels[idx]
    counts = {which: int(len(idx)) for which, idx in zip(SPLITS, parts)}
    per_class = {which: np.bincount(arrays[f"y_{which}"], minlength=len(raw.class_names)).tolist()
                 for which in SPLITS}
    sidecar = {
        "format": FORMAT, "name": spec.name, "params": params, **about,
        "class_names": list(raw.class_names), "num_classes": len(raw.class_names),
        "counts": counts, "per_class": per_class, "test_split": test_split, "notes": dict(raw.notes),
        "skipped": dict(raw.skipped), "skipped_total": int(sum(raw.skipped.values())), "stored_channels": stored,
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
    stats = {k: sidecar[k] for k in ("counts", "per_class", "skipped", "skipped_total", "content_hash", "source",
                                      "test_split", "synthetic", "synthetic_description", "notes") if k in sidecar}
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
