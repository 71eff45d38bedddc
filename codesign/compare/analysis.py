"""From finished points to the comparison's result (``compare.json``, the report's input).

Per architecture: its estimate summary, per-domain training summaries (mean ± std over
seeds, k-shot and noise curves), the mean accuracy, the Decathlon-style score when a
fine-tuning baseline is among those compared, the budget check and its place on the
Pareto fronts (verdict.py). Only the runs at each architecture's chosen step size
enter its summaries. 95 % intervals of each accuracy come from the main runs' per-image
outcomes (stats.py), resampled on the same draws for every architecture. Then the
verdict: which architectures meet the budget (and fit the device), and the best of them
when it is better beyond noise, else the tie and its tie-break.
"""

from __future__ import annotations

import os
import time

from codesign.compare.finished import FinishedPoints
from codesign.compare.result import ArchitectureResult, CompareResult, DeviceInfo, FORMAT_VERSION, LrChoice, Settings
from codesign.compare.stats import LEVEL, REPLICATES, AccuracyReplicates, DomainOutcomes, interval
from codesign.compare.summaries import DomainSummary, Interval
from codesign.compare.verdict import add_decathlon, check_budget, pareto_fronts, verdict
from codesign.cost.summary import ResourceCounts

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
              "(each with its source in hw_specs) for the dynamic part, plus the board's idle power and "
              "the device's static power; per inference at the design's throughput = total power / FPS "
              "(budgets and Pareto fronts use it unless --energy single-image), single image = "
              "(board idle + static) x latency + dynamic",
    "switch": "estimated: reconfigurable weights and thresholds written over AXI-lite (device spec: width, "
              "clock, cycles per write) vs loading the full bitstream",
    "intervals": f"computed: {100 * LEVEL:.0f} % percentile intervals from {REPLICATES:,} bootstrap replicates "
                 "resampling seeds, then test images of the domain's fixed test split (codesign.compare.stats); "
                 "differences between architectures are paired (the same resampled seeds and images); "
                 "runs without per-image outcomes use a normal approximation (seed variance / seeds + "
                 "p(1 - p) / test images), unpaired",
    "device": "data sheet: part resources, clock, bitstream size and static power from the device spec",
}


def _domain_summaries(finished: FinishedPoints, name: str, domains: list[str], lr: float,
                      bn_stats: str | None) -> dict[str, DomainSummary]:
    summaries = {}
    for domain in domains:
        found = finished.runs_of(name, domain, lr, bn_stats=bn_stats)
        if found:
            first = found[0]
            summaries[domain] = DomainSummary.of_runs([r.run.to_dict() for r in found], first.parameters,
                                                      first.macs, first.sizes.test)
    return summaries


def _architecture(plan, spec, finished: FinishedPoints, lr_choice: LrChoice) -> ArchitectureResult:
    domain_names = [d.name for d in plan.domains]
    estimate = finished.estimates.get(spec.name)
    domains = _domain_summaries(finished, spec.name, domain_names, lr_choice.selected, lr_choice.bn_stats)
    means = [d.test_accuracy.mean for d in domains.values() if d.test_accuracy.n]
    stds = [d.test_accuracy.std for d in domains.values() if d.test_accuracy.n]
    complete = len(means) == len(domain_names)
    return ArchitectureResult(
        name=spec.name, graph=str(spec.path), family=spec.family, backbone=_backbone_label(spec),
        description=spec.description, estimate=None if estimate is None else estimate.without_provenance(),
        domains=domains, mean_accuracy=sum(means) / len(means) if complete else None,
        mean_accuracy_std=sum(stds) / len(stds) if complete else None, decathlon=None,
        errors=finished.errors.get(spec.name, []), training_lr=lr_choice,
        budget=check_budget(plan.budget, estimate, complete, plan.device.name), pareto={})


def _test_correct(point) -> list[int] | None:
    """The run's per-image outcomes on the test split (0/1 in the domain's test order), if kept."""
    found = getattr(point, "test_correct", None)
    return found if found is not None else getattr(point.run, "test_correct", None)


def accuracy_replicates(finished: FinishedPoints, lr_choice: dict[str, LrChoice],
                        domains: list[str]) -> AccuracyReplicates:
    """Bootstrap replicates of every architecture's accuracy per domain, from its main runs at
    its chosen step size (shared draws: paired across architectures)."""
    outcomes: dict[str, dict[str, DomainOutcomes]] = {}
    for name, choice in lr_choice.items():
        for domain in domains:
            runs = [r for r in finished.runs_of(name, domain, choice.selected, main=True, bn_stats=choice.bn_stats)
                    if r.run.test_accuracy is not None]
            if runs:
                outcomes.setdefault(name, {})[domain] = DomainOutcomes.of(
                    [(r.run.seed, r.run.test_accuracy, _test_correct(r)) for r in runs], runs[0].sizes.test)
    return AccuracyReplicates(outcomes, domains)


def add_intervals(architectures: list[ArchitectureResult], replicates: AccuracyReplicates) -> None:
    """Each domain's accuracy interval, and the interval of the mean over domains."""
    for arch in architectures:
        method = replicates.method(arch.name)
        for domain, summary in arch.domains.items():
            samples = replicates.domain(arch.name, domain)
            if samples is not None:
                summary.test_accuracy_interval = Interval(*interval(samples), method)
        mean = replicates.mean(arch.name)
        if mean is not None and arch.mean_accuracy is not None:
            arch.mean_accuracy_interval = Interval(*interval(mean), method)


def assemble(plan, finished: FinishedPoints, command: str, lr_choice: dict[str, LrChoice]) -> CompareResult:
    """The comparison's result from its plan, its finished points and the step sizes chosen."""
    from codesign import __version__
    from codesign.adapters.base import decathlon_baselines  # the registry (imports torch: not at the top)

    architectures = [_architecture(plan, spec, finished, lr_choice[spec.name]) for spec in plan.specs]
    baselines = tuple(decathlon_baselines())
    replicates = accuracy_replicates(finished, lr_choice, [d.name for d in plan.domains])
    add_intervals(architectures, replicates)
    add_decathlon(architectures, lambda family: family in baselines)
    fronts = pareto_fronts(architectures, plan.budget.energy)
    return CompareResult(
        format_version=FORMAT_VERSION, name=plan.config.out.rstrip("/").split("/")[-1],
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), codesign_version=__version__,
        command=command, device=_device_info(plan),
        domains=list(plan.domains),
        settings=_settings(plan, finished), budget=plan.budget, architectures=architectures,
        verdict=verdict(architectures, plan.budget, plan.device.name, plan.config.rank_by, baselines,
                        replicates),
        pareto=fronts, sources=dict(SOURCES), points=finished.stats)


def _device_info(plan) -> DeviceInfo:
    device = plan.device
    return DeviceInfo(
        name=device.name, board=device.board, part=device.part, clock_mhz=device.clock_mhz,
        spec=_shown_path(plan.device_file), resources=ResourceCounts.of(device.resources),
        static_power_w=device.static_power_w, static_power_source=device.static_power_source,
        full_bitstream_bytes=device.full_bitstream_bytes, full_bitstream_source=device.full_bitstream_source)


def _settings(plan, finished: FinishedPoints) -> Settings:
    config = plan.config
    chosen = "chosen per architecture on validation accuracy"
    lr = config.lr[0] if len(config.lr) == 1 else chosen
    bn_grid = list(config.bn_stats) if len(config.bn_stats) > 1 else None
    return Settings(
        seeds=list(range(config.first_seed, config.first_seed + config.seeds)), k_shot=list(config.k_shot),
        noise=list(config.noise), max_per_class=config.max_per_class, target_fps=config.target_fps,
        train_config={**plan.train_config, "lr": lr, **({"bn_stats": chosen} if bn_grid else {})},
        lr_grid=list(config.lr), executor=finished.stats.executor, bn_stats_grid=bn_grid)


def _shown_path(path: str) -> str:
    """Relative to the working folder when inside it (reports do not carry /home/...)."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _backbone_label(spec) -> str:
    b = spec.backbone
    width = getattr(b, "width", None)
    width_text = f" x{width:g}" if isinstance(width, (int, float)) and width != 1 else ""
    return f"{b.name}{width_text} W{b.weight_bits}A{b.act_bits}"
