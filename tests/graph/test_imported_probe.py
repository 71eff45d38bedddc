"""Selecting a domain in a user's QONNX file and building its probe (no FINN conversion)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from imported_models import INPUT_SHAPE, bnn_pynq_cnv, export_as_user, small_net
from onnx import numpy_helper

from codesign.errors import InputError
from codesign.graph.imported_probe import domain_and_probe, node_scopes, perturbed, select


@pytest.fixture(scope="module")
def small_torchscript(tmp_path_factory):
    path = tmp_path_factory.mktemp("small") / "small.onnx"
    export_as_user(small_net(), path, INPUT_SHAPE, dynamo=False)
    return onnx.load(str(path))


@pytest.fixture(scope="module")
def cnv_dynamo(tmp_path_factory):
    path = tmp_path_factory.mktemp("cnv") / "cnv.onnx"
    export_as_user(bnn_pynq_cnv(), path, (1, 3, 32, 32))
    return onnx.load(str(path))


def _values(model) -> dict[str, np.ndarray]:
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


def _read(model, values, node_index: int, position: int) -> np.ndarray:
    return values[model.graph.node[node_index].input[position]]


def test_module_scopes_from_either_exporter(small_torchscript, cnv_dynamo):
    by_name = {n.name: node_scopes(n) for n in small_torchscript.graph.node}
    assert by_name["/adapter/weight_quant/export_handler/Quant"] == [
        "adapter", "adapter.weight_quant", "adapter.weight_quant.export_handler"]
    # dynamo: generic node names, the module path in the metadata
    last = [n for n in cnv_dynamo.graph.node if n.op_type == "BipolarQuant"][-1]
    assert last.name.startswith("node__symbolic")
    assert node_scopes(last)[0] == "linear_features.6"


def test_a_module_selects_its_quantiser_inputs(small_torchscript):
    selection = select(small_torchscript, ["adapter", "bn2"], "small.onnx")
    nodes = small_torchscript.graph.node
    used = {(nodes[i].op_type, p) for i, p in selection.uses}
    # the adapter's float weight and scale (not its zero point / bit width), BN2's four tensors
    assert used == {("Quant", 0), ("Quant", 1), ("BatchNormalization", 1), ("BatchNormalization", 2),
                    ("BatchNormalization", 3), ("BatchNormalization", 4)}
    assert selection.by_pattern == {"adapter": 2, "bn2": 1}  # Quant + Conv; BatchNormalization


def test_an_initializer_name_selects_when_no_node_matches(small_torchscript):
    selection = select(small_torchscript, ["adapter.weight"], "small.onnx")
    nodes = small_torchscript.graph.node
    assert [(nodes[i].name, p) for i, p in selection.uses] == [("/adapter/weight_quant/export_handler/Quant", 0)]


@pytest.mark.parametrize("patterns, expected", [
    (["nope*"], "--reconfigurable nope*: matches no module, node or initializer of small.onnx (modules: inp, "
                "conv1, bn1, act1, adapter"),
    (["*"], "--reconfigurable *: selects every weight of small.onnx (4 quantised weight tensors)"),
    (["/adapter/Conv"], "--reconfigurable /adapter/Conv: selects no weights, scales or thresholds in small.onnx"),
])
def test_bad_patterns_are_one_line_input_errors(small_torchscript, patterns, expected):
    with pytest.raises(InputError) as info:
        select(small_torchscript, patterns, "small.onnx")
    assert str(info.value).startswith(expected) and "\n" not in str(info.value)


def test_probe_perturbs_the_selection_only_even_through_shared_constants(cnv_dynamo):
    # dynamo merges equal constants: one 1.0 is every BipolarQuant's scale and the TensorNorm's weight
    selection = select(cnv_dynamo, ["linear_features.6", "linear_features.7"], "cnv.onnx")
    domain, probe = domain_and_probe(cnv_dynamo, selection, seed=3)
    original, d, p = _values(cnv_dynamo), _values(domain), _values(probe)
    selected = set(selection.uses)
    changed = kept = 0
    for i, node in enumerate(domain.graph.node):
        for pos, name in enumerate(node.input):
            if name not in d:
                continue
            assert np.array_equal(d[name], _read(cnv_dynamo, original, i, pos))  # the domain computes as before
            if (i, pos) in selected:
                assert not np.array_equal(p[name], d[name]), (node.name, pos)
                changed += 1
            else:
                assert np.array_equal(p[name], d[name]), (node.name, pos)
                kept += 1
    # last BipolarQuant's weight and scale; the TensorNorm's mean (Sub), sqrt(var) (Div), weight, bias
    assert changed == len(selected) == 6 and kept > 20
    again = domain_and_probe(cnv_dynamo, selection, seed=3)[1]
    assert again.SerializeToString() == probe.SerializeToString()  # seeded: the same probe every run


def test_perturbed_keeps_dtype_and_one_signed_tensors_sign():
    rng = np.random.default_rng(0)
    scale = np.full((4,), 0.25, dtype=np.float32)
    negative = -np.ones((3,), dtype=np.float32)
    zeros = np.zeros((5,), dtype=np.float32)
    mixed = np.array([-1.0, 2.0, 0.0], dtype=np.float32)
    out = [perturbed(v, rng) for v in (scale, negative, zeros, mixed)]
    assert all(o.dtype == np.float32 for o in out)
    assert np.all(out[0] > 0.25) and np.all(out[1] < -1.0)
    assert np.all(out[2] != 0) and not np.array_equal(out[3], mixed)
