"""Labels found by probing one conversion are reused for other weights of the same
architecture (no second conversion), and equal what probing those weights gives."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("finn")

import codesign.graph.design as design  # noqa: E402
from codesign.graph import cache  # noqa: E402
from codesign.graph.labels import labels_key, load_labels, structure_signature  # noqa: E402
from tests.conftest import tiny_graph  # noqa: E402


def _counting_conversions(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = design.convert_files

    def counted(jobs, parallel):
        calls.append(len(jobs))
        return original(jobs, parallel)

    monkeypatch.setattr(design, "convert_files", counted)
    return calls


@pytest.mark.parametrize("family", ["attention", pytest.param("series", marks=pytest.mark.slow)])
def test_second_seed_reuses_the_labels_without_a_probe(family, tmp_path, monkeypatch):
    spec = tiny_graph(family)
    calls = _counting_conversions(monkeypatch)
    lines: list[str] = []
    first = cache.get_generic(spec, seed=0, cache_dir=tmp_path, parallel=False, progress=lines.append)
    assert calls == [2]  # domain + probe
    known = load_labels(tmp_path / cache.LABELS_SUBDIR, labels_key(spec, 10))
    assert known == {first.structure: first.roles_by_output}
    assert set(first.roles_by_output.values()) == {"fixed", "reconfigurable"}

    second = cache.get_generic(spec, seed=1, cache_dir=tmp_path, parallel=False, progress=lines.append)
    assert calls == [2, 1]  # the domain alone
    assert (first.labels_from, second.labels_from) == ("probe", "known structure")
    assert any("labels known from an earlier probe" in line for line in lines)
    assert second.structure == first.structure == structure_signature(second.model)
    probed = design.prepare_generic(spec, seed=1, parallel=False)  # what probing seed 1 says
    assert second.roles_by_output == probed.roles_by_output


def test_an_unknown_structure_is_probed_after_all(tmp_path, monkeypatch):
    spec = tiny_graph("attention")
    calls = _counting_conversions(monkeypatch)
    known = {"another-structure": {"x": "fixed"}}
    generic = design.prepare_generic(spec, parallel=False, known_labels=known)
    assert calls == [1, 1]  # the domain, then the probe it turned out to need
    assert set(generic.roles_by_output.values()) == {"fixed", "reconfigurable"}


def test_unreadable_labels_file_means_probe_again(tmp_path):
    (tmp_path / "k.json").write_text("{not json")
    assert load_labels(tmp_path, "k") == {}
    (tmp_path / "k.json").write_text(json.dumps({"sig": "not a dict"}))
    assert load_labels(tmp_path, "k") == {}
