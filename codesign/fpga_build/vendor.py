"""Vendor tools: detect Vivado / Vitis HLS, and hand the folded design to FINN's builder.

Synthesis is FINN's own flow, not ours: the build folder gets ``finn/build_config.json``
(a ``DataflowBuildConfig``) and ``finn/run_synthesis.py``, which runs
``build_dataflow_cfg`` from the folded, specialised dataflow model through HLS
synthesis (step_generate_hardware = codegen + HLSSynthIP + FIFO sizing), the stitched
IP and, for boards with a FINN Zynq shell, the bitfile, PYNQ driver and deployment
package. It runs in its own process (``finn.builder`` imports the Vivado simulator
binding at import time, docs/finn-without-vivado.md), here when the tools are found, else later on
a machine that has them. The model handed over has its bit widths minimised already
(codegen.minimize_bit_width, FINN's own transforms), so no minimisation step is listed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# A device's FINN board name is its spec's ``finn_board`` (codesign.specs.finn_boards); parts
# without a FINN Zynq shell (ZC706's xc7z045) stop at the stitched IP + out-of-context synthesis.
COMMON_STEPS = ["step_apply_folding_config", "step_generate_estimate_reports", "step_generate_hardware",
                "step_create_stitched_ip"]
BITFILE_STEPS = ["step_prepare_synthesis", "step_synthesize_bitfile", "step_make_driver",
                 "step_deployment_package"]
OOC_STEPS = ["step_out_of_context_synthesis"]


@dataclass
class VendorTools:
    vivado: str | None  # path of the vivado executable or $XILINX_VIVADO
    vitis_hls: str | None

    @property
    def present(self) -> bool:
        return bool(self.vivado and self.vitis_hls)

    def describe(self) -> str:
        def one(name, found):
            return f"{name} at {found}" if found else f"{name} not found"
        return f"{one('Vivado', self.vivado)}, {one('Vitis HLS', self.vitis_hls)}"


def detect_tools(env=None, which=shutil.which) -> VendorTools:
    """Vivado: $XILINX_VIVADO or ``vivado`` on PATH; Vitis HLS: ``vitis_hls`` on PATH or
    under $XILINX_HLS / $XILINX_VITIS (FINN needs both: HLS layers and the stitching)."""
    env = os.environ if env is None else env
    path = env.get("PATH", "")
    vivado = env.get("XILINX_VIVADO") or which("vivado", path=path)
    hls = which("vitis_hls", path=path)
    for var in ("XILINX_HLS", "XILINX_VITIS"):
        if not hls and env.get(var):
            candidate = Path(env[var]) / "bin" / "vitis_hls"
            hls = str(candidate) if candidate.exists() else None
    return VendorTools(vivado or None, hls or None)


def finn_config(device, folding_file: str, output_dir: str, target_fps: float | None) -> dict:
    """A DataflowBuildConfig (as a dict) that finishes this build with FINN."""
    board = device.finn_board
    steps = COMMON_STEPS + (BITFILE_STEPS if board else OOC_STEPS)
    outputs = ["estimate_reports", "stitched_ip"] + (
        ["bitfile", "pynq_driver", "deployment_package"] if board else ["out_of_context_synth"])
    cfg = {
        "output_dir": output_dir,
        "synth_clk_period_ns": round(1e3 / device.clock_mhz, 6),
        "fpga_part": device.part,
        "folding_config_file": folding_file,
        "generate_outputs": outputs,
        "steps": steps,
        "standalone_thresholds": True,  # as converted: per-domain thresholds in their own layers
        "minimize_bit_width": True,  # FINN's default; done already (see the module docstring)
        "auto_fifo_depths": True,
        "verify_steps": [],
        "save_intermediate_models": True,
    }
    if board:
        cfg.update(board=board, shell_flow_type="vivado_zynq")
    if target_fps:
        cfg["target_fps"] = int(target_fps)
    return cfg


RUNNER = '''"""Finish this codesign build with FINN (needs Vivado + Vitis HLS; run from this folder).

    python run_synthesis.py        # inside FINN's environment / container
"""
import json
import sys
from pathlib import Path

from finn.builder.build_dataflow import build_dataflow_cfg
from finn.builder.build_dataflow_config import DataflowBuildConfig

here = Path(__file__).resolve().parent
cfg = json.loads((here / "build_config.json").read_text())
for key in ("output_dir", "folding_config_file"):
    cfg[key] = str(here / cfg[key])
sys.exit(build_dataflow_cfg(str(here / "dataflow_folded.onnx"), DataflowBuildConfig.from_dict(cfg)))
'''


def write_finn_handoff(finn_dir: Path, device, target_fps: float | None) -> dict:
    """Write build_config.json + run_synthesis.py beside dataflow_folded.onnx."""
    cfg = finn_config(device, "folding_config.json", "synthesis", target_fps)
    (finn_dir / "build_config.json").write_text(json.dumps(cfg, indent=2))
    (finn_dir / "run_synthesis.py").write_text(RUNNER)
    return cfg


def run_synthesis(finn_dir: Path, log_path: Path, runner=subprocess.run) -> int:
    """Run FINN's synthesis steps in a child process; its output goes to ``log_path``."""
    with open(log_path, "w") as log:
        done = runner([sys.executable, "run_synthesis.py"], cwd=str(finn_dir), stdout=log,
                      stderr=subprocess.STDOUT, check=False)
    return int(done.returncode)
