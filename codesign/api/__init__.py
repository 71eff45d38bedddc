"""The library layer under the commands: one call per job, each returning typed records.

    estimate_design(graph, device, ...)        -> (Estimate, Estimator)     api/estimate.py
    prepare_study(...) + train_study(...)      -> StudyResult               api/train.py
    build_domain_set(graph, device, ...)       -> BuildResult               api/build.py
    compare(config, ...)                       -> ComparisonRun             api/comparison.py
    estimate_qonnx(path, reconfigurable, ...)  -> (Estimate, Estimator)     api/imported.py
    estimate_module(module, per_domain, ...)   -> (Estimate, Estimator)     api/imported.py

``codesign.commands`` parse arguments, call these and print; ``codesign compare``'s
points call ``estimate_design`` too, so a comparison's estimate is ``codesign
estimate``'s. The functions are imported on first use (PEP 562): importing this package
loads neither torch nor FINN, and no module under it imports the package back.
"""

from __future__ import annotations

import importlib

_WHERE = {"estimate_design": "estimate", "prepare_study": "train", "train_study": "train",
          "StudyPlan": "train", "StudyResult": "train", "build_domain_set": "build", "compare": "comparison",
          "ComparisonRun": "comparison", "estimate_qonnx": "imported", "estimate_module": "imported"}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'codesign.api' has no attribute {name!r}")
    return getattr(importlib.import_module(f"codesign.api.{_WHERE[name]}"), name)
