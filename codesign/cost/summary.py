"""EstimateSummary: what a comparison keeps of one architecture's :class:`Estimate`.

The per-node tables stay with ``codesign estimate``; a comparison point keeps the totals
it reports and budgets on. Units are in the names; the crossing data wires are
``interconnect_bits`` everywhere (the name of the budget metric users type), in total
and per direction. ``sources`` and ``seconds`` belong to a finished point (its cache
entry) and are left out of a comparison document's copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codesign.records import OMIT_IF_NONE, Record

RESOURCE_NAMES = ("lut", "ff", "bram18", "uram", "dsp")


@dataclass
class ResourceAmounts(Record):
    """Resources of a design (estimates may be fractional)."""
    lut: float
    ff: float
    bram18: float  # 18 kb block RAMs
    uram: float
    dsp: float

    @classmethod
    def of(cls, values: dict) -> "ResourceAmounts":
        return cls(**{name: float(values[name]) for name in RESOURCE_NAMES})


@dataclass
class ResourceCounts(Record):
    """Resources a device has (whole units)."""
    lut: int
    ff: int
    bram18: int
    uram: int
    dsp: int

    @classmethod
    def of(cls, values) -> "ResourceCounts":
        """From a dict or an object with the five attributes (a DeviceSpec's resources)."""
        get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
        return cls(**{name: int(get(name)) for name in RESOURCE_NAMES})


@dataclass
class DirectionSummary(Record):
    """Streams crossing in one direction and their data wires at the chosen folding."""
    streams: int
    interconnect_bits: int


@dataclass
class InterconnectSummary(Record):
    streams: int  # AXI streams between fixed and reconfigurable nodes
    interconnect_bits: int  # their data wires: the partition pins a DFX boundary needs
    handshake_wires: int  # TVALID/TREADY, 2 per stream
    bits_per_frame: int  # data crossing per image
    fixed_to_reconfigurable: DirectionSummary
    reconfigurable_to_fixed: DirectionSummary


@dataclass
class EnergySummary(Record):
    """Energy of an inference as two figures (codesign.cost.energy, docs/energy.md)."""
    per_inference_at_throughput: float  # µJ: (board idle + static + dynamic x FPS) / FPS
    single_image: float  # µJ: one image alone, (board idle + static) x latency + dynamic
    dynamic: float  # µJ: MACs, memory reads and stream transfers of one frame
    power_at_throughput_w: float  # W: board idle + static + dynamic energy x FPS
    board_idle_power_w: float  # W (0 in documents converted from before board power was modelled)
    static_power_w: float  # W: the device's static power

    @classmethod
    def of(cls, energy: dict) -> "EnergySummary":
        """From an Estimate's ``energy`` dict (codesign.cost.estimate)."""
        return cls(per_inference_at_throughput=float(energy["per_inference_at_throughput_uj"]),
                   single_image=float(energy["single_image_uj"]), dynamic=float(energy["dynamic_uj"]),
                   power_at_throughput_w=float(energy["power_at_throughput_w"]),
                   board_idle_power_w=float(energy["board_idle_power_w"]),
                   static_power_w=float(energy["static_power_w"]))


@dataclass
class SwitchSummary(Record):
    payload_bytes: float  # run-time-writeable weights + thresholds of one domain
    write_time_ms: float  # over AXI-lite
    bitstream_time_ms: float  # a full bitstream instead
    speedup: float


@dataclass
class NodeCounts(Record):
    fixed: int
    reconfigurable: int


@dataclass
class EstimateSummary(Record):
    fits: bool
    shortfall: dict[str, float]  # resource -> amount over the device (empty when it fits)
    fps: float  # frames/s
    latency_ms: float
    target_fps: float | None  # None: the fastest folding that fits
    bottleneck: str  # the slowest node
    cycles_per_frame: int
    resources: ResourceAmounts
    available: ResourceCounts
    utilisation_pct: ResourceAmounts
    interconnect: InterconnectSummary
    energy_uj: EnergySummary
    switch: SwitchSummary
    nodes: NodeCounts
    reconfigurable_resources: ResourceAmounts  # of the per-domain nodes (FIFOs/AXI-lite not split)
    domain_weights: str  # "random" or the checkpoint the domain's weights came from
    sources: dict[str, str] | None = field(default=None, metadata=OMIT_IF_NONE)
    seconds: float | None = field(default=None, metadata=OMIT_IF_NONE)  # the point's wall time
    # Calibrated estimates (codesign.cost.calibrated): ``resources`` is the point value,
    # these the interval's ends; None in documents written before calibration.
    resources_low: ResourceAmounts | None = field(default=None, metadata=OMIT_IF_NONE)
    resources_high: ResourceAmounts | None = field(default=None, metadata=OMIT_IF_NONE)
    fit_confidence: str | None = field(default=None, metadata=OMIT_IF_NONE)  # fits / uncertain / does not fit
    finn_resources: ResourceAmounts | None = field(default=None, metadata=OMIT_IF_NONE)  # uncalibrated
    calibration: str | None = field(default=None, metadata=OMIT_IF_NONE)  # the calibration file used

    @classmethod
    def from_estimate(cls, estimate, seconds: float | None = None) -> "EstimateSummary":
        """The summary of an ``Estimate`` (codesign.cost.estimate), with its sources."""
        roles = [n.role for n in estimate.nodes]
        reconfigurable = [n for n in estimate.nodes if n.role == "reconfigurable"]
        return cls(
            fits=bool(estimate.fits), shortfall=dict(estimate.shortfall), fps=float(estimate.fps),
            latency_ms=float(estimate.latency_s) * 1e3, target_fps=estimate.target_fps,
            bottleneck=estimate.bottleneck, cycles_per_frame=int(estimate.cycles_per_frame),
            resources=ResourceAmounts.of(estimate.totals), available=ResourceCounts.of(estimate.available),
            utilisation_pct=ResourceAmounts.of(estimate.utilisation_pct),
            interconnect=_interconnect(estimate.interconnect), energy_uj=EnergySummary.of(estimate.energy),
            switch=SwitchSummary(
                payload_bytes=float(estimate.switch["payload_bytes"]),
                write_time_ms=float(estimate.switch["write_time_s"]) * 1e3,
                bitstream_time_ms=float(estimate.switch["bitstream_time_s"]) * 1e3,
                speedup=float(estimate.switch["speedup"])),
            nodes=NodeCounts(fixed=roles.count("fixed"), reconfigurable=roles.count("reconfigurable")),
            reconfigurable_resources=ResourceAmounts(
                **{name: float(sum(getattr(n, name) for n in reconfigurable)) for name in RESOURCE_NAMES}),
            domain_weights=estimate.domain_weights, sources=dict(estimate.sources), seconds=seconds,
            **_calibrated(estimate))

    def without_provenance(self) -> "EstimateSummary":
        """The copy a comparison document holds: no sources (the document has its own)."""
        import dataclasses

        return dataclasses.replace(self, sources=None)


def _calibrated(estimate) -> dict:
    """The interval ends, fit confidence and uncalibrated totals of a calibrated estimate."""
    if estimate.intervals is None:
        return {}
    ends = {end: ResourceAmounts(**{name: float(getattr(estimate.intervals.get(name), end))
                                     for name in RESOURCE_NAMES}) for end in ("low", "high")}
    return {"resources_low": ends["low"], "resources_high": ends["high"],
            "fit_confidence": estimate.fit_confidence,
            "finn_resources": ResourceAmounts.of(estimate.finn_totals) if estimate.finn_totals else None,
            "calibration": estimate.calibration or None}


def _interconnect(ic) -> InterconnectSummary:
    def direction(d) -> DirectionSummary:
        return DirectionSummary(streams=int(d.streams), interconnect_bits=int(d.interconnect_bits))

    return InterconnectSummary(
        streams=int(ic.streams), interconnect_bits=int(ic.interconnect_bits),
        handshake_wires=int(ic.handshake_wires), bits_per_frame=int(ic.bits_per_frame),
        fixed_to_reconfigurable=direction(ic.fixed_to_reconfigurable),
        reconfigurable_to_fixed=direction(ic.reconfigurable_to_fixed))
