"""The README.md of a build folder: what is in it, and how to finish it with Vivado/Vitis."""

from __future__ import annotations

MECHANISM = """\
## Multi-domain mechanism: run-time-writeable memories over AXI-lite

finn-plus 1.6.1 has two multi-DNN flows, both built on the `NodeContainer` op
(`finn/custom_op/fpgadataflow/rtl/nodecontainer.py`):

- `multi_dnn_type = "selectable_weights"` (`ExtractSelectableWeights`): structurally
  identical networks are merged; every weighted node stores **all** bodies' weights
  side by side (the per-body `memblock.dat` files are concatenated) and a `stream_tap`
  selects the body per frame through an extra `s_axis_tap` stream. On-chip memory grows
  with the number of domains, and every domain must exist at synthesis time.
- `multi_dnn_type = "partial_reconfiguration"` (`ApplyPartialReconfiguration`): each body
  becomes a DFX reconfigurable module in a pblock; switching loads a partial bitstream.
  Bodies may differ in structure, at the price of a floorplan, one partial bitstream per
  domain and per region, and decoupling logic.

This build uses neither. Its domains are *checked* to share one structure (same nodes,
shapes, datatypes and folding; bit-identical fixed nodes), so they differ only in the
values of the reconfigurable nodes. Those nodes are built with
`mem_mode = internal_decoupled` + `runtime_writeable_weights = 1` (weights) and
run-time-writeable thresholds: one static design, memories sized for one domain,
and a domain switch is a sequence of AXI-lite writes ({switch}). A domain trained after
synthesis loads into the same bitstream as long as it fits the shared shapes, which
neither NodeContainer flow allows without a new build. `selectable_weights` would only
pay off for switching every frame between a few domains known in advance.
"""

FINISH = """\
## Finishing with Vivado / Vitis HLS

{synthesis}

On a machine with Vivado and Vitis HLS in the versions finn-plus 1.6.1 supports, inside
FINN's environment:

    cd finn && python run_synthesis.py

It runs FINN's `build_dataflow_cfg` on `finn/dataflow_folded.onnx` (the specialised,
folded dataflow graph, first domain's values as initial memory contents) with
`finn/build_config.json`: steps {steps}. Outputs land in `finn/synthesis/`
({outputs}). Bit widths are minimised already, with FINN's own transforms
(`step_minimize_bit_width`), which keep run-time-writeable memories at their datatype's
worst case, so any domain of these shapes fits them.

`ip/<node>/` holds the code FINN generates per node without Vivado (HLS C++ and Tcl,
filled RTL templates, memory initialisation files) for inspection and hand-off; FINN's
build regenerates it in its own build directory.
"""

SWITCH = """\
## Switching domain at run time

With the accelerator idle (no frame in flight), for every slave listed in
`domains/<domain>/axilite_writes.json`, write each 32-bit word to the slave's base
address + the given byte offset, in order (axilite.sv commits a memory word on its last
32-bit beat). The stitched IP names the slaves `s_axilite_<k>`; their base addresses are
assigned when Vivado builds the shell and can be read from the `.hwh` (PYNQ:
`Overlay(...).ip_dict`). Equivalently, FINN's driver `load_runtime_weights` writes the
`runtime_weights/*.dat` files of the deployment package: replace them with
`domains/<domain>/runtime_weights/<k>_<node>.dat`, renamed to the
`<partition>_<k>_<node>.dat` names `step_make_driver` gave them. Then apply the domain's
host constants (`host_constants`, e.g. the output scale) on the CPU.
"""


def render(manifest: dict) -> str:
    m = manifest
    doms = m["verification"]
    rows = "\n".join(
        f"| {d} | {m['switch']['per_domain'][d]['write_bytes']:,} B | "
        f"{m['switch']['per_domain'][d]['write_time_s'] * 1e3:.3f} ms | {v['images']} ({v['source']['kind']}) | "
        f"{'passed' if v['passed'] else 'FAILED'}: same top-1 on {round(v['top1_agreement'] * v['images'])}, "
        f"identical integer outputs on {v['exact_images']} |"
        for d, v in doms.items())
    first = next(iter(doms))
    switch = (f"{m['switch']['per_domain'][first]['write_bytes']:,} bytes, "
              f"{m['switch']['per_domain'][first]['write_time_s'] * 1e3:.3f} ms per domain here, against "
              f"{m['switch']['estimated']['bitstream_time_s'] * 1e3:.1f} ms for a full bitstream")
    syn = m["synthesis"]
    synthesis = (f"**This build stopped before synthesis**: {syn['reason']}." if syn["status"] != "done"
                 else f"Synthesis ran here (FINN log: `finn/synthesis.log`), exit status {syn['returncode']}.")
    cfg = syn["config"]
    design = m["design"]
    est = m["estimate"]
    return "\n".join([
        f"# codesign build: {m['inputs']['graph']['name']} on {m['device']['name']} ({m['device']['part']})",
        "",
        f"Domains: {', '.join(doms)} (the first, `{first}`, defined the shared graph). "
        f"{design['hw_nodes']} HW nodes: {design['fixed']} fixed (static hardware, weights "
        "`internal_embedded`), {r} reconfigurable. Clock {c:g} MHz; estimated {fps:,.1f} FPS, "
        "latency {lat:.3f} ms; LUT {lut:,.0f} / {lut_a:,}, BRAM18 {bram:,.0f} / {bram_a:,}.".format(
            r=design["reconfigurable"], c=m["device"]["clock_mhz"], fps=est["fps"], lat=est["latency_s"] * 1e3,
            lut=est["totals"]["lut"], lut_a=est["available"]["lut"], bram=est["totals"]["bram18"],
            bram_a=est["available"]["bram18"]),
        "",
        f"Folding: {est.get('folding_source', 'searched')}.",
        "",
        "| domain | switch (AXI-lite) | time | verification images | result |",
        "|---|---|---|---|---|",
        rows,
        "",
        f"Verification criterion: {next(iter(doms.values()))['criterion']}. Brevitas (float64) against "
        "FINN's Python execution of the shared graph with the domain's hardware values; integer outputs "
        "can differ by a few steps where a pre-activation sits on a quantiser's rounding tie, which "
        "PyTorch's float32 and FINN's integer thresholds decide differently (codesign/fpga_build/verify.py).",
        "",
        "## Contents",
        "",
        "- `manifest.json`: inputs and their SHA-256, device, clock, folding, estimate, per-domain "
        "switch cost, verification results, tool versions, output hashes",
        "- `qonnx/<domain>.onnx`: Brevitas export of backbone + domain (QONNX)",
        "- `finn/generic_hw.onnx`: the shared FINN HW graph (generic layers; executes in Python)",
        "- `finn/dataflow_folded.onnx`: specialised, folded dataflow partition (what synthesis takes)",
        "- `finn/folding_config.json`: FINN folding config (PE/SIMD/ram_style/mem_mode/"
        "runtime_writeable_weights per node)",
        "- `reports/`: the estimate in FINN's report schema, the folding as `final_hw_config.json`, "
        "and `codesign_estimate.json` (docs/finn-formats.md)",
        "- `ip/<node>/`: generated HLS C++/Tcl and RTL per node",
        "- `domains/<domain>/runtime_weights/*.dat`, `axilite_writes.json`: each domain's memory images",
        "",
        FINISH.format(synthesis=synthesis, steps=", ".join(cfg["steps"]), outputs=", ".join(cfg["generate_outputs"])),
        SWITCH,
        MECHANISM.format(switch=switch),
    ])
