"""A user's Brevitas ``nn.Module`` as a labelled FINN HW design (docs/imported-models.md).

``per_domain`` says which of the module's values a domain owns: a predicate
``(name, tensor) -> bool`` over the trainable values (parameters, and BatchNorm running
statistics, as :func:`codesign.graph.design.perturb_domain` counts them), or a PEFT-style
list of module names (as PEFT's ``target_modules``: a module whose dotted path equals a
name or ends with ``.name`` gives up every trainable value under it). The module is
exported twice with Brevitas' TorchScript QONNX exporter (deterministic; codesign's
own): once as it is, once with the selected values perturbed in torch (the same rule as
:func:`codesign.graph.imported_probe.perturbed`, seeded); then converted and labelled as
a QONNX file is. The module is left as it was (values and train/eval mode).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from codesign.errors import InputError
from codesign.graph.design import PERTURB_SEED, GenericDesign
from codesign.graph.imported import ImportedModel, cached_or_converted
from codesign.graph.imported_probe import perturbed
from codesign.store import file_sha256

PerDomain = Callable[[str, torch.Tensor], bool] | Sequence[str] | str
STATISTICS = ("running_mean", "running_var")  # BN buffers that training changes


def trainable_values(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Parameters and BatchNorm running statistics by dotted name (not Brevitas' constant
    buffers: bit widths, zero points, sentinels)."""
    values = dict(module.named_parameters())
    values.update({n: b for n, b in module.named_buffers() if n.endswith(STATISTICS) and b.is_floating_point()})
    return values


def _under(name: str, module_path: str) -> bool:
    return module_path == "" or name.startswith(module_path + ".")


def select_values(module: torch.nn.Module, per_domain: PerDomain) -> list[str]:
    """Names of the values ``per_domain`` selects; an ``InputError`` naming ``per_domain``
    for a module name that matches nothing, or a selection of nothing or of everything."""
    values = trainable_values(module)
    if callable(per_domain):
        chosen = [name for name, value in values.items() if per_domain(name, value)]
    else:
        targets = [per_domain] if isinstance(per_domain, str) else list(per_domain)
        if not targets or not all(isinstance(t, str) and t for t in targets):
            raise InputError(f"per_domain: expected a predicate (name, tensor) -> bool or module names, "
                             f"got {per_domain!r}")
        modules = [m for m, _ in module.named_modules() if m]
        matched = []
        for target in targets:
            hits = [m for m in modules if m == target or m.endswith("." + target)]
            if not hits:
                shown = ", ".join(m for m in modules if "." not in m or m.count(".") == 1)
                raise InputError(f"per_domain: {target!r} names no module of {type(module).__name__} "
                                 f"(modules: {shown[:240]})")
            matched += hits
        chosen = [name for name in values if any(_under(name, m) for m in matched)]
    if not chosen:
        raise InputError(f"per_domain: selects no parameter of {type(module).__name__}")
    if len(chosen) == len(values):
        raise InputError(f"per_domain: selects every parameter of {type(module).__name__} ({len(values)}): "
                         "nothing would stay fixed hardware")
    return chosen


def perturb_values(module: torch.nn.Module, names: list[str], seed: int) -> None:
    """Distinct values for ``names`` in place (a tensor of one sign keeps it)."""
    values = trainable_values(module)
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name in sorted(names):
            tensor = values[name]
            new = perturbed(tensor.detach().cpu().numpy(), rng)
            tensor.copy_(torch.from_numpy(new).to(tensor.device))


def check_input_shape(input_shape) -> tuple[int, ...]:
    try:
        shape = tuple(int(d) for d in input_shape)
    except (TypeError, ValueError):
        shape = ()
    if len(shape) != 4 or min(shape) < 1 or shape != tuple(input_shape):
        raise InputError(f"input_shape: expected (batch, channels, height, width) of positive integers, "
                         f"got {input_shape!r}")
    return shape


def module_generic(module: torch.nn.Module, per_domain: PerDomain, input_shape, cache_dir: Path | None,
                   parallel: bool = True, progress: Callable[[str], None] | None = None) -> GenericDesign:
    """Export the module and its probe, convert both (cached by the two exports) and label."""
    from codesign.finn.convert import export_qonnx

    shape = check_input_shape(input_shape)
    names = select_values(module, per_domain)
    saved = {n: v.detach().clone() for n, v in trainable_values(module).items()}
    was_training = module.training
    with tempfile.TemporaryDirectory(prefix="codesign_module_") as tmp:
        domain_path, probe_path = Path(tmp) / "domain.onnx", Path(tmp) / "probe.onnx"
        try:
            export_qonnx(module, shape, domain_path)
            perturb_values(module, names, PERTURB_SEED)
            export_qonnx(module, shape, probe_path)
        finally:
            with torch.no_grad():
                for n, v in trainable_values(module).items():
                    v.copy_(saved[n])
            module.train(was_training)
        name = type(module).__name__
        record = ImportedModel(name, f"<module {name}>", file_sha256(domain_path), tuple(names), shape, "per_domain")
        return cached_or_converted(record, domain_path, probe_path, cache_dir, parallel, progress, kind="module")
