"""Hostile spec files: alias bombs, duplicate keys, huge files and values, non-finite
numbers and path-like names each stop with one short line naming the file and field."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from codesign.errors import InputError
from codesign.specs.device import DEVICE_DIR, list_devices, load_device
from codesign.specs.graph import GRAPH_DIR, load_graph
from codesign.specs.loader import SpecError, deep_merge, read_yaml_mapping
from codesign.specs.names import InvalidName, check_name
from codesign.specs.safe_yaml import MAX_SPEC_BYTES, parse_spec_yaml

MAX_MESSAGE_CHARS = 300

GOOD = """name: g
backbone: {name: tiny, input_size: 16}
adapter: {family: side, side_channels: 8, hidden: 16}
"""


def _alias_bomb(levels: int) -> str:
    """'Billion laughs': level i is a list of 9 aliases of level i - 1 (9**levels leaves)."""
    lines = [GOOD.rstrip("\n"), 'lol0: &l0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def _graph_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "g.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_graph(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path)), message
    assert len(message) <= MAX_MESSAGE_CHARS, len(message)
    return message


@pytest.mark.parametrize("levels", [6, 9])
def test_alias_bomb_fails_fast_with_a_short_line(tmp_path, levels):
    start = time.perf_counter()
    message = _graph_error(tmp_path, _alias_bomb(levels))
    assert time.perf_counter() - start < 2.0
    # The first level past 100,000 expanded values is lol6 (9**6 = 531,441), on line 10.
    assert "line 10: more than 100,000 values once aliases are expanded" in message


def test_few_aliases_and_merge_keys_still_work(tmp_path):
    text = GOOD.replace("adapter: {", "adapter: &a {") + "head: {<<: {weight_bits: 2}, weight_bits: 3}\n"
    path = tmp_path / "g.yaml"
    path.write_text(text, encoding="utf-8")
    spec = load_graph(path)
    assert spec.adapter.side_channels == 8 and spec.head.weight_bits == 3


@pytest.mark.parametrize("path", sorted(GRAPH_DIR.glob("*.yaml")) + sorted(DEVICE_DIR.glob("*.yaml")),
                         ids=lambda p: p.name)
def test_bounded_parser_returns_what_safe_load_returns(path):
    text = path.read_text(encoding="utf-8")
    assert parse_spec_yaml(text) == yaml.safe_load(text)


# (YAML text, what the one-line message must contain)
HOSTILE_GRAPHS = [
    (GOOD + "name: h\n", "line 4: duplicate key 'name' (first given on line 1)"),
    (GOOD.replace("side_channels: 8", "side_channels: 8, side_channels: 9"),
     "line 3: duplicate key 'side_channels'"),
    ("name: g\nx: " + "[" * 200 + "]" * 200 + "\n", "line 2: nested deeper than 32 levels"),
    (GOOD + "loop: &a [*a]\n", "line 4: nested deeper than 32 levels once aliases are expanded"),
    (GOOD + "big: " + "9" * 5000 + "\n", "line 4: integer '999"),
    (GOOD + "x: !!python/object/apply:os.system ['true']\n", "could not determine a constructor"),
    (GOOD.replace("side_channels: 8", "side_channels: 1000000000000"),
     "adapter.side_channels: expected a value <= 4096, got 1000000000000"),
    (GOOD.replace("hidden: 16", "hidden: 4097"), "adapter.hidden: expected a value <= 4096, got 4097"),
    (GOOD.replace("side_channels: 8, hidden: 16", "reduction: 65537").replace("side", "attention"),
     "adapter.reduction: expected a value <= 65536"),
    (GOOD.replace("side_channels: 8", "side_channels: " + "9" * 40),
     "adapter.side_channels: expected an integer of magnitude <= 2**53"),
    (GOOD.replace("input_size: 16", "input_size: 100000"), "backbone.input_size: expected a value <= 512"),
    (GOOD.replace("input_size: 16", "input_size: 16, width: .nan"), "backbone.width: expected a finite number, got nan"),
    (GOOD.replace("input_size: 16", "input_size: 16, width: .inf"), "backbone.width: expected a finite number, got inf"),
    (GOOD.replace("input_size: 16", "input_size: 16, width: -.inf"), "backbone.width: expected a finite number"),
    (GOOD.replace("input_size: 16", "input_size: 16, width: 1e999"), "backbone.width: expected a finite number"),
    (GOOD.replace("input_size: 16", "input_size: .inf"), "backbone.input_size: expected an integer, got inf"),
    (GOOD.replace("hidden: 16", "hidden: .nan"), "adapter.hidden: expected an integer, got nan"),
    (GOOD.replace("side_channels: 8", "side_channels: '" + "x" * 100_000 + "'"),
     "adapter.side_channels: expected an integer, got 'xxx"),
    (GOOD + "? " + "k" * 100_000 + "\n: 1\n", ": unknown key; expected one of"),
]


@pytest.mark.parametrize("text, expected", HOSTILE_GRAPHS, ids=range(len(HOSTILE_GRAPHS)))
def test_hostile_graph_gives_one_short_line(tmp_path, text, expected):
    assert expected in _graph_error(tmp_path, text)


def test_long_values_and_keys_are_cut_in_the_message(tmp_path):
    message = _graph_error(tmp_path, GOOD.replace("side_channels: 8", "side_channels: '" + "x" * 100_000 + "'"))
    assert "..." in message and "x" * 100 not in message
    message = _graph_error(tmp_path, GOOD + "? " + "k" * 100_000 + "\n: 1\n")
    assert "k" * 100 not in message


def test_huge_file_is_refused_before_parsing(tmp_path):
    text = GOOD + "# padding\n" * (MAX_SPEC_BYTES // 10)
    start = time.perf_counter()
    message = _graph_error(tmp_path, text)
    assert time.perf_counter() - start < 2.0
    assert message.endswith("g.yaml: file is larger than 262,144 bytes; expected a spec of a few KiB")


def test_file_at_the_size_limit_is_read(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(GOOD + "#" * (MAX_SPEC_BYTES - len(GOOD) - 1) + "\n", encoding="utf-8")
    assert path.stat().st_size == MAX_SPEC_BYTES
    assert load_graph(path).adapter.hidden == 16


BAD_NAMES = ["x/../../evil", "..", "", "a" * 200, "a b", "../etc", "-rf", ".hidden", "a..b", "x\ny", 7]


@pytest.mark.parametrize("name", BAD_NAMES, ids=range(len(BAD_NAMES)))
def test_graph_name_must_be_path_safe(tmp_path, name):
    message = _graph_error(tmp_path, GOOD.replace("name: g", f"name: {json.dumps(name)}"))
    expected = "expected a non-empty string" if name in ("", 7) else "expected a name (1 to 64 characters"
    assert f"g.yaml: name: {expected}" in message


def _device_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "board.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_device(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path)) and len(message) <= MAX_MESSAGE_CHARS
    return message


def _device_text(**changes) -> str:
    data = read_yaml_mapping(DEVICE_DIR / "pynq-z1.yaml")
    data = deep_merge(read_yaml_mapping(DEVICE_DIR / data.pop("include")), data)
    return yaml.safe_dump(deep_merge(data, changes), sort_keys=False)


def test_device_duplicate_key_names_key_and_line(tmp_path):
    text = _device_text().replace("  lut: 53200\n", "  lut: 53200\n  lut: 1\n")
    line = text.splitlines().index("  lut: 1") + 1
    assert f"malformed YAML: line {line}: duplicate key 'lut' (first given on line {line - 1})" \
        in _device_error(tmp_path, text)


@pytest.mark.parametrize("changes, expected", [
    ({"name": "../../evil"}, "board.yaml: name: expected a name (1 to 64 characters"),
    ({"name": "x" * 200}, "board.yaml: name: expected a name"),
    ({"clock_mhz": float("inf")}, "board.yaml: clock_mhz: expected a finite number, got inf"),
    ({"static_power_w": float("nan")}, "board.yaml: static_power_w: expected a finite number, got nan"),
    ({"resources": {"lut": 10**30}}, "board.yaml: resources.lut: expected an integer of magnitude <= 2**53"),
], ids=["path-name", "long-name", "inf", "nan", "huge-int"])
def test_hostile_device_gives_one_short_line(tmp_path, changes, expected):
    assert expected in _device_error(tmp_path, _device_text(**changes))


def test_shipped_names_pass_check_name():
    for path in [*list_devices(), *GRAPH_DIR.glob("[!_]*.yaml")]:
        assert check_name(path.stem, "name") == path.stem


@pytest.mark.parametrize("name", BAD_NAMES, ids=range(len(BAD_NAMES)))
def test_check_name_rejects_path_like_names(name):
    with pytest.raises(InvalidName) as info:
        check_name(name, "--domains")
    message = str(info.value)
    assert isinstance(info.value, InputError) and "\n" not in message and len(message) <= 200
    assert message.startswith("--domains: expected a name (1 to 64 characters from A-Z a-z 0-9 _ . + -")


@pytest.mark.parametrize("name", ["mnist", "a", "A" * 64, "glyphs_latin", "cifar-10", "v1.2+x", "0day"])
def test_check_name_accepts_plain_names(name):
    assert check_name(name, "--domains") == name


def test_names_module_imports_without_torch():
    code = "import sys, codesign.specs.names; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
