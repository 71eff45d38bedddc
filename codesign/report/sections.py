"""The report's sections, in order, built from the comparison's result (CompareResult).

This module holds the overview sections (headline table, Pareto fronts) and the
provenance sections (sources, how it was produced); the verdict, its budget table and
the paired differences are in ``sections_verdict.py``, the per-topic result sections in
``sections_results.py``. Every table caption names the source of its numbers.
"""

from __future__ import annotations

from codesign.compare.result import ArchitectureResult, CompareResult, recipe_label
import codesign.report.fmt as fmt
from codesign.report.blocks import Bullets, Figure, Paragraph, Section, Table, Verdict
from codesign.report.fmt import MISSING
from codesign.report.sections_results import result_sections
from codesign.report.sections_verdict import budget_state, verdict_section, verdict_status  # noqa: F401

TITLE_PREFIX = "codesign compare"
PARETO_FIGURES = {"interconnect_bits": "interconnect_vs_accuracy", "lut": "lut_vs_accuracy",
                  "energy_uj": "energy_vs_accuracy"}


def report_title(result: CompareResult) -> str:
    return f"{TITLE_PREFIX}: {result.name or 'unnamed comparison'}"


def build_sections(result: CompareResult) -> list[Section]:
    """Every section of the report; figures are referenced by plot name (see plots.PLOTS)."""
    return [verdict_section(result), headline_section(result), pareto_section(result),
            *result_sections(result), sources_section(result), produced_section(result)]


def _params_per_domain(arch: ArchitectureResult) -> str:
    values = sorted({d.trainable_parameters for d in arch.domains.values() if d.trainable_parameters is not None})
    if not values:
        return MISSING
    return fmt.count(values[0]) if len(values) == 1 else f"{fmt.count(values[0])}–{fmt.count(values[-1])}"


def _fronts(arch: ArchitectureResult) -> str:
    on = [fmt.PARETO_AXES[k][1] for k in fmt.PARETO_AXES if arch.pareto.get(k)]
    return ", ".join(on) or "none"


def _headline_row(arch: ArchitectureResult, decathlon: bool, has_budget: bool, energy: str) -> list[str]:
    est = arch.estimate
    if arch.mean_accuracy is None:
        acc = MISSING
    elif arch.mean_accuracy_interval is not None:  # the 95 % interval says more than the mean std
        acc = fmt.with_interval(fmt.percent(arch.mean_accuracy), arch.mean_accuracy_interval)
    else:  # a document written before intervals
        acc = fmt.percent(arch.mean_accuracy) + (
            f" ± {fmt.percent(arch.mean_accuracy_std)}" if arch.mean_accuracy_std is not None else "")
    row = [arch.name, arch.family or MISSING, acc]
    if decathlon:
        row.append(MISSING if arch.decathlon is None else
                   f"{fmt.count(arch.decathlon.score)} / {fmt.count(arch.decathlon.max_score)}")
    if est is None:
        hardware = [MISSING] * 8
    else:
        ic = est.interconnect
        hardware = [f"{fmt.count(ic.streams)} / {fmt.count(ic.interconnect_bits)}",
                    fmt.number(est.utilisation_pct.lut), fmt.number(est.utilisation_pct.bram18),
                    fmt.number(est.fps), fmt.number(est.latency_ms, 2),
                    fmt.number(est.energy_uj.per_inference_at_throughput if energy == "throughput"
                               else est.energy_uj.single_image),
                    fmt.number(est.switch.write_time_ms, 3), fmt.yes_no(est.fits)]
    return row + [_params_per_domain(arch), *hardware,
                  budget_state(arch) if has_budget else "no budget", _fronts(arch)]


def headline_section(result: CompareResult) -> Section:
    archs = result.architectures
    decathlon = any(a.decathlon for a in archs)
    header = ["architecture", "family", "accuracy %"] + (["Decathlon score"] if decathlon else []) + [
        "trainable params / domain", "streams / bits", "LUT %", "BRAM %", "FPS", "latency ms", "energy µJ",
        "switch ms", "fits?", "meets budget?", "Pareto fronts"]
    rows = [_headline_row(arch, decathlon, bool(result.budget.limits), result.budget.energy) for arch in archs]
    src = result.sources
    caption = ("Accuracy: test accuracy in %, mean over domains [95 % interval over seeds and test images] "
               f"(documents without intervals: ± mean std over seeds) ({fmt.source_kind(src.get('accuracy'))}). Trainable parameters per domain (range over domains) "
               f"({fmt.source_kind(src.get('parameters'))}); interconnect streams / data bits between fixed and "
               f"reconfigurable parts ({fmt.source_kind(src.get('interconnect'))}); LUT and BRAM18 % of the device "
               f"({fmt.source_kind(src.get('resources'))}); FPS and latency "
               f"({fmt.source_kind(src.get('throughput'))}); "
               f"{fmt.axis_label('energy_uj', result.budget.energy)} ({fmt.source_kind(src.get('energy'))}); "
               "switch: time to write one domain's "
               f"weights ({fmt.source_kind(src.get('switch'))}). Details and full sources in the sections below.")
    numeric = [False, False, True] + ([True] if decathlon else []) + [True] * 8 + [False] * 3
    return Section("headline", "Headline", [Table(caption, header, rows, numeric)])


def pareto_section(result: CompareResult) -> Section:
    blocks: list = [Paragraph(
        "An architecture is on a Pareto front when no other architecture has both a lower cost and a higher "
        "mean test accuracy. The interconnect front is the key trade-off: data bits crossing between the "
        "static backbone and the per-domain reconfigurable modules against accuracy.")]
    for key, plot in PARETO_FIGURES.items():
        blocks.append(Figure(plot, f"Mean test accuracy (%) against {fmt.axis_label(key, result.budget.energy)}; "
                                   "step line = "
                                   "Pareto front; dashed line = budget limit (when the budget sets one)."))
    rows = [[fmt.axis_label(key, result.budget.energy), ", ".join(result.pareto.get(key) or []) or "none"]
            for key in fmt.PARETO_AXES]
    src = result.sources
    blocks.append(Table(f"Architectures on each front. Accuracy {fmt.source_kind(src.get('accuracy'))}; "
                        f"interconnect {fmt.source_kind(src.get('interconnect'))}; LUT "
                        f"{fmt.source_kind(src.get('resources'))}; energy {fmt.source_kind(src.get('energy'))}.",
                        ["accuracy vs", "architectures on the front"], rows))
    return Section("pareto", "Pareto fronts", blocks)


def sources_section(result: CompareResult) -> Section:
    sources = result.sources
    blocks: list = [Table("Where every number in this report comes from: measured (run here), counted (from "
                          "the model or graph), estimated (models before synthesis) or data sheet.",
                          ["quantity", "source"], [[k.replace("_", " "), str(v)] for k, v in sources.items()])
                    if sources else Paragraph("The document records no sources.", note=True)]
    if result.domains:
        blocks.append(Table("Image domains: split sizes in images (the test split is fixed: the same images for "
                            "every seed and --max-per-class); real or synthetic data; source and licence as installed.",
                            ["domain", "classes", "train", "val", "test", "test split", "data", "source", "licence"],
                            [[d.name or MISSING, fmt.count(d.classes), fmt.count(d.train), fmt.count(d.val),
                              fmt.count(d.test), d.test_split or MISSING,
                              f"synthetic: {d.synthetic}" if d.synthetic else "real",
                              d.source or MISSING, d.licence or MISSING] for d in result.domains],
                            [False, True, True, True, True, False, False, False, False]))
    dev = result.device
    res = dev.resources
    blocks.append(Table(f"Device {dev.name} ({dev.part}) from {dev.spec}. " + fmt.source_caption(sources, "device"),
                        ["clock MHz", "LUT", "FF", "BRAM18", "URAM", "DSP", "static power W"],
                        [[fmt.number(dev.clock_mhz), *(fmt.count(getattr(res, k)) for k in
                                                       ("lut", "ff", "bram18", "uram", "dsp")),
                          fmt.number(dev.static_power_w, 2)]], [True] * 7))
    return Section("sources", "Sources", blocks)


def _setting(value) -> str:
    if isinstance(value, list):
        return ", ".join("all" if v is None else str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return "none" if value is None else str(value)


def _step_size_blocks(result: CompareResult) -> list:
    """Which Adam step size each architecture was trained with, and why (validation)."""
    bn_grid = result.settings.bn_stats_grid or [None]
    grid = [recipe_label(lr, bn) for lr in result.settings.lr_grid for bn in bn_grid]
    if len(grid) < 2:
        return []
    rows = []
    for arch in result.architectures:
        choice = arch.training_lr
        scores = choice.validation_accuracy
        rows.append([arch.name, *(MISSING if scores.get(key) is None else f"{100 * scores[key]:.1f}" for key in grid),
                     recipe_label(choice.selected, choice.bn_stats)])
    what = "step size" if bn_grid == [None] else "step size / BatchNorm statistics (--bn-stats)"
    once = "" if bn_grid == [None] else (f" {MISSING} under a BatchNorm setting: the family owns no BatchNorm "
                                         "copied from the backbone, trains identically under both, so once.")
    return [Table(f"{what[0].upper()}{what[1:]} per architecture: mean validation accuracy (%) of the main runs "
                  f"over domains and seeds at each {what}; the best is used for every number in this report (the "
                  f"test split plays no part in the choice).{once} Source — measured.",
                  ["architecture", *(f"val % at lr {key}" for key in grid), "chosen lr"], rows,
                  [False] + [True] * (len(grid) + 1))]


def produced_section(result: CompareResult) -> Section:
    points = result.points
    wall = points.wall_seconds
    items = [
        f"Created {result.created or MISSING} by codesign {result.codesign_version or MISSING} "
        f"(document format {result.format_version})",
        f"Points: {fmt.count(points.total)} in total, {fmt.count(points.from_cache)} from the cache, "
        f"{fmt.count(points.computed)} computed, {fmt.count(points.failed)} failed",
        f"Wall time: {fmt.number(wall)} s ({fmt.number(wall / 60.0)} min)",
    ]
    items += [f"Setting {k.replace('_', ' ')}: {_setting(v)}" for k, v in result.settings.to_dict().items()]
    errors = [f"{a.name}: {e}" for a in result.architectures for e in a.errors]
    blocks: list = [Paragraph("Command:"), Paragraph(result.command or MISSING, code=True), Bullets(items)]
    blocks += _step_size_blocks(result)
    if errors:
        blocks += [Paragraph("Failed points (their numbers show as — above):"), Bullets(errors)]
    else:
        blocks.append(Paragraph("No point failed."))
    return Section("produced", "How it was produced", blocks)
