"""Per-domain records of a comparison: training summaries and the Decathlon-style score.

``DomainSummary`` is one architecture's numbers on one domain: the training layer's
summary of its runs (codesign.train.results.summarise_domain: mean ± std over seeds,
the k-shot and label-noise curves, parameters, MACs) plus what the comparison adds
(total training MACs, test images). ``Decathlon`` is the score of codesign.train.metrics
against the compared fine-tuning baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codesign.records import OMIT_IF_NONE, Record


@dataclass
class MeanStd(Record):
    """Mean and sample standard deviation over seeds; n = values (None/None/0: none)."""
    mean: float | None
    std: float | None
    n: int


@dataclass
class Interval(Record):
    """A 95 % interval of a measured quantity (compare/stats.py) and how it was obtained."""
    low: float
    high: float
    method: str  # stats.BOOTSTRAP or stats.NORMAL


@dataclass
class Difference(Record):
    """``a`` minus ``b`` on the same test images and seeds, with its 95 % interval."""
    a: str
    b: str
    metric: str  # "accuracy" (mean over domains, fraction) or "decathlon" (score points)
    value: float
    low: float
    high: float
    method: str  # stats.PAIRED or stats.UNPAIRED

    @property
    def beyond_noise(self) -> bool:
        """The interval excludes 0: the data tell the two apart."""
        return self.low > 0.0 or self.high < 0.0


@dataclass
class SamplesPoint(Record):
    """One point of the sample-efficiency curve (k images per class, or all)."""
    test_accuracy: MeanStd  # fraction
    train_samples: MeanStd  # training images used


@dataclass
class NoisePoint(Record):
    """One point of the label-noise curve."""
    test_accuracy: MeanStd  # fraction
    realised_noise: MeanStd  # fraction of training labels actually changed


@dataclass
class DomainSummary(Record):
    test_accuracy: MeanStd  # fraction, main runs (all labels, clean)
    val_accuracy: MeanStd
    epochs_run: MeanStd
    epoch_seconds: MeanStd  # s per epoch (train + validation)
    adaptation_seconds: MeanStd  # s per training run
    trainable_parameters: int | None
    domain_bytes: float | None  # quantised weights + thresholds + float BatchNorm of the domain
    macs_inference: int | None  # per image
    macs_training: int | None  # per training sample and epoch
    feature_cache_speedup_per_epoch: MeanStd  # measured: live / cached epoch time (feature-cacheable families)
    samples_needed: dict[str, SamplesPoint]  # k images per class ("5", "10", "all") ->
    label_noise: dict[str, NoisePoint]  # rate ("0", "0.2") ->
    training_macs_total: MeanStd  # MACs of one domain's training run (main runs)
    test_images: int
    # 95 % interval of the mean test accuracy over seeds and test images (absent in older documents)
    test_accuracy_interval: Interval | None = field(default=None, metadata=OMIT_IF_NONE)

    @classmethod
    def of_runs(cls, runs: list[dict], parameters: dict, macs: dict, test_images: int) -> "DomainSummary":
        """Summarise the run records (dict form) of one architecture on one domain."""
        from codesign.train.metrics import mean_std
        from codesign.train.results import summarise_domain

        summary = summarise_domain(runs, {"parameters": parameters, "macs": macs})
        main = [r for r in runs if r["k_per_class"] is None and r["label_noise"] == 0.0]
        per_sample = summary["macs_training"] or 0
        summary["training_macs_total"] = mean_std([per_sample * r["train_samples"] * r["epochs_run"] for r in main])
        summary["test_images"] = test_images
        return cls.from_dict(summary, "domain summary")


@dataclass
class DomainScore(Record):
    score: float  # points, <= 1000
    error: float  # test error (fraction)
    baseline_error: float
    baseline_error_used: float  # floored at one test image
    emax: float
    floored: bool


@dataclass
class Decathlon(Record):
    score: float  # sum over domains
    max_score: float  # 1000 per domain
    domains: dict[str, DomainScore]
    without_baseline: list[str]  # domains the baseline has no accuracy on
    baseline: str  # the architecture scored against


def decathlon_against(domains: dict[str, DomainSummary], baseline: dict[str, DomainSummary],
                      baseline_name: str) -> Decathlon:
    """The Decathlon-style score of one architecture's domains against the baseline's."""
    from codesign.train.metrics import decathlon_score

    errors = {d: 1.0 - s.test_accuracy.mean for d, s in domains.items()}
    base_errors = {d: 1.0 - s.test_accuracy.mean for d, s in baseline.items()}
    score = decathlon_score(errors, base_errors, {d: s.test_images for d, s in domains.items()})
    return Decathlon.from_dict({**score, "baseline": baseline_name}, "decathlon")


def decathlon_replicates(domains: dict, baseline: dict, test_images: dict[str, int]):
    """Replicates of the Decathlon-style score from replicates of per-domain accuracy
    (``{domain: array}``, compare/stats.py) of an architecture and of its baseline, drawn on
    the same resamples; the score of each replicate is codesign.train.metrics' own."""
    import numpy as np

    from codesign.train.metrics import decathlon_domain_score

    common = [d for d in domains if d in baseline]
    total = np.zeros(len(next(iter(domains.values()))) if domains else 0)
    for d in common:
        total += [decathlon_domain_score(1.0 - a, 1.0 - b, test_images[d])["score"]
                  for a, b in zip(domains[d], baseline[d])]
    return total
