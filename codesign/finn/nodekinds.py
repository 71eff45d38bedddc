"""What kind of FINN node a node is: the one place that reads op types and domains.

FINN names a specialised HW layer after its generic op plus a backend suffix
(``MVAU_hls``, ``Thresholding_rtl``) and puts every HW layer in one custom-op domain.
The converter (finn), the hardware graph and its labels (graph), the cost models (cost)
and the FPGA build (fpga_build) all ask the same questions of a node; they ask them
here, in the lowest of those layers. Imports nothing (no FINN, no torch), so the cost
models stay cheap to import.
"""

from __future__ import annotations

from typing import Any, Mapping

# FINN custom-op domain prefix: every node in it is a HW (dataflow) layer.
HW_DOMAIN = "finn.custom_op.fpgadataflow"
# The processing system (CPU) side: the pseudo-node that feeds and drains the HW graph,
# and the role of a node outside the dataflow partition (run by the host).
HOST = "host"
BACKEND_SUFFIXES = ("_hls", "_rtl")


def is_hw(node) -> bool:
    """True for a FINN HW layer (an ONNX node in the fpgadataflow domain)."""
    return node.domain.startswith(HW_DOMAIN)


def generic_kind(op_type: str) -> str:
    """The generic op of a (possibly specialised) HW op type: ``MVAU_hls`` -> ``MVAU``."""
    for suffix in BACKEND_SUFFIXES:
        if op_type.endswith(suffix):
            return op_type[: -len(suffix)]
    return op_type


def kind_of(node: Mapping[str, Any]) -> str:
    """Generic op of a HW-graph node dict: ``kind`` if given, else its ``op_type``'s."""
    kind = node.get("kind")
    if kind:
        return str(kind)
    op_type = node.get("op_type")
    return generic_kind(str(op_type if op_type is not None else ""))


def backend_of(node: Mapping[str, Any]) -> str:
    """"rtl" for *_rtl op types (hand-written finn-rtllib modules), else "hls"."""
    op_type = node.get("op_type")
    return "rtl" if str(op_type if op_type is not None else "").endswith("_rtl") else "hls"
