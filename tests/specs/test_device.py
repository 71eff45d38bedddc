"""Device specs: shipped files match the data-sheet table (docs/devices.md); bad files fail
with one clear line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from codesign.specs.device import (
    DEVICE_DIR,
    EXPECTED_UNITS,
    DeviceSpec,
    coefficient_names,
    list_devices,
    load_device,
)
from codesign.specs.loader import SpecError, deep_merge, read_yaml_mapping

# docs/devices.md: board -> (part, LUT, FF, BRAM18, URAM, DSP), from FINN's part map and the
# AMD/Xilinx data sheets DS190 (Zynq-7000), DS891 (Zynq UltraScale+), DS987 (Kria K26).
# Typed in by hand on purpose: the test compares the shipped YAML against the data sheets,
# not against itself (tests/test_docs.py checks the docs table against the YAML).
DATASHEET_TABLE = {
    "pynq-z1": ("xc7z020clg400-1", 53200, 106400, 280, 0, 220),
    "pynq-z2": ("xc7z020clg400-1", 53200, 106400, 280, 0, 220),
    "zc706": ("xc7z045ffg900-2", 218600, 437200, 1090, 0, 900),
    "ultra96": ("xczu3eg-sbva484-1-e", 70560, 141120, 432, 0, 360),
    "zcu104": ("xczu7ev-ffvc1156-2-e", 230400, 460800, 624, 96, 1728),
    "zcu102": ("xczu9eg-ffvb1156-2-e", 274080, 548160, 1824, 0, 2520),
    "kv260": ("xck26-sfvc784-2LV-c", 117120, 234240, 288, 64, 1248),
}


def test_shipped_devices_are_exactly_the_datasheet_table():
    assert sorted(p.stem for p in list_devices()) == sorted(DATASHEET_TABLE)
    assert all(p.parent == DEVICE_DIR for p in list_devices())


@pytest.mark.parametrize("name", sorted(DATASHEET_TABLE))
def test_shipped_device_matches_datasheet(name):
    dev = load_device(DEVICE_DIR / f"{name}.yaml")
    part, lut, ff, bram18, uram, dsp = DATASHEET_TABLE[name]
    assert isinstance(dev, DeviceSpec)
    assert dev.name == name
    assert dev.part == part
    assert dataclasses.astuple(dev.resources) == (lut, ff, bram18, uram, dsp)
    seven_series = part.startswith("xc7z")
    assert dev.family == ("zynq7000" if seven_series else "zynquplus")
    assert dev.clock_mhz == (100.0 if seven_series else 200.0)
    assert dev.full_bitstream_bytes > 1_000_000 and dev.full_bitstream_source
    assert 0 < dev.static_power_w < 5 and dev.static_power_source
    assert dev.axi_lite.data_width_bits == 32
    for coef in coefficient_names():
        c = getattr(dev.energy, coef)
        assert c.unit == EXPECTED_UNITS[coef] and c.value > 0 and c.source


def test_known_bitstream_lengths_from_device_tables():
    # Zynq-7000 PL bitstream lengths, bits / 8 (U-Boot zynqpl.h, Xilinx device tables).
    assert load_device("pynq-z1").full_bitstream_bytes == 32_364_512 // 8
    assert load_device("zc706").full_bitstream_bytes == 106_571_232 // 8


def test_energy_ordering_is_physically_plausible():
    for path in list_devices():
        e = load_device(path).energy
        assert e.mac_pj_int1.value < e.mac_pj_int2.value < e.mac_pj_int4.value < e.mac_pj_int8.value
        assert e.bram_read_pj_per_bit.value < e.dram_pj_per_bit.value
    # 16 nm parts spend less per operation than 28 nm parts.
    assert load_device("zcu104").energy.mac_pj_int8.value < load_device("zc706").energy.mac_pj_int8.value


def test_mac_pj_rounds_up_and_refuses_wide_operands():
    e = load_device("pynq-z1").energy
    assert e.mac_pj(1) == e.mac_pj_int1.value
    assert e.mac_pj(3) == e.mac_pj_int4.value
    assert e.mac_pj(6) == e.mac_pj(8) == e.mac_pj_int8.value
    with pytest.raises(ValueError, match="16-bit"):
        e.mac_pj(16)


def test_axi_lite_bandwidth_and_frozen():
    dev = load_device("pynq-z1")
    # 4 bytes per write, 100 MHz, 16 cycles per write -> 25 MB/s.
    assert dev.axi_lite.bytes_per_second == pytest.approx(4 * 100e6 / 16)
    with pytest.raises(dataclasses.FrozenInstanceError):
        dev.clock_mhz = 1.0  # type: ignore[misc]


def test_load_by_name_and_unknown_name():
    assert load_device("kv260") == load_device(DEVICE_DIR / "kv260.yaml")
    with pytest.raises(SpecError, match="no such device.*pynq-z1"):
        load_device("no-such-board")


# ---- bad files -------------------------------------------------------------------------

def _valid() -> dict:
    """pynq-z1 as one self-contained mapping (its energy fragment merged in)."""
    data = read_yaml_mapping(DEVICE_DIR / "pynq-z1.yaml")
    fragment = read_yaml_mapping(DEVICE_DIR / data.pop("include"))
    return deep_merge(fragment, data)


def _write(tmp_path: Path, data: dict, name: str = "board.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(SpecError) as info:
        load_device(path)
    message = str(info.value)
    assert "\n" not in message, "SpecError messages are one line"
    assert message.startswith(str(path)), message
    return message


def test_self_contained_copy_loads(tmp_path):
    assert load_device(_write(tmp_path, _valid())) == load_device("pynq-z1")


def test_missing_field(tmp_path):
    data = _valid()
    del data["clock_mhz"]
    assert "clock_mhz: missing required field" in _error(_write(tmp_path, data))


def test_missing_nested_field(tmp_path):
    data = _valid()
    del data["resources"]["dsp"]
    assert "resources.dsp: missing required field" in _error(_write(tmp_path, data))


def test_unknown_key(tmp_path):
    data = _valid()
    data["clok_mhz"] = 100
    assert "clok_mhz: unknown key" in _error(_write(tmp_path, data))


def test_unknown_nested_key(tmp_path):
    data = _valid()
    data["energy"]["mac_pj_int16"] = dict(data["energy"]["mac_pj_int8"])
    assert "energy.mac_pj_int16: unknown key" in _error(_write(tmp_path, data))


def test_negative_resource(tmp_path):
    data = _valid()
    data["resources"]["lut"] = -1
    assert "resources.lut: expected a value >= 0, got -1" in _error(_write(tmp_path, data))


def test_negative_coefficient(tmp_path):
    data = _valid()
    data["energy"]["bram_read_pj_per_bit"]["value"] = -0.1
    assert "energy.bram_read_pj_per_bit.value: expected a value > 0" in _error(_write(tmp_path, data))


def test_zero_clock(tmp_path):
    data = _valid()
    data["axi_lite"]["clock_mhz"] = 0
    assert "axi_lite.clock_mhz: expected a value > 0" in _error(_write(tmp_path, data))


def test_non_numeric_value(tmp_path):
    data = _valid()
    data["clock_mhz"] = "fast"
    assert "clock_mhz: expected a finite number, got 'fast'" in _error(_write(tmp_path, data))


def test_non_numeric_coefficient(tmp_path):
    data = _valid()
    data["energy"]["mac_pj_int4"]["value"] = "lots"
    assert "energy.mac_pj_int4.value: expected a finite number" in _error(_write(tmp_path, data))


def test_float_where_integer_expected(tmp_path):
    data = _valid()
    data["resources"]["bram18"] = 280.5
    assert "resources.bram18: expected an integer" in _error(_write(tmp_path, data))


def test_malformed_yaml(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: pynq-z1\nresources: [lut: 1\n", encoding="utf-8")
    message = _error(path)
    assert "malformed YAML" in message and "line " in message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    assert "file is empty" in _error(path)


def test_coefficient_without_source(tmp_path):
    data = _valid()
    del data["energy"]["mac_pj_int8"]["source"]
    assert "energy.mac_pj_int8.source: missing required field" in _error(_write(tmp_path, data))


def test_assumed_coefficient_without_reason(tmp_path):
    data = _valid()
    data["energy"]["stream_hop_pj_per_bit"]["source"] = "assumed:"
    assert "energy.stream_hop_pj_per_bit.source: an assumed coefficient must give its reason" in _error(
        _write(tmp_path, data))


def test_wrong_unit(tmp_path):
    data = _valid()
    data["energy"]["dram_pj_per_bit"]["unit"] = "nJ/access"
    assert "energy.dram_pj_per_bit.unit: expected unit 'pJ/bit', got 'nJ/access'" in _error(
        _write(tmp_path, data))


def test_uram_on_zynq7000(tmp_path):
    data = _valid()
    data["resources"]["uram"] = 4
    assert "resources.uram: zynq7000 devices have no UltraRAM" in _error(_write(tmp_path, data))


def test_unknown_family(tmp_path):
    data = _valid()
    data["family"] = "spartan3"
    assert "family: expected one of zynq7000, zynquplus" in _error(_write(tmp_path, data))


def test_part_of_another_family(tmp_path):
    data = _valid()
    data["part"] = "xczu3eg-sbva484-1-e"
    assert "part: part 'xczu3eg-sbva484-1-e' is not a zynq7000 part" in _error(_write(tmp_path, data))


def test_malformed_part(tmp_path):
    data = _valid()
    data["part"] = "Zynq 7020"
    assert "part: expected a Xilinx part string" in _error(_write(tmp_path, data))


def test_include_override_and_missing_include(tmp_path):
    # A device may include the shipped fragment and override one coefficient.
    (tmp_path / "_energy.yaml").write_text((DEVICE_DIR / "_energy_28nm.yaml").read_text(), encoding="utf-8")
    data = read_yaml_mapping(DEVICE_DIR / "pynq-z1.yaml")
    data["include"] = "_energy.yaml"
    data["energy"] = {"dram_pj_per_bit": {"value": 25.0}}
    dev = load_device(_write(tmp_path, data))
    assert dev.energy.dram_pj_per_bit.value == 25.0 and dev.energy.dram_pj_per_bit.unit == "pJ/bit"
    assert list_devices(tmp_path) == [tmp_path / "board.yaml"]  # fragments are not devices
    data["energy"] = {"dram_pj_per_bit": {"value": -1.0}}
    assert "(this file includes _energy.yaml)" in _error(_write(tmp_path, data))
    data["include"] = "_nowhere.yaml"
    assert "include: included file '_nowhere.yaml' not found" in _error(_write(tmp_path, data))


def test_include_cycle(tmp_path):
    (tmp_path / "_a.yaml").write_text("include: _b.yaml\n", encoding="utf-8")
    (tmp_path / "_b.yaml").write_text("include: _a.yaml\n", encoding="utf-8")
    path = tmp_path / "_a.yaml"
    assert "include cycle" in str(pytest.raises(SpecError, load_device, path).value)
