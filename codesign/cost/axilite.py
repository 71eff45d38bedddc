"""The AXI-lite write path of a run-time-writeable memory, and how long a write takes.

What FINN generates (read in finn-plus 1.6.1, finn-rtllib): an MVAU/VVAU with
``mem_mode=internal_decoupled, runtime_writeable_weights=1`` wraps its weight memory in
memstream_axi.sv = axilite.sv (AXI4-Lite slave, 32-bit data) + memstream.sv; a
Thresholding_rtl with run-time-writeable thresholds uses thresholding_axi.sv = the same
axilite.sv in front of thresholding.sv. axilite.sv splits one memory word of W bits into
FOLD = ceil(W/32) AXI words (address space padded to 2^clog2(FOLD) words per memory word)
and writes the memory when the last fold arrives; thresholds are one memory word each.
The FF count below is read off those registers; the LUT count from their muxes and
decoders (assumed 1 LUT6 per 4:1 mux bit), plus the slave's slot in the shell's AXI
interconnect (FINN's Zynq shell puts every s_axilite behind one axi_interconnect).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from codesign.cost.node_attrs import attr, clog2, threshold_bits
from codesign.finn.nodekinds import kind_of

AXI_WORD_BITS = 32  # axilite.sv is instantiated with DATA_WIDTH(32) by both wrappers

# One master slot of the shell's AXI interconnect (address decode, response mux,
# per-slot handshake registers). Assumed: ~60 LUT + 80 FF per AXI4-Lite MI slot, the
# order of magnitude of small Xilinx AXI-lite IP (AXI GPIO / crossbar slots ~50-200 LUT);
# PG059's per-slot table was not retrieved. Uncertainty ~2x.
INTERCONNECT_SLOT = {"lut": 60, "ff": 80}


def writeable_memories(node: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The node's run-time-writeable memories: name, word width (bits), depth (words).

    Weights: one memstream word holds PE*SIMD weights (weight_count/(PE*SIMD) words).
    Thresholds: thresholding_axi.sv addresses every threshold as its own word."""
    mems = []
    pe, simd = int(attr(node, "pe", 1)) or 1, int(attr(node, "simd", 1)) or 1
    n_w, w_bits = int(attr(node, "weight_count", 0)), int(attr(node, "weight_bits", 0))
    if n_w and w_bits:
        mems.append({"memory": "weights", "width_bits": pe * simd * w_bits,
                     "depth": math.ceil(n_w / (pe * simd)), "payload_bits": n_w * w_bits})
    n_t, t_bits = int(attr(node, "threshold_count", 0)), threshold_bits(node)
    if n_t and t_bits:
        mems.append({"memory": "thresholds", "width_bits": t_bits, "depth": n_t,
                     "payload_bits": n_t * t_bits})
    return mems


def axi_words(memory: Mapping[str, Any], data_width_bits: int = AXI_WORD_BITS) -> int:
    """AXI-lite data beats needed to write a whole memory: FOLD beats per memory word."""
    fold = math.ceil(memory["width_bits"] / data_width_bits)
    return memory["depth"] * fold


def _slave_cost(width: int, depth: int, with_memstream: bool) -> tuple[int, int]:
    fold = math.ceil(width / AXI_WORD_BITS)
    aw = clog2(depth * 2 ** clog2(fold)) + 2  # byte address bits (memstream_axi.sv)
    word_aw = max(aw - 2, 1)
    # axilite.sv registers: RAddr/WAddr (valid + word address), WData and RData (valid +
    # 32), RLock, WIssued, IpEn, IpWe, IpAddr; write staging: W bits (FOLD == 1) or
    # FOLD x 32 plus the FOLD x 32 readback capture and its ack.
    ff = 3 * word_aw + 2 + 2 * 33 + 4
    ff += width if fold == 1 else 2 * fold * AXI_WORD_BITS + 1
    # muxes: write/read address select (word_aw), fold decode (FOLD), readback word
    # select (32 bits x ceil((FOLD-1)/3) LUT6 levels), handshake ~16.
    lut = 16 + word_aw + fold + AXI_WORD_BITS * math.ceil((fold - 1) / 3)
    if with_memstream:
        # memstream.sv config path: Dat1 write-data register + Wr1/Rb1, and the
        # config-vs-stream address mux in front of the memory.
        ff += width + 2
        lut += clog2(depth) + 2
    return lut, ff


def write_path_cost(node: Mapping[str, Any], device: Any = None) -> dict[str, Any]:
    """LUT and FF of the AXI-lite write path of every run-time-writeable memory of
    ``node`` (axilite.sv slave + memory config port + interconnect slot). ``device`` is
    accepted for symmetry with the other models; the AXI-lite width is fixed at 32."""
    mems = writeable_memories(node)
    lut = ff = 0
    parts = []
    for m in mems:
        s_lut, s_ff = _slave_cost(m["width_bits"], m["depth"], m["memory"] == "weights")
        s_lut += INTERCONNECT_SLOT["lut"]
        s_ff += INTERCONNECT_SLOT["ff"]
        lut, ff = lut + s_lut, ff + s_ff
        parts.append(f"{m['memory']} {m['depth']}x{m['width_bits']}b: {s_lut} LUT {s_ff} FF")
    if not mems:
        return {"lut": 0, "ff": 0, "basis": f"{kind_of(node)}: no run-time-writeable memory"}
    return {"lut": lut, "ff": ff, "basis": (
        "; ".join(parts) + " -- registers of finn-rtllib axilite.sv/memstream_axi.sv/"
        "thresholding_axi.sv counted, muxes as LUT6 4:1, + assumed interconnect slot "
        f"{INTERCONNECT_SLOT['lut']} LUT/{INTERCONNECT_SLOT['ff']} FF; uncertainty ~1.5x")}


def write_time_s(n_bytes: float, device: Any) -> float:
    """Seconds to write ``n_bytes`` over AXI-lite: ceil(bits / data width) single-beat
    writes of ``cycles_per_write`` cycles each at the AXI-lite clock (no bursts in
    AXI4-Lite)."""
    axi = device.axi_lite
    words = math.ceil(n_bytes * 8 / axi.data_width_bits)
    return words * axi.cycles_per_write / (axi.clock_mhz * 1e6)
