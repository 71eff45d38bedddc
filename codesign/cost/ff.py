"""Flip-flops per FINN HW node: FINN estimates LUT/BRAM/URAM/DSP but no FF (docs/finn-without-vivado.md).

Model: count the registers each module's datapath must hold, term by term, from the
structure of FINN's HLS library (finn-hlslib) and RTL library (finn-rtllib, read in the
installed finn-plus 1.6.1: memstream.sv, thresholding.sv, fifo.sv, axilite.sv).

Calibration (whole designs, Vivado OOC/post-synthesis FF, all HLS-era MVAUs; see
tests/cost/test_models.py for the node lists and the computed errors):
- FINN cybersecurity MLP (UNSW-NB15, w2a2, 600-64-64-64-1, PE/SIMD 32/15, 4/16, 4/16,
  1/1, decoupled, xc7z020): 7,534 FF (Xilinx/finn notebooks/end2end_example/
  cybersecurity/3-build-accelerator-with-finn.ipynb, ooc_synth_and_timing.json).
- BNN-PYNQ CNV-W1A1 zynq build (fold_cnv_large): 31,517 FF post-synthesis, shell excluded
  (Xilinx/finn pull request #209, comment of 2020-09-05).
Model vs published: MLP +27%, CNV -18% (its FIFO depths were not published and are left
out). Two HLS choices dominate and are structural, not fitted: the MVAU input vector
buffer is registers (finn-hlslib mvau.hpp: ``inputBuf[SF]`` ARRAY_PARTITION complete) and
every level of the SIMD adder tree is registered (pipelined at II=1); dropping the latter
would give MLP -13%, CNV -39%. RTL (DSP) MVAUs keep products and accumulators in DSP48
registers, which are not fabric FFs (Alam et al., arXiv 2201.11409: HLS MVUs need far more
FFs than RTL ones). No per-node published FF figure was found.
"""

from __future__ import annotations

from codesign.cost.fifo import fifo_cost
from codesign.cost.node_attrs import Node, attr, clog2
from codesign.finn.nodekinds import backend_of, kind_of

# HLS modules carry an FSM, ap_ctrl handshake and stream-interface registers that
# scale with nothing we know: assumed ~40 FF each (a few 1-hot states, valid/ready
# registers for ~3 streams), uncertainty ~2x. Hand-written RTL needs ~12.
CONTROL_FF = {"hls": 40, "rtl": 12}

BASIS_COMMON = ("register count from the FINN hlslib/rtllib structure; calibrated on two "
                "published FINN builds (cybersecurity MLP 7,534 FF; CNV-W1A1 31,517 FF)")


def _product_bits(w: int, a: int) -> int:
    """Bits of one SIMD product: XNOR gives 1 bit, a binary (+-1) weight gives a+1
    (sign-extended activation), otherwise a w x a multiplier gives w+a bits."""
    if w <= 1 and a <= 1:
        return 1
    if w <= 1:
        return a + 1
    return w + a


def _adder_tree_ff(pe: int, simd: int, prod_bits: int) -> int:
    """Registers of a fully pipelined SIMD-input adder tree per PE: each level halves the
    operand count and grows the width by one bit (HLS pipelines every level at II=1)."""
    total, n, bits = 0, simd, prod_bits
    while n > 1:
        n = (n + 1) // 2
        bits += 1
        total += n * bits
    return pe * total


def _memstream_ff(width: int, depth: int, in_lutram: bool) -> int:
    """finn-rtllib memstream.sv: output register + read/config pointers + credit counter;
    the two memory read registers are absorbed into a BRAM but are fabric FFs behind
    LUTRAM."""
    ff = width + 2 * max(clog2(depth), 1) + 10
    return ff + (2 * width if in_lutram else 0)


def _mvau_ff(node: Node) -> tuple[int, str]:
    pe, simd = int(attr(node, "pe", 1)) or 1, int(attr(node, "simd", 1)) or 1
    w, a = int(attr(node, "weight_bits", 1)) or 1, int(attr(node, "input_bits", 1)) or 1
    acc = int(attr(node, "acc_bits", 0)) or (w + a + clog2(attr(node, "mw", simd)))
    out = int(attr(node, "output_bits", 0)) or acc
    mw, mh = int(attr(node, "mw", simd)) or simd, int(attr(node, "mh", pe)) or pe
    if kind_of(node) == "VVAU":  # depthwise: MW = K*K per channel, MH = channels
        k = int(attr(node, "kernel", 1)) or 1
        mw, mh = k * k, int(attr(node, "channels", pe)) or pe
    sf, nf = max(mw // simd, 1), max(mh // pe, 1)
    pixels = int(attr(node, "ofm_dim", 1) or 1) ** 2
    backend = backend_of(node)
    prod = _product_bits(w, a)
    parts = {
        "act_in": simd * a * (pe if kind_of(node) == "VVAU" else 1),
        "weights": pe * simd * w,
        "out": pe * out,
        "control": CONTROL_FF[backend] + clog2(sf) + clog2(nf) + clog2(pixels),
    }
    if backend == "hls":
        if kind_of(node) == "MVAU":  # mvau.hpp: inputBuf[SF] is ARRAY_PARTITION complete
            parts["input_buffer"] = mw * a
        parts["products"] = pe * simd * prod
        parts["adder_tree"] = _adder_tree_ff(pe, simd, prod)
        parts["acc"] = pe * acc
    else:  # mvu_vvu_axi: products and accumulators live in DSP48 A/B/P registers
        parts["acc_out"] = pe * acc
    if attr(node, "mem_mode", "") == "internal_decoupled":
        depth = max(int(attr(node, "weight_count", 0)) // (pe * simd), 1)
        in_lutram = not (attr(node, "bram18", 0) or attr(node, "uram", 0))
        parts["memstream"] = _memstream_ff(pe * simd * w, depth, in_lutram)
    basis = (f"{kind_of(node)} {backend}: " + " + ".join(f"{k} {v}" for k, v in parts.items())
             + f" FF; {BASIS_COMMON}; uncertainty ~1.5x")
    return sum(parts.values()), basis


def _thresholding_ff(node: Node) -> tuple[int, str]:
    pe = int(attr(node, "pe", 1)) or 1
    k = int(attr(node, "input_bits", 8)) or 8
    out = int(attr(node, "output_bits", 1)) or 1
    channels = int(attr(node, "channels", pe)) or pe
    n_thr = int(attr(node, "threshold_count", 0)) // channels or (2 ** out - 1)
    cf = max(channels // pe, 1)
    if backend_of(node) == "rtl":
        # thresholding.sv: binary search over M = clog2(N+1) stages; per stage and PE a
        # threshold read register (K), the pipe register (op 2 + ptr + value K) and 2
        # flags; then the output register.
        m = clog2(n_thr + 1)
        ff = pe * m * (2 * k + m + clog2(cf) + 4) + pe * out + CONTROL_FF["rtl"]
        return ff, (f"Thresholding rtl: {pe} PE x {m} binary-search stages x (2K+M+4) + "
                    f"out {pe * out} FF (finn-rtllib thresholding.sv); uncertainty ~1.3x")
    # finn-hlslib Thresholding_Batch compares against all N thresholds at once: input
    # register, N comparator result bits, output register. Assumed: the threshold ROM
    # output feeds the comparators directly (LUT ROM) or sits in the BRAM output register,
    # so threshold storage adds no fabric FF (as for MVAU-embedded thresholds).
    ff = pe * k + pe * n_thr + pe * out + CONTROL_FF["hls"] + clog2(cf)
    return ff, (f"Thresholding hls: in {pe * k} + compare {pe * n_thr} + out {pe * out} FF; "
                f"{BASIS_COMMON}; uncertainty ~1.5x")


def _swg_ff(node: Node) -> tuple[int, str]:
    simd = int(attr(node, "simd", 1)) or 1
    bits = int(attr(node, "input_bits", 0)) or int(attr(node, "output_bits", 1)) or 1
    k = int(attr(node, "kernel", 1)) or 1
    dim, ch = int(attr(node, "ifm_dim", 1)) or 1, int(attr(node, "channels", simd)) or simd
    buf_depth = k * dim * max(ch // simd, 1)
    # input and output registers of SIMD elements; ~6 address/position counters
    # (write ptr, read ptr, kernel x/y, output x/y) over the line buffer.
    ff = 2 * simd * bits + 6 * max(clog2(buf_depth), 1) + CONTROL_FF[backend_of(node)]
    return ff, (f"ConvolutionInputGenerator: in/out registers 2x{simd}x{bits} + 6 counters "
                f"of {clog2(buf_depth)} bits; buffer is BRAM/LUTRAM, not FF; "
                f"{BASIS_COMMON}; uncertainty ~2x")


def _stream_ff(node: Node, n_in: int, n_out: int, what: str) -> tuple[int, str]:
    pe = int(attr(node, "pe", 1)) or 1
    bits_in = int(attr(node, "input_bits", 0)) or int(attr(node, "output_bits", 8)) or 8
    bits_out = int(attr(node, "output_bits", 0)) or bits_in
    in_w = int(attr(node, "in_width_bits", 0)) or pe * bits_in
    out_w = int(attr(node, "out_width_bits", 0)) or pe * bits_out
    elems = int(attr(node, "in_elems_per_frame", 0)) or 1
    ff = n_in * in_w + n_out * out_w + clog2(elems) + CONTROL_FF[backend_of(node)]
    return ff, (f"{kind_of(node)}: {n_in} input + {n_out} output stream registers "
                f"({in_w}/{out_w} bits){what}; {BASIS_COMMON}; uncertainty ~2x")


def flip_flops(node: Node) -> tuple[int, str]:
    """Flip-flops (count) of one HW node, and the basis of the estimate."""
    kind = kind_of(node)
    if kind in ("MVAU", "VVAU", "MatrixVectorActivation", "VectorVectorActivation"):
        return _mvau_ff(node if kind in ("MVAU", "VVAU") else {**node, "kind": kind[0] + "VAU"})
    if kind in ("Thresholding",):
        return _thresholding_ff(node)
    if kind in ("ConvolutionInputGenerator",):
        return _swg_ff(node)
    if kind == "Pool":
        k = int(attr(node, "kernel", 1)) or 1
        ff, basis = _stream_ff(node, 1, 1, "")
        pe = int(attr(node, "pe", 1)) or 1
        acc = pe * ((int(attr(node, "input_bits", 8)) or 8) + clog2(k * k))
        return ff + acc, basis + f" + running max/sum {acc} FF"
    if kind == "GlobalAccPool":
        ff, basis = _stream_ff(node, 1, 1, "")
        pe = int(attr(node, "pe", 1)) or 1
        acc = pe * (int(attr(node, "acc_bits", 0)) or (int(attr(node, "output_bits", 16)) or 16))
        return ff + acc, basis + f" + {acc} accumulator FF (other channel folds in LUTRAM)"
    if kind == "DuplicateStreams":
        n_out = int(attr(node, "num_outputs", 2)) or 2
        return _stream_ff(node, 1, n_out, "")
    if kind in ("ElementwiseAdd", "ElementwiseMul", "AddStreams"):
        return _stream_ff(node, 2, 1, "")
    if kind == "StreamingDataWidthConverter":
        return _stream_ff(node, 1, 1, ", shift/assembly buffer of the wider side")
    if kind == "StreamingFIFO":
        cost = fifo_cost(int(attr(node, "in_width_bits", 0)), int(attr(node, "depth", 0)))
        return cost["ff"], cost["basis"]
    if kind in ("FMPadding", "Reshape", "LabelSelect"):
        return _stream_ff(node, 1, 1, ", padding/position counters")
    ff, basis = _stream_ff(node, 1, 1, "")
    return ff, f"assumed: unknown op {kind!r} treated as a registered stream stage; " + basis
