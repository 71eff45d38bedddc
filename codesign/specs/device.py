"""Device specs: what an FPGA board offers, and what its operations cost in energy.

One YAML file per board lives in ``hw_specs/`` (``hw_specs/pynq-z1.yaml`` ...). Files whose
name starts with ``_`` are shared fragments (energy coefficients per process node) that a
device pulls in with ``include:``; they are not devices themselves.

Every energy coefficient carries its unit and its source, because no public per-LUT or
per-BRAM-access energy exists for 7-series/UltraScale+ (docs/energy.md): most are scaled
from Horowitz's 45 nm anchors and say so, with their uncertainty. All per-bit and per-MAC
figures are for random data (toggle probability ~0.5); an estimator may derate them by
activity.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import codesign.plugins as plugins
from codesign.store.shipped import resolve_shipped, shipped_dir
from codesign.specs.finn_boards import check_part_against_finn, part_from_finn
from codesign.specs.loader import SpecError, build_dataclass, deep_merge, read_yaml_mapping

DEVICE_DIR = shipped_dir("hw_specs")

FAMILIES = ("zynq7000", "zynquplus", "artix7", "kintex7", "virtex7", "kintexuplus", "virtexuplus")
# 7-series silicon has no UltraRAM at all, so a URAM count there is a typo, not a device.
FAMILIES_WITHOUT_URAM = frozenset({"zynq7000", "artix7", "kintex7", "virtex7"})
# Part-string prefixes per family, to catch a part pasted under the wrong family.
# Families absent here (e.g. kintexuplus: xcku also names non-plus parts) are not checked.
PART_PREFIXES = {
    "zynq7000": ("xc7z",),
    "zynquplus": ("xczu", "xck26", "xck24"),
    "artix7": ("xc7a",),
    "kintex7": ("xc7k",),
    "virtex7": ("xc7v",),
}
_PART_RE = re.compile(r"^xc[0-9a-z]+(-[0-9a-z]+)*$", re.IGNORECASE)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# Unit string each energy coefficient must declare (checked, so pJ/nJ mix-ups fail loudly).
EXPECTED_UNITS = {
    "mac_pj_int8": "pJ/MAC",
    "mac_pj_int4": "pJ/MAC",
    "mac_pj_int2": "pJ/MAC",
    "mac_pj_int1": "pJ/MAC",
    "bram_read_pj_per_bit": "pJ/bit",
    "lutram_read_pj_per_bit": "pJ/bit",
    "stream_hop_pj_per_bit": "pJ/bit",
    "axi_lite_write_pj_per_bit": "pJ/bit",
    "dram_pj_per_bit": "pJ/bit",
}
MAC_BITS = (1, 2, 4, 8)  # bit widths with their own MAC coefficient


@dataclass(frozen=True)
class Coefficient:
    """One energy coefficient: a number, its unit, and where it comes from."""

    value: float = field(metadata={"gt": 0})
    unit: str
    # A data sheet / paper citation, or "assumed: <reason, basis and uncertainty>".
    source: str

    def validate(self, path: Path, prefix: str) -> None:
        text = self.source.strip()
        if text.lower().startswith("assumed") and len(text.split(":", 1)[-1].strip()) < 10:
            raise SpecError(path, f"{prefix}.source" if prefix else "source",
                            "an assumed coefficient must give its reason: 'assumed: <why, basis, uncertainty>'")


@dataclass(frozen=True)
class EnergySpec:
    """Energy per operation, each a :class:`Coefficient` (units in ``EXPECTED_UNITS``)."""

    mac_pj_int8: Coefficient  # one multiply-accumulate, 8-bit weights x 8-bit activations
    mac_pj_int4: Coefficient
    mac_pj_int2: Coefficient
    mac_pj_int1: Coefficient  # binary: XNOR + popcount share
    bram_read_pj_per_bit: Coefficient  # block RAM read, per bit delivered
    lutram_read_pj_per_bit: Coefficient  # distributed (LUT) RAM read, per bit delivered
    stream_hop_pj_per_bit: Coefficient  # one on-chip stream/wire hop between modules, per bit
    axi_lite_write_pj_per_bit: Coefficient  # run-time weight write over AXI-lite, per data bit
    dram_pj_per_bit: Coefficient  # off-chip DRAM access, per bit (reference only)

    def validate(self, path: Path, prefix: str) -> None:
        for name, unit in EXPECTED_UNITS.items():
            got = getattr(self, name).unit
            if got != unit:
                raise SpecError(path, f"{prefix}.{name}.unit", f"expected unit {unit!r}, got {got!r}")

    def mac_pj(self, bits: int) -> float:
        """pJ per MAC at ``bits`` (weights and activations); widths between the shipped
        ones (1, 2, 4, 8) round up, the conservative choice. Wider than 8 bits is refused."""
        if not 1 <= bits <= MAC_BITS[-1]:
            raise ValueError(f"no MAC energy for {bits}-bit operands; device specs cover 1..8 bits")
        width = next(b for b in MAC_BITS if b >= bits)
        return getattr(self, f"mac_pj_int{width}").value


@dataclass(frozen=True)
class ResourcesSpec:
    """Programmable-logic resources of the part (vendor product tables)."""

    lut: int = field(metadata={"min": 0})
    ff: int = field(metadata={"min": 0})
    bram18: int = field(metadata={"min": 0})  # 18 Kb block RAM halves (one BRAM36 = 2)
    uram: int = field(metadata={"min": 0})  # 288 Kb UltraRAM blocks
    dsp: int = field(metadata={"min": 0})  # DSP48E1 / DSP48E2 slices


@dataclass(frozen=True)
class AxiLiteSpec:
    """The AXI4-Lite path used to write reconfigurable weights at run time."""

    data_width_bits: int = field(metadata={"choices": (32, 64)})  # AXI4-Lite allows 32 or 64
    clock_mhz: float = field(metadata={"gt": 0})  # clock of the AXI-lite slave interface, MHz
    cycles_per_write: int = field(metadata={"gt": 0})  # clock cycles per single-beat write

    @property
    def bytes_per_second(self) -> float:
        """Sustained write bandwidth of back-to-back single writes, bytes/s."""
        return self.data_width_bits / 8 * self.clock_mhz * 1e6 / self.cycles_per_write


@dataclass(frozen=True)
class DeviceSpec:
    """A board and its FPGA part, loaded from ``hw_specs/<name>.yaml``."""

    name: str = field(metadata={"path_safe": True})  # slug, e.g. "pynq-z1" (as the file name)
    board: str  # human-readable board name
    part: str  # exact Xilinx part string, e.g. "xc7z020clg400-1"
    family: str = field(metadata={"choices": FAMILIES})
    resources: ResourcesSpec
    clock_mhz: float = field(metadata={"gt": 0})  # default fabric clock, MHz
    full_bitstream_bytes: int = field(metadata={"gt": 0})  # uncompressed full PL bitstream, bytes
    full_bitstream_source: str  # where the bitstream size comes from
    static_power_w: float = field(metadata={"gt": 0})  # device static (leakage) power, W
    static_power_source: str  # where the static power comes from
    # Power the rest of the board draws whenever the accelerator runs, W: PS, DDR, regulators,
    # peripherals; excludes static_power_w, which the energy model adds on its own.
    board_idle_power_w: float = field(metadata={"min": 0})
    board_idle_power_source: str  # a measurement, or "assumed: <why, basis, uncertainty>"
    axi_lite: AxiLiteSpec
    energy: EnergySpec
    # Optional calibration file (codesign calibrate --out) for this board's estimates, relative
    # to this YAML's folder; load_device makes it absolute. None: the shipped calibration.
    calibration: str | None = None
    # FINN's name for this board (finn.util.basic.pynq_part_map / alveo_part_map), where FINN
    # has it: ``--device`` accepts it, ``part`` may be left out (FINN's part is taken) and,
    # when given, must equal FINN's (codesign.specs.finn_boards).
    finn_board: str | None = None

    def validate(self, path: Path, prefix: str) -> None:
        def where(name: str) -> str:
            return f"{prefix}.{name}" if prefix else name

        if self.calibration is not None and not (path.parent / self.calibration).is_file():
            raise SpecError(path, where("calibration"), f"file {self.calibration!r} not found (relative to "
                            "this file's folder); expected a calibration JSON file (codesign calibrate --out)")

        if not _NAME_RE.match(self.name):
            raise SpecError(path, where("name"), f"expected a lower-case slug like 'pynq-z1', got {self.name!r}")
        if not _PART_RE.match(self.part):
            raise SpecError(path, where("part"), f"expected a Xilinx part string like 'xc7z020clg400-1', got {self.part!r}")
        prefixes = PART_PREFIXES.get(self.family)
        if prefixes and not self.part.lower().startswith(prefixes):
            raise SpecError(path, where("part"),
                            f"part {self.part!r} is not a {self.family} part (expected a prefix {' or '.join(prefixes)})")
        _check_power_source(path, where("board_idle_power_source"), self.board_idle_power_source)
        if self.family in FAMILIES_WITHOUT_URAM and self.resources.uram != 0:
            raise SpecError(path, where("resources.uram"),
                            f"{self.family} devices have no UltraRAM; expected 0, got {self.resources.uram}")


def _check_power_source(path: Path, field_name: str, text: str) -> None:
    """A power figure needs a source; an assumed one must say why (like the coefficients)."""
    text = text.strip()
    if not text:
        raise SpecError(path, field_name, "expected the source of the figure (a measurement or 'assumed: <why>')")
    if text.lower().startswith("assumed") and len(text.split(":", 1)[-1].strip()) < 10:
        raise SpecError(path, field_name,
                        "an assumed figure must give its reason: 'assumed: <why, basis, uncertainty>'")


def _resolve_includes(data: dict[str, Any], path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """Merge ``include:`` fragments (paths relative to the including file) under ``data``:
    the including file's own keys win, nested mappings merge key by key."""
    include = data.pop("include", None)
    if include is None:
        return data
    names = [include] if isinstance(include, str) else include
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise SpecError(path, "include", f"expected a file name or a list of file names, got {include!r}")
    merged: dict[str, Any] = {}
    for name in names:
        target = (path.parent / name).resolve()
        if target in seen:
            raise SpecError(path, "include", f"include cycle through {name!r}")
        if not target.is_file():
            raise SpecError(path, "include", f"included file {name!r} not found next to this file")
        fragment = _resolve_includes(read_yaml_mapping(target), target, seen + (target,))
        merged = deep_merge(merged, fragment)
    return deep_merge(merged, data)


def device_file(path: str | Path) -> Path:
    """The spec file ``path`` names: itself, or for a bare device name (``"pynq-z1"``)
    its file in ``DEVICE_DIR`` or in an installed plugin (codesign.plugins)."""
    path = resolve_shipped(path, "hw_specs")  # hw_specs/pynq-z1.yaml from any directory
    if not path.exists() and path.suffix == "" and len(path.parts) == 1:
        candidate = DEVICE_DIR / f"{path.name}.yaml"
        candidate = candidate if candidate.exists() else (_shipped_by_board_name(path.name) or candidate)
        plugged = plugins.device_file(path.name, candidate if candidate.exists() else None)
        if plugged is not None:  # an installed package's device (codesign.devices entry point)
            return plugged
        if not candidate.exists():
            known = ", ".join(p.stem for p in list_devices()) or "none"
            known += f"; FINN board names: {', '.join(sorted(_shipped_board_names()))}"
            installed = ", ".join(sorted(plugins.discover(plugins.DEVICE_GROUP)))
            known += f"; from plugins: {installed}" if installed else ""
            raise SpecError(path, "", f"no such device file or shipped device name (shipped: {known})")
        return candidate
    return path


def _shipped_board_names() -> dict[str, Path]:
    """FINN board name (as the shipped YAMLs' ``finn_board`` spell it) -> its spec file."""
    names = {}
    for file in list_devices():
        board = read_yaml_mapping(file).get("finn_board")
        if isinstance(board, str):
            names[board] = file
    return names


def _shipped_by_board_name(name: str) -> Path | None:
    """A shipped spec by file stem or FINN board name, case-insensitively (``ZCU104``,
    ``Pynq-Z1``, ``KV260_SOM``)."""
    wanted = name.lower()
    by_name = {p.stem.lower(): p for p in list_devices()}
    by_name.update({board.lower(): p for board, p in _shipped_board_names().items()})
    return by_name.get(wanted)


def load_device(path: str | Path) -> DeviceSpec:
    """Load and validate a device spec.

    ``path`` is a YAML file, or a bare device name (``"pynq-z1"``) looked up in
    ``DEVICE_DIR``. Any problem raises :class:`SpecError` naming the file and the field.
    """
    path = device_file(path)
    raw = read_yaml_mapping(path)
    included, own_keys = raw.get("include"), set(raw) - {"include"}
    data = _resolve_includes(raw, path, (path.resolve(),))
    part_from_finn(data, path)  # finn_board without part: the part from FINN's table
    try:
        spec = build_dataclass(DeviceSpec, data, path)
        check_part_against_finn(spec, path)
    except SpecError as err:
        top = err.field.split(".", 1)[0]
        if included is None or (top in own_keys and top != "energy"):
            raise
        # The offending value may sit in an included fragment rather than in this file.
        raise SpecError(err.path, err.field, f"{err.problem} (this file includes {included})") from None
    if spec.calibration is not None:  # relative to the spec file, wherever the command runs
        spec = dataclasses.replace(spec, calibration=str((path.parent / spec.calibration).resolve()))
    return spec


def list_devices(directory: str | Path = DEVICE_DIR) -> list[Path]:
    """Device spec files in ``directory``, sorted by name; ``_``-prefixed fragments excluded."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))


def coefficient_names() -> list[str]:
    """Names of the energy coefficients, in declaration order (for reports and tests)."""
    return [f.name for f in fields(EnergySpec)]
