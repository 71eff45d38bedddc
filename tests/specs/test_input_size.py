"""``with_input_size`` / ``--input-size``: another input side is another architecture.

The override goes through the spec field's bounds and the backbone's own size rule, and
changes the fingerprint, so the converted design's cache key, and the backbone built.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

from codesign.commands.input_size import apply_input_size
from codesign.errors import InputError
from codesign.graph.cache import design_key
from codesign.network.factory import build_model
from codesign.specs.graph import load_graph, with_input_size
from codesign.specs.loader import SpecError


def test_override_changes_the_size_fingerprint_and_cache_key_only():
    spec = load_graph("mobilenet_v2_attention")
    assert spec.backbone.input_size == 32
    sized = with_input_size(spec, 64)
    assert sized.backbone.input_size == 64
    assert spec.backbone.input_size == 32  # the loaded spec is not changed in place
    assert sized.fingerprint() != spec.fingerprint()
    assert sized.fingerprint()["backbone"]["input_size"] == 64
    # everything but the size is the same architecture
    before, after = spec.fingerprint(), sized.fingerprint()
    before["backbone"].pop("input_size"), after["backbone"].pop("input_size")
    assert before == after
    assert (sized.name, sized.family, sized.path, sized.backbone.weights) == \
        (spec.name, spec.family, spec.path, spec.backbone.weights)
    assert design_key(sized, None, 10, 0) != design_key(spec, None, 10, 0)
    assert design_key(with_input_size(spec, 32), None, 10, 0) == design_key(spec, None, 10, 0)


@pytest.mark.parametrize("size", [7, 513, 0])
def test_override_is_checked_by_the_field_bounds(size):
    with pytest.raises(SpecError, match=r"backbone\.input_size"):
        with_input_size(load_graph("cnv_head"), size)


def _without_weights(graph: str):
    spec = load_graph(graph)
    return dataclasses.replace(spec, backbone=dataclasses.replace(spec.backbone, weights="none"))


def test_overridden_spec_builds_the_backbone_at_that_size():
    sized = apply_input_size(_without_weights("cnv_head"), 48)  # cnv: any size >= 28 px
    model = build_model(sized)
    model.add_domain("d", 10)
    assert model.backbone.input_size == 48
    with torch.no_grad():
        logits = model.eval()(torch.zeros(1, 3, 48, 48), "d")
    assert tuple(logits.shape) == (1, 10)


def test_no_override_keeps_the_spec():
    spec = load_graph("cnv_head")
    assert apply_input_size(spec, None) is spec


@pytest.mark.parametrize("size", [64, 96, 224])
def test_mobilenet_v2_takes_multiples_of_32(size):
    sized = apply_input_size(load_graph("mobilenet_v2_attention"), size)
    assert sized.backbone.input_size == size
    assert sized.backbone.weights == "imagenet"  # the check built it without; the spec keeps them


@pytest.mark.parametrize("graph,size,expected", [
    ("mobilenet_v2_attention", 40, "must be a multiple of 32 px"),
    ("mobilenet_v2_attention", 16, "must be a multiple of 32 px and >= 32"),
    ("cnv_head", 24, "must be >= 28 px"),
    # the shipped cnv checkpoint was trained at 32 px: its first FC layer's weights do not
    # fit the larger feature map
    ("cnv_head", 64, "the backbone weights checkpoints/cnv_x0.5_w4a4_glyphs.safetensors were trained at "
                     "another input size (cnv backbone of cnv_head.yaml): "),
])
def test_a_size_the_backbone_cannot_take_names_the_option(graph, size, expected):
    with pytest.raises(InputError) as err:
        apply_input_size(load_graph(graph), size)
    message = str(err.value)
    assert message.startswith(f"--input-size {size}: ") and expected in message
    assert "\n" not in message
