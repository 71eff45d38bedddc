"""One static design for every domain: align each domain's conversion with the first's.

This is the check the whole fixed/reconfigurable split rests on. Each domain is
converted on its own (its weights give its own thresholds, scales and head); the first
domain's graph is the shared hardware. Another domain fits it when, node by node:

- the node has the same name, op type and attributes (folding-relevant sizes,
  datatypes, memory modes: everything synthesis bakes in);
- every streamed tensor has the same shape and FINN datatype;
- every constant (weights, thresholds) has the same shape and datatype; on a **fixed**
  node it is bit-identical (the backbone is static hardware: a difference means a
  domain's values leaked into it and one bitstream cannot serve both domains), on a
  **reconfigurable** node it may differ but must fit the shared datatype (the width of
  the run-time-writeable memory), and on a host node (the output scale applied by the
  CPU) it may differ and becomes part of the domain's files.

Tensor names are not compared: FINN gives some inserted tensors random names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from codesign.finn.nodekinds import HOST, is_hw  # HOST: a non-HW node's role (run by the CPU)
from codesign.fpga_build.errors import SharingError
from codesign.graph.ownership import FIXED, RECONFIGURABLE


@dataclass
class SharedDesign:
    generic: object  # GenericDesign of the first domain: the shared graph
    roles: dict[str, str]  # generic node name -> fixed / reconfigurable / host
    values: dict[str, dict[tuple[str, int], np.ndarray]]  # domain -> (node, input) -> constant
    differing: dict[str, list[str]] = field(default_factory=dict)  # node -> domains unlike the first
    fixed_constants_checked: int = 0  # fixed constants compared bit by bit, per domain pair


def node_roles(generic) -> dict[str, str]:
    roles = {}
    for node in generic.model.graph.node:
        if not is_hw(node):
            roles[node.name] = HOST
        else:
            roles[node.name] = generic.roles_by_output.get(node.output[0], FIXED)
    return roles


def _attributes(node) -> dict[str, bytes]:
    return {a.name: a.SerializeToString() for a in node.attribute}


def _fits(datatype, array: np.ndarray) -> bool:
    if datatype.is_integer():
        if not np.array_equal(array, np.round(array)):
            return False
        return bool(array.min() >= datatype.min() and array.max() <= datatype.max()) if array.size else True
    return True  # float containers hold anything (host constants, float input thresholds)


def _tensor_sig(model, name: str):
    return tuple(model.get_tensor_shape(name) or ()), str(model.get_tensor_datatype(name))


def align(first_name: str, first, name: str, other, roles: dict[str, str], shared: SharedDesign) -> None:
    """Check ``other`` (domain ``name``) against the shared graph; record its constants."""
    a, b = first.model, other.model

    def misfit(detail: str) -> SharingError:
        return SharingError(f"domain {name!r} does not fit the shared design (from domain {first_name!r}): "
                          f"{detail}")

    nodes_a, nodes_b = list(a.graph.node), list(b.graph.node)
    if len(nodes_a) != len(nodes_b):
        raise misfit(f"{len(nodes_b)} nodes after conversion, the shared graph has {len(nodes_a)}")
    for port in ("input", "output"):
        sig_a = [_tensor_sig(a, t.name) for t in getattr(a.graph, port)]
        sig_b = [_tensor_sig(b, t.name) for t in getattr(b.graph, port)]
        if sig_a != sig_b:
            raise misfit(f"graph {port} {sig_b} vs shared {sig_a}")
    for na, nb in zip(nodes_a, nodes_b):
        if (na.name, na.op_type) != (nb.name, nb.op_type):
            raise misfit(f"node {nb.name} ({nb.op_type}) where the shared graph has {na.name} ({na.op_type})")
        attrs_a, attrs_b = _attributes(na), _attributes(nb)
        if attrs_a != attrs_b:
            key = sorted(k for k in set(attrs_a) | set(attrs_b) if attrs_a.get(k) != attrs_b.get(k))[0]
            raise misfit(f"node {na.name} attribute {key} differs (another layer size or datatype)")
        if len(na.input) != len(nb.input) or len(na.output) != len(nb.output):
            raise misfit(f"node {na.name} has another number of inputs/outputs")
        role = roles[na.name]
        for i, (ta, tb) in enumerate(zip(na.input, nb.input)):
            init_a, init_b = a.get_initializer(ta), b.get_initializer(tb)
            if (init_a is None) != (init_b is None):
                raise misfit(f"node {na.name} input {i} is a constant in one graph only")
            if init_a is None:
                if _tensor_sig(a, ta) != _tensor_sig(b, tb):
                    raise misfit(f"node {na.name} input {i} is {_tensor_sig(b, tb)}, shared {_tensor_sig(a, ta)}")
                continue
            init_a, init_b = np.asarray(init_a), np.asarray(init_b)
            what = f"node {na.name} ({role}) input {i}"
            if init_a.shape != init_b.shape:
                raise misfit(f"{what} has shape {init_b.shape}, shared {init_a.shape}")
            same = np.array_equal(init_a, init_b)
            if role == FIXED:
                shared.fixed_constants_checked += 1
                if not same:
                    n = int(np.sum(init_a != init_b))
                    raise SharingError(
                        f"fixed node {na.name} differs between domains {first_name!r} and {name!r} "
                        f"({n} of {init_a.size} values of input {i}): a domain's values reached the "
                        f"static backbone, so one bitstream cannot serve both")
            dt = a.get_tensor_datatype(ta)
            if role == RECONFIGURABLE and not _fits(dt, init_b):
                raise misfit(f"{what} values span {init_b.min():g}..{init_b.max():g}, beyond the shared "
                             f"memory's datatype {dt}")
            if role != FIXED:
                shared.values[name][(na.name, i)] = init_b
                if not same:
                    shared.differing.setdefault(na.name, []).append(name)
        for ta, tb in zip(na.output, nb.output):
            if _tensor_sig(a, ta) != _tensor_sig(b, tb):
                raise misfit(f"node {na.name} output is {_tensor_sig(b, tb)}, shared {_tensor_sig(a, ta)}")


def share(designs: dict) -> SharedDesign:
    """``designs``: {domain: GenericDesign}, first = the shared graph (with the labels)."""
    names = list(designs)
    first = designs[names[0]]
    roles = node_roles(first)
    values = {names[0]: {}}
    for node in first.model.graph.node:  # the first domain's own constants
        if roles[node.name] != FIXED:
            for i, t in enumerate(node.input):
                init = first.model.get_initializer(t)
                if init is not None:
                    values[names[0]][(node.name, i)] = np.asarray(init)
    shared = SharedDesign(first, roles, values)
    for name in names[1:]:
        shared.values[name] = {}
        align(names[0], first, name, designs[name], roles, shared)
    return shared
