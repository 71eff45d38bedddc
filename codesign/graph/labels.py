"""Fixed/reconfigurable labels found once per architecture and reused by structure.

Labelling needs a second conversion (the probe, :mod:`codesign.graph.ownership`), but
the labels depend only on which tensors the domain owns, i.e. on the architecture, not
on the values: a trained checkpoint, another seed or another domain of the same
architecture converts to the same HW nodes and streams (FINN names nodes and tensors
from the graph's structure) and so gets the same labels. The labels are stored by a
key of everything that shapes the structure (the spec's fingerprint, the class count,
the converting code and tool versions) together with the structure's own signature
(op types and wiring of the HW nodes). A later conversion with the same signature
reuses them without a probe; any other structure is probed and labelled as usual.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from codesign.graph.ownership import domain_dependent_nodes, label_graph
from codesign.store import (DESIGN_CODE, atomic_file, code_digest, payload_sha256,
                            tool_versions)


def structure_signature(model) -> str:
    """SHA-256 of the nodes' op types and input/output stream names, in graph order
    (the values of weights and thresholds, and node attributes, are left out)."""
    digest = hashlib.sha256()
    for node in model.graph.node:
        digest.update(json.dumps([node.op_type, list(node.input), list(node.output)]).encode())
    return digest.hexdigest()


def labels_key(spec, num_classes: int) -> str:
    payload = {"fingerprint": spec.fingerprint(), "classes": num_classes,
               "code": code_digest(*DESIGN_CODE), "versions": tool_versions()}
    return payload_sha256(payload)[:24]


def labels_from_probe(hw, hw_probe, structure_graph) -> dict[str, str]:
    """Role by first output stream of each HW node, from the domain and probe conversions."""
    roles = label_graph(structure_graph(hw), domain_dependent_nodes(hw, hw_probe))
    return {n.output[0]: roles[n.name] for n in hw.graph.node if n.name in roles}


def load_labels(labels_dir: Path, key: str) -> dict[str, dict[str, str]]:
    """Known labels by structure signature ({} when none or unreadable: probe again)."""
    path = Path(labels_dir) / f"{key}.json"
    try:
        known = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    if not isinstance(known, dict) or not all(isinstance(v, dict) for v in known.values()):
        return {}
    return known


def store_labels(labels_dir: Path, key: str, signature: str, by_output: dict[str, str]) -> None:
    known = load_labels(labels_dir, key)
    known[signature] = by_output
    path = Path(labels_dir) / f"{key}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as tmp:
        Path(tmp).write_text(json.dumps(known, indent=1, sort_keys=True))
