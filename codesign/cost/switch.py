"""Cost of switching domain: rewrite the reconfigurable memories over AXI-lite, against
reloading a full bitstream through the configuration port.

Bytes per domain: every reconfigurable node's weights (at weight_bits) and thresholds (at
threshold_bits). Over AXI-lite each memory word is written as ceil(word bits / AXI data
width) beats (axilite.sv's FOLD), so the bytes on the bus are padded per memory word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from codesign.cost.axilite import axi_words, write_time_s, writeable_memories
from codesign.cost.ff import attr

# Configuration-port bandwidth for a full bitstream loaded from the PS, bytes/s, per
# family: (effective, port ceiling, source).
_UG909 = "UG909 (Vivado DFX) 'Configuration Time' tables"
CONFIG_PORT = {
    "zynq7000": (145e6, 400e6,
                 "Zynq-7000 PCAP, non-secure download ~145 MB/s (UG585 Zynq-7000 TRM, device "
                 "configuration chapter; figure recalled, not re-checked here: uncertainty "
                 f"~1.5x); ceiling 32 bit x 100 MHz = 3.2 Gb/s = 400 MB/s ({_UG909}, Table 1)"),
    "zynquplus": (290e6, 800e6,
                  "assumed: ZynqMP PCAP (CSU DMA, UG1085) at the same ~36% of its port ceiling "
                  "that Zynq-7000 PCAP reaches (145/400 MB/s): 290 MB/s, uncertainty ~2x; "
                  f"ceiling 32 bit x 200 MHz = 6.4 Gb/s = 800 MB/s ({_UG909}, Table 3)"),
}
_DEFAULT_PORT = {  # fabric-only parts: ICAP from a soft controller, taken at its ceiling
    "artix7": 400e6, "kintex7": 400e6, "virtex7": 400e6, "kintexuplus": 800e6, "virtexuplus": 800e6,
}


@dataclass(frozen=True)
class SwitchCost:
    """Domain-switch cost: bytes, AXI-lite write time, and the full-bitstream alternative."""

    memories: list[dict[str, Any]]  # one row per reconfigurable memory (node, memory, bytes)
    weight_bytes: float  # payload of reconfigurable weights at weight_bits, bytes
    threshold_bytes: float  # payload of reconfigurable thresholds at threshold_bits, bytes
    write_bytes: int  # bytes actually sent over AXI-lite (padded per memory word)
    axi_words: int  # AXI-lite single-beat writes
    write_time_s: float  # s, at the AXI-lite clock and cycles_per_write of the device
    write_energy_uj: float  # µJ, axi_lite_write_pj_per_bit x bits sent
    bitstream_bytes: int  # full PL bitstream, bytes
    config_bytes_per_s: float  # effective configuration-port bandwidth, bytes/s
    bitstream_time_s: float  # s, full bitstream at the effective bandwidth
    bitstream_time_at_port_max_s: float  # s, at the port's theoretical ceiling
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def payload_bytes(self) -> float:
        return self.weight_bytes + self.threshold_bytes

    @property
    def speedup(self) -> float:
        """How many times faster the AXI-lite weight switch is than a bitstream reload."""
        return self.bitstream_time_s / self.write_time_s if self.write_time_s else math.inf


def is_reconfigurable(node: dict[str, Any]) -> bool:
    return attr(node, "role", "") == "reconfigurable" or bool(attr(node, "runtime_writeable", False))


def domain_switch_cost(graph: nx.DiGraph, device: Any) -> SwitchCost:
    """Bytes and time to load one domain's reconfigurable memories on ``device``."""
    width = device.axi_lite.data_width_bits
    rows, w_bits, t_bits, words = [], 0, 0, 0
    for name, node in graph.nodes(data=True):
        if not is_reconfigurable(node):
            continue
        for mem in writeable_memories(node):
            n = axi_words(mem, width)
            words += n
            if mem["memory"] == "weights":
                w_bits += mem["payload_bits"]
            else:
                t_bits += mem["payload_bits"]
            rows.append({"node": name, **mem, "axi_words": n, "write_bytes": n * width // 8})
    write_bytes = words * width // 8
    t_write = write_time_s(write_bytes, device)
    energy_uj = write_bytes * 8 * device.energy.axi_lite_write_pj_per_bit.value / 1e6

    if device.family in CONFIG_PORT:
        rate, ceiling, port_source = CONFIG_PORT[device.family]
    else:
        rate = ceiling = _DEFAULT_PORT[device.family]
        port_source = f"ICAP ceiling from {_UG909} (no PS configuration port)"
    bs = device.full_bitstream_bytes
    sources = {
        "axi_lite": (f"{width}-bit writes, {device.axi_lite.cycles_per_write} cycles each at "
                     f"{device.axi_lite.clock_mhz} MHz (device spec); one beat per "
                     f"{width} bits of each memory word (finn-rtllib axilite.sv FOLD)"),
        "write_energy": device.energy.axi_lite_write_pj_per_bit.source.strip(),
        "bitstream_bytes": device.full_bitstream_source.strip(),
        "config_port": port_source,
    }
    return SwitchCost(rows, w_bits / 8, t_bits / 8, write_bytes, words, t_write, energy_uj,
                      bs, rate, bs / rate, bs / ceiling, sources)
