"""Writers of tiny comparison inputs and the arguments of a tiny `codesign compare`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

TINY_FAMILIES = ("head", "scale_bias")
# estimate points per comparison of the two tiny architectures: each one's fastest folding
# within the budget, then each at the common frame rate (codesign.compare.folding_policy)
ESTIMATES = 2 * 2
# points of compare_args: the estimates + 2 archs x 2 domains x 2 seeds x (main, k=3, noise 0.3)
POINTS = ESTIMATES + 2 * 2 * 2 * 3


def read_doc(out: Path) -> dict:
    """The comparison's compare.json, checked to be a format-2 document that reads back as its record."""
    from codesign.compare.result import read_result

    doc = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert doc["format_version"] == 2 and read_result(out / "compare.json").to_dict() == doc
    return doc


def accuracies(doc: dict) -> dict:
    """(architecture, domain) -> mean test accuracy."""
    return {(a["name"], d): s["test_accuracy"]["mean"] for a in doc["architectures"] for d, s in a["domains"].items()}


def write_stripes_npz(path: Path, classes: int, per_class: int, seed: int) -> Path:
    """Class c: a bright band at rows c*h/classes (learnable by a head on a random backbone)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(classes), per_class)
    images = rng.integers(0, 80, size=(len(labels), 16, 16)).astype(np.uint8)
    band = 16 // classes
    for i, c in enumerate(labels):
        images[i, c * band:(c + 1) * band, :] += 150
    np.savez(path, images=images, labels=labels)
    return path


def write_tiny_graph(folder: Path, family: str) -> Path:
    path = folder / f"tiny_{family}.yaml"
    path.write_text(f"name: tiny_{family}\n"
                    "backbone: {name: tiny, input_size: 16, weight_bits: 4, act_bits: 4}\n"
                    f"adapter: {{family: {family}}}\n"
                    "head: {weight_bits: 4}\n", encoding="utf-8")
    return path


def compare_args(tiny_inputs, cache_root: Path, out: Path, *extra: str) -> list[str]:
    return ["compare", *tiny_inputs["graphs"], "--device", "pynq-z1", "--domains", tiny_inputs["domains"],
            "--seeds", "2", "--k-shot", "3", "--noise", "0.3", "--epochs", "8", "--patience", "3", "--lr", "0.02",
            "--cache-dir", str(cache_root), "--out", str(out), *extra]


def single_setting(args: list[str]) -> list[str]:
    """``compare_args`` with one seed and the main runs only (no k-shot or label-noise sweeps)."""
    args[args.index("--seeds") + 1] = "1"
    for option in ("--k-shot", "--noise"):
        at = args.index(option)
        del args[at:at + 2]
    return args


def estimate_summary(bits: int = 28, streams: int = 7, lut: float = 49787, fps: float = 2712.7,
                     energy_uj: float = 857.9, latency_ms: float = 5.52, single_image_uj: float = 8972.3):
    """An EstimateSummary with the given headline numbers (the rest plausible for cnv on a pynq-z1);
    ``energy_uj`` is the energy per inference at throughput, ``single_image_uj`` the other figure."""
    from codesign.cost.summary import EstimateSummary

    resources = {"lut": lut, "ff": 45568.0, "bram18": 107.0, "uram": 0.0, "dsp": 0.0}
    return EstimateSummary.from_dict({
        "fits": True, "shortfall": {}, "fps": fps, "latency_ms": latency_ms, "target_fps": None,
        "bottleneck": "MVAU_hls_4", "cycles_per_frame": 36864, "resources": resources,
        "available": {"lut": 53200, "ff": 106400, "bram18": 280, "uram": 0, "dsp": 220},
        "utilisation_pct": {"lut": 100 * lut / 53200, "ff": 42.8, "bram18": 38.2, "uram": 0.0, "dsp": 0.0},
        "interconnect": {"streams": streams, "interconnect_bits": bits, "handshake_wires": 2 * streams,
                         "bits_per_frame": 65024,
                         "fixed_to_reconfigurable": {"streams": streams - streams // 2,
                                                     "interconnect_bits": bits - bits // 2},
                         "reconfigurable_to_fixed": {"streams": streams // 2, "interconnect_bits": bits // 2}},
        "energy_uj": {"per_inference_at_throughput": energy_uj, "single_image": single_image_uj, "dynamic": 29.9,
                      "power_at_throughput_w": energy_uj * fps / 1e6, "board_idle_power_w": 1.47,
                      "static_power_w": 0.15},
        "switch": {"payload_bytes": 1768.0, "write_time_ms": 0.543, "bitstream_time_ms": 27.9, "speedup": 51.4},
        "nodes": {"fixed": 27, "reconfigurable": 28},
        "reconfigurable_resources": {"lut": 6464.0, "ff": 7186.0, "bram18": 8.0, "uram": 0.0, "dsp": 0.0},
        "domain_weights": "random"})


def architecture(name: str, accuracy: float, bits: int, meets: bool, family: str = "attention"):
    """An ArchitectureResult with a mean accuracy, crossing data bits and a budget outcome."""
    from codesign.compare.budget import BudgetCheck
    from codesign.compare.result import ArchitectureResult, LrChoice

    return ArchitectureResult(
        name=name, graph=f"graphs/{name}.yaml", family=family, backbone="cnv x0.5 W4A4", description="",
        estimate=estimate_summary(bits=bits), domains={}, mean_accuracy=accuracy, mean_accuracy_std=0.01,
        decathlon=None, errors=[], training_lr=LrChoice(0.005, {"0.005": accuracy}),
        budget=BudgetCheck(meets=meets, checks=[]), pareto={})
