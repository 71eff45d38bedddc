"""The verdict section: the verdict box (a winner beyond noise, or a tie and its tie-break),
each architecture against each budget limit in three states, and the paired differences
of the leader against every other architecture with their 95 % intervals.

Documents written before intervals have no ``beyond_noise``/``differences``: their
verdict is shown as it was written, without a claim about noise.
"""

from __future__ import annotations

import codesign.report.fmt as fmt
from codesign.compare.budget import MEETS, MEETS_WITHIN_ERROR, VIOLATES
from codesign.compare.result import ArchitectureResult, CompareResult
from codesign.report.blocks import Section, Table, Verdict
from codesign.report.fmt import MISSING


def verdict_status(result: CompareResult) -> str:
    if result.verdict.infeasible:
        return "infeasible"
    return "ok" if result.verdict.best else "undecided"


def budget_state(arch: ArchitectureResult) -> str:
    """meets / meets only within estimator error / violates (derived for older documents)."""
    check = arch.budget
    if check.state:
        return check.state
    if not check.meets:
        return VIOLATES
    return MEETS_WITHIN_ERROR if check.uncertain else MEETS


def _headline(result: CompareResult) -> str:
    verdict, limits = result.verdict, result.budget.limits
    where = "under the budget" if limits else "(no budget given)"
    if verdict.tied:
        return (f"Tied within noise {where}: {', '.join(verdict.tied)}; chosen by {verdict.tie_break}: "
                f"{verdict.best}")
    if verdict.beyond_noise:
        return f"Best {where}: {verdict.best}, better than every other admissible architecture beyond noise"
    return f"Best under the budget: {verdict.best}" if limits else f"Best mean accuracy: {verdict.best} (no budget given)"


def _budget_lines(result: CompareResult) -> list[str]:
    verdict, limits, spec = result.verdict, result.budget.limits, result.budget.spec
    if not limits:
        return ["No budget was given (--budget): every architecture is admissible."]
    lines = [f"Budget: {fmt.budget_limits(limits)}" + (f' (--budget "{spec}")' if spec else ""),
             f"Meet the budget ({len(verdict.meeting)} of {len(result.architectures)}): "
             f"{', '.join(verdict.meeting) or 'none'}"]
    for arch in result.architectures:
        failed = [fmt.budget_check(c) for c in arch.budget.checks if not c.ok]
        if failed:
            lines.append(f"{arch.name} violates: " + "; ".join(failed))
        unsure = [fmt.budget_check(c) for c in arch.budget.checks if c.certainty == "uncertain"]
        if unsure and budget_state(arch) == MEETS_WITHIN_ERROR:
            lines.append(f"{arch.name} {MEETS_WITHIN_ERROR}: the limit lies inside the calibrated interval: "
                         + "; ".join(unsure))
        elif unsure:
            lines.append(f"{arch.name}: the estimate's interval crosses the limit, the data cannot decide: "
                         + "; ".join(unsure))
    return lines


def verdict_section(result: CompareResult) -> Section:
    limits, status = result.budget.limits, verdict_status(result)
    if status == "infeasible":
        headline = f"No architecture meets the budget ({fmt.budget_limits(limits) or result.budget.spec})."
    elif status == "ok":
        headline = _headline(result)
    else:
        headline = "No best architecture could be chosen (see below)."
    lines = ([result.verdict.text] if result.verdict.text else []) + _budget_lines(result)
    blocks: list = [Verdict(status, headline, lines)]
    if limits:
        blocks.append(_budget_table(result, limits))
    if result.verdict.differences:
        blocks.append(differences_table(result))
    return Section("verdict", "Verdict", blocks)


def _budget_table(result: CompareResult, limits: dict) -> Table:
    header = ["architecture"]
    for metric, value in limits.items():
        label, unit, cmp = fmt.BUDGET_METRICS.get(metric, (metric, "", "<="))
        header.append(f"{label} {fmt.COMPARATOR_SYMBOL[cmp]} {fmt.limit(value)} {unit}".rstrip())
    header.append("budget")
    rows = []
    for arch in result.architectures:
        checks = {c.metric: c for c in arch.budget.checks}
        row = [arch.name]
        for metric in limits:
            check = checks.get(metric)
            if check is None or check.value is None:
                row.append(f"{MISSING} ✗ (no estimate)")
            else:
                unsure = " ?" if check.certainty == "uncertain" else ""
                interval = f" [{fmt.limit(check.low)}–{fmt.limit(check.high)}]" if check.low is not None else ""
                row.append(f"{fmt.limit(check.value)}{interval} {'✓' if check.ok else '✗'}{unsure}")
        row.append(budget_state(arch))
        rows.append(row)
    src = result.sources
    return Table("Each architecture against each budget limit (✓ within, ✗ violated at the estimate; "
                 "[low–high]: the calibrated 10–90 % interval; ?: the limit lies inside it). Budget: meets, "
                 f"{MEETS_WITHIN_ERROR} (met at the estimate, a limit inside the interval), or violates. "
                 f"Interconnect: {fmt.source_kind(src.get('interconnect'))}; resources: "
                 f"{fmt.source_kind(src.get('resources'))}; throughput and latency: "
                 f"{fmt.source_kind(src.get('throughput'))}; energy: {fmt.source_kind(src.get('energy'))} "
                 "(see Sources).", header, rows, [False] + [True] * len(limits) + [False])


def differences_table(result: CompareResult) -> Table:
    """The leader minus each other architecture on the same test images and seeds."""
    verdict = result.verdict
    leader = verdict.differences[0].a
    by_name = {d.b: d for d in verdict.differences}
    decathlon = verdict.differences[0].metric == "decathlon"
    rows = []
    for arch in result.architectures:
        if arch.name == leader:
            role = "leader"
        elif arch.name in (verdict.tied or []):
            role = "tied within noise"
        elif arch.name in by_name and by_name[arch.name].beyond_noise:
            role = "behind beyond noise" if by_name[arch.name].value > 0 else "ahead beyond noise"
        else:
            role = "within noise (does not meet the budget)" if arch.name in by_name else MISSING
        diff = by_name.get(arch.name)
        value = (MISSING if arch.decathlon is None else fmt.count(arch.decathlon.score)) if decathlon else (
            MISSING if arch.mean_accuracy is None else fmt.with_interval(fmt.percent(arch.mean_accuracy),
                                                                         arch.mean_accuracy_interval))
        rows.append([arch.name, value, "0 (reference)" if arch.name == leader else
                     (fmt.difference(diff) if diff else MISSING), role,
                     "yes" if arch.name in verdict.meeting else "no", diff.method if diff else MISSING])
    what = "Decathlon-style score (points)" if decathlon else "mean test accuracy over domains (%)"
    return Table(f"Paired differences: {leader} (the highest {what.split(' (')[0]} of those meeting the budget) "
                 "minus each architecture, computed on the same resampled test images and seeds, with the 95 % "
                 "interval; an interval that excludes 0 tells the two apart (beyond noise), one that contains 0 "
                 "does not (tied within noise). " + fmt.source_caption(result.sources, "intervals"),
                 ["architecture", what + (" [95 %]" if not decathlon else ""), f"{leader} minus it [95 %]",
                  "against the leader", "meets budget", "method"],
                 rows, [False, True, True, False, False, False])
