"""Energy of an inference, as two figures: per inference at the design's throughput, and
for a single image in isolation. Dynamic energy per frame (MACs, weight-memory reads,
threshold reads, stream transfers) per node; pJ internally, µJ in reports.

- ``per_inference_at_throughput_uj``: a pipelined dataflow design running at its rate
  draws (board idle + device static + dynamic energy x FPS) watts, so each inference
  costs that power / FPS. Budgets and Pareto fronts use this figure.
- ``single_image_uj``: one image alone: (board idle + device static) x latency + dynamic.

Every coefficient comes from the device spec (``DeviceSpec.energy``), which carries its
unit and source (most are scaled from Horowitz ISSCC 2014 and say so; docs/energy.md);
so do the board's idle power and the device's static power.
Activity: the coefficients assume random data (toggle probability ~0.5); no derating.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import networkx as nx

from codesign.cost.node_attrs import attr, clog2, threshold_bits
from codesign.finn.nodekinds import backend_of, kind_of

PJ_PER_UJ = 1e6  # 1 µJ = 1e6 pJ
PJ_PER_J = 1e12
UJ_PER_J = 1e6


@dataclass(frozen=True)
class NodeEnergy:
    """Dynamic energy of one HW node for one frame, pJ."""

    mac_pj: float = 0.0  # multiply-accumulates at max(weight_bits, input_bits)
    weight_memory_read_pj: float = 0.0  # whole weight memory read once per output pixel
    threshold_read_pj: float = 0.0  # thresholds read per output element
    stream_pj: float = 0.0  # bits leaving this node on its output streams, one hop each

    @property
    def total_pj(self) -> float:
        return self.mac_pj + self.weight_memory_read_pj + self.threshold_read_pj + self.stream_pj


TERMS = ("mac_pj", "weight_memory_read_pj", "threshold_read_pj", "stream_pj")


@dataclass(frozen=True)
class EnergyBreakdown:
    """Energy of one inference: per-node dynamic terms (pJ), the power that is on whenever
    the accelerator runs (W), and the two figures built from them."""

    per_node: dict[str, NodeEnergy]
    board_idle_power_w: float  # W: PS, DDR, regulators (device spec), excluding static power
    static_power_w: float  # W: device static (leakage) power, from the device spec
    latency_s: float  # s, one inference (first input to last output)
    fps: float  # frames/s the design sustains (1 / initiation interval)
    sources: dict[str, str] = field(default_factory=dict)  # term -> "value unit: source"

    def term_pj(self, term: str) -> float:
        """One dynamic term summed over all nodes, pJ."""
        return sum(getattr(e, term) for e in self.per_node.values())

    @property
    def dynamic_pj(self) -> float:
        return sum(e.total_pj for e in self.per_node.values())

    @property
    def dynamic_uj(self) -> float:
        return self.dynamic_pj / PJ_PER_UJ

    @property
    def standing_power_w(self) -> float:
        """W on whether or not a frame is in flight: board idle + device static."""
        return self.board_idle_power_w + self.static_power_w

    @property
    def dynamic_power_w(self) -> float:
        """W of dynamic power at the design's throughput: dynamic energy x FPS."""
        return self.dynamic_pj / PJ_PER_J * self.fps

    @property
    def power_at_throughput_w(self) -> float:
        """Total board power while the design runs at its throughput, W."""
        return self.standing_power_w + self.dynamic_power_w

    @property
    def per_inference_at_throughput_uj(self) -> float:
        """µJ per inference at the design's throughput: total power / FPS."""
        return self.power_at_throughput_w / self.fps * UJ_PER_J

    @property
    def single_image_uj(self) -> float:
        """µJ for one image in isolation: standing power x latency + dynamic energy."""
        return self.standing_power_w * self.latency_s * UJ_PER_J + self.dynamic_uj

    @property
    def standing_at_throughput_uj(self) -> float:
        """The standing power's share of the throughput figure, µJ: standing power / FPS."""
        return self.standing_power_w / self.fps * UJ_PER_J

    @property
    def standing_single_image_uj(self) -> float:
        """The standing power's share of the single-image figure, µJ: standing power x latency."""
        return self.standing_power_w * self.latency_s * UJ_PER_J


def _coef(c: Any) -> str:
    return f"{c.value} {c.unit}: {c.source.strip()}"


def mac_energy_pj(energy: Any, bits: int) -> float:
    """pJ per MAC at ``bits``; above 8 bits the int8 figure is scaled by (bits/8)^2
    (multiplier energy ~ bits^2, Horowitz 2014), an assumption the spec does not cover."""
    if bits <= 8:
        return energy.mac_pj(max(bits, 1))
    return energy.mac_pj(8) * (bits / 8) ** 2


def _output_pixels(node: Mapping[str, Any]) -> int:
    """Output pixels per frame: ofm_dim^2, or output elements / channels, or 1 (FC)."""
    dim = int(attr(node, "ofm_dim", 0))
    if dim:
        return dim * dim
    ch = int(attr(node, "channels", 0)) or int(attr(node, "mh", 0))
    out = int(attr(node, "out_elems_per_frame", 0))
    return max(out // ch, 1) if ch and out else 1


def node_energy(graph: nx.DiGraph, name: Any, energy: Any) -> NodeEnergy:
    """Dynamic energy of node ``name`` of ``graph`` for one frame, pJ."""
    node = graph.nodes[name]
    w_bits, a_bits = int(attr(node, "weight_bits", 0)), int(attr(node, "input_bits", 0))
    macs = float(attr(node, "macs_per_frame", 0))
    mac = macs * mac_energy_pj(energy, max(w_bits, a_bits, 1)) if macs else 0.0

    pixels = _output_pixels(node)
    in_bram = bool(attr(node, "bram18", 0) or attr(node, "uram", 0))
    mem_coef = (energy.bram_read_pj_per_bit if in_bram else energy.lutram_read_pj_per_bit).value
    weight_bits_read = float(attr(node, "weight_count", 0)) * pixels * w_bits
    weight = weight_bits_read * mem_coef

    n_thr, t_bits = int(attr(node, "threshold_count", 0)), threshold_bits(node)
    thr = 0.0
    if n_thr and t_bits:
        ch = int(attr(node, "channels", 0)) or int(attr(node, "mh", 0)) or 1
        per_channel = max(n_thr // ch, 1)
        # HLS compares every threshold of a channel; thresholding.sv binary-searches
        # them, reading one threshold per stage: clog2(N+1) reads per element.
        reads = clog2(per_channel + 1) if backend_of(node) == "rtl" else per_channel
        thr_bram = kind_of(node) == "Thresholding" and in_bram
        thr_coef = (energy.bram_read_pj_per_bit if thr_bram else energy.lutram_read_pj_per_bit).value
        thr = pixels * ch * reads * t_bits * thr_coef

    stream_bits = 0.0
    for _, _, edge in graph.out_edges(name, data=True):
        elems, bits = attr(edge, "elems_per_frame", 0), attr(edge, "element_bits", 0)
        if not (elems and bits):  # fall back on the producer's own output description
            elems, bits = attr(node, "out_elems_per_frame", 0), attr(node, "output_bits", 0)
        stream_bits += float(elems) * float(bits)
    stream = stream_bits * energy.stream_hop_pj_per_bit.value
    return NodeEnergy(mac, weight, thr, stream)


def energy_per_inference(graph: nx.DiGraph, device: Any, latency_s: float, fps: float) -> EnergyBreakdown:
    """Energy of one inference on ``device``: per-node dynamic terms plus the board's idle
    and the device's static power, with the design's ``latency_s`` (s) and ``fps``
    (frames/s, > 0) for the two figures."""
    if not (fps > 0 and math.isfinite(fps)):
        raise ValueError(f"energy_per_inference: expected a finite frame rate > 0, got {fps!r}")
    e = device.energy
    per_node = {str(n): node_energy(graph, n, e) for n in graph.nodes}
    sources = {
        "mac_pj": "; ".join(f"int{b}: {_coef(getattr(e, f'mac_pj_int{b}'))}" for b in (1, 2, 4, 8)),
        "weight_memory_read_pj": (f"BRAM {_coef(e.bram_read_pj_per_bit)} | LUTRAM "
                                  f"{_coef(e.lutram_read_pj_per_bit)}; weights read once per "
                                  "output pixel (BRAM if the node has BRAM18/URAM, else LUTRAM)"),
        "threshold_read_pj": (f"LUTRAM {_coef(e.lutram_read_pj_per_bit)} (BRAM coefficient "
                              "for Thresholding nodes that have BRAM)"),
        "stream_pj": _coef(e.stream_hop_pj_per_bit) + "; elements x element bits per edge",
        "static_power_w": f"{device.static_power_w} W: {device.static_power_source.strip()}",
        "board_idle_power_w": f"{device.board_idle_power_w} W: {device.board_idle_power_source.strip()}",
    }
    return EnergyBreakdown(per_node, float(device.board_idle_power_w), float(device.static_power_w),
                           float(latency_s), float(fps), sources)
