"""write_report: the files it writes, what report.md / report.html say, self-containment,
escaping, and that a failure part-way never leaves a report behind."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from report_fixtures import full_doc, infeasible_doc, minimal_doc, result

import codesign.report.writer as writer
from codesign.store import atomic
from codesign.report import plots, write_report
from codesign.report.markdown import render_markdown

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SECTIONS = ["Verdict", "Headline", "Pareto fronts", "Accuracy per domain and score",
            "Trainable parameters and bytes per domain", "Interconnect between fixed and reconfigurable parts",
            "Resources and utilisation", "Throughput, latency and energy", "Domain switch cost",
            "Sample efficiency", "Label noise", "Training compute", "Sources", "How it was produced"]


@pytest.fixture(scope="module")
def plot_cache() -> dict[str, dict[str, bytes]]:
    return {}


def _cached_render_plots(cache: dict):
    """render_plots that draws each distinct document once per module (drawing takes ~0.5 s a figure)."""
    def render(compared, image_format: str = "png") -> dict[str, bytes]:
        key = (compared.to_json(), image_format)
        if key not in cache:
            cache[key] = plots.render_plots(compared, image_format)
        return dict(cache[key])

    return render


@pytest.fixture(autouse=True)
def reuse_plots(monkeypatch, plot_cache):
    monkeypatch.setattr(writer, "render_plots", _cached_render_plots(plot_cache))


@pytest.fixture(scope="module")
def full_report(tmp_path_factory, plot_cache) -> tuple[dict, dict[str, Path]]:
    doc = full_doc()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writer, "render_plots", _cached_render_plots(plot_cache))
        return doc, write_report(result(doc), tmp_path_factory.mktemp("full") / "out")


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if ".tmp-" in p.name]


@pytest.mark.parametrize("make_doc", [full_doc, minimal_doc, infeasible_doc])
def test_write_report_writes_every_file(tmp_path: Path, make_doc):
    doc = make_doc()
    paths = write_report(result(doc), tmp_path / "out")
    for name in ("report.md", "report.html", "compare.json"):
        assert paths[name] == tmp_path / "out" / name and paths[name].stat().st_size > 0
    assert json.loads(paths["compare.json"].read_text()) == doc
    pngs = sorted(k for k in paths if k.startswith("plots/"))
    assert pngs and all(paths[k].read_bytes().startswith(PNG_MAGIC) for k in pngs)
    links = re.findall(r"\]\((plots/[^)]+\.png)\)", paths["report.md"].read_text())
    assert sorted(links) == pngs  # every figure linked, every link resolves
    assert not _temp_files(tmp_path)


def test_markdown_has_every_section_the_verdict_and_the_numbers(full_report):
    doc, paths = full_report
    md = paths["report.md"].read_text()
    for title in SECTIONS:
        assert f"\n## {title}\n" in md
    assert doc["verdict"]["text"] in md
    assert "Best under the budget: cnv_head" in md
    assert "| cnv_finetune | 93.4 ± 0.8 (n=2) |" in md  # accuracy: percent, 1 decimal, ± std, n
    assert "| cnv_attention | 7 | 28 | 3 | 14 | 4 | 14 | 14 | 65,024 |" in md  # interconnect, both directions
    assert "49,787 (93.6 %)" in md and "51.4×" in md and "1,067.2" in md and "9,428.6" in md  # energy: both figures
    assert "| cnv_attention | attention | 91.0 ± 1.0 | 2,489 / 3,000 | 3,264–3,904 | 7 / 28 |" in md
    assert "40 in total, 10 from the cache, 30 computed, 0 failed" in md
    assert "612.3 s" in md and doc["command"] in md
    for source in doc["sources"].values():
        assert source in md
    assert "| cnv_attention | sklearn_digits | 64.2 ± 4.0 · 50 img |" in md
    assert "noise 0.4" in md and "41 % flipped" in md


def test_html_has_every_section_and_a_green_verdict(full_report):
    doc, paths = full_report
    page = paths["report.html"].read_text()
    for title in SECTIONS:
        assert f"<h2>{title}</h2>" in page
    assert 'class="verdict ok"' in page
    assert "93.4 ± 0.8 (n=2)" in page and "65,024" in page
    # verdict box, then the headline table, then the key plot, then the other sections
    order = [page.index('class="verdict ok"'), page.index("<h2>Headline</h2>"), page.index("<img"),
             page.index("<h2>Accuracy per domain and score</h2>")]
    assert order == sorted(order)


def test_html_is_self_contained(full_report):
    _, paths = full_report
    page = paths["report.html"].read_text()
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page and "@import" not in page and "url(" not in page
    sources = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", page)
    assert len(sources) == len(plots.PLOTS) == page.count("<img")
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1], validate=True).startswith(PNG_MAGIC)


def test_infeasible_budget_is_reported_with_every_violation(tmp_path: Path):
    paths = write_report(result(infeasible_doc()), tmp_path)
    md, page = paths["report.md"].read_text(), paths["report.html"].read_text()
    for text in (md, page):
        assert "No architecture meets the budget (interconnect ≤ 4 bits, throughput ≥ 5,000 FPS)" in text
        assert ("cnv_attention violates: interconnect 28 (limit ≤ 4 bits); "
                "throughput 2,712.7 (limit ≥ 5,000 FPS)") in text
        assert "cnv_finetune violates: interconnect 12 (limit ≤ 4 bits); throughput 1,356.4 (limit ≥ 5,000 FPS)" in text
        for name in ("cnv_side", "cnv_head"):
            assert f"{name} violates: interconnect" in text
    assert 'class="verdict infeasible"' in page and "VERDICT: INFEASIBLE" in md


def test_minimal_document_says_what_was_not_run(tmp_path: Path):
    paths = write_report(result(minimal_doc()), tmp_path)
    md, page = paths["report.md"].read_text(), paths["report.html"].read_text()
    for text in (md, page):
        assert "The sample-efficiency sweep was not run" in text
        assert "The label-noise sweep was not run" in text
        assert "No Decathlon score" in text and "No budget was given" in text
        assert "tiny_series: estimate tiny_series: FINN conversion failed: unsupported node Foo" in text
        assert "Decathlon score</th>" not in text
    assert not (tmp_path / "plots" / "sample_efficiency.png").exists()
    assert page.count("<img") == 5


def test_markdown_without_images_links_none():
    md = render_markdown(result(full_doc()), {})
    assert "![" not in md and "## Sample efficiency" in md


def test_text_from_the_document_is_escaped(tmp_path: Path, monkeypatch, plot_cache):
    # the figures do not matter here: reuse the full document's instead of drawing new ones
    monkeypatch.setattr(writer, "render_plots",
                        lambda _, image_format="png": _cached_render_plots(plot_cache)(result(full_doc())))
    text = json.dumps(full_doc()).replace("cnv_head", "<b>cnv_head</b>")
    doc = json.loads(text)
    doc["command"] += " --note '<script>alert(1)</script>'"
    paths = write_report(result(doc), tmp_path)
    page = paths["report.html"].read_text()
    assert "<b>" not in page and "<script" not in page
    assert "&lt;b&gt;cnv_head&lt;/b&gt;" in page and "&lt;script&gt;" in page
    assert "&lt;b>cnv_head" in paths["report.md"].read_text()  # no raw HTML in Markdown text either


def _boom(*_args, **_kwargs):
    raise RuntimeError("renderer failed")


@pytest.mark.parametrize("target", ["html", "markdown", "plot"])
def test_a_failing_renderer_leaves_no_report(tmp_path: Path, monkeypatch, target):
    if target == "html":
        monkeypatch.setattr(writer, "render_html", _boom)
    elif target == "markdown":
        monkeypatch.setattr(writer, "render_markdown", _boom)
    else:  # fails after the first figures were drawn
        monkeypatch.setattr(writer, "render_plots", plots.render_plots)
        monkeypatch.setitem(plots.PLOTS, "label_noise", _boom)
    with pytest.raises(RuntimeError, match="renderer failed"):
        write_report(result(full_doc()), tmp_path / "out")
    assert not (tmp_path / "out" / "report.html").exists()
    assert not (tmp_path / "out" / "report.md").exists()
    assert not _temp_files(tmp_path)


def test_a_write_failing_part_way_leaves_no_report_and_no_temp_file(tmp_path: Path, monkeypatch):
    real_replace = atomic.os.replace
    calls = []

    def replace_failing_on_the_third_file(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace_failing_on_the_third_file)
    with pytest.raises(OSError, match="disk full"):
        write_report(result(full_doc()), tmp_path / "out")
    assert not (tmp_path / "out" / "report.html").exists()
    assert not (tmp_path / "out" / "report.md").exists()
    assert not _temp_files(tmp_path)


def test_rewriting_a_folder_drops_figures_the_new_report_lacks(tmp_path: Path, monkeypatch):
    write_report(result(full_doc()), tmp_path)
    assert (tmp_path / "plots" / "label_noise.png").exists()
    monkeypatch.setattr(writer, "render_html", _boom)
    with pytest.raises(RuntimeError):
        write_report(result(minimal_doc()), tmp_path)
    # the failed rerun touched nothing: the old report and all its figures are intact
    assert (tmp_path / "plots" / "label_noise.png").exists()
    assert "cnv_head" in (tmp_path / "report.md").read_text()
    monkeypatch.undo()
    write_report(result(minimal_doc()), tmp_path)
    assert not (tmp_path / "plots" / "label_noise.png").exists()
    assert "tiny_head" in (tmp_path / "report.md").read_text()


def test_a_comparison_where_every_point_failed_still_renders(tmp_path: Path):
    doc = minimal_doc()
    for arch in doc["architectures"]:
        arch.update(estimate=None, domains={}, mean_accuracy=None, mean_accuracy_std=None,
                    errors=[f"train {arch['name']}: out of memory"])
    doc["verdict"] = {"meeting": [], "best": None, "infeasible": False, "text": "no training finished",
                      "rank_by": "accuracy"}
    paths = write_report(result(doc), tmp_path)
    page, md = paths["report.html"].read_text(), paths["report.md"].read_text()
    assert 'class="verdict undecided"' in page and "VERDICT: UNDECIDED" in md
    assert "no training finished" in md and "tiny_head: train tiny_head: out of memory" in md
    assert "<img" not in page and not list((tmp_path / "plots").iterdir())
