"""The report's sections, in order, built from the comparison document.

This module holds the overview sections (verdict, headline table, Pareto fronts) and
the provenance sections (sources, how it was produced); the per-topic result sections
are in ``sections_results.py``. Every table caption names the source of its numbers.
"""

from __future__ import annotations

from codesign.report import fmt
from codesign.report.blocks import Bullets, Figure, Paragraph, Section, Table, Verdict
from codesign.report.fmt import MISSING, dig
from codesign.report.sections_results import result_sections

TITLE_PREFIX = "codesign compare"
PARETO_FIGURES = {"interconnect_bits": "interconnect_vs_accuracy", "lut": "lut_vs_accuracy",
                  "energy_uj": "energy_vs_accuracy"}


def report_title(doc: dict) -> str:
    return f"{TITLE_PREFIX}: {doc.get('name') or 'unnamed comparison'}"


def build_sections(doc: dict) -> list[Section]:
    """Every section of the report; figures are referenced by plot name (see plots.PLOTS)."""
    return [verdict_section(doc), headline_section(doc), pareto_section(doc),
            *result_sections(doc), sources_section(doc), produced_section(doc)]


def verdict_status(doc: dict) -> str:
    verdict = doc.get("verdict") or {}
    if verdict.get("infeasible"):
        return "infeasible"
    return "ok" if verdict.get("best") else "undecided"


def verdict_section(doc: dict) -> Section:
    verdict = doc.get("verdict") or {}
    limits = dig(doc, "budget", "limits") or {}
    spec = dig(doc, "budget", "spec")
    archs = doc.get("architectures") or []
    status = verdict_status(doc)
    if status == "infeasible":
        headline = f"No architecture meets the budget ({fmt.budget_limits(limits) or spec})."
    elif status == "ok":
        headline = (f"Best under the budget: {verdict['best']}" if limits
                    else f"Best mean accuracy: {verdict['best']} (no budget given)")
    else:
        headline = "No best architecture could be chosen (see below)."
    lines = [verdict["text"]] if verdict.get("text") else []
    if limits:
        lines.append(f"Budget: {fmt.budget_limits(limits)}" + (f' (--budget "{spec}")' if spec else ""))
        meeting = verdict.get("meeting") or []
        lines.append(f"Meet the budget ({len(meeting)} of {len(archs)}): {', '.join(meeting) or 'none'}")
        for arch in archs:
            failed = [fmt.budget_check(c) for c in dig(arch, "budget", "checks") or [] if not c.get("ok")]
            if failed:
                lines.append(f"{arch['name']} violates: " + "; ".join(failed))
    else:
        lines.append("No budget was given (--budget): every architecture is admissible.")
    blocks: list = [Verdict(status, headline, lines)]
    if limits:
        blocks.append(_budget_table(doc, limits))
    return Section("verdict", "Verdict", blocks)


def _budget_table(doc: dict, limits: dict) -> Table:
    header = ["architecture"]
    for metric, value in limits.items():
        label, unit, cmp = fmt.BUDGET_METRICS.get(metric, (metric, "", "<="))
        header.append(f"{label} {fmt.COMPARATOR_SYMBOL[cmp]} {fmt.limit(value)} {unit}".rstrip())
    header.append("meets budget")
    rows = []
    for arch in doc.get("architectures") or []:
        checks = {c.get("metric"): c for c in dig(arch, "budget", "checks") or []}
        row = [arch["name"]]
        for metric in limits:
            check = checks.get(metric)
            if check is None or check.get("value") is None:
                row.append(f"{MISSING} ✗ (no estimate)")
            else:
                row.append(f"{fmt.limit(check['value'])} {'✓' if check.get('ok') else '✗'}")
        row.append(fmt.yes_no(dig(arch, "budget", "meets")))
        rows.append(row)
    src = doc.get("sources") or {}
    return Table("Each architecture against each budget limit (✓ within, ✗ violated). Interconnect: "
                 f"{fmt.source_kind(src.get('interconnect'))}; resources: {fmt.source_kind(src.get('resources'))}; "
                 f"throughput and latency: {fmt.source_kind(src.get('throughput'))}; energy: "
                 f"{fmt.source_kind(src.get('energy'))} (see Sources).",
                 header, rows, [False] + [True] * len(limits) + [False])


def _params_per_domain(arch: dict) -> str:
    values = sorted({d.get("trainable_parameters") for d in (arch.get("domains") or {}).values()
                     if isinstance(d, dict) and d.get("trainable_parameters") is not None})
    if not values:
        return MISSING
    return fmt.count(values[0]) if len(values) == 1 else f"{fmt.count(values[0])}–{fmt.count(values[-1])}"


def _fronts(arch: dict) -> str:
    on = [fmt.PARETO_AXES[k][1] for k in fmt.PARETO_AXES if dig(arch, "pareto", k)]
    return ", ".join(on) or "none"


def headline_section(doc: dict) -> Section:
    archs = doc.get("architectures") or []
    decathlon = any(a.get("decathlon") for a in archs)
    has_budget = bool(dig(doc, "budget", "limits"))
    header = ["architecture", "family", "accuracy %"] + (["Decathlon score"] if decathlon else []) + [
        "trainable params / domain", "streams / bits", "LUT %", "BRAM %", "FPS", "latency ms", "energy µJ",
        "switch ms", "fits?", "meets budget?", "Pareto fronts"]
    rows = []
    for arch in archs:
        est = arch.get("estimate") or {}
        mean = arch.get("mean_accuracy")
        acc = MISSING if mean is None else fmt.percent(mean) + (
            f" ± {fmt.percent(arch['mean_accuracy_std'])}" if arch.get("mean_accuracy_std") is not None else "")
        row = [arch["name"], arch.get("family") or MISSING, acc]
        if decathlon:
            score = dig(arch, "decathlon", "score")
            row.append(MISSING if score is None else
                       f"{fmt.count(score)} / {fmt.count(dig(arch, 'decathlon', 'max_score'))}")
        streams, bits = dig(est, "interconnect", "streams"), dig(est, "interconnect", "data_bits")
        row += [_params_per_domain(arch),
                MISSING if streams is None else f"{fmt.count(streams)} / {fmt.count(bits)}",
                fmt.number(dig(est, "utilisation_pct", "lut")), fmt.number(dig(est, "utilisation_pct", "bram18")),
                fmt.number(est.get("fps")), fmt.number(est.get("latency_ms"), 2),
                fmt.number(dig(est, "energy_uj", "total")), fmt.number(dig(est, "switch", "write_time_ms"), 3),
                fmt.yes_no(est.get("fits")),
                fmt.yes_no(dig(arch, "budget", "meets")) if has_budget else "no budget",
                _fronts(arch)]
        rows.append(row)
    src = doc.get("sources") or {}
    caption = ("Accuracy: test accuracy in %, mean over domains ± mean over domains of the std across seeds "
               f"({fmt.source_kind(src.get('accuracy'))}). Trainable parameters per domain (range over domains) "
               f"({fmt.source_kind(src.get('parameters'))}); interconnect streams / data bits between fixed and "
               f"reconfigurable parts ({fmt.source_kind(src.get('interconnect'))}); LUT and BRAM18 % of the device "
               f"({fmt.source_kind(src.get('resources'))}); FPS and latency "
               f"({fmt.source_kind(src.get('throughput'))}); "
               f"energy per inference ({fmt.source_kind(src.get('energy'))}); switch: time to write one domain's "
               f"weights ({fmt.source_kind(src.get('switch'))}). Details and full sources in the sections below.")
    numeric = [False, False, True] + ([True] if decathlon else []) + [True] * 8 + [False] * 3
    return Section("headline", "Headline", [Table(caption, header, rows, numeric)])


def pareto_section(doc: dict) -> Section:
    blocks: list = [Paragraph(
        "An architecture is on a Pareto front when no other architecture has both a lower cost and a higher "
        "mean test accuracy. The interconnect front is the key trade-off: data bits crossing between the "
        "static backbone and the per-domain reconfigurable modules against accuracy.")]
    for key, plot in PARETO_FIGURES.items():
        blocks.append(Figure(plot, f"Mean test accuracy (%) against {fmt.PARETO_AXES[key][0]}; step line = "
                                   "Pareto front; dashed line = budget limit (when the budget sets one)."))
    rows = [[fmt.PARETO_AXES[key][0], ", ".join(dig(doc, "pareto", key) or []) or "none"]
            for key in fmt.PARETO_AXES]
    src = doc.get("sources") or {}
    blocks.append(Table(f"Architectures on each front. Accuracy {fmt.source_kind(src.get('accuracy'))}; "
                        f"interconnect {fmt.source_kind(src.get('interconnect'))}; LUT "
                        f"{fmt.source_kind(src.get('resources'))}; energy {fmt.source_kind(src.get('energy'))}.",
                        ["accuracy vs", "architectures on the front"], rows))
    return Section("pareto", "Pareto fronts", blocks)


def sources_section(doc: dict) -> Section:
    sources = doc.get("sources") or {}
    blocks: list = [Table("Where every number in this report comes from: measured (run here), counted (from "
                          "the model or graph), estimated (models before synthesis) or data sheet.",
                          ["quantity", "source"], [[k.replace("_", " "), str(v)] for k, v in sources.items()])
                    if sources else Paragraph("The document records no sources.", note=True)]
    domains = doc.get("domains") or []
    if domains:
        blocks.append(Table("Image domains: split sizes in images; data source and licence as installed.",
                            ["domain", "classes", "train", "val", "test", "source", "licence"],
                            [[d.get("name", MISSING), fmt.count(d.get("classes")), fmt.count(d.get("train")),
                              fmt.count(d.get("val")), fmt.count(d.get("test")), d.get("source") or MISSING,
                              d.get("licence") or MISSING] for d in domains],
                            [False, True, True, True, True, False, False]))
    dev = doc.get("device") or {}
    res = dev.get("resources") or {}
    blocks.append(Table(f"Device {dev.get('name', MISSING)} ({dev.get('part', MISSING)}) from "
                        f"{dev.get('spec', MISSING)}. " + fmt.source_caption(sources, "device"),
                        ["clock MHz", "LUT", "FF", "BRAM18", "URAM", "DSP", "static power W"],
                        [[fmt.number(dev.get("clock_mhz")), *(fmt.count(res.get(k)) for k in
                                                             ("lut", "ff", "bram18", "uram", "dsp")),
                          fmt.number(dev.get("static_power_w"), 2)]], [True] * 7))
    return Section("sources", "Sources", blocks)


def _setting(value) -> str:
    if isinstance(value, list):
        return ", ".join("all" if v is None else str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return "none" if value is None else str(value)


def _step_size_blocks(doc: dict) -> list:
    """Which Adam step size each architecture was trained with, and why (validation)."""
    grid = (doc.get("settings") or {}).get("lr_grid") or []
    if len(grid) < 2:
        return []
    rows = []
    for arch in doc.get("architectures") or []:
        choice = arch.get("training_lr") or {}
        vals = choice.get("validation_accuracy") or {}
        rows.append([arch["name"], *(MISSING if vals.get(f"{lr:g}") is None else f"{100 * vals[f'{lr:g}']:.1f}"
                                     for lr in grid), f"{choice.get('selected', MISSING):g}"
                     if isinstance(choice.get("selected"), (int, float)) else MISSING])
    return [Table("Step size per architecture: mean validation accuracy (%) of the main runs over domains and "
                  "seeds at each step size; the best is used for every number in this report (the test split "
                  "plays no part in the choice). Source — measured.",
                  ["architecture", *(f"val % at lr {lr:g}" for lr in grid), "chosen lr"], rows,
                  [False] + [True] * (len(grid) + 1))]


def produced_section(doc: dict) -> Section:
    points = doc.get("points") or {}
    wall = points.get("wall_seconds")
    items = [
        f"Created {doc.get('created') or MISSING} by codesign {doc.get('codesign_version') or MISSING} "
        f"(document format {doc.get('format_version', MISSING)})",
        f"Points: {fmt.count(points.get('total'))} in total, {fmt.count(points.get('from_cache'))} from the cache, "
        f"{fmt.count(points.get('computed'))} computed, {fmt.count(points.get('failed'))} failed",
        f"Wall time: {fmt.number(wall)} s" + (f" ({fmt.number(wall / 60.0)} min)" if isinstance(wall, (int, float))
                                              else ""),
    ]
    items += [f"Setting {k.replace('_', ' ')}: {_setting(v)}" for k, v in (doc.get("settings") or {}).items()]
    errors = [f"{a['name']}: {e}" for a in doc.get("architectures") or [] for e in a.get("errors") or []]
    blocks: list = [Paragraph("Command:"), Paragraph(doc.get("command") or MISSING, code=True), Bullets(items)]
    blocks += _step_size_blocks(doc)
    if errors:
        blocks += [Paragraph("Failed points (their numbers show as — above):"), Bullets(errors)]
    else:
        blocks.append(Paragraph("No point failed."))
    return Section("produced", "How it was produced", blocks)
