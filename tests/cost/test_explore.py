"""The folding explorer against the slow path, on real FINN conversions of cnv designs.

cnv_attention (~8 s to convert: joins, run-time-writeable nodes, an MVAU_hls whose SIMD
floor applies) and cnv_head (~2 s) are converted once per module into a temporary cache.
"""

from __future__ import annotations

import json

import pytest

from codesign.cost.estimate import RESOURCES, Estimator
from codesign.cost.explore import FastEstimator, folding_result
from codesign.cost.explore_space import explore_foldings, ladder
from codesign.cost.folding import fold
from codesign.cost.pareto import dominates, objectives, pareto_front
from codesign.finn.compat.hls_folding import HLS_MVAU_MAX_INPUT_FOLD
from codesign.finn.folding_space import folding_key, knobs, to_config
from codesign.graph.cache import get_design
from codesign.specs.device import load_device
from codesign.specs.graph import load_graph

COMPARED = ("cycles_per_frame", "critical_path_cycles", "fps", "latency_s", "bottleneck", "fits", "fit_confidence")


@pytest.fixture(scope="module")
def estimators(tmp_path_factory):
    cache = tmp_path_factory.mktemp("explore-cache")
    made = {}

    def get(graph: str, device: str) -> Estimator:
        if (graph, device) not in made:
            dev = load_device(device)
            made[graph, device] = Estimator(get_design(load_graph(graph), dev.part, cache_dir=cache), dev)
        return made[graph, device]

    return get


def slow_estimate(estimator, point):
    """Today's path: FINN's SetFolding for a ladder point, a folded copy for a move."""
    origin = point.origin
    if ";" not in origin:
        return estimator.estimate(folding=fold(estimator.design.model, int(origin.split()[1].replace(",", ""))))
    return estimator.estimate(folding=folding_result(estimator.design.model, point.folding))


@pytest.mark.parametrize("graph, device, count", [("cnv_attention", "pynq-z1", 36), ("cnv_head", "zcu104", 24)])
def test_fast_estimates_are_identical_to_the_slow_path(estimators, graph, device, count):
    estimator = estimators(graph, device)
    points = list(explore_foldings(FastEstimator(estimator), count))
    assert len(points) == count
    kinds = {";" in p.origin for p in points}
    assert kinds == {True, False}  # SetFolding ladder points and moves around them
    for point in points:
        slow = slow_estimate(estimator, point)
        assert slow.intervals == point.intervals, point.origin
        assert slow.totals == point.totals, point.origin
        for name in COMPARED:
            assert getattr(slow, name) == getattr(point, name), (point.origin, name)


def test_join_depths_equal_the_networkx_search(estimators):
    from codesign.cost import fifo

    fast = FastEstimator(estimators("cnv_attention", "pynq-z1"))
    folding = ladder(fast.model, 3)[1].folding
    fast.estimate(folding)  # refreshes the structure's graph with this folding
    latencies = {n: fast.node_at(n, folding).first_latency for n in fast.structure.order}
    quick = fast.structure.join_depths(latencies)
    slow = fifo.join_buffer_depths(fast.structure.graph)
    assert {k: v["depth"] for k, v in quick.items()} == {k: v["depth"] for k, v in slow.items()}
    assert max(v["depth"] for v in quick.values()) > fifo.DEFAULT_FIFO_DEPTH  # attention's gate buffers


def test_hls_simd_floor_keeps_cycles_estimate_true(estimators):
    """SetFolding annotates cycles_estimate before the MVAU_hls SIMD floor raises SIMD;
    FINN's dataflow_performance reads the attribute, so it must follow (FPS, latency)."""
    from finn.util.basic import getHWCustomOp

    model = fold(estimators("cnv_attention", "pynq-z1").design.model, 10 ** 12).model
    raised = [n for n in model.graph.node if n.op_type == "MVAU_hls"
              and getHWCustomOp(n).get_nodeattr("SIMD") > 1]
    assert raised  # MW = 1,152 and 2,304 > 1,024: SIMD 2 and 3 at the slowest target
    for node in model.graph.node:
        inst = getHWCustomOp(node)
        assert inst.get_nodeattr("cycles_estimate") == inst.get_exp_cycles(), node.name


def test_explored_foldings_are_legal_and_deterministic(estimators):
    estimator = estimators("cnv_attention", "pynq-z1")
    first = list(explore_foldings(FastEstimator(estimator), 60))
    again = list(explore_foldings(FastEstimator(estimator), 60))
    assert [(p.origin, folding_key(p.folding), p.totals) for p in first] == \
        [(p.origin, folding_key(p.folding), p.totals) for p in again]
    assert len({folding_key(p.folding) for p in first}) == 60
    legal = {(k.node, k.attr): k.values for k in knobs(estimator.design.model)}
    from finn.util.basic import getHWCustomOp

    nodes = {n.name: getHWCustomOp(n) for n in estimator.design.model.graph.node}
    for point in first:
        for name, attrs in point.folding.items():
            for attr, value in attrs.items():
                if (name, attr) in legal:
                    assert value in legal[name, attr], (point.origin, name, attr, value)
            if name.startswith("MVAU_hls"):
                assert attrs["SIMD"] * HLS_MVAU_MAX_INPUT_FOLD >= nodes[name].get_nodeattr("MW")


def test_folding_config_reads_back_through_estimate_folding(estimators, tmp_path):
    """A point's FINN folding config, read as `codesign estimate --folding FILE` reads it,
    gives the same estimate; FINN's ApplyConfig accepts it."""
    from codesign.cost.folding_checks import apply_folding_config
    from codesign.cost.folding_config import read_folding_config

    estimator = estimators("cnv_attention", "pynq-z1")
    points = list(explore_foldings(FastEstimator(estimator), 30))
    point = points[-1]  # a move, not a SetFolding result
    assert ";" in point.origin
    path = tmp_path / "folding.json"
    path.write_text(json.dumps(to_config(point.folding)))
    result = apply_folding_config(estimator.design, read_folding_config(path))
    estimate = estimator.estimate(folding=result)
    assert estimate.intervals == point.intervals and estimate.fps == point.fps


def _point(fps, lut, bram):
    from types import SimpleNamespace

    return SimpleNamespace(fps=fps, totals={"lut": lut, "bram18": bram, "ff": 0, "uram": 0, "dsp": 0})


def test_pareto_front_on_numbers():
    points = [_point(100, 10, 5), _point(200, 20, 5), _point(200, 20, 6), _point(50, 10, 5),
              _point(200, 15, 9), _point(300, 40, 1), _point(100, 10, 5)]
    # 0: on; 1: on; 2: dominated by 1; 3: dominated by 0; 4: on (fewer LUT than 1);
    # 5: on (fastest); 6: equals 0 (ties keep the first)
    assert pareto_front(points) == [5, 4, 1, 0]
    assert pareto_front(points, ("lut",)) == [5, 4, 0]
    with pytest.raises(ValueError):
        pareto_front(points, ("luts",))


def test_pareto_front_of_explored_foldings(estimators):
    points = list(explore_foldings(FastEstimator(estimators("cnv_head", "pynq-z1")), 80))
    front = pareto_front(points)
    figures = [objectives(p, ("lut", "bram18")) for p in points]
    assert 1 < len(front) < len(points)
    for i in front:
        assert not any(dominates(f, figures[i]) for f in figures)
    for i in set(range(len(points))) - set(front):
        assert any(dominates(figures[j], figures[i]) or figures[j] == figures[i] for j in front)
    assert [points[i].fps for i in front] == sorted((points[i].fps for i in front), reverse=True)
    assert all(set(points[i].totals) == set(RESOURCES) for i in front)
