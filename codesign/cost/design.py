"""A graph spec's design on a device, estimated: conversion (cached) + :class:`Estimator`.

The one place a spec and a device become an ``Estimate``: ``codesign estimate`` (through
codesign.api) and every estimate point of ``codesign compare`` call it. The conversion
is cached (codesign.graph.cache, keyed by content); folding and estimating take well
under a second.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable


def say(message: str) -> None:
    """Progress of a conversion, on stderr (stdout keeps the result)."""
    print(f"[codesign] {message}", file=sys.stderr, flush=True)


def estimate_design(graph, device, target_fps: float | None = None, checkpoint=None, classes: int = 10,
                    cache_dir: str | Path | None = None, use_cache: bool = True, require_fit: bool = False,
                    parallel: bool = True, progress: Callable[[str], None] = say, calibration=None,
                    limits: dict[str, float] | None = None, folding_config=None):
    """``(Estimate, Estimator)`` of a spec (GraphSpec, path or shipped name) on a device (path or name).

    ``cache_dir``: the converted designs' folder (default: ``designs/`` of the cache root);
    ``use_cache=False`` converts again. ``target_fps`` None folds for the fastest design
    that fits (and meets ``limits``); ``require_fit`` raises when none fits the device.
    ``parallel``: the domain's and the probe's conversions in two processes (False inside
    a worker that may not fork).
    ``calibration``: a codesign.cost.calibration_files.LoadedCalibration (None: the
    device spec's, else the shipped one). ``limits``: resource -> most it may use (besides
    the device's capacity), met by the fastest folding when ``target_fps`` is None.
    ``folding_config``: a FINN folding config (a codesign.cost.folding_config.FoldingConfig
    or its file) estimated exactly as it is (no folding search; ``target_fps`` is ignored)."""
    from codesign.graph.cache import DEFAULT_CACHE, get_design
    from codesign.specs.device import load_device
    from codesign.specs.graph import GraphSpec, load_graph

    # a GraphSpec as it is (e.g. with ``--input-size`` applied), else a path or shipped name
    spec = graph if isinstance(graph, GraphSpec) else load_graph(graph)
    dev = load_device(device)
    designs = (Path(cache_dir) if cache_dir else DEFAULT_CACHE) if use_cache else None
    design = get_design(spec, dev.part, checkpoint, classes, cache_dir=designs, progress=progress,
                        parallel=parallel)
    return estimate_hardware(design, dev, target_fps, require_fit, calibration, limits, folding_config)


def estimate_hardware(design, dev, target_fps: float | None = None, require_fit: bool = False, calibration=None,
                      limits: dict[str, float] | None = None, folding_config=None):
    """``(Estimate, Estimator)`` of a converted, specialised design (codesign.graph.design
    HardwareDesign) on a loaded device: folded for ``target_fps`` (None: the fastest that
    fits), or exactly as ``folding_config`` (a FoldingConfig or its file) says. Shared by
    codesign specs (above) and imported models (codesign.api.imported)."""
    from codesign.cost.estimate import Estimator

    estimator = Estimator(design, dev, calibration=calibration, limits=limits)
    if folding_config is None:
        return estimator.estimate(target_fps, require_fit=require_fit), estimator
    from codesign.cost.folding_checks import apply_folding_config
    from codesign.cost.folding_config import read_folding_config

    if isinstance(folding_config, (str, Path)):
        folding_config = read_folding_config(folding_config)
    folding = apply_folding_config(design, folding_config)
    estimate = estimator.estimate(None, require_fit=require_fit, folding=folding)
    estimate.folding_source = folding_config.path
    return estimate, estimator
