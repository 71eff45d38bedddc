"""Estimate a model the user already has (docs/imported-models.md):

    estimate_qonnx(path, reconfigurable=[...], device=...)            -> (Estimate, Estimator)
    estimate_module(module, per_domain, input_shape, device=...)      -> (Estimate, Estimator)

The same split, interconnect, cost and switch analysis as ``estimate_design`` for a
codesign spec: the model is converted and labelled (:mod:`codesign.graph.imported`,
cached by content), specialised for the device's part and handed to the ``Estimator``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from codesign.cost.design import say
from codesign.errors import InputError

__all__ = ["estimate_module", "estimate_qonnx", "parse_patterns"]


def parse_patterns(reconfigurable: str | Sequence[str], option: str = "reconfigurable") -> list[str]:
    """``"a,b"`` or ``["a", "b"]`` -> ["a", "b"]; an ``InputError`` naming ``option`` if empty."""
    items = reconfigurable.split(",") if isinstance(reconfigurable, str) else list(reconfigurable or [])
    if not all(isinstance(p, str) for p in items):
        raise InputError(f"{option}: expected glob patterns (strings), got {reconfigurable!r}")
    patterns = [p.strip() for p in items]
    if not patterns or not all(patterns):
        raise InputError(f"{option}: expected PATTERN[,PATTERN] (module scopes or initializer names, "
                         f"fnmatch globs), got {reconfigurable!r}")
    return patterns


def _designs(cache_dir: str | Path | None, use_cache: bool) -> Path | None:
    from codesign.store import cache_root, designs_dir

    if not use_cache:
        return None
    return Path(cache_dir) if cache_dir is not None else designs_dir(cache_root(None))


def _estimate(generic, device, target_fps, require_fit, calibration, limits, folding_config=None):
    """The converted model specialised for the device's part, then as ``estimate_design``."""
    from codesign.cost.design import estimate_hardware
    from codesign.graph.design import specialise_design
    from codesign.specs.device import load_device

    dev = load_device(device)
    return estimate_hardware(specialise_design(generic, dev.part), dev, target_fps, require_fit, calibration,
                             limits, folding_config)


def qonnx_design(path: str | Path, reconfigurable: str | Sequence[str], fpgapart: str,
                 cache_dir: str | Path | None = None, use_cache: bool = True, parallel: bool = True,
                 progress: Callable[[str], None] = say, option: str = "reconfigurable"):
    """The converted, labelled QONNX file specialised for ``fpgapart`` (a HardwareDesign:
    what ``codesign explore`` re-folds)."""
    from codesign.graph.design import specialise_design
    from codesign.graph.imported import qonnx_generic

    patterns = parse_patterns(reconfigurable, option)
    generic = qonnx_generic(path, patterns, _designs(cache_dir, use_cache), parallel, progress, option)
    return specialise_design(generic, fpgapart)


def estimate_qonnx(path: str | Path, reconfigurable: str | Sequence[str], device, target_fps: float | None = None,
                   cache_dir: str | Path | None = None, use_cache: bool = True, require_fit: bool = False,
                   parallel: bool = True, progress: Callable[[str], None] = say, calibration=None,
                   limits: dict[str, float] | None = None, option: str = "reconfigurable", folding_config=None):
    """``(Estimate, Estimator)`` of a QONNX file whose domain-owned parts ``reconfigurable``
    names (fnmatch globs over module scopes, node names, else initializer names;
    :mod:`codesign.graph.imported_probe`). ``cache_dir``: the converted designs' folder
    (default: ``designs/`` of the cache root); ``folding_config``: a FINN folding config
    (or its file) estimated as it is; the other arguments as ``estimate_design``."""
    from codesign.graph.imported import qonnx_generic

    patterns = parse_patterns(reconfigurable, option)
    generic = qonnx_generic(path, patterns, _designs(cache_dir, use_cache), parallel, progress, option)
    return _estimate(generic, device, target_fps, require_fit, calibration, limits, folding_config)


def estimate_module(module, per_domain, input_shape: Sequence[int], device, target_fps: float | None = None,
                    cache_dir: str | Path | None = None, use_cache: bool = True, require_fit: bool = False,
                    parallel: bool = True, progress: Callable[[str], None] = say, calibration=None,
                    limits: dict[str, float] | None = None, folding_config=None):
    """``(Estimate, Estimator)`` of a Brevitas ``nn.Module`` (left unchanged). ``per_domain``:
    a predicate ``(name, tensor) -> bool`` over its parameters and BN statistics, or
    module names PEFT-style (a name or dotted suffix selects everything under it);
    ``input_shape``: (batch, channels, height, width) of the export; the rest as
    ``estimate_qonnx``."""
    from codesign.graph.imported_module import module_generic

    generic = module_generic(module, per_domain, input_shape, _designs(cache_dir, use_cache), parallel, progress)
    return _estimate(generic, device, target_fps, require_fit, calibration, limits, folding_config)
