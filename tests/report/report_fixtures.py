"""Comparison documents (the schema of ``compare.json``) for the report tests.

``full_doc``: 4 architectures, 3 domains, 2 seeds, k-shot and label-noise sweeps, a
budget that one architecture meets and Decathlon scores. ``minimal_doc``: no sweeps,
no budget, no Decathlon, one failed estimate. ``infeasible_doc``: a budget nobody meets.
"""

from __future__ import annotations

import copy

DOMAINS = [
    {"name": "sklearn_digits", "classes": 10, "train": 280, "val": 40, "test": 80,
     "source": "scikit-learn digits (PyPI)", "licence": "BSD-3-Clause"},
    {"name": "animal_mnist", "classes": 10, "train": 280, "val": 40, "test": 80,
     "source": "animal-mnist (PyPI)", "licence": "MIT"},
    {"name": "glyphs_latin", "classes": 26, "train": 728, "val": 104, "test": 208,
     "source": "Debian fonts rendered by codesign", "licence": "OFL-1.1"},
]
DEVICE = {"name": "pynq-z1", "part": "xc7z020clg400-1", "clock_mhz": 100.0, "spec": "hw_specs/pynq-z1.yaml",
          "resources": {"lut": 53200, "ff": 106400, "bram18": 280, "uram": 0, "dsp": 220}, "static_power_w": 0.15}
SOURCES = {
    "accuracy": "measured: codesign train, test split, mean ± std over seeds",
    "parameters": "counted: trainable parameters of the domain's modules (PyTorch)",
    "macs": "counted: multiply-accumulates per image from the layer shapes",
    "interconnect": "counted on the FINN HW graph: stream edges between fixed and reconfigurable nodes",
    "resources": "estimated: FINN estimators (res_estimation) + codesign FF/FIFO/AXI-lite models",
    "throughput": "estimated: FINN cycles per node at the device clock",
    "energy": "estimated: codesign energy model, coefficients from hw_specs (Horowitz ISSCC 2014, scaled)",
    "switch": "estimated: AXI-lite writes of weights+thresholds vs PCAP full bitstream",
    "device": "data sheet: Xilinx DS190 Zynq-7000 (xc7z020)",
    "training_time": "measured: wall seconds on the machine that ran the comparison",
}
# name, family, mean test accuracy per domain, data bits, LUT, BRAM18, FPS, dynamic energy µJ, trainable params
ARCHS = [
    ("cnv_attention", "attention", (0.952, 0.921, 0.857), 28, 49787, 107, 2712.7, 470.0, 3264),
    ("cnv_finetune", "finetune", (0.934, 0.945, 0.911), 12, 52100, 262, 1356.4, 30.0, 771584),
    ("cnv_side", "side", (0.921, 0.890, 0.860), 416, 41200, 96, 2712.7, 60.0, 18432),
    ("cnv_head", "head", (0.861, 0.820, 0.779), 8, 38900, 88, 2712.7, 20.0, 650),
]


def _stat(mean: float, std: float, n: int = 2) -> dict:
    return {"mean": mean, "std": std, "n": n}


def _domain_record(acc: float, params: int, classes: int, index: int) -> dict:
    std = 0.008 + 0.002 * index
    params += 40 * (classes - 10)  # a wider classifier for more classes
    return {
        "test_accuracy": _stat(acc, std), "val_accuracy": _stat(min(1.0, acc + 0.01), std),
        "trainable_parameters": params, "domain_bytes": params * 0.5 + 468,
        "epochs_run": _stat(6, 0), "epoch_seconds": _stat(3.2 + index, 0.1),
        "adaptation_seconds": _stat(19.5 + 6 * index, 0.7),
        "macs_inference": 57_000_000, "macs_training": 120_000_000 + 1000 * params,
        "training_macs_total": _stat(6 * 280 * (120_000_000 + 1000 * params), 0),
        "samples_needed": {"5": {"test_accuracy": _stat(acc - 0.31, 0.04), "train_samples": _stat(5 * classes, 0)},
                           "20": {"test_accuracy": _stat(acc - 0.12, 0.02), "train_samples": _stat(20 * classes, 0)},
                           "all": {"test_accuracy": _stat(acc, std), "train_samples": _stat(28 * classes, 0)}},
        "label_noise": {"0": {"test_accuracy": _stat(acc, std), "realised_noise": _stat(0.0, 0.0)},
                        "0.2": {"test_accuracy": _stat(acc - 0.05, 0.015), "realised_noise": _stat(0.19, 0.01)},
                        "0.4": {"test_accuracy": _stat(acc - 0.16, 0.03), "realised_noise": _stat(0.41, 0.02)}},
        "test_images": 80 if classes == 10 else 208,
    }


def _estimate(bits: int, lut: int, bram: int, fps: float, dynamic_uj: float) -> dict:
    res = DEVICE["resources"]
    latency_ms = round(15000 / fps, 2)
    static_uj = round(DEVICE["static_power_w"] * latency_ms * 1000.0, 2)  # W x ms = mJ -> µJ
    resources = {"lut": lut, "ff": 45568, "bram18": bram, "uram": 0, "dsp": 0}
    return {
        "fits": lut <= res["lut"] and bram <= res["bram18"], "shortfall": {}, "fps": fps,
        "latency_ms": latency_ms, "target_fps": None, "bottleneck": "MVAU_hls_4",
        "resources": resources,
        "utilisation_pct": {k: round(100.0 * v / res[k], 1) if res[k] else 0.0 for k, v in resources.items()},
        "interconnect": {"streams": max(1, bits // 4), "data_bits": bits, "handshake_wires": 2 * max(1, bits // 4),
                         "bits_per_frame": 65024 * max(1, bits // 28),
                         "fixed_to_reconfigurable": {"streams": max(1, bits // 8), "bits": bits - bits // 2},
                         "reconfigurable_to_fixed": {"streams": max(1, bits // 4) - max(1, bits // 8),
                                                     "bits": bits // 2}},
        "energy_uj": {"total": round(dynamic_uj + static_uj, 2), "dynamic": dynamic_uj, "static": static_uj},
        "switch": {"payload_bytes": 1768, "write_time_ms": 0.543, "bitstream_time_ms": 27.9, "speedup": 51.4},
        "nodes": {"fixed": 20, "reconfigurable": 9}, "seconds": 42.5,
    }


def _checks(limits: dict, est: dict | None) -> dict:
    value = {"interconnect_bits": lambda e: e["interconnect"]["data_bits"], "lut": lambda e: e["resources"]["lut"],
             "fps": lambda e: e["fps"], "energy_uj": lambda e: e["energy_uj"]["total"]}
    checks = []
    for metric, lim in limits.items():
        v = None if est is None else value[metric](est)
        ok = v is not None and (v >= lim if metric == "fps" else v <= lim)
        checks.append({"metric": metric, "value": v, "limit": lim, "ok": ok,
                       "comparator": ">=" if metric == "fps" else "<="})
    return {"meets": all(c["ok"] for c in checks), "checks": checks}


def full_doc() -> dict:
    limits = {"interconnect_bits": 64.0, "lut": 45000.0}
    archs = []
    for name, family, accs, bits, lut, bram, fps, energy, params in ARCHS:
        est = _estimate(bits, lut, bram, fps, energy)
        domains = {d["name"]: _domain_record(a, params, d["classes"], i) for i, (d, a) in enumerate(zip(DOMAINS, accs))}
        archs.append({
            "name": name, "graph": f"graphs/{name}.yaml", "family": family, "backbone": "cnv x0.5 W4A4",
            "estimate": est, "domains": domains,
            "mean_accuracy": sum(accs) / 3,
            "mean_accuracy_std": sum(d["test_accuracy"]["std"] for d in domains.values()) / 3,
            "decathlon": {"score": sum(1000 * a ** 2 for a in accs), "max_score": 3000.0,
                          "domains": {d["name"]: {"score": 1000 * a ** 2} for d, a in zip(DOMAINS, accs)}},
            "budget": _checks(limits, est), "pareto": {}, "errors": [],
        })
    pareto = {"interconnect_bits": ["cnv_head", "cnv_finetune"],
              "lut": ["cnv_head", "cnv_side", "cnv_attention", "cnv_finetune"],
              "energy_uj": ["cnv_head", "cnv_side", "cnv_attention", "cnv_finetune"]}
    for arch in archs:
        arch["pareto"] = {k: arch["name"] in v for k, v in pareto.items()}
    return {
        "format_version": 1, "name": "demo", "created": "2026-11-28T01:00:00Z", "codesign_version": "0.1.0",
        "command": "codesign compare graphs/cnv_attention.yaml graphs/cnv_finetune.yaml graphs/cnv_side.yaml "
                   "graphs/cnv_head.yaml --budget interconnect_bits=64,lut=45000 --out reports/demo",
        "device": copy.deepcopy(DEVICE), "domains": copy.deepcopy(DOMAINS),
        "settings": {"seeds": [0, 1], "k_shot": [5, 20, None], "noise": [0.0, 0.2, 0.4], "max_per_class": 40,
                     "target_fps": None, "train_config": {"optimizer": "adam", "lr": 0.005, "batch_size": 64,
                                                          "epochs": 6, "patience": 3}},
        "budget": {"spec": "interconnect_bits=64,lut=45000", "limits": limits},
        "architectures": archs,
        "verdict": {"meeting": ["cnv_head"], "best": "cnv_head", "infeasible": False,
                    "text": "cnv_head has the best mean accuracy (82.0 %) of the 1 architecture that meets the budget"},
        "pareto": pareto, "sources": dict(SOURCES),
        "points": {"total": 40, "from_cache": 10, "computed": 30, "failed": 0, "wall_seconds": 612.3},
    }


def infeasible_doc() -> dict:
    doc = full_doc()
    limits = {"interconnect_bits": 4.0, "fps": 5000.0}
    doc["budget"] = {"spec": "interconnect_bits=4,fps=5000", "limits": limits}
    for arch in doc["architectures"]:
        arch["budget"] = _checks(limits, arch["estimate"])
    doc["verdict"] = {"meeting": [], "best": None, "infeasible": True,
                      "text": "no architecture meets the budget interconnect_bits=4,fps=5000"}
    return doc


def minimal_doc() -> dict:
    domain = dict(DOMAINS[0])
    ok = _domain_record(0.861, 650, 10, 0)
    ok.update(samples_needed={}, label_noise={}, test_accuracy=_stat(0.861, 0.0, 1))
    failed_est = dict(ok, test_accuracy=_stat(0.88, 0.0, 1))
    archs = [
        {"name": "tiny_head", "graph": "graphs/tiny_head.yaml", "family": "head", "backbone": "tiny W4A4",
         "estimate": _estimate(8, 9000, 12, 8000.0, 40.0), "domains": {domain["name"]: ok},
         "mean_accuracy": 0.861, "mean_accuracy_std": 0.0, "decathlon": None,
         "budget": {"meets": True, "checks": []},
         "pareto": {"interconnect_bits": True, "lut": True, "energy_uj": True}, "errors": []},
        {"name": "tiny_series", "graph": "graphs/tiny_series.yaml", "family": "series", "backbone": "tiny W4A4",
         "estimate": None, "domains": {domain["name"]: failed_est},
         "mean_accuracy": 0.88, "mean_accuracy_std": 0.0, "decathlon": None,
         "budget": {"meets": True, "checks": []},
         "pareto": {"interconnect_bits": False, "lut": False, "energy_uj": False},
         "errors": ["estimate tiny_series: FINN conversion failed: unsupported node Foo"]},
    ]
    return {
        "format_version": 1, "name": "tiny", "created": "2026-11-28T01:00:00Z", "codesign_version": "0.1.0",
        "command": "codesign compare graphs/tiny_head.yaml graphs/tiny_series.yaml --out reports/tiny",
        "device": copy.deepcopy(DEVICE), "domains": [domain],
        "settings": {"seeds": [0], "k_shot": [], "noise": [], "max_per_class": 40, "target_fps": None,
                     "train_config": {"optimizer": "adam", "lr": 0.005, "batch_size": 64, "epochs": 2, "patience": 3}},
        "budget": {"spec": None, "limits": {}},
        "architectures": archs,
        "verdict": {"meeting": ["tiny_head", "tiny_series"], "best": "tiny_series", "infeasible": False,
                    "text": "tiny_series has the best mean accuracy (88.0 %); no budget was given"},
        "pareto": {"interconnect_bits": ["tiny_head"], "lut": ["tiny_head"], "energy_uj": ["tiny_head"]},
        "sources": dict(SOURCES),
        "points": {"total": 4, "from_cache": 0, "computed": 3, "failed": 1, "wall_seconds": 12.0},
    }
