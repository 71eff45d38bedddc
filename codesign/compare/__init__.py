"""``codesign compare``: architectures side by side on the same domains and device.

Data flow: plan.py expands the arguments into points (one hardware estimate per
architecture, one training run per architecture x domain x seed x setting), each keyed
by the content it depends on; runner.py takes finished points from the cache
(points.py) and runs the rest on an executor (executors.py: local processes or Dask),
work.py being what a point computes; analysis.py turns the results into the
comparison document (budget verdict, Pareto fronts), which codesign.report renders.
"""

from codesign.compare.budget import Budget, BudgetError, parse_budget
from codesign.compare.plan import CompareConfig, CompareError
from codesign.compare.runner import run_compare

__all__ = ["Budget", "BudgetError", "CompareConfig", "CompareError", "parse_budget", "run_compare"]
