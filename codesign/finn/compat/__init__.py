"""Every workaround needed to drive finn-plus 1.6.1 in-process, in one place.

FINN is normally started through its own CLI (``run_finn.py``) inside a container
that has Vivado/Vitis. Here we call its transformations directly from Python, on
machines without any Xilinx tools. Everything that this requires lives in this
module; the rest of ``codesign.finn`` calls :func:`ensure_finn` and nothing else.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import warnings
from pathlib import Path

# brevitas 0.13 + torch >= 2.9 default to the dynamo (torch.export) ONNX exporter.
# The TorchScript exporter gives the same QONNX ops for our patterns (Gemm vs
# Transpose+MatMul for Linear, both handled) and is ~6x faster (1 s vs 7 s for a
# small CNV), so we ask for it explicitly.
BREVITAS_EXPORT_KWARGS = {"dynamo": False}

# Per-process state, deliberately global: FINN keeps one settings object per process
# (initialize_dummy_settings) and reads FINN_BUILD_DIR into it once, so the set-up and
# its build folder cannot differ between callers of one process. A parameter could
# only be ignored after the first call; these two record that the set-up was done.
_READY = False
_BUILD_DIR: Path | None = None


def ensure_finn() -> Path:
    """Make FINN usable in-process; idempotent. Returns the FINN build directory.

    Workarounds, each needed on this machine (finn-plus 1.6.1, no Vivado):

    1. FINN_BUILD_DIR: ``finn.util.basic.make_build_dir`` (used by PrepareIP,
       CreateDataflowPartition, code generation) raises unless the directory named
       by the settings exists. ``initialize_dummy_settings()`` resolves a *relative*
       default ``FINN_TMP`` against the current working directory, which would
       litter the repository; an absolute FINN_BUILD_DIR in the environment takes
       precedence in ``FINNSettings.init``, so we point it at a fresh temp dir
       (unless the user already set one) and create it. FINN reads it once, into its
       settings, so one folder serves the whole process; the process that created it
       removes it when it exits (:func:`_make_build_dir`).
    2. ``finn.util.settings.initialize_dummy_settings()``: FINN transformations call
       ``get_settings()``, which raises unless the CLI set a global settings object.
    3. Never import ``finn.builder.build_dataflow`` / ``build_dataflow_steps``:
       they import ``finn.xsi`` (the Vivado XSI simulator binding) eagerly at module
       level, which fails without Vivado. ``codesign.finn.convert`` therefore
       re-implements the step sequence (qonnx_to_finn, tidy_up, streamline,
       convert_to_hw, create_dataflow_partition, specialize_layers) by calling the
       transformations directly; the order mirrors build_dataflow_steps.py
       (step_streamline ~l.1052, step_convert_to_hw ~l.1081).
    4. ``finn/custom_op/fpgadataflow/__init__.py`` does not import its
       ``reshape`` submodule, so the HW ``Reshape`` op is only registered once
       something imports ``finn.custom_op.fpgadataflow.rtl`` (the builder does so
       indirectly). ``InferReshape`` then fails with ``KeyError: "Op 'Reshape' not
       found in domain 'finn.custom_op.fpgadataflow'"``. Importing the hls/rtl
       variant packages here registers every op up front.
    5. torch prints a "No CUDA runtime is found" warning on import (CUDA wheel on a
       CPU machine); harmless, not silenced here.
    """
    global _READY, _BUILD_DIR
    if _READY:
        assert _BUILD_DIR is not None
        return _BUILD_DIR
    bd = os.environ.get("FINN_BUILD_DIR")
    if not bd or not Path(bd).is_absolute():
        bd = _make_build_dir()
    Path(bd).mkdir(parents=True, exist_ok=True)
    # Deferred import: importing finn is slow (~5 s) and should only happen on use.
    from finn.util.settings import initialize_dummy_settings

    initialize_dummy_settings()
    import finn.custom_op.fpgadataflow.hls  # noqa: F401  (workaround 4)
    import finn.custom_op.fpgadataflow.reshape  # noqa: F401
    import finn.custom_op.fpgadataflow.rtl  # noqa: F401

    _BUILD_DIR = Path(bd)
    _READY = True
    return _BUILD_DIR


def _make_build_dir() -> str:
    """A fresh ``codesign_finn_build_*`` temp folder as FINN_BUILD_DIR, removed when this
    process exits, so that folders do not pile up in the temp directory.

    Child processes inherit FINN_BUILD_DIR through the environment and use the same
    folder without owning it; the pid check also keeps a forked child that runs exit
    handlers from deleting its parent's folder.
    """
    bd = tempfile.mkdtemp(prefix="codesign_finn_build_")
    os.environ["FINN_BUILD_DIR"] = bd
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:
            shutil.rmtree(bd, ignore_errors=True)

    atexit.register(remove)
    return bd


def quiet_warnings():
    """Context manager silencing the noisy-but-harmless warnings of the flow.

    qonnx warns on every ``InferDataTypes`` about missing node attributes
    and brevitas' export emits TracerWarnings; neither affects correctness.
    """
    ctx = warnings.catch_warnings()

    class _Ctx:
        def __enter__(self):
            ctx.__enter__()
            warnings.simplefilter("ignore")
            return self

        def __exit__(self, *exc):
            return ctx.__exit__(*exc)

    return _Ctx()


@contextlib.contextmanager
def keep_tiny_constants():
    """Within this context, qonnx's ``RemoveIdentityOps`` removes only *exact*
    identities (Add/Sub of 0; Mul/Div by 1 within numpy's default rtol 1e-5).

    Why: its default ``atol=1e-5`` also deletes an ``Add`` of any constant below
    1e-5, and FINN calls it with the default inside ``ConvertQONNXtoFINN`` (and
    ``GemmToMatMul``). Our tie-breaking quantisers (``codesign.models.quant.HalfUp``)
    add 2^-16 of the output step (~2e-6 for 4 bits) before rounding, so that PyTorch
    rounds exact ties up as FINN's thresholds do; deleting that Add leaves the
    thresholds exactly on the ties, where float rounding of the folded scales
    decides the result (seen on the attention gate: thresholds of -27.999998 for
    a tie at -28). Kept, the constant folds into the thresholds like any bias.
    """
    from qonnx.transformation.remove import RemoveIdentityOps

    original = RemoveIdentityOps.__init__

    def exact_only(self, atol=0.0):
        original(self, atol=atol)

    RemoveIdentityOps.__init__ = exact_only
    try:
        yield
    finally:
        RemoveIdentityOps.__init__ = original


def widen_binary_weights(model):
    """After FINN's ``MinimizeWeightBitWidth``, give MVAU/VVAU weights that came out as
    ``BINARY`` the smallest signed type instead (INT2); returns the names changed.

    Why: MinimizeWeightBitWidth picks BINARY for weights that are all 0 or 1 (seen on a
    CNV layer whose random weights all quantised to 0), but MVAU_hls refuses to generate
    code for BINARY weights outside XNOR mode ("True binary (non-bipolar) inputs not yet
    supported", matrixvectoractivation_hls.py get_template_param_values). INT2 holds
    0 and 1 and costs one extra bit per weight.
    """
    from qonnx.core.datatype import DataType

    from finn.util.basic import getHWCustomOp

    changed = []
    for node in model.graph.node:
        if not node.op_type.startswith(("MVAU", "VVAU")):
            continue
        inst = getHWCustomOp(node)
        if inst.get_nodeattr("weightDataType") == "BINARY" and not inst.get_nodeattr("binaryXnorMode"):
            inst.set_nodeattr("weightDataType", "INT2")
            model.set_tensor_datatype(node.input[1], DataType["INT2"])
            changed.append(node.name)
    return changed
