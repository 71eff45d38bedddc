"""FINN's steps and outputs that need no Vivado: bit-width minimisation, folding config,
estimate reports, per-node code.

- :func:`minimize_bit_width`: ``step_minimize_bit_width`` (FINN's ``_minimize_bit_width``
  with ``minimize_bit_width=True``), which FINN runs after folding. It is safe for the
  shared design: MinimizeWeightBitWidth and MinimizeAccumulatorWidth leave nodes with
  ``runtime_writeable_weights=1`` at their datatype's worst case, and
  RoundAndClipThresholds clips thresholds to the range of their (fixed) input, which
  changes no output; the build applies it to every domain and checks the hardware
  attributes come out identical.

- ``folding_config.json`` and ``reports/``: written by the build with the writers
  ``codesign estimate --finn-reports`` uses (codesign.cost.folding_config,
  codesign.cost.finn_reports; docs/finn-formats.md).
- ``ip/<node>/``: each node's HLS C++ + Tcl (HLS nodes) or filled RTL templates and
  memory initialisation files (RTL nodes): what ``PrepareIP``/``step_hw_codegen``
  generates, written here rather than into FINN_BUILD_DIR. Generated files hold
  absolute paths (Tcl ``config_hwsrcdir``, memstream ``$readmemh`` files), so
  :func:`relocate` rewrites them when the finished build is moved into place.
"""

from __future__ import annotations

from pathlib import Path

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
