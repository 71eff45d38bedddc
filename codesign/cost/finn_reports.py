"""An estimate as FINN's report files (``--finn-reports DIR``, and a build's ``reports/``).

The files and their schema are those of FINN's ``step_generate_estimate_reports``
(finn-plus 1.6.1 finn/builder/build_dataflow_steps.py):

- ``estimate_layer_resources.json``: node -> FINN's keys for that node
  (``res_estimation``: LUT, BRAM_18K, BRAM_efficiency, URAM, URAM_efficiency, DSP, as the
  node's op reports them), plus ``"total"`` = ``aggregate_dict_keys`` of the nodes (FINN's
  own sum, efficiencies skipped);
- ``estimate_layer_cycles.json``: node -> cycles per frame (``exp_cycles_per_layer``);
- ``estimate_network_performance.json``: ``dataflow_performance`` + estimated_throughput_fps
  and estimated_latency_ns at the device clock;
- ``op_and_param_counts.json``: FINN's counts, unchanged.

Which numbers: the resource counts are codesign's calibrated per-node point values
(what the estimate's node rows show), so a FINN tool reading the files sees codesign's
estimate; the efficiency ratios, the cycles and the performance keys are FINN's own
(the calibration does not change cycles). Everything else goes to
``codesign_estimate.json``: FINN's raw per-node numbers, the intervals, roles, FF, the
FIFOs/width converters/AXI-lite/shell that FINN's per-node reports leave out, totals
with them, interconnect, energy, switch cost and sources. ``final_hw_config.json`` is the
folding in FINN's format (readable by ``--folding`` and by FINN's ApplyConfig).
"""

from __future__ import annotations

import json

from codesign.cost.folding_config import folding_config_text

RESOURCES_FILE = "estimate_layer_resources.json"
CYCLES_FILE = "estimate_layer_cycles.json"
PERFORMANCE_FILE = "estimate_network_performance.json"
COUNTS_FILE = "op_and_param_counts.json"
FOLDING_FILE = "final_hw_config.json"
CODESIGN_FILE = "codesign_estimate.json"
# FINN's resource key -> the calibrated NodeEstimate field that replaces its value
CALIBRATED_KEYS = {"LUT": "lut", "BRAM_18K": "bram18", "URAM": "uram", "DSP": "dsp"}
BASIS = ("FINN-schema files (estimate_layer_*.json, estimate_network_performance.json): resource counts are "
         "codesign's calibrated per-node point values, 'total' their sum as FINN's aggregate_dict_keys computes "
         "it (nodes only); efficiency ratios, cycles and performance are FINN's own. This file: FINN's raw "
         "per-node numbers (nodes[].finn), intervals, FF, FIFOs, width converters, AXI-lite, shell, totals "
         "with them, interconnect, energy, switch cost, sources.")


def layer_resources(estimate, model) -> dict[str, dict[str, float]]:
    """FINN's res_estimation keys per node, counts replaced by the calibrated values; + total."""
    from finn.analysis.fpgadataflow.op_and_param_counts import aggregate_dict_keys
    from finn.analysis.fpgadataflow.res_estimation import res_estimation

    finn = model.analysis(lambda m: res_estimation(m, estimate.part))
    nodes = {n.name: n for n in estimate.nodes}
    report = {}
    for name, keys in finn.items():
        report[name] = {key: (float(getattr(nodes[name], CALIBRATED_KEYS[key])) if key in CALIBRATED_KEYS
                              else value) for key, value in keys.items()}
    report["total"] = aggregate_dict_keys(report)
    return report


def network_performance(estimate) -> dict:
    """dataflow_performance's keys + FINN's two derived figures, at the device clock."""
    clock_ns = 1e3 / estimate.clock_mhz
    return {"critical_path_cycles": int(estimate.critical_path_cycles), "max_cycles": int(estimate.cycles_per_frame),
            "max_cycles_node_name": estimate.bottleneck,
            "estimated_throughput_fps": 1e9 / clock_ns / estimate.cycles_per_frame,
            "estimated_latency_ns": estimate.critical_path_cycles * clock_ns}


def report_texts(estimate, model) -> dict[str, str]:
    """File name -> content of every report file for ``estimate`` of folded ``model``."""
    from finn.analysis.fpgadataflow.op_and_param_counts import op_and_param_counts

    def dump(data) -> str:
        return json.dumps(data, indent=2, default=float) + "\n"

    return {
        RESOURCES_FILE: dump(layer_resources(estimate, model)),
        CYCLES_FILE: dump({n.name: int(n.cycles) for n in estimate.nodes}),
        PERFORMANCE_FILE: dump(network_performance(estimate)),
        COUNTS_FILE: dump(model.analysis(op_and_param_counts)),
        FOLDING_FILE: folding_config_text(model),
        CODESIGN_FILE: json.dumps({"basis": BASIS, **estimate.to_dict()}, indent=1, default=str) + "\n",
    }


def write_reports(estimate, model, directory, outputs=None) -> dict[str, str]:
    """Write every report file into ``directory`` (created if missing). ``outputs``: a
    codesign.store.OutputGroup the files join (all or nothing with the caller's other
    outputs); None writes them as a group of their own. Returns what was written."""
    from pathlib import Path

    from codesign.store import OutputGroup

    texts = report_texts(estimate, model)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    group = outputs if outputs is not None else OutputGroup()
    try:
        for name, text in texts.items():
            group.write_text(directory / name, text)
        if outputs is None:
            group.commit()
    finally:
        if outputs is None:
            group.discard()
    return texts
