"""Which HW nodes are fixed (backbone) and which are reconfigurable (the domain's).

FINN's transformations rename and rebuild nodes, so names cannot carry the split from
PyTorch to hardware. Values can: the model is converted twice, once with the domain's
weights and once with every domain-owned tensor (parameters and BN statistics)
perturbed. A node whose weights or thresholds differ between the two conversions
computes with domain-owned values: it is reconfigurable. The remaining nodes are
labelled by structure:

1. MVAU/VVAU whose weights did not change hold backbone weights: fixed.
2. A sliding-window generator or padder belongs to the layer it feeds; thresholds
   right after a matrix unit, with no domain-dependent values, belong to that unit
   (its BatchNorm and activation).
3. A node without domain-dependent values (parameter-free joins, pools, forks,
   requantising thresholds with constant scales) is reconfigurable if it sits
   between reconfigurable nodes on both sides, or downstream of a reconfigurable
   node with only such nodes in between (an adapter's gate, product and requant);
   max-pools only by the first rule (only backbones pool).
4. A fork or pool-free node all of whose consumers are reconfigurable joins them
   (the fork then lives in the reconfigurable region: one crossing stream, not two).
5. Everything else is fixed: the static design holds all backbone structure.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from codesign.errors import DesignRejected

FIXED = "fixed"
RECONFIGURABLE = "reconfigurable"
WEIGHTED_KINDS = ("MVAU", "VVAU")
WINDOW_KINDS = ("ConvolutionInputGenerator", "FMPadding")


class OwnershipError(DesignRejected, RuntimeError):
    pass


def node_tensors(model, node) -> dict[str, np.ndarray]:
    """Initializer inputs of a node (weights, thresholds), by input position."""
    found = {}
    for i, name in enumerate(node.input):
        value = model.get_initializer(name)
        if value is not None:
            found[str(i)] = np.asarray(value)
    return found


def domain_dependent_nodes(model_a, model_b) -> set[str]:
    """Names of nodes whose initializers differ between the two conversions."""
    nodes_a, nodes_b = list(model_a.graph.node), list(model_b.graph.node)
    sig_a = [(n.name, n.op_type) for n in nodes_a]
    sig_b = [(n.name, n.op_type) for n in nodes_b]
    if sig_a != sig_b:
        raise OwnershipError("the two conversions differ in structure; cannot align nodes "
                             f"({len(sig_a)} vs {len(sig_b)} nodes)")
    dependent = set()
    for na, nb in zip(nodes_a, nodes_b):
        ta, tb = node_tensors(model_a, na), node_tensors(model_b, nb)
        if ta.keys() != tb.keys() or any(
                ta[k].shape != tb[k].shape or not np.array_equal(ta[k], tb[k]) for k in ta):
            dependent.add(na.name)
    return dependent


def label_graph(graph: nx.DiGraph, dependent: set[str]) -> dict[str, str]:
    """Apply the rules above to a DiGraph of HW nodes (node attr ``kind``)."""
    label: dict[str, str | None] = {}
    for name, attrs in graph.nodes(data=True):
        if name in dependent:
            label[name] = RECONFIGURABLE
        elif attrs["kind"] in WEIGHTED_KINDS:
            label[name] = FIXED
        else:
            label[name] = None  # decided by structure

    def consumer_label(name: str, seen: frozenset = frozenset()) -> str | None:
        succ = list(graph.successors(name))
        labels = set()
        for s in succ:
            if s in seen:
                continue
            if graph.nodes[s]["kind"] in WINDOW_KINDS:
                labels.add(consumer_label(s, seen | {name}))
            else:
                labels.add(label[s])
        return labels.pop() if len(labels) == 1 else None

    for name, attrs in graph.nodes(data=True):  # rule 2
        if attrs["kind"] in WINDOW_KINDS and label[name] is None:
            label[name] = consumer_label(name) or FIXED
    for name, attrs in graph.nodes(data=True):  # rule 2b: a unit's own thresholds
        preds = list(graph.predecessors(name))
        if (attrs["kind"] == "Thresholding" and label[name] is None and len(preds) == 1
                and graph.nodes[preds[0]]["kind"] in WEIGHTED_KINDS):
            label[name] = label[preds[0]]

    undecided = [n for n in nx.topological_sort(graph) if label[n] is None]
    # rule 3b: downstream of a reconfigurable node through undecided nodes only
    for name in undecided:
        if graph.nodes[name]["kind"] == "Pool":
            continue
        preds = list(graph.predecessors(name))
        if preds and all(label[p] == RECONFIGURABLE for p in preds):
            label[name] = RECONFIGURABLE
        elif any(label[p] == RECONFIGURABLE for p in preds) and graph.nodes[name]["kind"] != "DuplicateStreams":
            label[name] = RECONFIGURABLE  # a join whose other input is fixed: the adapter's join
    # rule 3a + 4: sandwiched or feeding only reconfigurable nodes (iterate to a fixpoint)
    changed = True
    while changed:
        changed = False
        for name in reversed(undecided):
            if label[name] is not None:
                continue
            succ = list(graph.successors(name))
            preds = list(graph.predecessors(name))
            feeds_only_reconf = succ and all(label[s] == RECONFIGURABLE for s in succ)
            sandwiched = feeds_only_reconf and preds and all(label[p] == RECONFIGURABLE for p in preds)
            if sandwiched or (feeds_only_reconf and graph.nodes[name]["kind"] != "Pool"):
                label[name] = RECONFIGURABLE
                changed = True
    return {n: (lab or FIXED) for n, lab in label.items()}
