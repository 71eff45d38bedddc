"""Writing a comparison's report: ``plots/*.png`` (or ``*.svg``), ``compare.json``, ``report.html``, ``report.md``.

Everything is rendered from the ``CompareResult`` alone, so a report can be re-rendered
from a saved ``compare.json`` (codesign.compare.result.read_result) without recomputing.
"""

from __future__ import annotations

from pathlib import Path

from codesign.compare.result import CompareResult
from codesign.report.figure import IMAGE_FORMATS
from codesign.report.html import render_html
from codesign.report.markdown import render_markdown
from codesign.report.plots import PLOTS, render_plots
from codesign.store import atomic_write_bytes, atomic_write_text

PLOTS_DIR = "plots"  # figures for report.md, relative to the output folder


def write_report(result: CompareResult, out_dir: str | Path, image_format: str = "png") -> dict[str, Path]:
    """Write ``plots/*.png`` (``image_format="svg"``: ``*.svg``), ``compare.json``, ``report.html``
    and ``report.md`` into ``out_dir``.

    Everything is rendered in memory first, so a failing renderer writes nothing. Each
    file is then replaced atomically, figures and JSON before the two reports, so a run
    killed half-way never leaves a report that points at missing figures. Returns
    ``{relative name: path}`` of every file written.
    """
    out = Path(out_dir)
    pngs = render_plots(result, image_format)
    images = {name: f"{PLOTS_DIR}/{name}.{image_format}" for name in pngs}
    json_text = result.to_json()
    html_text = render_html(result, pngs)
    md_text = render_markdown(result, images)

    (out / PLOTS_DIR).mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, png in pngs.items():
        written[images[name]] = atomic_write_bytes(out / images[name], png)
    written["compare.json"] = atomic_write_text(out / "compare.json", json_text)
    written["report.html"] = atomic_write_text(out / "report.html", html_text)
    written["report.md"] = atomic_write_text(out / "report.md", md_text)
    # a figure from an earlier report in this folder that this document has no data for
    # (e.g. no sweep this time) goes only now, once no written report links to it
    # (or in the other image format)
    for name in PLOTS:
        for ext in IMAGE_FORMATS:
            if name not in pngs or ext != image_format:
                (out / PLOTS_DIR / f"{name}.{ext}").unlink(missing_ok=True)
    return written
