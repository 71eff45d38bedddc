"""The two energy figures (codesign.cost.energy): per inference at the design's throughput
(total power / FPS) and for a single image alone; the board idle power field of the device
spec; budgets and Pareto fronts on the throughput figure unless asked otherwise."""

from __future__ import annotations

import networkx as nx
import pytest
import yaml

from codesign.cost.energy import energy_per_inference
from codesign.specs.device import DEVICE_DIR, load_device
from codesign.specs.loader import SpecError, deep_merge, read_yaml_mapping


@pytest.fixture(scope="module")
def pynq():
    return load_device("pynq-z1")


def tiny_graph() -> nx.DiGraph:
    """One int4 MVAU (1,000 MACs, 100 4-bit weights in BRAM, 4 output pixels) feeding a
    stream of 40 4-bit elements: dynamic energy 680 + 288 + 89.6 = 1,057.6 pJ."""
    g = nx.DiGraph()
    g.add_node("A", op_type="MVAU_hls", macs_per_frame=1000, weight_bits=4, input_bits=4,
               weight_count=100, ofm_dim=2, bram18=1)
    g.add_node("B", op_type="StreamingFIFO_rtl")
    g.add_edge("A", "B", elems_per_frame=40, element_bits=4, width_bits=8)
    return g


def test_both_figures_on_a_tiny_graph(pynq):
    e = energy_per_inference(tiny_graph(), pynq, latency_s=2e-3, fps=1000.0)
    dynamic_uj = (1000 * 0.68 + 100 * 4 * 4 * 0.18 + 40 * 4 * 0.56) / 1e6
    assert e.dynamic_uj == pytest.approx(dynamic_uj) == pytest.approx(1.0576e-3)
    standing_w = 1.47 + 0.15  # pynq-z1: board idle + device static
    assert e.standing_power_w == pytest.approx(standing_w)
    # at 1,000 FPS each inference carries 1/1000 s of 1.62 W: 1,620 µJ + the dynamic part
    assert e.per_inference_at_throughput_uj == pytest.approx(1620.0 + dynamic_uj)
    # alone, the image holds the board for its 2 ms latency: 3,240 µJ + the dynamic part
    assert e.single_image_uj == pytest.approx(3240.0 + dynamic_uj)
    assert e.standing_at_throughput_uj == pytest.approx(1620.0)
    assert e.standing_single_image_uj == pytest.approx(3240.0)


def test_throughput_figure_is_power_over_fps(pynq):
    for fps in (1.0, 661.3, 57257.4):
        e = energy_per_inference(tiny_graph(), pynq, latency_s=1e-3, fps=fps)
        assert e.dynamic_power_w == pytest.approx(1.0576e-9 * fps)
        assert e.power_at_throughput_w == pytest.approx(1.62 + 1.0576e-9 * fps)
        assert e.per_inference_at_throughput_uj == pytest.approx(e.power_at_throughput_w / fps * 1e6)


def test_faster_design_costs_less_per_inference_at_throughput(pynq):
    """Standing power is shared by more images at a higher rate; latency does not enter."""
    slow = energy_per_inference(tiny_graph(), pynq, latency_s=1e-3, fps=500.0)
    fast = energy_per_inference(tiny_graph(), pynq, latency_s=5e-3, fps=5000.0)
    assert fast.per_inference_at_throughput_uj < slow.per_inference_at_throughput_uj / 9
    assert fast.single_image_uj > slow.single_image_uj * 4.9  # the single image pays for its latency


@pytest.mark.parametrize("fps", [0.0, -1.0, float("nan"), float("inf")])
def test_energy_refuses_a_frame_rate_that_is_not_positive(pynq, fps):
    with pytest.raises(ValueError, match="expected a finite frame rate > 0"):
        energy_per_inference(tiny_graph(), pynq, latency_s=1e-3, fps=fps)


def test_shipped_board_idle_powers_have_sources():
    pynq_z2 = load_device("pynq-z2")
    assert pynq_z2.board_idle_power_w == pytest.approx(1.47)
    assert "tiny_results_v0.7" in pynq_z2.board_idle_power_source
    assert pynq_z2.board_idle_power_source.startswith("measured")
    for name in ("ultra96", "kv260", "zc706", "zcu102", "zcu104", "pynq-z1"):
        dev = load_device(name)
        assert dev.board_idle_power_w > 0 and dev.board_idle_power_source.startswith("assumed: ")
        assert "uncertainty" in dev.board_idle_power_source


def _device_error(tmp_path, **changes) -> str:
    data = read_yaml_mapping(DEVICE_DIR / "pynq-z1.yaml")
    data = deep_merge(read_yaml_mapping(DEVICE_DIR / data.pop("include")), data)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    path = tmp_path / "board.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_device(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


@pytest.mark.parametrize("changes, expected", [
    ({"board_idle_power_w": -0.5}, "board_idle_power_w: expected a value >= 0, got -0.5"),
    ({"board_idle_power_w": float("nan")}, "board_idle_power_w: expected a finite number, got nan"),
    ({"board_idle_power_w": "lots"}, "board_idle_power_w: expected a finite number, got 'lots'"),
    ({"board_idle_power_w": None}, "board_idle_power_w: missing required field"),
    ({"board_idle_power_source": "  "}, "board_idle_power_source: expected the source of the figure"),
    ({"board_idle_power_source": "assumed: yes"}, "board_idle_power_source: an assumed figure must give its reason"),
], ids=["negative", "nan", "text", "missing", "empty-source", "assumed-without-reason"])
def test_bad_board_idle_power_gives_one_line(tmp_path, changes, expected):
    assert expected in _device_error(tmp_path, **changes)


def test_zero_board_idle_power_is_allowed(tmp_path):
    data = read_yaml_mapping(DEVICE_DIR / "pynq-z1.yaml")
    data = deep_merge(read_yaml_mapping(DEVICE_DIR / data.pop("include")), data)
    data["board_idle_power_w"] = 0
    path = tmp_path / "chip-only.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert load_device(path).board_idle_power_w == 0
