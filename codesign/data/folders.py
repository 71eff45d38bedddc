"""Loading images from an ImageFolder tree or an ``.npz`` file (user and Debian sources).

ImageFolder layout: ``root/<class name>/<image files>``; class names are the sorted
sub-folder names. Unreadable images are skipped and counted, never fatal; a domain
that ends up with an empty class or fewer than two classes is an error naming the path.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from codesign.data.domains import DataError, RawDomain
from codesign.data.images import IMAGE_EXTENSIONS, ImageSkip, decode_image


def _image_files(folder: Path, recursive: bool) -> list[Path]:
    pattern = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in pattern
                  if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith("."))


def _decode_one(path: Path, size: int) -> tuple[str, np.ndarray | ImageSkip]:
    """(SHA-1 of the file's bytes, decoded image or the reason it was skipped)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        return "", ImageSkip("unreadable", str(err))
    digest = hashlib.sha1(data).hexdigest()
    try:
        return digest, decode_image(io.BytesIO(data), size)
    except ImageSkip as skip:
        return digest, skip


def _decode_all(files: list[Path], size: int) -> list[tuple[str, np.ndarray | ImageSkip]]:
    """Decode in threads: Pillow releases the GIL while decoding; map() keeps file order."""
    if len(files) < 16:
        return [_decode_one(p, size) for p in files]
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        return list(pool.map(_decode_one, files, [size] * len(files)))


def load_image_folder(root: str | Path, size: int = 64, *, recursive: bool = False,
                      max_per_class: int | None = None, min_per_class: int = 1,
                      strict: bool = True, exclude: tuple[str, ...] = ()) -> RawDomain:
    """Decode ``root/<class>/*`` to (N, size, size, 3) uint8 RGB.

    Unreadable, corrupt, huge and byte-identical duplicate files are skipped and
    counted by reason in ``skipped``.

    strict=True (user data): an empty class folder is an error. strict=False (curated
    sources such as openclipart): classes under ``min_per_class`` files are dropped and
    counted in ``skipped["small_class"]``. ``max_per_class`` picks a fixed, seeded
    subset of each class's files *before* decoding (seed 0: the domain itself is fixed).
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: not a folder (expected one sub-folder per class)")
    class_dirs = sorted(p for p in root.iterdir()
                        if p.is_dir() and not p.name.startswith(".") and p.name not in exclude)
    if not class_dirs:
        raise DataError(f"{root}: no class sub-folders (expected one sub-folder per class)")
    skipped: Counter[str] = Counter()
    seen: set[str] = set()
    images: list[np.ndarray] = []
    labels: list[int] = []
    names: list[str] = []
    for class_dir in class_dirs:
        files = _image_files(class_dir, recursive)
        if len(files) < max(min_per_class, 1):
            if strict:
                raise DataError(f"{class_dir}: empty class folder (no image files)")
            skipped["small_class"] += 1
            continue
        if max_per_class is not None and len(files) > max_per_class:
            pick = np.random.default_rng(0).choice(len(files), max_per_class, replace=False)
            files = [files[i] for i in sorted(pick)]
        decoded = []
        for digest, result in _decode_all(files, size):
            if isinstance(result, ImageSkip):
                skipped[result.reason] += 1
            elif digest in seen:
                # byte-identical copies (openclipart files two folders) would leak across splits
                skipped["duplicate"] += 1
            else:
                seen.add(digest)
                decoded.append(result)
        if not decoded:
            if strict:
                raise DataError(f"{class_dir}: no readable images in class folder")
            skipped["small_class"] += 1
            continue
        labels += [len(names)] * len(decoded)
        images += decoded
        names.append(class_dir.name)
    if len(names) < 2:
        found = f" (only {names[0]!r})" if names else ""
        raise DataError(f"{root}: a domain needs at least 2 classes with images{found}")
    return RawDomain(np.stack(images), np.array(labels), names, dict(skipped))


def _to_uint8(images: np.ndarray, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Convert to uint8 0..255; returns (images, mask of usable images)."""
    if images.dtype == np.uint8:
        return images, np.ones(len(images), dtype=bool)
    if images.dtype.kind not in "fiub":
        raise DataError(f"{path}: 'images' must be numeric, got dtype {images.dtype}")
    x = images.astype(np.float64)
    finite = np.isfinite(x.reshape(len(x), -1)).all(axis=1)
    valid = x[finite]
    # floats in 0..1 are scaled; anything else is taken as 0..255
    scale = 255.0 if images.dtype.kind == "f" and valid.size and valid.max() <= 1.0 else 1.0
    x = np.where(np.isfinite(x), x, 0.0)
    return np.clip(np.rint(x * scale), 0, 255).astype(np.uint8), finite


def load_npz_domain(path: str | Path) -> RawDomain:
    """Read arrays ``images`` (N,H,W), (N,H,W,1|3) or (N,1|3,H,W) and ``labels`` (N,).

    Optional ``class_names`` (K,) names labels 0..K-1; otherwise labels may be any
    integers and are renumbered in sorted order (names = the original values).
    Images with NaN/inf pixels are skipped and counted as corrupt.
    """
    path = Path(path)
    try:
        # allow_pickle=False: an .npz from a user is data, never code
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise DataError(f"{path}: cannot read as .npz ({err.__class__.__name__}: {err})") from None
    for key in ("images", "labels"):
        if key not in arrays:
            raise DataError(f"{path}: missing array {key!r} (found: {', '.join(sorted(arrays)) or 'none'})")
    images, labels = arrays["images"], arrays["labels"]
    if images.ndim == 4 and images.shape[1] in (1, 3) and images.shape[3] not in (1, 3):
        images = images.transpose(0, 2, 3, 1)  # channel-first -> channel-last
    if images.ndim == 4 and images.shape[3] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[3] != 3):
        raise DataError(f"{path}: 'images' must be (N,H,W), (N,H,W,1|3) or (N,1|3,H,W), got {images.shape}")
    labels = labels.reshape(-1)
    if len(labels) != len(images):
        raise DataError(f"{path}: {len(images)} images but {len(labels)} labels")
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind == "f" and np.all(np.isfinite(labels)) and np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
        else:
            raise DataError(f"{path}: 'labels' must be integers, got dtype {labels.dtype}")
    images, usable = _to_uint8(images, path)
    skipped = {"corrupt": int((~usable).sum())} if not usable.all() else {}
    images, labels = images[usable], labels[usable].astype(np.int64)
    if "class_names" in arrays:
        names = [str(n) for n in arrays["class_names"].reshape(-1)]
        if len(labels) and (labels.min() < 0 or labels.max() >= len(names)):
            raise DataError(f"{path}: labels outside 0..{len(names) - 1} given {len(names)} class_names")
        present = np.unique(labels)
        if len(present) < len(names):
            missing = [names[i] for i in range(len(names)) if i not in set(present.tolist())]
            raise DataError(f"{path}: class {missing[0]!r} has no images")
    else:
        values, labels = np.unique(labels, return_inverse=True)
        names = [str(v) for v in values]
    if len(names) < 2:
        raise DataError(f"{path}: a domain needs at least 2 classes, found {len(names)}")
    return RawDomain(images, labels.astype(np.int64), names, skipped)
