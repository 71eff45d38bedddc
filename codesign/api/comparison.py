"""Compare architectures on the same domains and device, and write the report.

``compare(config)`` plans the points, takes finished ones from the cache, runs the rest
(codesign.compare), judges the architectures against the budget and writes
``report.html``, ``report.md``, ``plots/`` and ``compare.json`` into ``config.out``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from codesign.compare.plan import CompareConfig, say
from codesign.compare.result import CompareResult


@dataclass
class ComparisonRun:
    result: CompareResult
    written: dict[str, Path] = field(default_factory=dict)  # report file (relative name) -> path written


def compare(config: CompareConfig, command: str = "", progress: Callable[[str], None] = say,
            write: bool = True, image_format: str = "png") -> ComparisonRun:
    """Run the comparison ``config`` describes; with ``write``, its report into ``config.out``
    (figures as ``image_format``: png or svg). ``command`` is the command line the report shows."""
    from codesign.compare.runner import run_compare
    from codesign.report.writer import write_report

    result = run_compare(config, command, progress)
    written = write_report(result, Path(config.out), image_format) if write else {}
    return ComparisonRun(result, written)
