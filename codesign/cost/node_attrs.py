"""Reading a HW-graph node's attributes for the cost models (ff, fifo, axilite, energy).

A node of ``codesign.graph.hwgraph`` is a dict of attributes; an attribute FINN did not
report is missing or None, and the models read both as a default.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

Node = Mapping[str, Any]


def attr(node: Node, key: str, default: float = 0) -> Any:
    """Attribute ``key`` of a node/edge dict; missing or None reads as ``default``."""
    value = node.get(key)
    return default if value is None else value


def clog2(x: float) -> int:
    """Address bits for ``x`` entries ($clog2 semantics: 0 for x <= 1)."""
    return max(int(math.ceil(x)) - 1, 0).bit_length()


def threshold_bits(node: Node) -> int:
    """Bits of one threshold: ``threshold_bits``, else the width of the value it is
    compared with (the MVAU accumulator, or a Thresholding node's input)."""
    return int(attr(node, "threshold_bits", 0) or attr(node, "acc_bits", 0)
               or attr(node, "input_bits", 0))
