"""FINN folding configs and report files, on a real FINN conversion (tiny attention design).

Round trip (write -> read back -> the same estimate), FINN's own ApplyConfig on the
written file, FINN's report key sets, and every refused entry (one line naming the file
and the field).
"""

from __future__ import annotations

import json

import pytest
import torch

from codesign.cost.estimate import Estimator
from codesign.cost.finn_reports import layer_resources, network_performance, report_texts
from codesign.cost.folding_checks import apply_folding_config
from codesign.cost.folding_config import FoldingConfigError, folding_config_dict, read_folding_config
from codesign.graph.design import prepare_design
from codesign.graph.ownership import RECONFIGURABLE
from codesign.specs.device import load_device
from tests.conftest import tiny_graph

PART = "xc7z020clg400-1"
TARGET_FPS = 2000.0


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    design = prepare_design(tiny_graph("attention"), PART)
    estimator = Estimator(design, load_device("pynq-z1"))
    folding = estimator.fold(TARGET_FPS)
    return design, estimator, folding, estimator.estimate(TARGET_FPS, folding=folding)


def _write(tmp_path, data, name="fold.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def _summary(e):
    return (e.totals, e.fps, e.cycles_per_frame, e.critical_path_cycles, e.bottleneck, e.intervals,
            [(n.name, n.pe, n.simd, n.cycles, n.lut, n.bram18) for n in e.nodes], e.energy, e.switch)


def test_written_config_reads_back_to_the_same_estimate(setup, tmp_path):
    design, estimator, folding, estimate = setup
    path = _write(tmp_path, folding_config_dict(folding.model))
    config = read_folding_config(path)
    again = estimator.estimate(None, folding=apply_folding_config(design, config))
    assert _summary(again) == _summary(estimate)
    assert again.fps == pytest.approx(estimate.fps) and again.fps > 0


def test_finn_apply_config_accepts_the_written_file(setup, tmp_path):
    from finn.transformation.general import ApplyConfig
    from finn.util.basic import getHWCustomOp

    design, _, folding, estimate = setup
    path = _write(tmp_path, folding_config_dict(folding.model))
    applied = design.model.transform(ApplyConfig(str(path)))
    by_name = {n.name: n for n in estimate.nodes}
    changed = 0
    for node in applied.graph.node:
        inst = getHWCustomOp(node)
        types = inst.get_nodeattr_types()
        for attr, field in (("PE", "pe"), ("SIMD", "simd")):
            if attr in types:
                assert inst.get_nodeattr(attr) == getattr(by_name[node.name], field), (node.name, attr)
                changed += inst.get_nodeattr(attr) > 1
    assert changed > 0  # the target folding is not the all-ones default


def test_finn_schema_files_have_finns_keys(setup):
    from finn.analysis.fpgadataflow.dataflow_performance import dataflow_performance
    from finn.analysis.fpgadataflow.exp_cycles_per_layer import exp_cycles_per_layer
    from finn.analysis.fpgadataflow.res_estimation import res_estimation

    _, _, folding, estimate = setup
    finn_res = folding.model.analysis(lambda m: res_estimation(m, PART))
    ours = layer_resources(estimate, folding.model)
    assert set(ours) == set(finn_res) | {"total"}
    assert all(set(ours[n]) == set(finn_res[n]) for n in finn_res)
    by_name = {n.name: n for n in estimate.nodes}
    assert all(ours[n]["LUT"] == pytest.approx(by_name[n].lut) for n in finn_res)  # calibrated values
    assert ours["total"]["LUT"] == pytest.approx(sum(n.lut for n in estimate.nodes))
    texts = report_texts(estimate, folding.model)
    assert json.loads(texts["estimate_layer_cycles.json"]) == folding.model.analysis(exp_cycles_per_layer)
    perf = network_performance(estimate)
    finn_perf = folding.model.analysis(dataflow_performance)
    assert {k: perf[k] for k in finn_perf} == finn_perf
    assert set(perf) == set(finn_perf) | {"estimated_throughput_fps", "estimated_latency_ns"}
    assert perf["estimated_throughput_fps"] == pytest.approx(estimate.fps)
    assert json.loads(texts["codesign_estimate.json"])["totals"] == pytest.approx(estimate.totals)


def _node(design, kind, role=None):
    return next(n for n in design.model.graph.node
                if n.op_type.startswith(kind) and (role is None or (design.roles.get(n.name) == RECONFIGURABLE)
                                                   == (role == RECONFIGURABLE)))


BAD = [
    ("not json", lambda d: "{oops", "not JSON"),
    ("a list", lambda d: [1, 2], "expected a JSON object"),
    ("unknown node", lambda d: {"MVAU_hls_99": {"PE": 1}}, "MVAU_hls_99: no such node in this design"),
    ("unknown attribute", lambda d: {_node(d, "MVAU").name: {"Colour": 1}}, "has no attribute 'Colour'"),
    ("shape attribute", lambda d: {_node(d, "MVAU").name: {"MW": 8}}, "'MW' is not a folding attribute"),
    ("PE zero", lambda d: {_node(d, "MVAU").name: {"PE": 0}}, ".PE: expected a positive integer, got 0"),
    ("PE text", lambda d: {_node(d, "MVAU").name: {"PE": "4"}}, ".PE: expected an integer, got '4'"),
    ("PE no divisor", lambda d: {_node(d, "MVAU").name: {"PE": 7}}, ".PE: PE must divide the node's MH="),
    ("SIMD no divisor", lambda d: {_node(d, "MVAU").name: {"SIMD": 7}}, ".SIMD: SIMD must divide the node's MW="),
    ("bad ram_style", lambda d: {_node(d, "MVAU").name: {"ram_style": "magnetic"}}, ".ram_style: expected one of"),
    ("reconf embedded", lambda d: {_node(d, "MVAU", RECONFIGURABLE).name: {"mem_mode": "internal_embedded"}},
     "expected 'internal_decoupled' for this reconfigurable node"),
    ("reconf not writeable", lambda d: {_node(d, "MVAU", RECONFIGURABLE).name: {"runtime_writeable_weights": 0}},
     ".runtime_writeable_weights: expected 1 for this reconfigurable node"),
    ("fixed writeable", lambda d: {_node(d, "MVAU", "fixed").name: {"runtime_writeable_weights": 1}},
     ".runtime_writeable_weights: expected 0 for this fixed node"),
    ("fixed external", lambda d: {_node(d, "MVAU", "fixed").name: {"mem_mode": "external"}},
     "for this fixed node (codesign keeps fixed weights on chip)"),
    ("defaults shape", lambda d: {"Defaults": {"PE": 4}}, "Defaults.PE: expected [value, [op types]] pairs"),
    ("defaults no divisor", lambda d: {"Defaults": {"PE": [7, ["MVAU_hls"]]}}, "Defaults.PE: PE must divide"),
]


@pytest.mark.parametrize("case, make, message", BAD, ids=[b[0] for b in BAD])
def test_bad_entries_are_refused_with_file_and_field(setup, tmp_path, case, make, message):
    design = setup[0]
    path = _write(tmp_path, make(design))
    with pytest.raises(FoldingConfigError) as err:
        apply_folding_config(design, read_folding_config(path))
    text = str(err.value)
    assert message in text and str(path) in text and "\n" not in text


def test_a_valid_partial_config_changes_only_what_it_names(setup, tmp_path):
    from finn.util.basic import getHWCustomOp

    design, estimator, _, _ = setup
    mvau = _node(design, "MVAU", "fixed")
    config = read_folding_config(_write(tmp_path, {mvau.name: {"PE": 2}}))
    estimate = estimator.estimate(None, folding=apply_folding_config(design, config))
    before = {n.name: getHWCustomOp(n).get_nodeattr("PE") for n in design.model.graph.node
              if "PE" in getHWCustomOp(n).get_nodeattr_types()}
    after = {n.name: n.pe for n in estimate.nodes if n.name in before}
    assert after == {**before, mvau.name: 2} and before[mvau.name] != 2
    assert estimate.folding_source == ""  # set by estimate_design / the build, not the estimator
