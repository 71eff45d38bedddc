"""The report of ``codesign compare``: figures, ``report.md``, ``report.html`` and ``compare.json``.

``write_report(doc, out_dir)`` takes the comparison document (the schema written to
``compare.json``) and renders everything from it alone, so a report can be re-rendered
from a saved ``compare.json`` without recomputing anything.
"""

from __future__ import annotations

import json
from pathlib import Path

from codesign.store import atomic_write_bytes, atomic_write_text
from codesign.report.html import render_html
from codesign.report.markdown import render_markdown
from codesign.report.plots import PLOTS, render_plots

PLOTS_DIR = "plots"  # PNGs for report.md, relative to the output folder


def write_report(doc: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write ``plots/*.png``, ``compare.json``, ``report.html`` and ``report.md`` into ``out_dir``.

    Everything is rendered in memory first, so a failing renderer writes nothing. Each
    file is then replaced atomically, figures and JSON before the two reports, so a run
    killed half-way never leaves a report that points at missing figures. Returns
    ``{relative name: path}`` of every file written.
    """
    out = Path(out_dir)
    pngs = render_plots(doc)
    images = {name: f"{PLOTS_DIR}/{name}.png" for name in pngs}
    json_text = json.dumps(doc, indent=2) + "\n"
    html_text = render_html(doc, pngs)
    md_text = render_markdown(doc, images)

    (out / PLOTS_DIR).mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, png in pngs.items():
        written[images[name]] = atomic_write_bytes(out / images[name], png)
    written["compare.json"] = atomic_write_text(out / "compare.json", json_text)
    written["report.html"] = atomic_write_text(out / "report.html", html_text)
    written["report.md"] = atomic_write_text(out / "report.md", md_text)
    # a figure from an earlier report in this folder that this document has no data for
    # (e.g. no sweep this time) goes only now, once no written report links to it
    for name in PLOTS:
        if name not in pngs:
            (out / PLOTS_DIR / f"{name}.png").unlink(missing_ok=True)
    return written


__all__ = ["write_report", "render_html", "render_markdown", "render_plots"]
