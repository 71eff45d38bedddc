"""The seed research's claims, tested on a comparison's result: one row per claim and backbone.

The seed's design is the ``attention`` family. Its claims, and what each row measures:

- **parameters**: about 10x fewer trainable parameters per domain than residual adapters
  (``parallel``) at similar accuracy: the exact ratio, and attention minus parallel in mean
  test accuracy with its 95 % interval (a tie within the interval counts as similar);
- **interconnect**: fewer fixed<->reconfigurable data bits (then streams) than each other
  family: exact counts from the estimates;
- **samples**: higher accuracy from few training samples: the k-shot curve, attention minus
  parallel/series/finetune at the smallest k;
- **order**: the reconfigurable part computes alongside the fixed pipeline instead of
  stalling it: the latency each family adds over the one whose only reconfigurable node is
  the classifier (``head``), and how many streams re-enter the fixed pipeline;
- **noise**: a smaller accuracy drop from clean to mislabelled training data than parallel.

A claimed advantage is *supported* when attention is better than every comparator (beyond
the interval where there is one), *not supported* when better than none (a tie is not an
advantage), *mixed* otherwise; *not measured* when the result lacks the data, saying why.
Intervals here come from the result document alone (per-domain mean, seed std, seeds, test
images): an unpaired normal approximation, wider than the paired bootstrap of the verdict.
"""

from __future__ import annotations

from codesign.compare.claims_records import (BETTER, METHOD, MIXED, NOT_MEASURED, NOT_SUPPORTED, SUPPORTED, TIE,
                                             WORSE, ClaimRow, ClaimsTable, Comparison, Estimate, accuracy_stats,
                                             advantage_verdict, common_domains, difference, normal, outcome, pt)
from codesign.compare.result import ArchitectureResult, CompareResult

SEED_FAMILY = "attention"
PARAMETER_FACTOR = 5.0  # "about 10x": a ratio of at least half an order of magnitude counts
SAMPLES_AGAINST = ("parallel", "series", "finetune")
ORDER_REFERENCE = "head"

STATEMENTS = {
    "parameters": "about 10x fewer trainable parameters per domain than residual adapters (parallel) at similar "
                  "accuracy",
    "interconnect": "fewer fixed↔reconfigurable interconnect bits/streams than each other family",
    "samples": "fewer training samples needed (higher accuracy at few images per class)",
    "order": "order of computation: the reconfigurable part does not stall the static pipeline",
    "noise": "more robust to mislabelled training data (smaller accuracy drop) than parallel",
}


def params_per_domain(arch: ArchitectureResult) -> float | None:
    counts = [d.trainable_parameters for d in arch.domains.values() if d.trainable_parameters is not None]
    return sum(counts) / len(counts) if counts else None


def parameters_claim(seed: ArchitectureResult, by_family: dict[str, ArchitectureResult]) -> tuple[str, str, list]:
    other = by_family.get("parallel")
    if other is None:
        return NOT_MEASURED, "no parallel (residual adapter) architecture in the comparison", []
    ours, theirs = params_per_domain(seed), params_per_domain(other)
    domains = common_domains(seed, other)
    a = accuracy_stats(seed, domains, lambda s: s.test_accuracy)
    b = accuracy_stats(other, domains, lambda s: s.test_accuracy)
    if not ours or not theirs or a is None or b is None:
        return NOT_MEASURED, f"{other.name} or {seed.name} lacks parameter counts or accuracies on every domain", []
    ratio = theirs / ours
    diff = difference(a, b)
    accuracy = outcome(diff)
    comparisons = [Comparison(other.name, "trainable parameters per domain (ratio parallel / attention)", ours,
                              theirs, Estimate(ratio), BETTER if ratio >= PARAMETER_FACTOR else WORSE),
                   Comparison(other.name, "mean test accuracy over domains (fraction)", a[0], b[0], diff, accuracy)]
    few, similar = ratio >= PARAMETER_FACTOR, accuracy != WORSE
    verdict = SUPPORTED if few and similar else NOT_SUPPORTED if not (few or similar) else MIXED
    text = (f"{ours:,.0f} vs {theirs:,.0f} trainable parameters per domain: {ratio:.1f}x fewer; accuracy "
            f"{seed.name} minus {other.name} {pt(diff)} over {len(domains)} domains: "
            + {TIE: "similar (tie within the interval)", BETTER: "attention better beyond noise",
               WORSE: "attention LOSES beyond noise"}[accuracy])
    if not few:
        text += f"; the ratio is below {PARAMETER_FACTOR:g}x"
    return verdict, text, comparisons


def _count_comparison(other, measure: str, ours: float, theirs: float) -> Comparison:
    return Comparison(other.name, measure, ours, theirs, Estimate(theirs - ours), outcome(Estimate(theirs - ours)))


def _losers_text(comparisons: list[Comparison], what: str) -> str:
    # each architecture once (the noise claim compares with parallel at every rate)
    lost = list(dict.fromkeys(c.against for c in comparisons if c.outcome == WORSE))
    tied = list(dict.fromkeys(c.against for c in comparisons if c.outcome == TIE))
    return ((f"; attention LOSES to {', '.join(lost)} on {what}" if lost else "")
            + (f"; tie with {', '.join(tied)}" if tied else ""))


def interconnect_claim(seed: ArchitectureResult, others: list[ArchitectureResult]) -> tuple[str, str, list]:
    if seed.estimate is None:
        return NOT_MEASURED, f"{seed.name} has no hardware estimate (its point failed)", []
    ours = seed.estimate.interconnect
    comparisons = []
    for other in others:
        if other.estimate is None:
            continue
        theirs = other.estimate.interconnect
        by_bits = _count_comparison(other, "interconnect data bits (fixed↔reconfigurable)",
                                    ours.interconnect_bits, theirs.interconnect_bits)
        if by_bits.outcome == TIE:  # equal bits: fewer streams decides
            by_bits = _count_comparison(other, "interconnect streams (bits equal)", ours.streams, theirs.streams)
        comparisons.append(by_bits)
    if not comparisons:
        return NOT_MEASURED, "no other architecture has a hardware estimate", []
    shown = ", ".join(f"{o.name} {o.estimate.interconnect.interconnect_bits:,}/{o.estimate.interconnect.streams}"
                      for o in others if o.estimate is not None)
    text = (f"{seed.name} {ours.interconnect_bits:,} bits / {ours.streams} streams; others (bits/streams): {shown}"
            + _losers_text(comparisons, "crossing wires"))
    return advantage_verdict([c.outcome for c in comparisons]), text, comparisons


def _k_keys(arch: ArchitectureResult) -> list[str]:
    keys = {k for d in arch.domains.values() for k in d.samples_needed if k != "all"}
    return sorted(keys, key=int)


def samples_claim(seed: ArchitectureResult, by_family: dict[str, ArchitectureResult]) -> tuple[str, str, list]:
    against = [by_family[f] for f in SAMPLES_AGAINST if f in by_family]
    ks = _k_keys(seed)
    if not ks or not against:
        why = "no k-shot sweep (--k-shot)" if not ks else f"none of {', '.join(SAMPLES_AGAINST)} was compared"
        return NOT_MEASURED, why, []
    comparisons, curve = [], []
    for k in ks:
        pick = lambda s, k=k: s.samples_needed[k].test_accuracy if k in s.samples_needed else None  # noqa: E731
        ours = accuracy_stats(seed, list(seed.domains), pick)
        if ours is not None:
            curve.append(f"k={k}: {100 * ours[0]:.1f} % [{100 * normal(*ours).low:.1f}, "
                         f"{100 * normal(*ours).high:.1f}]")
        for other in against:
            domains = common_domains(seed, other)
            a, b = accuracy_stats(seed, domains, pick), accuracy_stats(other, domains, pick)
            if a is None or b is None:
                continue
            diff = difference(a, b)
            comparisons.append(Comparison(other.name, f"mean test accuracy at k={k} images per class (fraction)",
                                          a[0], b[0], diff, outcome(diff)))
    smallest = [c for c in comparisons if c.measure.startswith(f"mean test accuracy at k={ks[0]} ")]
    if not smallest:
        return NOT_MEASURED, f"no comparator has the k={ks[0]} sweep on the same domains", comparisons
    diffs = "; ".join(f"minus {c.against} {pt(c.difference)}" for c in smallest)
    text = (f"{seed.name} {', '.join(curve)}; at k={ks[0]}: {diffs}"
            + _losers_text(smallest, f"accuracy at k={ks[0]}"))
    return advantage_verdict([c.outcome for c in smallest]), text, comparisons


def _noise_keys(arch: ArchitectureResult) -> list[str]:
    keys = {k for d in arch.domains.values() for k in d.label_noise if float(k) > 0}
    return sorted(keys, key=float)


def _drop(arch: ArchitectureResult, domains: list[str], rate: str) -> tuple[float, float] | None:
    """Mean accuracy drop from clean labels to ``rate`` and its variance (the two taken independent)."""
    clean = accuracy_stats(arch, domains, lambda s: s.label_noise["0"].test_accuracy if "0" in s.label_noise
                           else s.test_accuracy)
    noisy = accuracy_stats(arch, domains, lambda s: s.label_noise[rate].test_accuracy if rate in s.label_noise
                           else None)
    return None if clean is None or noisy is None else (clean[0] - noisy[0], clean[1] + noisy[1])


def noise_claim(seed: ArchitectureResult, by_family: dict[str, ArchitectureResult]) -> tuple[str, str, list]:
    other, rates = by_family.get("parallel"), _noise_keys(seed)
    if other is None or not rates:
        return NOT_MEASURED, "no label-noise sweep (--noise)" if not rates else "no parallel architecture", []
    domains = common_domains(seed, other)
    comparisons, parts = [], []
    for rate in rates:
        ours, theirs = _drop(seed, domains, rate), _drop(other, domains, rate)
        if ours is None or theirs is None:
            continue
        diff = difference(theirs, ours)  # > 0: attention drops less
        comparisons.append(Comparison(other.name, f"accuracy drop clean -> noise {rate} (fraction; smaller is better)",
                                      ours[0], theirs[0], diff, outcome(diff)))
        parts.append(f"noise {rate}: drop {100 * ours[0]:.1f} pt vs {100 * theirs[0]:.1f} pt, "
                     f"advantage {pt(diff)}")
    if not comparisons:
        return NOT_MEASURED, f"{other.name} lacks the noise sweep on the same domains", []
    text = "; ".join(parts) + _losers_text(comparisons, "robustness")
    return advantage_verdict([c.outcome for c in comparisons]), text, comparisons


def order_claim(seed: ArchitectureResult, others: list[ArchitectureResult]) -> tuple[str, str, list]:
    reference = next((o for o in others if o.family == ORDER_REFERENCE and o.estimate is not None), None)
    adapters = [o for o in others if o.family != ORDER_REFERENCE and o.estimate is not None]
    if seed.estimate is None or not adapters:
        return NOT_MEASURED, "no hardware estimates of attention and another adapter family", []
    comparisons = [_count_comparison(o, "latency (ms, estimated) at the common folding", seed.estimate.latency_ms,
                                     o.estimate.latency_ms) for o in adapters]
    re_entries = seed.estimate.interconnect.reconfigurable_to_fixed.streams
    base = "" if reference is None else (
        f"; over {reference.name} (classifier only) attention adds "
        f"{seed.estimate.latency_ms - reference.estimate.latency_ms:+.3f} ms")
    shown = ", ".join(f"{o.name} {o.estimate.latency_ms:.3f} ms / "
                      f"{o.estimate.interconnect.reconfigurable_to_fixed.streams}" for o in adapters)
    text = (f"{seed.name} latency {seed.estimate.latency_ms:.3f} ms, {re_entries} stream(s) re-enter the fixed "
            f"pipeline from reconfigurable nodes; others (latency / re-entering streams): {shown}{base}. "
            "Every design is folded for the same frame rate, so throughput does not separate them"
            + _losers_text(comparisons, "latency"))
    return advantage_verdict([c.outcome for c in comparisons]), text, comparisons


TRAINING_CLAIMS = {"parameters": parameters_claim, "samples": samples_claim, "noise": noise_claim}
HARDWARE_CLAIMS = {"interconnect": interconnect_claim, "order": order_claim}
ORDER = ("parameters", "interconnect", "samples", "order", "noise")


def claims_of(result: CompareResult, training: bool = True) -> list[ClaimRow]:
    """The claim rows of one comparison, per backbone among its architectures; ``training=False``:
    only the hardware claims (another device's comparison of the same training points)."""
    rows = []
    backbones = list(dict.fromkeys(a.backbone for a in result.architectures))
    for backbone in backbones:
        archs = [a for a in result.architectures if a.backbone == backbone]
        seed = next((a for a in archs if a.family == SEED_FAMILY), None)
        others = [a for a in archs if a is not seed]
        by_family = {}
        for a in others:
            by_family.setdefault(a.family, a)
        for claim in ORDER:
            if claim in TRAINING_CLAIMS and not training:
                continue
            device = result.device.name if claim in HARDWARE_CLAIMS else ""
            if seed is None:
                verdict, text, comparisons = NOT_MEASURED, f"no {SEED_FAMILY} architecture on {backbone}", []
            elif claim in TRAINING_CLAIMS:
                verdict, text, comparisons = TRAINING_CLAIMS[claim](seed, by_family)
            else:
                verdict, text, comparisons = HARDWARE_CLAIMS[claim](seed, others)
            rows.append(ClaimRow(claim, backbone, device, STATEMENTS[claim], verdict, text, comparisons))
    return rows


def study_claims(results: list[CompareResult]) -> ClaimsTable:
    """Claims over several comparisons: training claims once per backbone (the first result that
    has it: another device reuses the same training points), hardware claims per device."""
    rows, seen = [], set()
    for result in results:
        backbones = {a.backbone for a in result.architectures}
        rows += claims_of(result, training=not backbones <= seen)
        seen |= backbones
    order = {c: i for i, c in enumerate(ORDER)}
    unique = {(r.claim, r.backbone, r.device): r for r in reversed(rows)}  # the first of each wins
    return ClaimsTable(METHOD, sorted(unique.values(), key=lambda r: (r.backbone, order[r.claim], r.device)))
