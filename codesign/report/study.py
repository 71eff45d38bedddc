"""The study report: several comparisons (one per backbone and device) merged into one
folder with the seed-claims table: ``study.json`` (a ``StudyReport``), ``report.md``,
``report.html``, and each comparison's own report folder copied beside them.

Rendered from the comparisons' ``compare.json`` files alone (codesign.compare.result.read_result),
so the study report can be rebuilt without recomputing anything.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from codesign.compare.claims import study_claims
from codesign.compare.claims_records import ClaimsTable
from codesign.compare.result import CompareResult, read_result
from codesign.errors import InputError
from codesign.records import OMIT_IF_NONE, Record
from codesign.report.blocks import Bullets, Paragraph, Section
from codesign.report.html import CSS, section_html
from codesign.report.markdown import _text, section_lines
from codesign.report.sections import headline_section
from codesign.report.sections_claims import claims_section
from codesign.store import atomic_write_bytes, atomic_write_text

STUDY_FORMAT = 1
COPIED = ("compare.json", "report.md", "report.html", "plots")  # what each comparison contributes


@dataclass
class Machine(Record):
    platform: str
    cpu: str
    cores: int
    memory_gib: float | None


@dataclass
class StudyComparison(Record):
    name: str
    folder: str  # the copied report folder, relative to the study folder
    device: str
    backbones: list[str]
    command: str
    points_total: int
    points_computed: int
    points_from_cache: int
    wall_seconds: float  # of the compare run that wrote the document
    verdict: str


@dataclass
class StudyReport(Record):
    format_version: int
    created: str  # UTC, ISO 8601
    commands: list[str]  # every compare command, in order
    wall_seconds: float | None  # the whole study (make study), None when not measured
    machine: Machine
    comparisons: list[StudyComparison]
    claims: ClaimsTable
    # how wall_seconds was measured when not in one go (a study resumed from its cache)
    wall_note: str | None = field(default=None, metadata=OMIT_IF_NONE)


def this_machine() -> Machine:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        memory = None
    return Machine(platform.platform(), cpu, os.cpu_count() or 0, memory)


def study_record(results: list[CompareResult], wall_seconds: float | None, machine: Machine,
                 wall_note: str | None = None) -> StudyReport:
    comparisons = [StudyComparison(
        r.name, r.name, r.device.name, list(dict.fromkeys(a.backbone for a in r.architectures)), r.command,
        r.points.total, r.points.computed, r.points.from_cache, r.points.wall_seconds, r.verdict.text)
        for r in results]
    return StudyReport(STUDY_FORMAT, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       [r.command for r in results], wall_seconds, machine, comparisons, study_claims(results),
                       wall_note)


def _produced(study: StudyReport) -> Section:
    m = study.machine
    wall = "not measured" if study.wall_seconds is None else (
        f"{study.wall_seconds:,.0f} s ({study.wall_seconds / 3600:.2f} h)")
    note = f" ({study.wall_note})" if study.wall_note else ""
    items = [f"Created {study.created}", f"Wall time of the whole study: {wall}{note}",
             f"Machine: {m.cpu}, {m.cores} cores, {m.memory_gib} GiB, {m.platform}"]
    items += [f"{c.name} on {c.device}: {c.points_total:,} points ({c.points_computed:,} computed, "
              f"{c.points_from_cache:,} from the cache) in {c.wall_seconds:,.0f} s; report in {c.folder}/"
              for c in study.comparisons]
    blocks: list = [Paragraph("Commands, in order:")]
    blocks += [Paragraph(command, code=True) for command in study.commands]
    return Section("produced", "How it was produced", blocks + [Bullets(items)])


def study_sections(study: StudyReport, results: list[CompareResult]) -> list[Section]:
    sections = [claims_section(study.claims)]
    for result, comparison in zip(results, study.comparisons):
        headline = headline_section(result)
        sections.append(Section(f"cmp-{comparison.name}", f"{comparison.name} ({comparison.device})",
                                [Paragraph(f"Verdict: {comparison.verdict}"), *headline.blocks,
                                 Paragraph(f"Full report: {comparison.folder}/report.md, {comparison.folder}/"
                                           "report.html, data in compare.json.", note=True)]))
    return sections + [_produced(study)]


def render_study_markdown(title: str, sections: list[Section]) -> str:
    out = [f"# {_text(title)}", ""] + section_lines(sections, {})
    return "\n".join(out).rstrip("\n") + "\n"


def render_study_html(title: str, sections: list[Section]) -> str:
    toc = " ".join(f'<a href="#{escape(s.key)}">{escape(s.title)}</a>' for s in sections)
    body = "\n".join(section_html(s, {}) for s in sections)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
            f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{escape(title)}</h1>\n"
            f'<nav class="toc">{toc}</nav>\n{body}\n</main>\n</body>\n</html>\n')


def write_study(folders: list[str | Path], out: str | Path, wall_seconds: float | None = None,
                machine: Machine | None = None, wall_note: str | None = None) -> StudyReport:
    """Read each comparison folder's compare.json, copy its report into ``out/<name>/`` and write
    ``study.json``, ``report.md`` and ``report.html`` (the claims table first)."""
    out = Path(out)
    results = []
    for folder in folders:
        path = Path(folder) / "compare.json"
        if not path.is_file():
            raise InputError(f"{folder}: no compare.json (run its `codesign compare` first)")
        results.append(read_result(path))
    names = [r.name for r in results]
    if len(set(names)) != len(names):
        raise InputError(f"comparison folders: expected distinct names, got {', '.join(names)}")
    study = study_record(results, wall_seconds, machine or this_machine(), wall_note)
    out.mkdir(parents=True, exist_ok=True)
    for folder, name in zip(folders, names):
        _copy_report(Path(folder), out / name)
    title = f"codesign study: {len(results)} comparisons"
    sections = study_sections(study, results)
    atomic_write_text(out / "study.json", json.dumps(study.to_dict(), indent=2) + "\n")
    atomic_write_text(out / "report.md", render_study_markdown(title, sections))
    atomic_write_text(out / "report.html", render_study_html(title, sections))
    return study


def _copy_report(source: Path, target: Path) -> None:
    if source.resolve() == target.resolve():
        return
    for name in COPIED:
        item = source / name
        files = sorted(p for p in item.rglob("*") if p.is_file()) if item.is_dir() else [item] * item.is_file()
        for path in files:  # each file replaced atomically: a killed merge never leaves a torn copy
            (target / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target / path.relative_to(source), path.read_bytes())
