"""Export (model, one domain) to QONNX with Brevitas, and run it with qonnx's executor.

The exported graph keeps PyTorch module paths in its node names: nodes under
``/model/backbone/`` are fixed hardware, nodes under ``/model/domains/<name>/`` are
the domain's reconfigurable modules. The hardware-graph builder relies on that.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from codesign.store import atomic_file

FIXED_SCOPE = "/model/backbone/"


def reconfigurable_scope(domain: str) -> str:
    return f"/model/domains/{domain}/"


class DomainExport(nn.Module):
    """Binds one domain so the exported graph has a single input and output."""

    def __init__(self, model, domain: str):
        super().__init__()
        model.domain(domain)  # fail early on an unknown domain
        self.model = model
        self.domain = domain

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x, self.domain)


def input_shape(model, batch: int = 1) -> tuple[int, int, int, int]:
    b = model.backbone
    return (batch, b.in_channels, b.input_size, b.input_size)


def export_domain_qonnx(model, domain: str, path: str | Path, batch: int = 1, cleanup: bool = True) -> Path:
    """Write the QONNX graph of ``model`` with ``domain`` to ``path`` (atomically).
    ``cleanup=False`` leaves out qonnx's clean-up (shape inference, constant folding,
    readable names: ~60 % of the export of MobileNetV2), for a consumer that runs it
    itself, as the FINN conversion does first (``codesign.finn.streamline.qonnx_to_finn``)."""
    from brevitas.export import export_qonnx
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.util.cleanup import cleanup_model

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    was_training = model.training
    model.eval()
    model.constrain_domain(domain)
    try:
        wrapper = DomainExport(model, domain)
        example = torch.zeros(input_shape(model, batch))
        with atomic_file(path) as tmp:
            # TorchScript exporter: ~4x faster than the dynamo one here, and it names
            # initializers by parameter path (model.backbone... vs model.domains...).
            export_qonnx(wrapper, args=example, export_path=str(tmp), dynamo=False)
            if cleanup:
                cleanup_model(ModelWrapper(str(tmp))).save(str(tmp))
    finally:
        model.train(was_training)
    return path


def run_qonnx(path: str | Path, x: np.ndarray) -> np.ndarray:
    """Execute a QONNX file with qonnx's Python executor (node by node)."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx

    wrapped = ModelWrapper(str(path))
    input_name = wrapped.graph.input[0].name
    output_name = wrapped.graph.output[0].name
    out = execute_onnx(wrapped, {input_name: x.astype(np.float32)})
    return out[output_name]
