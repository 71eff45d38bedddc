"""Folding that FINN's own ``SetFolding`` can produce but its HLS code generation refuses.

MVAU_hls: code generation asserts ``SIMD >= MW / 1024`` (finn-plus 1.6.1,
matrixvectoractivation_hls.py ``defines(var="ipgen")``: the HLS MVAU's input buffer
holds at most 1024 words of SIMD inputs). ``SetFolding`` starts every MVAU at SIMD=1 and
stops as soon as the cycle target is met, so a wide, cheap layer (MobileNetV2's
classifier, MW=1280, MH=10: 12,800 cycles at SIMD=1) keeps SIMD=1 and the build fails
only at code generation. The folding search runs this after ``SetFolding``, so the
estimate is of the folding that is built. A larger SIMD only shortens the node's cycles.
"""

from __future__ import annotations

HLS_MVAU_MAX_INPUT_FOLD = 1024  # MW / SIMD words the HLS MVAU input buffer holds


def smallest_legal_simd(mw: int, simd: int) -> int:
    """The smallest divisor of ``mw`` that is >= ``simd`` and >= mw / 1024."""
    floor = max(simd, -(-mw // HLS_MVAU_MAX_INPUT_FOLD))
    return next(d for d in range(floor, mw + 1) if mw % d == 0)


def raise_hls_mvau_simd(model) -> list[str]:
    """Raise SIMD of MVAU_hls nodes that break ``SIMD >= MW / 1024``; returns the names
    changed (the model is changed in place)."""
    from finn.util.basic import getHWCustomOp

    changed = []
    for node in model.graph.node:
        if node.op_type != "MVAU_hls":
            continue
        inst = getHWCustomOp(node)
        mw, simd = int(inst.get_nodeattr("MW")), int(inst.get_nodeattr("SIMD"))
        legal = smallest_legal_simd(mw, simd)
        if legal != simd:
            inst.set_nodeattr("SIMD", legal)
            # SetFolding annotated cycles_estimate at the old SIMD, and FINN's
            # dataflow_performance (FPS, critical path) reads that attribute: keep it true.
            inst.set_nodeattr("cycles_estimate", int(inst.get_exp_cycles()))
            changed.append(node.name)
    return changed


def hls_codegen_refusal(node, inst) -> str | None:
    """Why FINN's HLS code generation would refuse this node's folding, or None. Two
    limits (finn-plus 1.6.1): the MVAU_hls input buffer above, and an ap_uint stream
    wider than MAX_ALLOWED_AP_INT_W bits (finn/util/basic.py; SetFolding stops PE/SIMD
    before it, a hand-written folding config need not)."""
    from finn.util.basic import MAX_ALLOWED_AP_INT_W

    if not node.op_type.endswith("_hls"):
        return None
    if node.op_type == "MVAU_hls":
        mw, simd = int(inst.get_nodeattr("MW")), int(inst.get_nodeattr("SIMD"))
        if simd * HLS_MVAU_MAX_INPUT_FOLD < mw:
            return (f"SIMD={simd} is below what MVAU_hls generates code for (SIMD >= MW/1024 = "
                    f"{mw / HLS_MVAU_MAX_INPUT_FOLD:g}; smallest valid: {smallest_legal_simd(mw, simd)})")
    # input 1 of a decoupled MVAU is its weight stream; embedded weights are not streamed
    decoupled = node.op_type == "MVAU_hls" and inst.get_nodeattr("mem_mode") != "internal_embedded"
    inputs = 2 if decoupled else 1
    widths = [int(inst.get_instream_width(i)) for i in range(inputs)] + [int(inst.get_outstream_width())]
    if max(widths) > MAX_ALLOWED_AP_INT_W:
        return (f"a {max(widths):,d}-bit stream is wider than HLS's ap_uint limit of {MAX_ALLOWED_AP_INT_W:,d} "
                f"bits (lower PE/SIMD)")
    return None
