"""Fixed/reconfigurable labelling rules and interconnect counts on hand-made graphs."""

from __future__ import annotations

import networkx as nx

from codesign.cost.interconnect import interconnect
from codesign.graph.hwgraph import mark_crossings
from codesign.graph.ownership import FIXED, RECONFIGURABLE, label_graph


def _graph(edges, kinds):
    g = nx.DiGraph()
    for name, kind in kinds.items():
        g.add_node(name, kind=kind)
    g.add_edges_from(edges)
    return g


def _with_streams(g, labels, width=8, elems=100, element_bits=4):
    for n in g.nodes:
        g.nodes[n]["role"] = labels[n]
    for _, _, e in g.edges(data=True):
        e.update(width_bits=width, elems_per_frame=elems, element_bits=element_bits)
    mark_crossings(g)
    return interconnect(g)


def test_series_adapter_in_series_with_the_backbone():
    # thr0 -> dup -> [mvau_a -> thr_a] + [thr_id] -> add -> thr_out -> swg1 -> mvau1
    kinds = {"m0": "MVAU", "thr0": "Thresholding", "dup": "DuplicateStreams", "mvau_a": "MVAU", "thr_a": "Thresholding",
             "thr_id": "Thresholding", "add": "ElementwiseAdd", "thr_out": "Thresholding",
             "swg1": "ConvolutionInputGenerator", "mvau1": "MVAU"}
    edges = [("m0", "thr0"), ("thr0", "dup"), ("dup", "mvau_a"), ("mvau_a", "thr_a"), ("dup", "thr_id"),
             ("thr_a", "add"), ("thr_id", "add"), ("add", "thr_out"), ("thr_out", "swg1"), ("swg1", "mvau1")]
    g = _graph(edges, kinds)
    labels = label_graph(g, dependent={"mvau_a", "thr_a"})
    reconf = {n for n, lab in labels.items() if lab == RECONFIGURABLE}
    assert reconf == {"dup", "mvau_a", "thr_a", "thr_id", "add", "thr_out"}
    ic = _with_streams(g, labels)
    # one stream in (thr0 -> dup), one out (thr_out -> swg1): in series, two crossings
    assert (ic.fixed_to_reconfigurable.streams, ic.reconfigurable_to_fixed.streams) == (1, 1)
    assert ic.interconnect_bits == 16 and ic.handshake_wires == 4
    assert ic.bits_per_frame == 2 * 100 * 4


def test_side_network_beside_the_backbone():
    # backbone: t1 -> d1 -> swg -> m2 -> t2 ; taps d1 -> s1 ; t2 -> s2 ; s1,s2 -> add -> head
    kinds = {"t1": "Thresholding", "d1": "DuplicateStreams", "swg": "ConvolutionInputGenerator",
             "m2": "MVAU", "t2": "Thresholding", "s1": "MVAU", "s1t": "Thresholding", "g1": "GlobalAccPool",
             "s2": "MVAU", "s2t": "Thresholding", "g2": "GlobalAccPool", "add": "ElementwiseAdd",
             "head": "MVAU"}
    edges = [("t1", "d1"), ("d1", "swg"), ("swg", "m2"), ("m2", "t2"), ("d1", "s1"), ("s1", "s1t"),
             ("s1t", "g1"), ("t2", "s2"), ("s2", "s2t"), ("s2t", "g2"), ("g1", "add"), ("g2", "add"),
             ("add", "head")]
    g = _graph(edges, kinds)
    labels = label_graph(g, dependent={"s1", "s1t", "s2", "s2t", "head"})
    assert labels["d1"] == FIXED  # the fork also feeds the backbone
    assert all(labels[n] == RECONFIGURABLE for n in ("g1", "g2", "add", "head"))
    ic = _with_streams(g, labels)
    # beside the backbone: two taps go out, nothing comes back
    assert ic.fixed_to_reconfigurable.streams == 2
    assert ic.reconfigurable_to_fixed.streams == 0
    assert sorted(e[:2] for e in ic.fixed_to_reconfigurable.edges) == [("d1", "s1"), ("t2", "s2")]


def test_attention_gate_region_and_window_generators():
    kinds = {"pool": "Pool", "dup": "DuplicateStreams", "gap": "GlobalAccPool", "sq": "MVAU",
             "h": "Thresholding", "ex": "MVAU", "gate": "Thresholding", "mul": "ElementwiseMul",
             "out": "Thresholding", "swg": "ConvolutionInputGenerator", "conv": "MVAU"}
    edges = [("pool", "dup"), ("dup", "gap"), ("gap", "sq"), ("sq", "h"), ("h", "ex"), ("ex", "gate"),
             ("gate", "mul"), ("dup", "mul"), ("mul", "out"), ("out", "swg"), ("swg", "conv")]
    labels = label_graph(_graph(edges, kinds), dependent={"sq", "ex"})
    assert {n for n, lab in labels.items() if lab == FIXED} == {"pool", "swg", "conv"}


def test_scale_bias_thresholds_only():
    kinds = {"swg0": "ConvolutionInputGenerator", "m0": "MVAU", "t0": "Thresholding", "pool": "Pool",
             "swg1": "ConvolutionInputGenerator", "m1": "MVAU", "t1": "Thresholding"}
    edges = [("swg0", "m0"), ("m0", "t0"), ("t0", "pool"), ("pool", "swg1"), ("swg1", "m1"), ("m1", "t1")]
    g = _graph(edges, kinds)
    labels = label_graph(g, dependent={"t0", "t1"})
    assert {n for n, lab in labels.items() if lab == RECONFIGURABLE} == {"t0", "t1"}
    ic = _with_streams(g, labels, width=16)
    assert ic.streams == 3 and ic.interconnect_bits == 48  # m0->t0, t0->pool, m1->t1
