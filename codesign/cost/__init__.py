"""Analytical cost models FINN does not provide, as pure functions over plain dicts.

FINN's own estimators give LUT/BRAM/URAM/DSP and cycles per HW node; these modules add
what they leave out, each returning numbers together with a ``basis`` string that says
where the model comes from (a source, or "assumed: ..." with reason and uncertainty):

- ``ff``: flip-flops per HW node (register counting, calibrated on published builds);
- ``fifo``: FIFO cost (LUT/FF/BRAM18/URAM) and the depth a branch needs before a join;
- ``axilite``: the AXI-lite write path of a run-time-writeable memory, and write times;
- ``energy``: dynamic + static energy per inference, broken down per node;
- ``switch``: the cost of switching domain (AXI-lite weight writes vs a full bitstream).

Node and edge attribute dicts follow the hardware-graph conventions of
``codesign.graph.hwgraph`` (missing keys read as 0/None, ``node_attrs``); what kind of
FINN node a node is comes from ``codesign.finn.nodekinds``. Units are in every name or
comment.
"""
