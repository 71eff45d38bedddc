"""What a build is made from, checked before any slow step, and hashed.

A build reads one architecture spec, one device spec and one checkpoint per domain
(``<DIR>/<domain>.json`` + ``.safetensors``, written by ``model.save_domain``). All of
them are checked here in about a second (each checkpoint is loaded into the spec's
model), so a missing or foreign checkpoint fails before minutes of FINN conversion.
:func:`input_hash` covers everything the result depends on; an output folder whose
manifest carries the same hash is reused.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from codesign.fpga_build.errors import BuildError
from codesign.store import file_sha256, package_version, payload_sha256, tool_versions

BUILD_FORMAT = 1  # bump when the build's contents or rules change: old builds are redone


def build_tool_versions() -> dict[str, str]:
    """The project's tool versions, and codesign's own: a build depends on all of codesign
    (its caches are keyed by the code digest of the part that computes them instead)."""
    return {"codesign": package_version("codesign"), **tool_versions()}


@dataclass
class DomainInput:
    name: str
    checkpoint: Path  # the .json of the pair
    num_classes: int
    sha256: dict[str, str]  # file name -> SHA-256 of the .json and the .safetensors


@dataclass
class BuildInputs:
    spec: object  # GraphSpec
    device: object  # DeviceSpec
    domains: list[DomainInput]
    target_fps: float | None
    images: int  # verification images per domain
    seed: int  # seed of the random verification inputs (when no real images)
    data_cache: Path | None  # prepared domain splits (.cache/domains), if any
    exact: bool = False  # verification: require identical integer outputs (not only top-1)
    folding: object = None  # codesign.cost.folding_config.FoldingConfig (--folding), else None: searched

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.domains]


def parse_domains(text: str) -> list[str]:
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    if not names:
        raise BuildError("--domains: give at least one domain name (comma-separated)")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise BuildError(f"--domains: {', '.join(duplicates)} given more than once")
    return names


def check_checkpoints(spec, names: list[str], directory: str | Path) -> list[DomainInput]:
    """Every domain has a checkpoint of this architecture, and all share one head shape."""
    from codesign.models.domain_io import read_domain_meta
    from codesign.network.factory import build_model

    directory = Path(directory)
    if not directory.is_dir():
        raise BuildError(f"--checkpoints {directory}: no such directory")
    model = build_model(spec)  # checkpoints are checked by loading them, as training does
    found = []
    for name in names:
        meta_path = directory / f"{name}.json"
        if not meta_path.is_file():
            have = sorted(p.stem for p in directory.glob("*.json"))
            raise BuildError(f"domain {name!r}: no checkpoint {meta_path} "
                             f"(this directory has: {', '.join(have) or 'none'})")
        weights, meta = read_domain_meta(meta_path)
        if meta.get("domain") != name:
            raise BuildError(f"domain {name!r}: {meta_path} holds domain {meta.get('domain')!r}")
        model.load_domain(name, meta_path)  # raises DomainCheckpointError for another architecture
        found.append(DomainInput(name, meta_path, int(meta["num_classes"]),
                                 {meta_path.name: file_sha256(meta_path), weights.name: file_sha256(weights)}))
    first = found[0]
    for d in found[1:]:
        if d.num_classes != first.num_classes:
            raise BuildError(
                f"domain {d.name!r} does not fit the shared design: its head has {d.num_classes} classes, "
                f"the shared design's (domain {first.name!r}) {first.num_classes}; one static design "
                f"needs every domain's modules in the same shapes")
    return found


def load_inputs(graph, device, domains: str, checkpoints, target_fps=None, images: int = 64,
                seed: int = 0, data_cache=None, exact: bool = False, folding=None) -> BuildInputs:
    from codesign.specs.device import load_device
    from codesign.specs.graph import load_graph

    if images < 1:
        raise BuildError(f"--images must be >= 1, got {images}")
    if target_fps is not None and target_fps <= 0:
        raise BuildError(f"--target-fps must be > 0, got {target_fps}")
    if folding is not None and target_fps is not None:
        raise BuildError("--folding and --target-fps: give one (a folding config fixes the throughput)")
    if folding is not None:
        from codesign.cost.folding_config import read_folding_config

        folding = read_folding_config(folding)  # its shape; its nodes are checked after conversion
    spec = load_graph(graph)
    dev = load_device(device)
    found = check_checkpoints(spec, parse_domains(domains), checkpoints)
    cache = Path(data_cache) if data_cache else None
    return BuildInputs(spec, dev, found, target_fps, images, seed, cache, exact, folding)


def backbone_digest(spec) -> str:
    from codesign.models.weights import resolve_path

    weights = spec.backbone.weights
    if weights in (None, "none", "random", "imagenet"):
        return str(weights)
    path = resolve_path(weights)
    return file_sha256(path) if path.is_file() else f"missing:{path}"


def input_record(inputs: BuildInputs, data_source: dict) -> dict:
    """Everything the build depends on (hashed into the reuse key, kept in the manifest)."""
    spec_path = Path(inputs.spec.path)
    return {
        "format": BUILD_FORMAT,
        "graph": {"name": inputs.spec.name, "path": str(spec_path),
                  "sha256": file_sha256(spec_path) if spec_path.is_file() else "in-memory",
                  "architecture": inputs.spec.fingerprint(), "backbone_weights": inputs.spec.backbone.weights,
                  "backbone_weights_sha256": backbone_digest(inputs.spec)},
        "device": {"name": inputs.device.name, "part": inputs.device.part, "spec": asdict(inputs.device)},
        "domains": [{"name": d.name, "checkpoint": str(d.checkpoint), "num_classes": d.num_classes,
                     "sha256": d.sha256} for d in inputs.domains],
        "target_fps": inputs.target_fps,
        # the folding file's content (its path is left out of the key, as every path)
        "folding": None if inputs.folding is None else {"path": inputs.folding.path, "sha256": inputs.folding.sha256},
        "verification": {"images": inputs.images, "seed": inputs.seed, "exact": inputs.exact, "data": data_source},
        "tools": build_tool_versions(),
    }


def input_hash(record: dict) -> str:
    # Paths are left out: the same files moved elsewhere give the same build.
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("path", "checkpoint")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return payload_sha256(strip(record))
