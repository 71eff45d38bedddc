"""Where the caches live and what their keys are made of.

Cache root
----------
Every cache lives below one root folder: ``designs/`` (converted FINN designs),
``points/`` (finished sweep points of ``codesign compare``) and ``domains/`` (prepared
data splits). :func:`cache_root` picks the root, first match wins:

1. the value given explicitly (a command's ``--cache-dir``);
2. the environment variable ``CODESIGN_CACHE_DIR``, when set and not empty;
3. ``.cache`` in the current working directory (the default).

Keys
----
A cache entry is keyed by everything its result depends on: its inputs (file contents,
via :func:`file_sha256`), the versions of the tools that compute it
(:func:`tool_versions`) and the source of the codesign code that computes it
(:func:`code_digest` over the parts declared below, per cache kind). Editing a cost
model therefore invalidates estimates, and only estimates; no constant is bumped by hand.
:func:`payload_sha256` digests the parts together into the key.
This module imports nothing heavy (no torch, no FINN): keys are cheap to compute.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# The rest of the store, one import away: atomic writes and where shipped files live.
from codesign.store.atomic import (  # noqa: F401 (re-exported)
    OutputGroup, atomic_file, atomic_folder, atomic_write_bytes, atomic_write_json, atomic_write_text, fresh_folder,
    remove_stale_temporaries, replace_folder, temp_path)
from codesign.store.shipped import checkout_root, resolve_shipped, shipped_dir  # noqa: F401 (re-exported)

CACHE_DIR_ENV = "CODESIGN_CACHE_DIR"
DEFAULT_CACHE_NAME = ".cache"  # below the current working directory

# The packages whose versions are part of every key (one list for the whole project):
# FINN and its QONNX/ONNX graph formats convert, Brevitas/torch quantise and train,
# numpy computes the data and several estimates.
TOOL_PACKAGES = ("finn-plus", "brevitas", "qonnx", "onnx", "torch", "numpy")

# Which codesign code computes each cache kind's results. An edit to any source file
# below these invalidates that kind's entries, and no other kind's. Each list is the
# import closure of the code path that computes the result (tests/test_store.py checks
# it against the imports), less SHARED_PLUMBING.

# Converted designs: the Brevitas model (models, adapters, assembled by network) built
# from the spec (specs), exported and converted by FINN (finn), labelled
# fixed/reconfigurable (graph).
DESIGN_CODE = ("codesign.adapters", "codesign.finn", "codesign.graph", "codesign.models", "codesign.network",
               "codesign.specs")
# Estimate points: a design, costed by the resource/throughput/energy models (cost),
# through estimate_design (cost/design.py), driven by compare/work.py and stored as an
# EstimateSummary (cost/summary.py, a record of codesign.records). The calibration code
# (cost/calibration.py, cost/calibration_files.py) is part of cost; the calibration
# file's content is keyed by its SHA-256 in each point's key (compare/plan.py).
ESTIMATE_CODE = DESIGN_CODE + ("codesign.compare.work", "codesign.cost", "codesign.records")
# Train points: prepared data, k-shot subsets and label noise (data), the model (models,
# adapters, network, specs), the training loop and run plan (train), driven by compare/work.py and
# stored as a TrainPointResult (compare/outcomes.py, codesign.records, train/record.py).
# FINN and the cost models play no part in training.
TRAIN_CODE = ("codesign.adapters", "codesign.compare.outcomes", "codesign.compare.work", "codesign.data",
              "codesign.models", "codesign.network", "codesign.records", "codesign.specs", "codesign.train")
# Prepared domain splits (codesign.data.prepare_domain): the loaders, the renderers and
# the split rules (the fixed test split among them) all live in codesign.data.
DATA_CODE = ("codesign.data",)
# Imported on those paths but unable to change a number: messages, atomic writes, option
# checks, the name registry, where shipped files are (their contents are hashed into the
# keys) and this module (keys). Left out of the digests so that editing them keeps the caches.
SHARED_PLUMBING = ("codesign.commands.arguments", "codesign.errors", "codesign.plugins", "codesign.registry",
                   "codesign.store")

# The installed codesign package's folder; a test points it at an edited copy.
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def cache_root(explicit: str | Path | None = None) -> Path:
    """The cache root (absolute): ``explicit``, else ``$CODESIGN_CACHE_DIR``, else ./.cache."""
    if explicit is not None and str(explicit) != "":
        chosen = Path(explicit)
    elif os.environ.get(CACHE_DIR_ENV):
        chosen = Path(os.environ[CACHE_DIR_ENV])
    else:
        chosen = Path.cwd() / DEFAULT_CACHE_NAME
    return chosen.expanduser().absolute()


def designs_dir(root: str | Path) -> Path:
    """Converted designs (codesign.graph.cache)."""
    return Path(root) / "designs"


def points_dir(root: str | Path) -> Path:
    """Finished sweep points (codesign.compare.points.PointCache)."""
    return Path(root) / "points"


def domains_dir(root: str | Path) -> Path:
    """Prepared domain splits (codesign.data.prepare_domain)."""
    return Path(root) / "domains"


def file_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB chunks (weights files are large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def payload_sha256(payload) -> str:
    """SHA-256 (hex) of a JSON-serialisable payload with its keys sorted: the digest of a
    cache key's parts (anything JSON cannot write, e.g. a Path, is written as str)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def package_version(package: str) -> str:
    """The installed version of a distribution ("not installed" when absent)."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


@functools.lru_cache(maxsize=None)
def tool_versions() -> dict[str, str]:
    """Installed version of each of TOOL_PACKAGES ("not installed" when absent)."""
    return {package: package_version(package) for package in TOOL_PACKAGES}


def _source_files(root: Path, name: str) -> list[Path]:
    """Every .py file of module or (sub-)package ``name`` ("codesign.cost") below ``root``."""
    parts = name.split(".")
    if parts[0] != "codesign":
        raise ValueError(f"code_digest: expected a codesign module or package, got {name!r}")
    base = root.joinpath(*parts[1:])
    if base.is_dir():
        return sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)
    if base.with_suffix(".py").is_file():
        return [base.with_suffix(".py")]
    raise ValueError(f"code_digest: no module or package {name!r} in {root}")


@functools.lru_cache(maxsize=None)
def _digest(root: Path, names: tuple[str, ...]) -> str:
    files = sorted({f for name in names for f in _source_files(root, name)})
    digest = hashlib.sha256()
    for path in files:
        data = path.read_bytes()
        # path and length first: moving code between files changes the digest too
        digest.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def code_digest(*names: str) -> str:
    """SHA-256 over the source of codesign modules/sub-packages (``"codesign.cost"``).

    Reads the files (sorted relative paths and contents of every .py below each name)
    without importing them; memoised per process, so a long run keys every entry by the
    code it started with."""
    if not names:
        raise ValueError("code_digest: expected at least one codesign module or package")
    return _digest(PACKAGE_ROOT, tuple(sorted(set(names))))
