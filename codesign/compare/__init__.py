"""``codesign compare``: architectures side by side on the same domains and device.

Data flow: plan.py expands the arguments into points (one hardware estimate per
architecture, one training run per architecture x domain x seed x setting; the domains
prepared once, prepared.py), each keyed by the content it depends on; runner.py takes
finished points from the cache (points.py) and runs the rest on an executor
(executors.py: local processes or Dask), work.py being what a point computes and
outcomes.py what comes back (a typed record, or the kind of failure); finished.py
gathers the records, analysis.py and verdict.py turn them into the ``CompareResult``
(result.py: budget checks, Decathlon-style scores, Pareto fronts, verdict), which is
``compare.json`` (formats.py: its versions) and what codesign.report renders.
codesign.api.compare runs all of it and writes the report.
"""

from codesign.compare.budget import Budget, BudgetError, parse_budget
from codesign.compare.plan import CompareConfig, CompareError
from codesign.compare.runner import run_compare

__all__ = ["Budget", "BudgetError", "CompareConfig", "CompareError", "parse_budget", "run_compare"]
