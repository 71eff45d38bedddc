"""Which values of a user's QONNX file a domain owns, and the probe copy that perturbs them.

A pattern (``fnmatch`` glob, case-sensitive) selects the values of the domain-owned
layers of a QONNX file. It is tried, in this order, against

1. the nodes' module scopes: the PyTorch module path each node was exported from.
   torch's dynamo exporter (Brevitas' default under torch >= 2.9) records it in the
   node's ``pkg.torch.onnx.name_scopes`` metadata (its node names are generic,
   ``node__symbolic_14``); the TorchScript exporter (``dynamo=False``, codesign's own)
   writes it into the node name (``/linear_features.6/weight_quant/.../BipolarQuant``).
   Every prefix counts: ``linear_features.6`` matches the QuantLinear's weight quantiser,
   its ``Gemm``/``MatMul`` and anything below it. Node names are tried too;
2. only if a pattern matches no node: the initializer names (``linear_features.6.weight``).

A selected node gives up every float initializer it reads (weights before their
Quant/BipolarQuant node, quantiser scales, BatchNorm and affine constants), except the
integer-valued zero points and bit widths of Quant/Trunc. An initializer a selected node
shares with another node (both exporters merge equal constants: one scale 1.0 may feed
every BipolarQuant of a model) first gets a private copy, in the domain and the probe alike,
so that perturbing it changes the selected layer only. The perturbation is seeded and
keeps a tensor's sign where it has one (scales, variances stay positive); mixed-sign or
zero tensors get noise relative to their largest magnitude.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass

import numpy as np

from codesign.errors import InputError

NAME_SCOPES_KEY = "pkg.torch.onnx.name_scopes"  # torch.onnx (dynamo) node metadata
# Inputs that are integer-valued by definition (qonnx custom_op/general/quant.py, trunc.py):
# zero point and bit widths; perturbing them would change the structure, not the values.
FIXED_INPUTS = {"Quant": (2, 3), "Trunc": (2, 3, 4), "Resize": (1, 2, 3), "Upsample": (1,)}
NOISE_SCALE = 0.5  # relative size of the perturbation (as codesign.graph.design.perturb_domain)
PRIVATE_SUFFIX = "__codesign_domain_"  # name of a selected node's private copy of a shared initializer


@dataclass(frozen=True)
class Selection:
    """What the patterns select: node names, and (node index, input position) uses of
    initializers that the probe perturbs; ``by_pattern`` what each pattern matched."""

    nodes: tuple[str, ...]
    uses: tuple[tuple[int, int], ...]
    by_pattern: dict


def node_scopes(node) -> list[str]:
    """The module paths a node was exported from, outermost first ([] when unknown)."""
    for prop in node.metadata_props:
        if prop.key == NAME_SCOPES_KEY:
            try:
                names = ast.literal_eval(prop.value)
            except (ValueError, SyntaxError):
                return []
            # [root '', module, submodule, ..., the op's own fx name]
            return [n for n in names[1:-1] if isinstance(n, str) and n]
    if node.name.startswith("/") and node.name.count("/") >= 2:
        parts = node.name.strip("/").split("/")[:-1]  # the last part is the op
        return [".".join(parts[: i + 1]) for i in range(len(parts))]
    return []


def _perturbable(model, node, position: int) -> bool:
    name = node.input[position]
    if not name or position in FIXED_INPUTS.get(node.op_type, ()):
        return False
    value = _initializer(model, name)
    return value is not None and np.issubdtype(value.dtype, np.floating)


def _initializer(model, name: str):
    from onnx import numpy_helper

    for init in model.graph.initializer:
        if init.name == name:
            return numpy_helper.to_array(init)
    return None


def available_names(model, limit: int = 8) -> str:
    """A few module scopes and initializer names of the file, for an error message."""
    scopes = []
    for node in model.graph.node:
        for scope in node_scopes(node)[:1]:
            if scope not in scopes:
                scopes.append(scope)
    inits = [i.name for i in model.graph.initializer][:limit]
    shown = scopes[:limit] + (["..."] if len(scopes) > limit else [])
    return (f"modules: {', '.join(shown) or '(none recorded)'}; initializers: {', '.join(inits)}"
            f"{', ...' if len(model.graph.initializer) > limit else ''}")


def select(model, patterns: list[str], source: str, option: str = "--reconfigurable") -> Selection:
    """The nodes and initializer uses ``patterns`` select in ``model`` (an onnx ModelProto);
    an ``InputError`` naming ``option`` for a pattern that matches nothing and
    for a selection with no values or with every weight of the model."""
    nodes = list(model.graph.node)
    chosen_nodes: set[int] = set()
    chosen_inits: set[str] = set()
    by_pattern = {}
    for pattern in patterns:
        hits = [i for i, n in enumerate(nodes)
                if fnmatch.fnmatchcase(n.name, pattern) or any(fnmatch.fnmatchcase(s, pattern)
                                                               for s in node_scopes(n))]
        inits = [] if hits else [i.name for i in model.graph.initializer if fnmatch.fnmatchcase(i.name, pattern)]
        if not hits and not inits:
            raise InputError(f"{option} {pattern}: matches no module, node or initializer of {source} "
                             f"({available_names(model)})")
        by_pattern[pattern] = len(hits) + len(inits)
        chosen_nodes.update(hits)
        chosen_inits.update(inits)
    uses = sorted({(i, p) for i in chosen_nodes for p in range(len(nodes[i].input))
                   if _perturbable(model, nodes[i], p)}
                  | {(i, p) for i, n in enumerate(nodes) for p, name in enumerate(n.input)
                     if name in chosen_inits and _perturbable(model, n, p)})
    if not uses:
        raise InputError(f"{option} {','.join(patterns)}: selects no weights, scales or thresholds "
                         f"in {source}: nothing distinguishes the domain from the fixed part")
    _check_not_everything(model, uses, patterns, source, option)
    return Selection(tuple(nodes[i].name for i in sorted(chosen_nodes)), tuple(uses), by_pattern)


def _weight_uses(model) -> set[tuple[int, int]]:
    """The float weights of the model: initializers quantised by a Quant/BipolarQuant node."""
    return {(i, 0) for i, n in enumerate(model.graph.node)
            if n.op_type in ("Quant", "BipolarQuant") and _perturbable(model, n, 0)}


def _check_not_everything(model, uses, patterns, source, option) -> None:
    weights = _weight_uses(model)
    if weights and weights <= set(uses):
        raise InputError(f"{option} {','.join(patterns)}: selects every weight of {source} "
                         f"({len(weights)} quantised weight tensors): nothing would stay fixed hardware")


def domain_and_probe(model, selection: Selection, seed: int):
    """(domain, probe) ModelProtos: both with private copies of the selected uses of shared
    initializers; the probe with every selected value perturbed (``seed``)."""
    from onnx import numpy_helper

    domain = _unshared(model, selection)
    probe = type(domain)()
    probe.CopyFrom(domain)
    rng = np.random.default_rng(seed)
    names = sorted({probe.graph.node[i].input[p] for i, p in selection.uses})
    by_name = {init.name: init for init in probe.graph.initializer}
    for name in names:
        value = numpy_helper.to_array(by_name[name])
        by_name[name].CopyFrom(numpy_helper.from_array(perturbed(value, rng), name))
    return domain, probe


def perturbed(value: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Distinct values of the same dtype and shape; a tensor of one sign keeps it."""
    noise = rng.standard_normal(value.shape)
    if value.size and (np.all(value > 0) or np.all(value < 0)):
        out = value * (1.0 + NOISE_SCALE * np.abs(noise))
    else:
        magnitude = float(np.max(np.abs(value))) if value.size else 0.0
        out = value + NOISE_SCALE * (magnitude or 1.0) * noise
    return np.asarray(out, dtype=value.dtype)


def _unshared(model, selection: Selection):
    """A copy of ``model`` in which each selected use of an initializer that something
    else also reads gets its own copy (same values), so it can be perturbed alone."""
    from onnx import numpy_helper

    out = type(model)()
    out.CopyFrom(model)
    selected = set(selection.uses)
    by_name = {init.name: init for init in out.graph.initializer}
    for k, (i, p) in enumerate(sorted(selected)):
        node = out.graph.node[i]
        name = node.input[p]
        if _only_selected(out, name, selected):
            continue
        private = f"{name}{PRIVATE_SUFFIX}{k}"
        out.graph.initializer.append(numpy_helper.from_array(numpy_helper.to_array(by_name[name]), private))
        node.input[p] = private
    return out


def _only_selected(model, name: str, selected: set) -> bool:
    return all((i, p) in selected for i, n in enumerate(model.graph.node)
               for p, inp in enumerate(n.input) if inp == name)
