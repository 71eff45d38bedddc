"""``report.md``: the report as GitHub-flavoured Markdown, figures as relative PNG (or SVG) links."""

from __future__ import annotations

from codesign.compare.result import CompareResult
from codesign.report.blocks import Bullets, Figure, Paragraph, Table, Verdict
from codesign.report.sections import build_sections, report_title

VERDICT_LABEL = {"ok": "VERDICT", "infeasible": "VERDICT: INFEASIBLE", "undecided": "VERDICT: UNDECIDED"}


def _text(text: str) -> str:
    # "<" would start raw HTML in most Markdown viewers (an architecture named "<b>x")
    return str(text).replace("<", "&lt;")


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|").replace("\n", " ")


def _table(table: Table) -> list[str]:
    numeric = table.numeric + [False] * (len(table.header) - len(table.numeric))
    lines = ["| " + " | ".join(_cell(h) for h in table.header) + " |",
             "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return lines + ["", f"*{_text(table.caption)}*"]


def _verdict(verdict: Verdict) -> list[str]:
    lines = [f"> **{VERDICT_LABEL.get(verdict.status, 'VERDICT')} — {_text(verdict.headline)}**"]
    for line in verdict.lines:
        lines += [">", f"> {_text(line)}"]
    return lines


def render_markdown(result: CompareResult, images: dict[str, str]) -> str:
    """The report as Markdown; ``images`` maps plot name -> image path relative to report.md.

    A figure whose plot is not in ``images`` is left out (its section's tables remain).
    """
    out = [f"# {_text(report_title(result))}", ""]
    device = result.device
    out += [f"Created {_text(result.created or '—')} on {_text(device.name or '—')} "
            f"({_text(device.part or '—')}, {device.clock_mhz or '—'} MHz). "
            "Figures are in `plots/`; the data of every table is in `compare.json`.", ""]
    out += section_lines(build_sections(result), images)
    return "\n".join(out).rstrip("\n") + "\n"


def section_lines(sections: list, images: dict[str, str]) -> list[str]:
    """Markdown lines of report sections (a comparison's or the study's); ``images`` maps
    plot name -> image path (a figure whose plot is absent is left out)."""
    out: list[str] = []
    for section in sections:
        out += [f"## {_text(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, Verdict):
                out += _verdict(block)
            elif isinstance(block, Table):
                out += _table(block)
            elif isinstance(block, Figure):
                if block.plot not in images:
                    continue
                out += [f"![{_cell(block.caption)}]({images[block.plot]})", "", f"*{_text(block.caption)}*"]
            elif isinstance(block, Bullets):
                out += [f"- {_text(item)}" for item in block.items]
            elif isinstance(block, Paragraph) and block.code:
                out += ["```", str(block.text), "```"]  # verbatim: no escaping inside a code fence
            elif isinstance(block, Paragraph):
                out.append(f"*{_text(block.text)}*" if block.note else _text(block.text))
            out.append("")
    return out
