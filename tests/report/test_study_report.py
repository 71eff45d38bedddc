"""The study report (codesign.report.study, scripts/study_report.py) built from the committed demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from codesign.report.study import Machine, StudyReport, write_study

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "reports/examples/demo"
MACHINE = Machine("Linux-test", "test cpu", 2, 8.0)


def test_study_report_from_the_demo(tmp_path):
    study = write_study([DEMO], tmp_path / "study", wall_seconds=3600.0, machine=MACHINE)
    out = tmp_path / "study"
    doc = json.loads((out / "study.json").read_text(encoding="utf-8"))
    assert StudyReport.from_dict(doc).to_dict() == doc == study.to_dict()
    assert doc["commands"][0].startswith("codesign compare graphs/cnv_attention.yaml")
    assert doc["wall_seconds"] == 3600.0 and doc["comparisons"][0]["points_total"] == 192
    assert [r["verdict"] for r in doc["claims"]["rows"]] == [
        "supported", "mixed", "mixed", "mixed", "not supported"]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## The seed's claims" in md and "| cnv x0.5 W4A4 | pynq-z1 | fewer fixed↔reconfigurable" in md
    assert "-1.4 pt [-5.7, +2.9]" in md and "1.00 h" in md and "test cpu, 2 cores" in md
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('<section id="claims">') == 1 and "8.2x" in html
    # each comparison's own report is copied beside the study report, byte for byte
    assert (out / "demo/compare.json").read_bytes() == (DEMO / "compare.json").read_bytes()
    assert (out / "demo/plots").is_dir()
    assert "wall_note" not in doc  # measured in one go


def test_a_wall_time_measured_in_segments_says_so(tmp_path):
    note = "two segments, the second resumed from the cache"
    study = write_study([DEMO], tmp_path / "study", wall_seconds=7200.0, machine=MACHINE, wall_note=note)
    doc = json.loads((tmp_path / "study/study.json").read_text(encoding="utf-8"))
    assert doc["wall_note"] == note and StudyReport.from_dict(doc) == study
    md = (tmp_path / "study/report.md").read_text(encoding="utf-8")
    assert f"Wall time of the whole study: 7,200 s (2.00 h) ({note})" in md


def test_script_one_line_error_for_a_folder_without_compare_json(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts/study_report.py"), str(tmp_path),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "no compare.json" in done.stderr and not (tmp_path / "out").exists()
