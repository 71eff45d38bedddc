"""What stayed outside FINN's HW layers after conversion, and why.

A non-HW node between HW nodes splits the dataflow partition: the design cannot be
built (:class:`NonHWNodeError`, a rejected design). Non-HW nodes only before the first
or after the last HW node are the host's pre/post-processing.
"""

from __future__ import annotations

from codesign.errors import DesignRejected
from codesign.finn.nodekinds import is_hw


class NonHWNodeError(DesignRejected, RuntimeError):
    """A node that is not a FINN HW layer sits where hardware is required."""

    def __init__(self, nodes: list[tuple[str, str, str]]):
        self.nodes = [tuple(n) for n in nodes]
        # one line (the CLI prints the first line only): every node, with its reason
        listed = "; ".join(f"{op} '{name}': {why}" for op, name, why in self.nodes)
        super().__init__(f"non-HW nodes left in the design: {listed}")

    def __reduce__(self):
        # Rebuilt from the node list where it is unpickled: the conversion runs in a
        # worker process, and the default (the message as the only argument) would fail
        # to unpickle there, which the pool reports as a broken pool, not this error.
        return (type(self), (self.nodes,))


_REASONS = {
    "MatMul": "not turned into an MVAU/VVAU: its input or weight is not integer-typed "
              "(a float scale/bias was not streamlined away)",
    "Conv": "convolution was not lowered (grouped/dilated or non-quantised weights?)",
    "Mul": "float scale not absorbed into a MultiThreshold (no quantiser after it?) "
           "or a non-integer operand",
    "Add": "float bias/join not absorbed: operands are not integer-typed or scales differ",
    "Transpose": "layout transpose not absorbed into a neighbouring op",
    "MultiThreshold": "threshold not converted (non-integer input?)",
    "Sigmoid": "float activation; use a quantiser (QuantReLU/QuantIdentity) instead",
    "GlobalAveragePool": "GAP input not integer (needs a quantiser before it)",
}


def non_hw_nodes(model):
    """Classify every non-HW node: returns (inside, boundary) lists of
    (op_type, name, reason). `inside` nodes have a HW node both upstream and
    downstream (they would split the dataflow partition); `boundary` nodes only
    run before the first or after the last HW node (host pre/post-processing)."""
    nodes = list(model.graph.node)
    up = {}  # node name -> has HW ancestor (graph is sorted)
    for n in nodes:
        preds = model.find_direct_predecessors(n) or []
        up[n.name] = any(is_hw(p) or up[p.name] for p in preds)
    down = {}
    for n in reversed(nodes):
        succ = model.find_direct_successors(n) or []
        down[n.name] = any(is_hw(s) or down[s.name] for s in succ)
    inside, boundary = [], []
    for n in nodes:
        if is_hw(n):
            continue
        if up[n.name] and down[n.name]:
            inside.append((n.op_type, n.name, _REASONS.get(n.op_type, "no FINN HW layer")))
        else:
            where = "after the dataflow (host)" if up[n.name] else "before the dataflow (host)"
            boundary.append((n.op_type, n.name, where))
    return inside, boundary
