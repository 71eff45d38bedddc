"""``report.html``: one self-contained page (inline CSS, PNG or SVG figures as base64 data URIs).

Nothing is fetched when the page opens: no scripts, web fonts or external URLs, so the
file can be mailed or archived alone. Every piece of text from the document is escaped.
"""

from __future__ import annotations

import base64
from html import escape

from codesign.compare.result import CompareResult
from codesign.report.blocks import Bullets, Figure, Paragraph, Section, Table, Verdict
from codesign.report.sections import build_sections, report_title

VERDICT_LABEL = {"ok": "Verdict", "infeasible": "Verdict: infeasible", "undecided": "Verdict: undecided"}

# System fonts only: a web font would be an external fetch.
CSS = """
:root { --ok: #2e7d32; --bad: #c62828; --warn: #b26a00; --ink: #1d2125; --muted: #5f6b76; --rule: #d8dee4; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f8fa; color: var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; min-height: 100vh; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
p.meta { color: var(--muted); margin: 0 0 16px; font-size: 13px; }
nav.toc { font-size: 13px; color: var(--muted); margin: 0 0 18px; }
nav.toc a { color: #0b5cad; text-decoration: none; margin-right: 12px; white-space: nowrap; }
.verdict { border: 1px solid; border-left-width: 8px; border-radius: 6px; padding: 12px 18px; margin: 8px 0 14px; }
.verdict.ok { background: #edf7ee; border-color: var(--ok); }
.verdict.infeasible { background: #fdeeee; border-color: var(--bad); }
.verdict.undecided { background: #fff6e0; border-color: var(--warn); }
.verdict .label { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; font-weight: 700; }
.verdict.ok .label { color: var(--ok); } .verdict.infeasible .label { color: var(--bad); }
.verdict.undecided .label { color: var(--warn); }
.verdict .headline { font-size: 19px; font-weight: 700; margin: 2px 0 6px; }
.verdict ul { margin: 4px 0 0; padding-left: 20px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
p.caption { color: var(--muted); font-size: 12px; margin: 6px 0 0; max-width: 1100px; }
.table-block { margin: 10px 0 20px; }
th, td { border: 1px solid var(--rule); padding: 4px 7px; vertical-align: top; }
th { background: #eef1f4; text-align: left; font-weight: 600; }
tbody tr:nth-child(even) td { background: #fafbfc; }
th.num { text-align: right; }
td.num { text-align: right; white-space: nowrap; }
.figures { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 18px; margin: 12px 0 18px; }
figure { margin: 0; }
figure.key, figure.solo { grid-column: 1 / -1; }
figure img { width: 100%; height: auto; border: 1px solid var(--rule); border-radius: 4px; display: block; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
p.note { color: var(--muted); font-style: italic; }
pre { background: #f1f3f5; padding: 8px 12px; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere;
      font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; }
ul.plain { padding-left: 20px; } ul.plain li { margin: 2px 0; overflow-wrap: anywhere; }
"""


def _table(table: Table) -> str:
    numeric = table.numeric + [False] * (len(table.header) - len(table.numeric))
    head = "".join(f'<th{" class=num" if n else ""}>{escape(h)}</th>' for h, n in zip(table.header, numeric))
    body = "".join("<tr>" + "".join(f'<td{" class=num" if n else ""}>{escape(c)}</td>'
                                    for c, n in zip(row, numeric)) + "</tr>\n" for row in table.rows)
    # the caption sits below the table as a paragraph: a <caption> would wrap at the table's width
    return (f'<div class="table-block"><div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
            f'<tbody>\n{body}</tbody></table></div><p class="caption">{escape(table.caption)}</p></div>')


def _verdict(verdict: Verdict) -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in verdict.lines)
    return (f'<div class="verdict {escape(verdict.status)}"><div class="label">'
            f"{escape(VERDICT_LABEL.get(verdict.status, 'Verdict'))}</div>"
            f'<div class="headline">{escape(verdict.headline)}</div><ul>{items}</ul></div>')


def _figures(figures: list[Figure], pngs: dict[str, bytes], first_is_key: bool) -> str:
    parts = []
    shown = [f for f in figures if f.plot in pngs]
    for i, fig in enumerate(shown):
        png = pngs[fig.plot]
        data = base64.b64encode(png).decode("ascii")
        css = "key" if first_is_key and i == 0 else ("solo" if len(shown) == 1 else "")
        # never wider than drawn (PNG width in px from its IHDR chunk): upscaled plots look blurred;
        # an SVG scales cleanly
        width_px = int.from_bytes(png[16:20], "big") if png[12:16] == b"IHDR" else 0
        style = f' style="max-width: {width_px}px"' if width_px else ""
        mime = "image/png" if png.startswith(b"\x89PNG") else "image/svg+xml"
        parts.append(f'<figure class="{css}"{style}><img alt="{escape(fig.caption)}" '
                     f'src="data:{mime};base64,{data}"><figcaption>{escape(fig.caption)}</figcaption></figure>')
    return f'<div class="figures">{"".join(parts)}</div>' if parts else ""


def section_html(section: Section, pngs: dict[str, bytes]) -> str:
    out = [f'<section id="{escape(section.key)}"><h2>{escape(section.title)}</h2>']
    figures: list[Figure] = []
    for block in section.blocks + [None]:  # None flushes a trailing run of figures
        if isinstance(block, Figure):
            figures.append(block)
            continue
        if figures:  # consecutive figures share one grid
            out.append(_figures(figures, pngs, first_is_key=section.key == "pareto"))
            figures = []
        if isinstance(block, Verdict):
            out.append(_verdict(block))
        elif isinstance(block, Table):
            out.append(_table(block))
        elif isinstance(block, Bullets):
            out.append('<ul class="plain">' + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Paragraph) and block.code:
            out.append(f"<pre>{escape(block.text)}</pre>")
        elif isinstance(block, Paragraph):
            out.append(f'<p{" class=note" if block.note else ""}>{escape(block.text)}</p>')
    return "\n".join(out) + "</section>"


def render_html(result: CompareResult, pngs: dict[str, bytes]) -> str:
    """The whole report as one HTML page; ``pngs`` maps plot name -> PNG or SVG bytes (absent: not shown)."""
    sections = build_sections(result)
    device = result.device
    title = report_title(result)
    meta = (f"Created {result.created or '—'} by codesign {result.codesign_version or '—'} · device "
            f"{device.name or '—'} ({device.part or '—'}, {device.clock_mhz or '—'} MHz) · "
            f"{len(result.architectures)} architectures × {len(result.domains)} domains")
    toc = " ".join(f'<a href="#{escape(s.key)}">{escape(s.title)}</a>' for s in sections)
    body = "\n".join(section_html(s, pngs) for s in sections)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            f"<h1>{escape(title)}</h1>\n<p class=\"meta\">{escape(meta)}</p>\n"
            f'<nav class="toc">{toc}</nav>\n{body}\n</main>\n</body>\n</html>\n')
