"""FINN's steps and outputs that need no Vivado: bit-width minimisation, folding config,
estimate reports, per-node code.

- :func:`minimize_bit_width`: ``step_minimize_bit_width`` (FINN's ``_minimize_bit_width``
  with ``minimize_bit_width=True``), which FINN runs after folding. It is safe for the
  shared design: MinimizeWeightBitWidth and MinimizeAccumulatorWidth leave nodes with
  ``runtime_writeable_weights=1`` at their datatype's worst case, and
  RoundAndClipThresholds clips thresholds to the range of their (fixed) input, which
  changes no output; the build applies it to every domain and checks the hardware
  attributes come out identical.

- ``folding_config.json``: FINN's own format (``extract_model_config_to_json`` with the
  attribute list of ``step_apply_folding_config``), re-applicable with ``ApplyConfig``
  or as ``folding_config_file`` of a FINN build.
- ``reports/``: the files ``step_generate_estimate_reports`` writes, under the same
  names (estimate_layer_resources.json with a "total", estimate_layer_cycles.json,
  op_and_param_counts.json, estimate_network_performance.json).
- ``ip/<node>/``: each node's HLS C++ + Tcl (HLS nodes) or filled RTL templates and
  memory initialisation files (RTL nodes): what ``PrepareIP``/``step_hw_codegen``
  generates, written here rather than into FINN_BUILD_DIR. Generated files hold
  absolute paths (Tcl ``config_hwsrcdir``, memstream ``$readmemh`` files), so
  :func:`relocate` rewrites them when the finished build is moved into place.
"""

from __future__ import annotations

import json
from pathlib import Path

# step_apply_folding_config's list (finn-plus 1.6.1 build_dataflow_steps.py)
FOLDING_ATTRS = ["PE", "SIMD", "EmbFold", "SeqFold", "parallel_window", "ram_style", "ram_style_thresholds",
                 "ram_style_mask", "depth", "impl_style", "resType", "mac_resource", "mem_mode",
                 "runtime_writeable_weights", "depth_trigger_uram", "depth_trigger_bram"]
TEXT_SUFFIXES = {".v", ".sv", ".vh", ".tcl", ".cpp", ".h", ".hpp", ".dat", ".txt", ".sh", ".json"}


def minimize_bit_width(model):
    from qonnx.transformation.infer_datatypes import InferDataTypes

    from finn.transformation.fpgadataflow.minimize_accumulator_width import MinimizeAccumulatorWidth
    from finn.transformation.fpgadataflow.minimize_weight_bit_width import MinimizeWeightBitWidth
    from finn.transformation.streamline.round_thresholds import RoundAndClipThresholds

    from codesign.finn.compat import quiet_warnings, widen_binary_weights

    with quiet_warnings():
        for t in (MinimizeWeightBitWidth(), MinimizeAccumulatorWidth(), InferDataTypes(),
                  RoundAndClipThresholds(), InferDataTypes(), MinimizeWeightBitWidth(), InferDataTypes()):
            model = model.transform(t)
        if widen_binary_weights(model):  # MVAU_hls has no code for BINARY weights (see compat)
            model = model.transform(InferDataTypes())
    return model


def write_folding(model, path: Path) -> dict:
    from finn.util.config import extract_model_config_to_json

    extract_model_config_to_json(model, path, FOLDING_ATTRS)
    return json.loads(path.read_text())


def write_reports(model, fpgapart: str, clock_mhz: float, report_dir: Path) -> dict:
    """FINN's analytical reports of the folded dataflow model; returns the performance."""
    from finn.analysis.fpgadataflow.dataflow_performance import dataflow_performance
    from finn.analysis.fpgadataflow.exp_cycles_per_layer import exp_cycles_per_layer
    from finn.analysis.fpgadataflow.op_and_param_counts import aggregate_dict_keys, op_and_param_counts
    from finn.analysis.fpgadataflow.res_estimation import res_estimation
    from finn.transformation.fpgadataflow.annotate_cycles import AnnotateCycles

    report_dir.mkdir(parents=True, exist_ok=True)

    def dump(name, data):
        (report_dir / name).write_text(json.dumps(data, indent=2, default=float))

    dump("op_and_param_counts.json", model.analysis(op_and_param_counts))
    dump("estimate_layer_cycles.json", model.analysis(exp_cycles_per_layer))
    resources = model.analysis(lambda m: res_estimation(m, fpgapart))
    resources["total"] = aggregate_dict_keys(resources)
    dump("estimate_layer_resources.json", resources)
    perf = dict(model.transform(AnnotateCycles()).analysis(dataflow_performance))
    clock_ns = 1e3 / clock_mhz
    perf["estimated_throughput_fps"] = 1e9 / clock_ns / perf["max_cycles"]
    perf["estimated_latency_ns"] = perf["critical_path_cycles"] * clock_ns
    dump("estimate_network_performance.json", perf)
    return perf


def generate_code(model, fpgapart: str, clock_mhz: float, ip_dir: Path) -> dict[str, list[str]]:
    """Per-node code generation (PrepareIP's per-node call) into ``ip_dir/<node>``;
    returns node -> generated file names. Sets each node's ``code_gen_dir_ipgen``."""
    from finn.util.basic import getHWCustomOp

    from codesign.finn.compat import quiet_warnings

    clock_ns = 1e3 / clock_mhz
    generated = {}
    with quiet_warnings():
        for node in model.graph.node:
            inst = getHWCustomOp(node)
            target = ip_dir / node.name
            target.mkdir(parents=True, exist_ok=True)
            inst.set_nodeattr("code_gen_dir_ipgen", str(target))
            inst.code_generation_ipgen(model, fpgapart, clock_ns)
            generated[node.name] = sorted(p.name for p in target.iterdir())
    return generated


def relocate(root: Path, old: str, new: str) -> int:
    """Replace the absolute path ``old`` by ``new`` in generated text files and ONNX models
    under ``root``; returns the number of files changed."""
    changed = 0
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix in TEXT_SUFFIXES:
            try:
                text = path.read_text()
            except UnicodeDecodeError:
                continue
            if old in text:
                path.write_text(text.replace(old, new))
                changed += 1
        elif path.suffix == ".onnx":
            data = path.read_bytes()
            if old.encode() in data:
                from qonnx.core.modelwrapper import ModelWrapper

                model = ModelWrapper(str(path))
                for node in model.graph.node:
                    for attr in node.attribute:
                        if attr.s and old.encode() in attr.s:
                            attr.s = attr.s.replace(old.encode(), new.encode())
                model.save(str(path))
                changed += 1
    return changed
