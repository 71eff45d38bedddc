"""Estimate one design: ``estimate_design(graph, device, ...) -> (Estimate, Estimator)``.

It lives in codesign.cost.design, below codesign.compare, whose estimate points call it
too (the api layer sits above compare: its ``compare`` runs one); this module is its
place in the api.
"""

from __future__ import annotations

from codesign.cost.design import estimate_design

__all__ = ["estimate_design"]
