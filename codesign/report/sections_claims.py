"""The seed-claims section: one row per claim of the seed research and backbone (and device,
for the hardware claims), its verdict and the numbers behind it, then every comparison
with both values and the difference's 95 % interval (codesign.compare.claims).
"""

from __future__ import annotations

from codesign.compare.claims_records import ClaimsTable, Comparison
from codesign.report.blocks import Paragraph, Section, Table
from codesign.report.fmt import MISSING

RULES = ("A claimed advantage is supported when attention is better than every comparator (beyond the 95 % "
         "interval for accuracies, by the exact numbers for counted or estimated quantities), not supported when "
         "it is better than none (a tie within the interval is not an advantage), mixed otherwise; not measured "
         "when the comparison lacks the data (the row says why). 'LOSES' marks where the seed's design is worse.")


def _value(measure: str, value: float | None) -> str:
    if value is None:
        return MISSING
    if measure.endswith("(fraction)") or "(fraction;" in measure:
        return f"{100 * value:.1f} %"
    if "latency" in measure:
        return f"{value:.3f}"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.2f}"


def _difference(c: Comparison) -> str:
    d = c.difference
    if d is None:
        return MISSING
    fraction = c.measure.endswith("(fraction)") or "(fraction;" in c.measure
    scale, unit = (100.0, " pt") if fraction else (1.0, "")
    if "ratio" in c.measure:
        return f"{d.value:.1f}x"
    text = f"{scale * d.value:+,.{1 if fraction else 3 if 'latency' in c.measure else 0}f}{unit}"
    if d.low is not None and d.high is not None:
        text += f" [{scale * d.low:+.1f}, {scale * d.high:+.1f}]"
    return text


def claims_tables(table: ClaimsTable) -> list:
    rows = [[r.backbone, r.device or "(training: any device)", r.statement, r.verdict, r.summary] for r in table.rows]
    blocks: list = [Table("The seed research's claims for its attention design, per backbone. " + RULES
                          + f" Accuracy intervals: {table.method}.",
                          ["backbone", "device", "claim", "verdict", "numbers"], rows)]
    details = [[r.backbone, r.device or MISSING, r.claim, c.against, c.measure, _value(c.measure, c.attention),
                _value(c.measure, c.other), _difference(c), c.outcome]
               for r in table.rows for c in r.comparisons]
    if details:
        blocks.append(Table("Every comparison behind the claims: attention's value, the other architecture's, and "
                            "the difference oriented so that > 0 favours attention (accuracy in percentage points "
                            "with its 95 % interval; counts and estimates exact; the parameter row shows the ratio "
                            "other / attention); outcome for attention.",
                            ["backbone", "device", "claim", "against", "measure", "attention", "other",
                             "difference", "outcome"], details,
                            [False, False, False, False, False, True, True, True, False]))
    return blocks


def claims_section(table: ClaimsTable) -> Section:
    if not table.rows:
        return Section("claims", "The seed's claims", [Paragraph("No architecture to test the claims on.", note=True)])
    return Section("claims", "The seed's claims", claims_tables(table))
