"""Architecture specs: every shipped graph loads; bad input gives one-line errors."""

from __future__ import annotations

import pytest

from codesign.network.factory import build_model
from codesign.specs.graph import GRAPH_DIR, list_graphs, load_graph
from codesign.specs.loader import SpecError

SHIPPED = [p.name for p in list_graphs()]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_graph_loads(name):
    spec = load_graph(GRAPH_DIR / name)
    assert spec.name == name.removesuffix(".yaml")
    assert spec.backbone.name in ("cnv", "mobilenet_v2")


def test_extends_overrides_base_and_keeps_the_rest():
    spec = load_graph(GRAPH_DIR / "cnv_attention.yaml")
    assert spec.family == "attention" and spec.adapter.reduction == 64
    assert spec.backbone.weight_bits == 4 and spec.backbone.width == 0.5  # from _cnv_pretrain
    assert spec.backbone.weights == "checkpoints/cnv_x0.5_w4a4_glyphs.safetensors"  # from _cnv_base


def test_shipped_name_resolves_without_path():
    assert load_graph("cnv_parallel").family == "parallel"


def _write(tmp_path, text, name="g.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = """name: g
backbone: {name: tiny, input_size: 16}
adapter: {family: attention, reduction: 4}
"""


def _error(path) -> str:
    with pytest.raises(SpecError) as info:
        build_model(load_graph(path))
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize("text, field, expected", [
    ("name: g\nbackbone: {name: tiny\n", "", "malformed YAML"),
    ("- a\n- b\n", "", "expected a YAML mapping"),
    ("", "", "empty"),
    (GOOD.replace("input_size: 16", "input_size: sixteen"), "backbone.input_size", "expected an integer"),
    (GOOD.replace("reduction: 4", "reduction: 0"), "adapter.reduction", ">= 1"),
    (GOOD.replace("reduction: 4", "reduction: 4.5"), "adapter.reduction", "expected an integer"),
    (GOOD.replace("name: tiny", "name: resnet"), "backbone.name", "registered: cnv"),
    (GOOD.replace("family: attention", "family: lora"), "adapter.family", "registered: attention"),
    (GOOD.replace("reduction: 4", "reducton: 4"), "adapter.reducton", "unknown key"),
    (GOOD + "colour: red\n", "colour", "unknown key"),
    (GOOD.replace("name: g\n", ""), "name", "missing required field"),
    (GOOD.replace("reduction: 4", "sites: [conv1, conv9]"), "adapter", "unknown site 'conv9'"),
    (GOOD.replace("reduction: 4", "sites: everywhere"), "adapter", "unknown selector"),
    (GOOD.replace("{name: tiny, input_size: 16}", "{name: tiny, input_size: 16, weight_bits: 9}"),
     "backbone.weight_bits", "<= 8"),
])
def test_bad_graph_gives_one_line_error(tmp_path, text, field, expected):
    message = _error(_write(tmp_path, text))
    assert expected in message
    if field:
        assert f": {field}" in message


def test_parallel_needs_backbone_weight_bits(tmp_path):
    text = "name: g\nbackbone: {name: tiny, input_size: 16}\nadapter: {family: parallel, weight_bits: 2}\n"
    assert "backbone's weight bit width 4" in _error(_write(tmp_path, text))


def test_extends_cycle_and_missing_base(tmp_path):
    _write(tmp_path, "extends: b.yaml\n" + GOOD, "a.yaml")
    _write(tmp_path, "extends: a.yaml\n" + GOOD, "b.yaml")
    assert "cycle" in _error(tmp_path / "a.yaml")
    assert "not found" in _error(_write(tmp_path, "extends: nowhere.yaml\n" + GOOD, "c.yaml"))


def test_missing_file():
    with pytest.raises(SpecError, match="file not found"):
        load_graph("/nonexistent/graph.yaml")
