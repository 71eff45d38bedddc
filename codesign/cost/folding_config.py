"""FINN folding configs both ways: read one (``--folding FILE``) and write one.

The format is FINN's own: ``folding_config.json`` / ``final_hw_config.json``, a JSON
object ``{"Defaults": {attr: [value, [op types] | "all", ...]}, "<node name>": {attr:
value, ...}}``, as ``extract_model_config_to_json`` writes it and ``ApplyConfig``
(finn-plus 1.6.1, finn/transformation/general.py) applies it. Reading happens in two
stages, both before any output: :func:`read_folding_config` checks the file's shape
alone (no FINN, before the minutes-long conversion); ``apply_folding_config`` checks
each entry against the converted design's nodes, applies it to a copy with FINN's
``ApplyConfig`` and returns the folding the estimator takes (codesign.cost.folding_checks).
Nothing is adjusted: the estimate is of exactly what the file says, or it is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from codesign.errors import InputError

# step_apply_folding_config's attribute list (finn-plus 1.6.1 build_dataflow_steps.py):
# what a folding config written by FINN's builder holds and what codesign writes.
FOLDING_ATTRS = ("PE", "SIMD", "EmbFold", "SeqFold", "parallel_window", "ram_style", "ram_style_thresholds",
                 "ram_style_mask", "depth", "impl_style", "resType", "mac_resource", "mem_mode",
                 "runtime_writeable_weights", "depth_trigger_uram", "depth_trigger_bram")
# FINN's FIFO-sizing step also writes these (same file, build_dataflow_steps.py ~l. 780);
# accepted on reading so that a config from a full FINN build reads back.
FIFO_ATTRS = ("inFIFODepths", "outFIFODepths")
READABLE_ATTRS = FOLDING_ATTRS + FIFO_ATTRS
DEFAULTS = "Defaults"


class FoldingConfigError(InputError):
    """A folding config that is not FINN's format or does not fit the design."""


@dataclass(frozen=True)
class FoldingConfig:
    path: str  # as the user gave it: shown in the estimate's first line and the build manifest
    defaults: dict[str, list]  # FINN's "Defaults": attribute -> [value, op types or "all", ...]
    nodes: dict[str, dict[str, object]]  # node name -> attribute -> value
    sha256: str  # of the file's bytes: part of a build's cache key

    def as_finn_dict(self) -> dict:
        """The config as ApplyConfig takes it."""
        return {DEFAULTS: dict(self.defaults), **{n: dict(a) for n, a in self.nodes.items()}}


def read_folding_config(path: str | Path) -> FoldingConfig:
    """The file's shape (FINN's format), checked without FINN; FoldingConfigError names the
    file and the field."""
    import hashlib

    path = Path(path)
    if not path.is_file():
        raise FoldingConfigError(f"--folding {path}: file not found (a FINN folding config .json)")
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise FoldingConfigError(f"{path}: not JSON ({str(err).splitlines()[0]}); expected a FINN folding "
                                 f"config: {{\"Defaults\": {{}}, \"<node>\": {{\"PE\": .., \"SIMD\": ..}}}}") from None
    if not isinstance(data, dict):
        raise FoldingConfigError(f"{path}: expected a JSON object of node name -> attributes (FINN's folding "
                                 f"config format), got {type(data).__name__}")
    defaults = data.get(DEFAULTS, {})
    _check_defaults(path, defaults)
    nodes = {}
    for name, attrs in data.items():
        if name == DEFAULTS:
            continue
        if not isinstance(attrs, dict):
            raise FoldingConfigError(f"{path}: {name}: expected an object of attribute -> value, "
                                     f"got {type(attrs).__name__}")
        nodes[name] = dict(attrs)
    return FoldingConfig(str(path), dict(defaults), nodes, hashlib.sha256(raw).hexdigest())


def _check_defaults(path: Path, defaults) -> None:
    """ApplyConfig's "Defaults": attribute -> [value, [op types] or "all", value, ...]."""
    if not isinstance(defaults, dict):
        raise FoldingConfigError(f"{path}: {DEFAULTS}: expected an object of attribute -> [value, [op types]], "
                                 f"got {type(defaults).__name__}")
    for attr, spec in defaults.items():
        pairs_ok = isinstance(spec, list) and spec and len(spec) % 2 == 0 and all(
            op == "all" or (isinstance(op, list) and all(isinstance(o, str) for o in op)) for op in spec[1::2])
        if not pairs_ok or ("all" in spec[1::2] and len(spec) > 2):
            raise FoldingConfigError(
                f"{path}: {DEFAULTS}.{attr}: expected [value, [op types]] pairs or [value, \"all\"] "
                f"(FINN ApplyConfig), got {json.dumps(spec)[:80]}")


def effective_attributes(config: FoldingConfig, node) -> dict[str, tuple[object, str]]:
    """What ApplyConfig sets on ``node``: attribute -> (value, field of the file it comes
    from). Its rules: defaults first (for the node's op type, or "all"; an attribute that
    is also a top-level key is skipped, as FINN does), then the node's own entry."""
    found: dict[str, tuple[object, str]] = {}
    for attr, spec in config.defaults.items():
        if attr in config.nodes:
            continue
        for value, ops in zip(spec[::2], spec[1::2]):
            if ops == "all" or node.op_type in ops:
                found[attr] = (value, f"{DEFAULTS}.{attr}")
    for attr, value in config.nodes.get(node.name, {}).items():
        found[attr] = (value, f"{node.name}.{attr}")
    return found


def folding_config_dict(model) -> dict:
    """The folding of ``model`` in FINN's format (extract_model_config, FINN's attribute list)."""
    from finn.util.config import extract_model_config

    return extract_model_config(model, None, list(FOLDING_ATTRS))


def folding_config_text(model) -> str:
    return json.dumps(folding_config_dict(model), indent=2) + "\n"
