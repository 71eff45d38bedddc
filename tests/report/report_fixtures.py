"""Comparison documents (``compare.json``, format 2) for the report tests; ``result(doc)`` is the
CompareResult the report renders.

``full_doc``: 4 architectures, 3 domains, 2 seeds, k-shot and label-noise sweeps, a
budget that one architecture meets and Decathlon scores. ``minimal_doc``: no sweeps,
no budget, no Decathlon, one failed estimate. ``infeasible_doc``: a budget nobody meets.
"""

from __future__ import annotations

import copy

from codesign.compare.result import CompareResult

DOMAINS = [
    {"name": "sklearn_digits", "classes": 10, "train": 280, "val": 40, "test": 80,
     "source": "scikit-learn digits (PyPI)", "licence": "BSD-3-Clause", "content_hash": "0848ded1"},
    {"name": "animal_mnist", "classes": 10, "train": 280, "val": 40, "test": 80,
     "source": "animal-mnist (PyPI)", "licence": "MIT", "content_hash": "5f1c0a2e"},
    {"name": "glyphs_latin", "classes": 26, "train": 728, "val": 104, "test": 208,
     "source": "Debian fonts rendered by codesign", "licence": "OFL-1.1", "content_hash": "9b3e77d4"},
]
DEVICE = {"name": "pynq-z1", "board": "PYNQ-Z1 (Digilent)", "part": "xc7z020clg400-1", "clock_mhz": 100.0,
          "spec": "hw_specs/pynq-z1.yaml",
          "resources": {"lut": 53200, "ff": 106400, "bram18": 280, "uram": 0, "dsp": 220}, "static_power_w": 0.15,
          "static_power_source": "assumed: typical static power", "full_bitstream_bytes": 4045564,
          "full_bitstream_source": "Zynq-7020 PL bitstream / 8"}
BOARD_IDLE_W = 1.47  # hw_specs/pynq-z1.yaml board_idle_power_w
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


LR_CHOICE = {"selected": 0.005, "validation_accuracy": {"0.005": 0.9}}


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
        "feature_cache_speedup_per_epoch": {"mean": None, "std": None, "n": 0},
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
    standing_w = BOARD_IDLE_W + DEVICE["static_power_w"]  # on whether or not a frame is in flight
    at_throughput_uj = round(standing_w / fps * 1e6 + dynamic_uj, 2)  # board power / FPS
    single_image_uj = round(standing_w * latency_ms * 1000.0 + dynamic_uj, 2)  # W x ms = mJ -> µJ
    resources = {"lut": lut, "ff": 45568, "bram18": bram, "uram": 0, "dsp": 0}
    return {
        "fits": lut <= res["lut"] and bram <= res["bram18"], "shortfall": {}, "fps": fps,
        "latency_ms": latency_ms, "target_fps": None, "bottleneck": "MVAU_hls_4", "cycles_per_frame": 36864,
        "resources": resources, "available": dict(res),
        "utilisation_pct": {k: round(100.0 * v / res[k], 1) if res[k] else 0.0 for k, v in resources.items()},
        "interconnect": {"streams": max(1, bits // 4), "interconnect_bits": bits,
                         "handshake_wires": 2 * max(1, bits // 4), "bits_per_frame": 65024 * max(1, bits // 28),
                         "fixed_to_reconfigurable": {"streams": max(1, bits // 8),
                                                     "interconnect_bits": bits - bits // 2},
                         "reconfigurable_to_fixed": {"streams": max(1, bits // 4) - max(1, bits // 8),
                                                     "interconnect_bits": bits // 2}},
        "energy_uj": {"per_inference_at_throughput": at_throughput_uj, "single_image": single_image_uj,
                      "dynamic": dynamic_uj, "power_at_throughput_w": round(at_throughput_uj * fps / 1e6, 4),
                      "board_idle_power_w": BOARD_IDLE_W, "static_power_w": DEVICE["static_power_w"]},
        "switch": {"payload_bytes": 1768, "write_time_ms": 0.543, "bitstream_time_ms": 27.9, "speedup": 51.4},
        "nodes": {"fixed": 20, "reconfigurable": 9},
        "reconfigurable_resources": {"lut": 6464.0, "ff": 7186.0, "bram18": 8.0, "uram": 0.0, "dsp": 0.0},
        "domain_weights": "random", "seconds": 42.5,
    }


def _checks(limits: dict, est: dict | None) -> dict:
    value = {"interconnect_bits": lambda e: e["interconnect"]["interconnect_bits"],
             "lut": lambda e: e["resources"]["lut"],
             "fps": lambda e: e["fps"], "energy_uj": lambda e: e["energy_uj"]["per_inference_at_throughput"]}
    checks = []
    for metric, lim in limits.items():
        v = None if est is None else value[metric](est)
        ok = v is not None and (v >= lim if metric == "fps" else v <= lim)
        checks.append({"metric": metric, "value": v, "limit": lim, "ok": ok,
                       "comparator": ">=" if metric == "fps" else "<="})
    return {"meets": all(c["ok"] for c in checks), "checks": checks,
            "reasons": [f"{c['metric']} = {c['value']:,.6g} is not {c['comparator']} {c['limit']:,.6g}"
                        for c in checks if not c["ok"] and c["value"] is not None]}


def _decathlon(accs) -> dict:
    domains = {d["name"]: {"score": 1000 * a ** 2, "error": 1 - a, "baseline_error": 0.07,
                           "baseline_error_used": 0.07, "emax": 0.14, "floored": False} for d, a in zip(DOMAINS, accs)}
    return {"score": sum(1000 * a ** 2 for a in accs), "max_score": 3000.0, "domains": domains,
            "without_baseline": [], "baseline": "cnv_finetune"}


def full_doc() -> dict:
    limits = {"interconnect_bits": 64.0, "lut": 45000.0}
    archs = []
    for name, family, accs, bits, lut, bram, fps, energy, params in ARCHS:
        est = _estimate(bits, lut, bram, fps, energy)
        domains = {d["name"]: _domain_record(a, params, d["classes"], i) for i, (d, a) in enumerate(zip(DOMAINS, accs))}
        archs.append({
            "name": name, "graph": f"graphs/{name}.yaml", "family": family, "backbone": "cnv x0.5 W4A4",
            "description": f"CNV W4A4 with the {family!r} adapter family", "estimate": est, "domains": domains,
            "mean_accuracy": sum(accs) / 3,
            "mean_accuracy_std": sum(d["test_accuracy"]["std"] for d in domains.values()) / 3,
            "decathlon": _decathlon(accs), "errors": [], "training_lr": LR_CHOICE,
            "budget": _checks(limits, est), "pareto": {},
        })
    pareto = {"interconnect_bits": ["cnv_head", "cnv_finetune"],
              "lut": ["cnv_head", "cnv_side", "cnv_attention", "cnv_finetune"],
              "energy_uj": ["cnv_head", "cnv_side", "cnv_attention", "cnv_finetune"]}
    for arch in archs:
        arch["pareto"] = {k: arch["name"] in v for k, v in pareto.items()}
    return {
        "format_version": 2, "name": "demo", "created": "2026-11-28T01:00:00Z", "codesign_version": "0.1.0",
        "command": "codesign compare graphs/cnv_attention.yaml graphs/cnv_finetune.yaml graphs/cnv_side.yaml "
                   "graphs/cnv_head.yaml --budget interconnect_bits=64,lut=45000 --out reports/demo",
        "device": copy.deepcopy(DEVICE), "domains": copy.deepcopy(DOMAINS),
        "settings": {"seeds": [0, 1], "k_shot": [5, 20, None], "noise": [0.0, 0.2, 0.4], "max_per_class": 40,
                     "target_fps": None, "train_config": {"optimizer": "adam", "lr": 0.005, "batch_size": 64,
                                                          "epochs": 6, "patience": 3},
                     "lr_grid": [0.005], "executor": "local, 2 process(es)"},
        "budget": {"spec": "interconnect_bits=64,lut=45000", "limits": limits, "energy": "throughput"},
        "architectures": archs,
        "verdict": {"meeting": ["cnv_head"], "best": "cnv_head", "infeasible": False,
                    "text": "cnv_head has the best mean accuracy (82.0 %) of the 1 architecture that meets the budget",
                    "rank_by": "accuracy"},
        "pareto": pareto, "sources": dict(SOURCES),
        "points": {"total": 40, "from_cache": 10, "computed": 30, "failed": 0, "rejected": 0, "wall_seconds": 612.3,
                   "executor": "local, 2 process(es)"},
    }


def infeasible_doc() -> dict:
    doc = full_doc()
    limits = {"interconnect_bits": 4.0, "fps": 5000.0}
    doc["budget"] = {"spec": "interconnect_bits=4,fps=5000", "limits": limits, "energy": "throughput"}
    for arch in doc["architectures"]:
        arch["budget"] = _checks(limits, arch["estimate"])
    doc["verdict"] = {"meeting": [], "best": None, "infeasible": True,
                      "text": "no architecture meets the budget interconnect_bits=4,fps=5000", "rank_by": "accuracy"}
    return doc


def minimal_doc() -> dict:
    domain = dict(DOMAINS[0])
    ok = _domain_record(0.861, 650, 10, 0)
    ok.update(samples_needed={}, label_noise={}, test_accuracy=_stat(0.861, 0.0, 1))
    failed_est = dict(ok, test_accuracy=_stat(0.88, 0.0, 1))
    archs = [
        {"name": "tiny_head", "graph": "graphs/tiny_head.yaml", "family": "head", "backbone": "tiny W4A4",
         "description": "", "estimate": _estimate(8, 9000, 12, 8000.0, 40.0), "domains": {domain["name"]: ok},
         "mean_accuracy": 0.861, "mean_accuracy_std": 0.0, "decathlon": None, "errors": [], "training_lr": LR_CHOICE,
         "budget": {"meets": True, "checks": [], "reasons": []},
         "pareto": {"interconnect_bits": True, "lut": True, "energy_uj": True}},
        {"name": "tiny_series", "graph": "graphs/tiny_series.yaml", "family": "series", "backbone": "tiny W4A4",
         "description": "", "estimate": None, "domains": {domain["name"]: failed_est},
         "mean_accuracy": 0.88, "mean_accuracy_std": 0.0, "decathlon": None,
         "errors": ["estimate tiny_series: FINN conversion failed: unsupported node Foo"], "training_lr": LR_CHOICE,
         "budget": {"meets": True, "checks": [], "reasons": []},
         "pareto": {"interconnect_bits": False, "lut": False, "energy_uj": False}},
    ]
    return {
        "format_version": 2, "name": "tiny", "created": "2026-11-28T01:00:00Z", "codesign_version": "0.1.0",
        "command": "codesign compare graphs/tiny_head.yaml graphs/tiny_series.yaml --out reports/tiny",
        "device": copy.deepcopy(DEVICE), "domains": [domain],
        "settings": {"seeds": [0], "k_shot": [], "noise": [], "max_per_class": 40, "target_fps": None,
                     "train_config": {"optimizer": "adam", "lr": 0.005, "batch_size": 64, "epochs": 2, "patience": 3},
                     "lr_grid": [0.005], "executor": "local, in-process"},
        "budget": {"spec": None, "limits": {}, "energy": "throughput"},
        "architectures": archs,
        "verdict": {"meeting": ["tiny_head", "tiny_series"], "best": "tiny_series", "infeasible": False,
                    "text": "tiny_series has the best mean accuracy (88.0 %); no budget was given", "rank_by": "accuracy"},
        "pareto": {"interconnect_bits": ["tiny_head"], "lut": ["tiny_head"], "energy_uj": ["tiny_head"]},
        "sources": dict(SOURCES),
        "points": {"total": 4, "from_cache": 0, "computed": 3, "failed": 1, "rejected": 0, "wall_seconds": 12.0,
                   "executor": "local, in-process"},
    }


def result(doc: dict) -> CompareResult:
    """The record a document reads back as (what write_report and the renderers take)."""
    return CompareResult.from_dict(doc, "test document")


def with_intervals(doc: dict) -> dict:
    """``doc`` as a comparison with intervals writes it: a 95 % interval on every accuracy,
    calibrated resource intervals, three budget states and a verdict that is a tie within noise
    (cnv_side and cnv_head meet the budget; cnv_side leads by 3 points, inside the noise)."""
    doc = copy.deepcopy(doc)
    method = "bootstrap over seeds and test images"
    for arch in doc["architectures"]:
        for summary in arch["domains"].values():
            acc = summary["test_accuracy"]["mean"]
            summary["test_accuracy_interval"] = {"low": acc - 0.06, "high": min(1.0, acc + 0.05), "method": method}
        mean = arch["mean_accuracy"]
        arch["mean_accuracy_interval"] = {"low": mean - 0.04, "high": mean + 0.035, "method": method}
        est = arch["estimate"]
        est["resources_low"] = {k: v * 0.8 for k, v in est["resources"].items()}
        est["resources_high"] = {k: v * 1.2 for k, v in est["resources"].items()}
    side, head = doc["architectures"][2], doc["architectures"][3]
    side["estimate"]["interconnect"]["interconnect_bits"] = 40
    for arch, state in ((side, "meets only within estimator error"), (head, "meets")):
        arch["budget"] = _checks(doc["budget"]["limits"], arch["estimate"])
        arch["budget"]["state"] = state
    side["budget"]["uncertain"] = ["lut"]
    lut = next(c for c in side["budget"]["checks"] if c["metric"] == "lut")
    lut.update(low=41200 * 0.8, high=41200 * 1.2, certainty="uncertain")
    for arch in doc["architectures"][:2]:
        arch["budget"]["state"] = "violates"
    paired = "paired bootstrap (same resampled seeds and test images)"
    doc["verdict"] = {
        "meeting": ["cnv_side", "cnv_head"], "best": "cnv_head", "infeasible": False,
        "text": "cnv_side 89.0 % [85.0, 92.5] has the highest mean accuracy of the 2 of 4 architecture(s) that "
                "meet the budget and fit pynq-z1 but is tied within noise with cnv_head (difference +7.2 pt "
                "[-0.5, +14.0]); tie broken by fewer interconnect bits, then fewer trainable parameters per domain: "
                "cnv_head (8 bits, 1,170 trainable parameters per domain)",
        "rank_by": "accuracy", "beyond_noise": False, "tied": ["cnv_side", "cnv_head"],
        "tie_break": "fewer interconnect bits, then fewer trainable parameters per domain",
        "differences": [
            {"a": "cnv_side", "b": "cnv_attention", "metric": "accuracy", "value": -0.0193, "low": -0.05,
             "high": 0.012, "method": paired},
            {"a": "cnv_side", "b": "cnv_finetune", "metric": "accuracy", "value": -0.0363, "low": -0.07,
             "high": -0.004, "method": paired},
            {"a": "cnv_side", "b": "cnv_head", "metric": "accuracy", "value": 0.072, "low": -0.005, "high": 0.14,
             "method": paired}]}
    doc["sources"]["intervals"] = "computed: 95 % percentile intervals from 2,000 bootstrap replicates"
    return doc
