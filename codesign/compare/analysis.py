"""From finished points to the comparison's document (``compare.json``, the report's input).

Per architecture: its estimate summary, per-domain training summaries (mean ± std over
seeds, k-shot and noise curves: train.results.summarise_domain), the mean accuracy,
the Decathlon-style score when a ``finetune`` architecture is among those compared,
the budget check and its place on the Pareto fronts. Then the verdict: which
architectures meet the budget (and fit the device), and the most accurate of them.
"""

from __future__ import annotations

import time

from codesign.compare.budget import Budget, metric_value
from codesign.train.metrics import decathlon_score, mean_std
from codesign.train.results import summarise_domain

FORMAT_VERSION = 1
PARETO_METRICS = ("interconnect_bits", "lut", "energy_uj")  # cost axes against mean accuracy

SOURCES = {
    "accuracy": "measured: top-1 on each domain's held-out test split at the best validation epoch, "
                "quantisation-aware (Brevitas) model, mean ± sample std over seeds (n = seeds)",
    "parameters": "counted: trainable parameters of the domain's modules; bytes at their quantised bit "
                  "widths (BatchNorm at fp32)",
    "macs": "counted: multiply-accumulates of the model's conv/linear layers on one image (forward hooks); "
            "training MACs = forward + the backward actually needed, per sample and epoch",
    "training_time": "measured: wall time of the training run on this machine's CPU cores",
    "interconnect": "counted on the FINN HW graph: streams between fixed and reconfigurable nodes and their "
                    "data bits at the chosen folding (codesign.cost.interconnect)",
    "resources": "estimated: FINN (finn-plus) per-layer estimators for LUT/BRAM/URAM/DSP, codesign's FF, "
                 "FIFO, join-buffer and AXI-lite models (codesign.cost); not synthesised",
    "throughput": "estimated: FINN cycle estimates of the folded dataflow at the device clock "
                  "(slowest node = initiation interval; latency = critical path)",
    "energy": "estimated: codesign.cost.energy with the device spec's per-operation coefficients "
              "(each with its source in hw_specs) + static power x latency",
    "switch": "estimated: reconfigurable weights and thresholds written over AXI-lite (device spec: width, "
              "clock, cycles per write) vs loading the full bitstream",
    "device": "data sheet: part resources, clock, bitstream size and static power from the device spec",
}


def _estimate(results: dict, name: str) -> dict | None:
    result = results.get(("estimate", name))
    if result is None:
        return None
    return {k: v for k, v in result.items() if k != "sources"}


def _domain_summary(runs: list[dict], first: dict) -> dict:
    doc = {"parameters": first["parameters"], "macs": first["macs"]}
    summary = summarise_domain(runs, doc)
    main = [r for r in runs if r["k_per_class"] is None and r["label_noise"] == 0.0]
    per_sample = summary["macs_training"] or 0
    summary["training_macs_total"] = mean_std(
        [per_sample * r["train_samples"] * r["epochs_run"] for r in main])
    summary["test_images"] = first["sizes"]["test"]
    return summary


def _pareto(points: dict[str, tuple[float, float]]) -> list[str]:
    """Names not dominated: no other has accuracy >= and cost <= with one strict."""
    front = []
    for name, (acc, cost) in points.items():
        dominated = any(a >= acc and c <= cost and (a > acc or c < cost)
                        for other, (a, c) in points.items() if other != name)
        if not dominated:
            front.append(name)
    return front


def assemble(plan, results: dict, errors: dict[str, list[str]], stats: dict, command: str,
             lr_choice: dict[str, dict]) -> dict:
    """results: (kind, architecture[, domain, seed, k, noise, lr]) -> point result; only the
    runs at each architecture's chosen step size (lr_choice) enter its summaries."""
    device = plan.device
    budget: Budget = plan.budget
    domain_names = [d["name"] for d in plan.domains]
    architectures = []
    for spec in plan.specs:
        estimate = _estimate(results, spec.name)
        domains = {}
        for domain in domain_names:
            lr = lr_choice[spec.name]["selected"]
            found = [r for key, r in results.items()
                     if key[0] == "train" and key[1] == spec.name and key[2] == domain and key[6] == lr]
            if found:
                domains[domain] = _domain_summary([r["run"] for r in found], found[0])
        means = [d["test_accuracy"]["mean"] for d in domains.values() if d["test_accuracy"]["n"]]
        stds = [d["test_accuracy"]["std"] for d in domains.values() if d["test_accuracy"]["n"]]
        complete = len(means) == len(domain_names)
        arch = {
            "name": spec.name, "graph": str(spec.path), "family": spec.family,
            "backbone": _backbone_label(spec), "description": spec.description,
            "estimate": estimate, "domains": domains,
            "mean_accuracy": sum(means) / len(means) if complete else None,
            "mean_accuracy_std": sum(stds) / len(stds) if complete else None,
            "decathlon": None, "errors": errors.get(spec.name, []), "training_lr": lr_choice[spec.name],
        }
        arch["budget"] = _check(budget, arch, device.name)
        architectures.append(arch)
    _add_decathlon(architectures)
    pareto = {}
    for metric in PARETO_METRICS:
        candidates = {a["name"]: (a["mean_accuracy"], metric_value(metric, a["estimate"]))
                      for a in architectures if a["estimate"] is not None and a["mean_accuracy"] is not None}
        pareto[metric] = _pareto(candidates)
    for arch in architectures:
        arch["pareto"] = {m: arch["name"] in pareto[m] for m in PARETO_METRICS}
    from codesign import __version__

    return {
        "format_version": FORMAT_VERSION, "name": plan.config.out.rstrip("/").split("/")[-1],
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "codesign_version": __version__,
        "command": command,
        "device": {"name": device.name, "board": device.board, "part": device.part,
                   "clock_mhz": device.clock_mhz, "spec": _shown_path(plan.device_file),
                   "resources": {k: getattr(device.resources, k) for k in ("lut", "ff", "bram18", "uram", "dsp")},
                   "static_power_w": device.static_power_w, "static_power_source": device.static_power_source,
                   "full_bitstream_bytes": device.full_bitstream_bytes,
                   "full_bitstream_source": device.full_bitstream_source},
        "domains": [{k: d[k] for k in ("name", "classes", "train", "val", "test", "source", "licence", "content_hash")}
                    for d in plan.domains],
        "settings": {"seeds": list(range(plan.config.first_seed, plan.config.first_seed + plan.config.seeds)),
                     "k_shot": list(plan.config.k_shot), "noise": list(plan.config.noise),
                     "max_per_class": plan.config.max_per_class, "target_fps": plan.config.target_fps,
                     "train_config": {**plan.train_config, "lr": plan.config.lr[0] if len(plan.config.lr) == 1
                                      else "chosen per architecture on validation accuracy"},
                     "lr_grid": list(plan.config.lr),
                     "executor": stats.get("executor")},
        "budget": budget.to_dict(),
        "architectures": architectures,
        "verdict": _verdict(architectures, budget, device.name, plan.config.rank_by),
        "pareto": pareto, "sources": SOURCES, "points": stats,
    }


def _shown_path(path: str) -> str:
    """Relative to the working folder when inside it (reports do not carry /home/...)."""
    import os

    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _backbone_label(spec) -> str:
    b = spec.backbone
    width = getattr(b, "width", None)
    width_text = f" x{width:g}" if isinstance(width, (int, float)) and width != 1 else ""
    return f"{b.name}{width_text} W{b.weight_bits}A{b.act_bits}"


def _check(budget: Budget, arch: dict, device_name: str) -> dict:
    estimate = arch["estimate"]
    check = budget.check(estimate)
    reasons = [f"{c['metric']} = {c['value']:,.6g} is not {c['comparator']} {c['limit']:,.6g}"
               for c in check["checks"] if not c["ok"] and c["value"] is not None]
    if estimate is None:
        reasons.insert(0, "no hardware estimate (its point failed)")
    elif not estimate["fits"]:
        short = ", ".join(f"{r.upper()} short by {v:,.0f}" for r, v in estimate["shortfall"].items())
        reasons.insert(0, f"does not fit {device_name} ({short})")
    if arch["mean_accuracy"] is None:
        reasons.append("no accuracy on every domain (a training point failed)")
    check["meets"] = not reasons
    check["reasons"] = reasons
    return check


def _add_decathlon(architectures: list[dict]) -> None:
    """Scores against the ``finetune`` architecture's errors, when one is compared."""
    baseline = next((a for a in architectures if a["family"] == "finetune" and a["mean_accuracy"] is not None), None)
    if baseline is None:
        return
    base_errors = {d: 1.0 - s["test_accuracy"]["mean"] for d, s in baseline["domains"].items()}
    for arch in architectures:
        if arch["mean_accuracy"] is None:
            continue
        errors = {d: 1.0 - s["test_accuracy"]["mean"] for d, s in arch["domains"].items()}
        arch["decathlon"] = {**decathlon_score(errors, base_errors,
                                               {d: s["test_images"] for d, s in arch["domains"].items()}),
                             "baseline": baseline["name"]}


RANKINGS = ("accuracy", "decathlon")  # what "best under the budget" means (--rank-by)


def _verdict(architectures: list[dict], budget: Budget, device_name: str, rank_by: str = "accuracy") -> dict:
    meeting = [a for a in architectures if a["budget"]["meets"]]
    what = "meet the budget and fit" if budget.limits else "fit"
    if not meeting:
        text = (f"no architecture meets the budget ({budget.spec}) on {device_name}" if budget.limits
                else f"no architecture fits {device_name} with accuracy on every domain")
        return {"meeting": [], "best": None, "infeasible": True, "text": text, "rank_by": rank_by}
    of = f"of the {len(meeting)} of {len(architectures)} architecture(s) that {what} {device_name}"
    wires = lambda a: -a["estimate"]["interconnect"]["data_bits"]  # noqa: E731 - ties: fewer wires
    if rank_by == "decathlon" and all(a["decathlon"] for a in meeting):
        best = max(meeting, key=lambda a: (a["decathlon"]["score"], a["mean_accuracy"], wires(a)))
        text = (f"{best['name']} has the best Decathlon-style score ({best['decathlon']['score']:,.0f} of "
                f"{best['decathlon']['max_score']:,.0f}, against {best['decathlon']['baseline']}) {of}")
    else:
        best = max(meeting, key=lambda a: (a["mean_accuracy"], wires(a)))
        text = f"{best['name']} has the best mean accuracy ({100 * best['mean_accuracy']:.1f} %) {of}"
        if rank_by == "decathlon":
            text += " (no Decathlon score: compare a finetune architecture too)"
    return {"meeting": [a["name"] for a in meeting], "best": best["name"], "infeasible": False, "text": text,
            "rank_by": rank_by}
