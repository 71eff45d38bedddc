"""Vendor-tool detection and the FINN synthesis hand-off (no Vivado here: mocked)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from codesign.fpga_build import vendor
from codesign.specs.device import load_device


def _fake_tool(directory, name):
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_absent_tools_detected_as_absent(tmp_path):
    tools = vendor.detect_tools({"PATH": str(tmp_path)})
    assert not tools.present and tools.vivado is None and tools.vitis_hls is None
    assert tools.describe() == "Vivado not found, Vitis HLS not found"


def test_tools_found_from_env_and_path(tmp_path):
    vivado_root = tmp_path / "Vivado" / "2024.2"
    hls = _fake_tool(tmp_path / "Vitis_HLS" / "bin", "vitis_hls")
    env = {"PATH": str(hls.parent), "XILINX_VIVADO": str(vivado_root)}
    tools = vendor.detect_tools(env)
    assert tools.present and tools.vivado == str(vivado_root) and tools.vitis_hls == str(hls)
    # Vivado alone is not enough: FINN's HLS layers need Vitis HLS
    assert not vendor.detect_tools({"PATH": "", "XILINX_VIVADO": str(vivado_root)}).present
    # Vitis HLS found through $XILINX_HLS, Vivado through PATH
    _fake_tool(tmp_path / "vbin", "vivado")
    tools = vendor.detect_tools({"PATH": str(tmp_path / "vbin"), "XILINX_HLS": str(hls.parent.parent)})
    assert tools.present


@pytest.mark.parametrize("device, board", [("pynq-z1", "Pynq-Z1"), ("kv260", "KV260_SOM"), ("zcu104", "ZCU104")])
def test_zynq_boards_get_the_bitfile_flow(device, board):
    from codesign.finn.compat import ensure_finn

    ensure_finn()
    from finn.builder.build_dataflow_config import DataflowBuildConfig, ShellFlowType

    dev = load_device(device)
    cfg = vendor.finn_config(dev, "folding_config.json", "synthesis", 1000.0)
    parsed = DataflowBuildConfig.from_dict(cfg)  # FINN accepts it as it is
    assert parsed.board == board and parsed.shell_flow_type == ShellFlowType.VIVADO_ZYNQ
    assert parsed._resolve_fpga_part() == dev.part
    assert parsed.synth_clk_period_ns == pytest.approx(1e3 / dev.clock_mhz)
    assert cfg["steps"][-4:] == ["step_prepare_synthesis", "step_synthesize_bitfile", "step_make_driver",
                                 "step_deployment_package"]
    assert "step_generate_hardware" in cfg["steps"] and "step_create_stitched_ip" in cfg["steps"]
    assert {"bitfile", "pynq_driver", "deployment_package"} <= set(cfg["generate_outputs"])


def test_board_without_finn_shell_stops_at_stitched_ip():
    dev = load_device("zc706")
    cfg = vendor.finn_config(dev, "folding_config.json", "synthesis", None)
    assert "board" not in cfg and "bitfile" not in cfg["generate_outputs"]
    assert cfg["steps"][-1] == "step_out_of_context_synthesis"


def test_run_synthesis_calls_the_runner_in_the_finn_folder(tmp_path):
    calls = []

    class Done:
        returncode = 0

    def runner(cmd, cwd, stdout, stderr, check):
        calls.append((cmd, cwd))
        return Done()

    assert vendor.run_synthesis(tmp_path, tmp_path / "log.txt", runner=runner) == 0
    assert calls[0][0][-1] == "run_synthesis.py" and calls[0][1] == str(tmp_path)


def test_build_with_tools_present_runs_finn_synthesis(tiny_build_inputs, tmp_path, monkeypatch):
    """With Vivado/Vitis HLS detected the build hands its folded graph to FINN's builder
    (mocked: the child process would need the tools) and records the result."""
    from codesign.fpga_build.inputs import load_inputs
    from codesign.fpga_build.pipeline import build

    spec, ckpt, _ = tiny_build_inputs
    cache = tiny_build_inputs.designs
    seen = {}

    def fake_run(finn_dir, log_path, runner=None):
        seen["files"] = sorted(p.name for p in finn_dir.iterdir())
        seen["config"] = json.loads((finn_dir / "build_config.json").read_text())
        log_path.write_text("fake FINN run\n")
        return 0

    monkeypatch.setattr(vendor, "run_synthesis", fake_run)
    tools = vendor.VendorTools("/opt/Xilinx/Vivado/2024.2", "/opt/Xilinx/Vitis_HLS/2024.2/bin/vitis_hls")
    inputs = load_inputs(spec, "pynq-z1", "digits,letters", ckpt, 2000.0, images=4)
    result = build(inputs, tmp_path / "b", cache_dir=cache, tools=tools)
    assert {"build_config.json", "dataflow_folded.onnx", "folding_config.json", "run_synthesis.py"} <= set(seen["files"])
    assert seen["config"]["board"] == "Pynq-Z1" and seen["config"]["folding_config_file"] == "folding_config.json"
    syn = result.manifest["synthesis"]
    assert syn["status"] == "done" and syn["returncode"] == 0 and "Vivado at /opt" in syn["tools"]
    assert "stopped before synthesis" not in (tmp_path / "b" / "README.md").read_text()


def test_runner_script_is_valid_python(tiny_build_inputs, tmp_path):
    dev = load_device("pynq-z1")
    vendor.write_finn_handoff(tmp_path, dev, None)
    compile((tmp_path / "run_synthesis.py").read_text(), "run_synthesis.py", "exec")
    assert os.path.isfile(tmp_path / "build_config.json")
