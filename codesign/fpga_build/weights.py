"""Per-domain memory images of the reconfigurable nodes, and their AXI-lite writes.

Format. The files are what FINN itself writes for run-time-writeable layers (finn-plus
1.6.1 ``MakePYNQDriver._generate_weight_files``): ``make_weight_file(values,
"decoupled_runtime", path)`` of the folded, specialised node, one hex word per line.
MVAU/VVAU (memstream_axi.sv): one 32-bit word per line, each memory word of PE x SIMD
weights split into 2^ceil(log2(ceil(bits/32))) words, least significant first.
Thresholding_rtl (thresholding_axi.sv): one threshold per line, padded to a multiple of
32 bits, with channels and thresholds padded to powers of two (its address map).

AXI-lite. FINN's stitched IP exposes every node's AXI-lite slave as ``s_axilite_<k>``,
k counting nodes with such a slave in graph order (CreateStitchedIP). axilite.sv takes
one memory word as FOLD 32-bit beats at consecutive word addresses, least significant
first, and writes the memory on the last beat; so the sequence for one slave is word i
of the file (lines split LSW first) to byte offset 4*i, in order. Base addresses are
assigned by Vivado when the shell is built (see the build README).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from codesign.fpga_build.errors import SharingError
from codesign.graph.ownership import RECONFIGURABLE

AXI_BYTES = 4  # finn-rtllib axilite.sv is instantiated with DATA_WIDTH 32 by both wrappers


def generic_names(folded, generic_model) -> dict[str, str]:
    """Specialised node name -> generic node name (SpecializeLayers renames nodes but keeps
    their output tensors)."""
    by_output = {n.output[0]: n.name for n in generic_model.graph.node}
    return {n.name: by_output[n.output[0]] for n in folded.graph.node}


def writeable_nodes(folded) -> list[tuple[int, object]]:
    """(k, node) for every node with an AXI-lite slave, k as CreateStitchedIP numbers them."""
    from finn.util.basic import getHWCustomOp

    found = []
    for node in folded.graph.node:
        if getHWCustomOp(node).get_verilog_top_module_intf_names().get("axilite"):
            found.append((len(found), node))
    return found


def check_writeable(folded, names: dict[str, str], shared) -> None:
    """Every node whose constants differ between domains must be run-time writeable."""
    from finn.util.basic import getHWCustomOp

    for node in folded.graph.node:
        generic = names[node.name]
        if generic not in shared.differing or shared.roles.get(generic) != RECONFIGURABLE:
            continue
        inst = getHWCustomOp(node)
        types = inst.get_nodeattr_types()
        if "runtime_writeable_weights" not in types or not inst.get_nodeattr("runtime_writeable_weights"):
            raise SharingError(f"node {node.name} ({node.op_type}) holds values that differ between domains "
                             f"{', '.join(shared.differing[generic])} and the first, but FINN gives it no "
                             f"run-time-writeable memory: one static design cannot switch it")


def dat_words(path: Path) -> list[int]:
    """32-bit AXI-lite data words of a decoupled_runtime file, in write order."""
    words = []
    for line in Path(path).read_text().split():
        value, bits = int(line, 16), 4 * len(line)
        fold = math.ceil(bits / 32)
        padded = 1 << (fold - 1).bit_length()  # address space per memory word: power of two
        words += [(value >> (32 * i)) & 0xFFFFFFFF for i in range(padded)]
    return words


def domain_hardware(folded_raw, names: dict[str, str], values: dict, shared_hw, domain: str):
    """The folded shared model with ``domain``'s constants, bit widths minimised as for the
    shared design; refused unless every hardware attribute comes out identical."""
    import copy

    from codesign.fpga_build.codegen import minimize_bit_width

    by_generic = {g: s for s, g in names.items()}
    model = copy.deepcopy(folded_raw)
    nodes = {n.name: n for n in model.graph.node}
    for (generic, i), array in values.items():
        if generic in by_generic:  # host constants stay outside the dataflow model
            model.set_initializer(nodes[by_generic[generic]].input[i], np.asarray(array, dtype=np.float32))
    model = minimize_bit_width(model)
    for a, b in zip(shared_hw.graph.node, model.graph.node):
        attrs_a = {x.name: x.SerializeToString() for x in a.attribute}
        attrs_b = {x.name: x.SerializeToString() for x in b.attribute}
        differ = sorted(k for k in set(attrs_a) | set(attrs_b) if attrs_a.get(k) != attrs_b.get(k))
        if differ:
            raise SharingError(f"domain {domain!r} does not fit the shared design: after FINN's bit-width "
                             f"minimisation node {a.name} has another {differ[0]}")
    return model


def hardware_values(model, names: dict[str, str]) -> dict[tuple[str, int], np.ndarray]:
    """Every constant of the (specialised) dataflow model, keyed by generic node and input."""
    found = {}
    for node in model.graph.node:
        for i, t in enumerate(node.input):
            value = model.get_initializer(t)
            if value is not None:
                found[(names[node.name], i)] = np.asarray(value)
    return found


def write_domain(model, host: dict, out_dir: Path, device) -> dict:
    """Write ``out_dir/runtime_weights/*.dat`` and ``axilite_writes.json`` from ``model``
    (the domain's hardware: :func:`domain_hardware`); return its switch summary (words,
    bytes, seconds). ``host``: the domain's constants of host nodes (e.g. the output
    scale the CPU applies), recorded beside the writes."""
    from finn.util.basic import getHWCustomOp

    weights_dir = out_dir / "runtime_weights"
    weights_dir.mkdir(parents=True, exist_ok=True)
    slaves, total = [], 0
    for k, node in writeable_nodes(model):
        inst = getHWCustomOp(node)
        array = np.asarray(model.get_initializer(node.input[1]), dtype=np.float32)
        if node.op_type.startswith("Thresholding") and not np.all(np.diff(array, axis=-1) >= 0):
            raise SharingError(f"{out_dir.name}: {node.name} thresholds not ascending (thresholding_rtl "
                             f"searches them by bisection)")
        path = weights_dir / f"{k}_{node.name}.dat"
        inst.make_weight_file(array, "decoupled_runtime", str(path))
        words = dat_words(path)
        total += len(words)
        memory = "thresholds" if node.op_type.startswith("Thresholding") else "weights"
        slaves.append({"interface": f"s_axilite_{k}", "node": node.name, "memory": memory,
                       "datatype": str(inst.get_input_datatype(1)), "file": f"runtime_weights/{path.name}",
                       "words": len(words), "writes": [[AXI_BYTES * i, f"0x{w:08x}"] for i, w in enumerate(words)]})
    axi = device.axi_lite
    seconds = total * axi.cycles_per_write / (axi.clock_mhz * 1e6)
    summary = {"axi_words": total, "write_bytes": total * AXI_BYTES, "write_time_s": seconds,
               "interfaces": len(slaves)}
    doc = {"about": "AXI4-Lite writes that load this domain: for each slave, write each 32-bit data "
                    "word to (slave base address + byte offset), in order, with the accelerator idle",
           **summary, "axi_lite_clock_mhz": axi.clock_mhz, "cycles_per_write": axi.cycles_per_write,
           "slaves": slaves, "host_constants": host}
    (out_dir / "axilite_writes.json").write_text(json.dumps(doc, indent=1))
    return summary


def crosscheck(domain_generic, roles: dict[str, str], folding_json: Path, fpgapart: str,
               reference_dir: Path, scratch: Path) -> list[str]:
    """Independent route to the same files: this domain's *own* conversion, specialised,
    folded by FINN's ApplyConfig from the build's folding JSON, bit widths minimised,
    then make_weight_file.
    Returns the files that differ from those in ``reference_dir`` (should be none)."""
    import copy

    from finn.transformation.general import ApplyConfig

    from codesign.fpga_build.codegen import minimize_bit_width
    from codesign.finn.convert import dataflow_partition, specialize
    from codesign.graph.design import apply_memory_modes

    model = copy.deepcopy(domain_generic.model)
    apply_memory_modes(model, {n: r for n, r in roles.items() if r != "host"})
    model = specialize(model, fpgapart)
    _, model = dataflow_partition(model)
    model = minimize_bit_width(model.transform(ApplyConfig(str(folding_json))))
    from finn.util.basic import getHWCustomOp

    scratch.mkdir(parents=True, exist_ok=True)
    differ = []
    for k, node in writeable_nodes(model):
        path = scratch / f"{k}_{node.name}.dat"
        getHWCustomOp(node).make_weight_file(model.get_initializer(node.input[1]), "decoupled_runtime", str(path))
        ref = reference_dir / path.name
        if not ref.is_file() or ref.read_bytes() != path.read_bytes():
            differ.append(path.name)
    expected = {p.name for p in reference_dir.glob("*.dat")}
    differ += sorted(expected - {p.name for p in scratch.glob("*.dat")})
    return differ
