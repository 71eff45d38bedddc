"""Interconnects between the fixed and the reconfigurable parts of a HW graph.

Definitions (per direction, fixed->reconfigurable and reconfigurable->fixed):
- crossing streams: stream edges whose producer and consumer have different roles;
- crossing width, ``interconnect_bits``: the sum of those streams' widths in bits at the
  current folding, i.e. the data wires (partition pins) a DFX boundary would need (the
  budget metric of ``codesign compare`` has the same name), excluding handshake
  (each AXI-Stream also carries TVALID/TREADY: 2 more wires per stream, counted in
  ``handshake_wires``);
- elements per frame: data elements that cross per input image, which with their
  element width gives the bits moved per frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

HANDSHAKE_WIRES_PER_STREAM = 2  # TVALID + TREADY of an AXI-Stream


@dataclass
class Direction:
    streams: int = 0
    interconnect_bits: int = 0  # data wires of the crossing streams
    elems_per_frame: int = 0
    bits_per_frame: int = 0
    edges: list[tuple[str, str, int]] = field(default_factory=list)  # (src, dst, width bits)


@dataclass
class Interconnect:
    fixed_to_reconfigurable: Direction
    reconfigurable_to_fixed: Direction
    streams: int
    interconnect_bits: int  # data wires of every crossing stream, both directions
    handshake_wires: int
    elems_per_frame: int
    bits_per_frame: int


def interconnect(graph: nx.DiGraph) -> Interconnect:
    directions = {"fixed->reconfigurable": Direction(), "reconfigurable->fixed": Direction()}
    for src, dst, edge in graph.edges(data=True):
        crossing = edge.get("crossing") or ""
        if crossing not in directions:
            continue
        d = directions[crossing]
        d.streams += 1
        d.interconnect_bits += int(edge["width_bits"])
        d.elems_per_frame += int(edge["elems_per_frame"])
        d.bits_per_frame += int(edge["elems_per_frame"]) * int(edge["element_bits"])
        d.edges.append((src, dst, int(edge["width_bits"])))
    into, out = directions["fixed->reconfigurable"], directions["reconfigurable->fixed"]
    streams = into.streams + out.streams
    return Interconnect(into, out, streams, into.interconnect_bits + out.interconnect_bits,
                        HANDSHAKE_WIRES_PER_STREAM * streams,
                        into.elems_per_frame + out.elems_per_frame,
                        into.bits_per_frame + out.bits_per_frame)
