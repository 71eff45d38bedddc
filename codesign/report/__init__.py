"""The report of ``codesign compare``: figures, ``report.md``, ``report.html`` and ``compare.json``.

``write_report(result, out_dir)`` (writer.py) takes the comparison's ``CompareResult``
and renders everything from it alone. Layers, each importing only those below it:
blocks.py (format-neutral content) and fmt.py (number formatting); sections_results.py
and sections.py (the report's sections from the result); plots_sweeps.py, plots.py
(figures, figure.py); markdown.py and html.py (layout); writer.py (the files). No module
here imports this package back.
"""

from codesign.report.writer import write_report

__all__ = ["write_report"]
