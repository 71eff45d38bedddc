"""A layer FINN cannot map, said in the terms of the user's own model.

FINN's conversion renames every node (``Abs_0``) and leaves the layout and scale nodes
around an unmappable op unconverted too (a ``Transpose`` and ``Mul`` either side), so
:class:`codesign.finn.non_hw.NonHWNodeError` lists several nodes by converted names. For
an imported model the line names the culprit first, with the node or module it came from
in the user's file: an op with no FINN HW layer at all, else the first node that is not
a layout op. FINN's GiveUniqueNodeNames names nodes ``<op>_<k>`` by op type in graph
order, so ``Abs_0`` is the first ``Abs`` of the file (qonnx/transformation/general.py).
"""

from __future__ import annotations

from codesign.finn.non_hw import _REASONS, NonHWNodeError
from codesign.graph.imported_probe import node_scopes

LAYOUT_OPS = ("Transpose", "Reshape", "Flatten")


class UnmappableLayerError(NonHWNodeError):
    """NonHWNodeError whose message names the user's node (exit 3, a rejected design)."""

    def __init__(self, nodes: list[tuple[str, str, str]], message: str):
        super().__init__(nodes)
        self.args = (message,)

    def __str__(self) -> str:
        return self.args[0]

    def __reduce__(self):
        return (type(self), (self.nodes, self.args[0]))


def culprit(nodes: list[tuple[str, str, str]]) -> tuple[str, str, str]:
    """(op, name, reason) of the node most likely at fault."""
    unknown = [n for n in nodes if n[0] not in _REASONS and n[0] not in LAYOUT_OPS]
    if unknown:
        return unknown[0]
    return next((n for n in nodes if n[0] not in LAYOUT_OPS), nodes[0])


def origin(model, op: str, converted_name: str) -> str:
    """Where ``converted_name`` (``<op>_<k>``) came from in ``model`` (the file as exported)."""
    suffix = converted_name.rsplit("_", 1)[-1]
    same_op = [n for n in model.graph.node if n.op_type == op]
    if not suffix.isdigit() or int(suffix) >= len(same_op):
        return ""
    node = same_op[int(suffix)]
    details = [f"node {node.name!r}"] if node.name else []
    scopes = node_scopes(node)
    if scopes and not node.name.startswith("/"):  # dynamo export: the module is in the metadata only
        details.append(f"module {scopes[-1]!r}")
    return f" (from {', '.join(details)})" if details else ""


def unmappable(err: NonHWNodeError, model, source: str) -> UnmappableLayerError:
    """``err`` as one line naming the culprit's op and its node in ``model`` (``source``)."""
    op, name, why = culprit(err.nodes)
    others = [n[0] for n in err.nodes if n[1] != name]
    more = f"; {len(others)} more non-HW node(s) around it: {', '.join(others)}" if others else ""
    message = f"{source}: FINN cannot map the {op} node {name!r}{origin(model, op, name)}: {why}{more}"
    return UnmappableLayerError(err.nodes, message)
