"""The format-neutral content of a report: sections made of paragraphs, lists, tables,
figures and a verdict box. ``sections.py`` builds them from the comparison document;
``markdown.py`` and ``html.py`` only lay them out, so both files always say the same.

All text here is plain (unescaped) text; each renderer escapes it for its format.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False  # a remark about missing data rather than a result
    code: bool = False  # a command line, shown verbatim in a monospaced block


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    caption: str  # what the numbers are, with units, and where they come from
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)  # right-align these columns


@dataclass(frozen=True)
class Figure:
    plot: str  # key in the plot dictionary (see plots.PLOTS)
    caption: str


@dataclass(frozen=True)
class Verdict:
    status: str  # "ok": a best architecture meets the budget; "infeasible"; "undecided": no best
    headline: str
    lines: list[str]


Block = Paragraph | Bullets | Table | Figure | Verdict


@dataclass(frozen=True)
class Section:
    key: str  # stable anchor / identifier
    title: str
    blocks: list[Block]
