"""Uncertainty of the measured accuracies: 95 % bootstrap intervals and paired differences.

A test accuracy varies with the training seed and with which images happen to be in the
test split, so both are resampled (two-level bootstrap): each replicate draws the seeds
with replacement, then the images of the domain's fixed test split with replacement, and
takes the mean over the drawn seeds of the accuracy on the drawn images. The draws
depend only on (bootstrap seed, domain, test-split size, seeds), so every architecture
sees the same resampled images and seeds: the difference of two architectures' replicates
is a *paired* difference, which cancels the images that are hard for both.

Where the per-image outcomes are unknown (documents written before they were kept) a
domain's replicates are drawn from a normal approximation instead: mean over seeds,
variance = seed variance / seeds + binomial variance p(1 - p) / test images. Such
replicates are independent between architectures (an unpaired, wider interval) and say
so in their ``method``. numpy only; the same inputs and seed give the same numbers.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95  # two-sided coverage of every interval
REPLICATES = 2000  # bootstrap replicates per interval
BOOTSTRAP_SEED = 0  # the comparison's intervals are reproducible, not reseeded per run

BOOTSTRAP = "bootstrap over seeds and test images"
NORMAL = "normal approximation from the accuracies and the test-set size (no per-image outcomes)"
PAIRED = "paired bootstrap (same resampled seeds and test images)"
UNPAIRED = "unpaired (normal approximation on one side at least)"


@dataclass(frozen=True)
class DomainOutcomes:
    """One architecture's main runs on one domain.

    ``correct[i, j]`` is 1 when the run of ``seeds[i]`` classified test image ``j``
    correctly (the domain's fixed test order); None when only the accuracies are known.
    """
    seeds: tuple[int, ...]
    accuracies: tuple[float, ...]  # fraction, one per seed
    test_images: int
    correct: np.ndarray | None = None

    @classmethod
    def of(cls, runs: list[tuple[int, float, list[int] | None]], test_images: int) -> "DomainOutcomes":
        """From ``(seed, test accuracy, test_correct or None)`` per run; per-image outcomes are
        used only when every run has them, all of the test split's length."""
        runs = sorted(runs, key=lambda r: r[0])
        vectors = [r[2] for r in runs]
        usable = bool(runs) and all(v is not None and len(v) == test_images for v in vectors) and test_images > 0
        correct = np.asarray(vectors, dtype=np.float64) if usable else None
        return cls(tuple(r[0] for r in runs), tuple(float(r[1]) for r in runs), test_images, correct)

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.accuracies))


def interval(samples: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` percentile interval of bootstrap replicates."""
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(samples, [tail, 1.0 - tail])
    return float(low), float(high)


def _counts(rng: np.random.Generator, replicates: int, n: int) -> np.ndarray:
    """How often each of ``n`` items is drawn in each replicate of n draws with replacement."""
    draws = rng.integers(0, n, size=(replicates, n)) + n * np.arange(replicates)[:, None]
    return np.bincount(draws.ravel(), minlength=replicates * n).reshape(replicates, n).astype(np.float64)


class AccuracyReplicates:
    """Replicates of per-domain accuracy of several architectures on shared draws.

    ``outcomes[architecture][domain]``; ``domain(a, d)`` and ``mean(a)`` are arrays of
    ``replicates`` accuracies (fractions), None where the data are missing.
    """

    def __init__(self, outcomes: dict[str, dict[str, DomainOutcomes]], domains: list[str],
                 seed: int = BOOTSTRAP_SEED, replicates: int = REPLICATES):
        self.domains = list(domains)
        self.seed, self.replicates = seed, replicates
        self._draws: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._samples = {arch: {d: self._replicate(arch, d, o) for d, o in per_domain.items() if o.seeds}
                         for arch, per_domain in outcomes.items()}
        self._paired = {arch: all(o.correct is not None for o in per_domain.values())
                        for arch, per_domain in outcomes.items()}

    def _shared_draws(self, domain: str, test_images: int, seeds: tuple[int, ...]):
        key = (domain, test_images, seeds)
        if key not in self._draws:
            index = self.domains.index(domain) if domain in self.domains else len(self.domains)
            rng = np.random.default_rng([self.seed, index, test_images, len(seeds), *seeds])
            self._draws[key] = (_counts(rng, self.replicates, len(seeds)),
                                _counts(rng, self.replicates, test_images))
        return self._draws[key]

    def _replicate(self, arch: str, domain: str, o: DomainOutcomes) -> np.ndarray:
        if o.correct is not None:
            seed_counts, image_counts = self._shared_draws(domain, o.test_images, o.seeds)
            per_seed = image_counts @ o.correct.T / o.test_images  # (replicates, seeds)
            return (per_seed * seed_counts).sum(axis=1) / len(o.seeds)
        return normal_replicates(o, np.random.default_rng(
            [self.seed, zlib.crc32(arch.encode()), zlib.crc32(domain.encode())]), self.replicates)

    def domain(self, arch: str, domain: str) -> np.ndarray | None:
        return self._samples.get(arch, {}).get(domain)

    def mean(self, arch: str) -> np.ndarray | None:
        """Mean over every domain; None unless the architecture has all of them."""
        per_domain = [self.domain(arch, d) for d in self.domains]
        if not per_domain or any(s is None for s in per_domain):
            return None
        return np.mean(per_domain, axis=0)

    def method(self, arch: str) -> str:
        return BOOTSTRAP if self._paired.get(arch) else NORMAL

    def pair_method(self, a: str, b: str) -> str:
        return PAIRED if self._paired.get(a) and self._paired.get(b) else UNPAIRED


def normal_replicates(o: DomainOutcomes, rng: np.random.Generator, replicates: int) -> np.ndarray:
    """Replicates of the mean accuracy from its normal approximation, clipped to [0, 1]."""
    p, n_seeds = o.accuracy, len(o.accuracies)
    seed_var = float(np.var(o.accuracies, ddof=1)) if n_seeds > 1 else 0.0
    binomial_var = p * (1.0 - p) / max(1, o.test_images)
    spread = math.sqrt(seed_var / n_seeds + binomial_var)
    return np.clip(p + spread * rng.standard_normal(replicates), 0.0, 1.0)


def difference(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Interval of a - b from replicates drawn on the same resamples (paired) or not."""
    return interval(a - b, level)


def beyond_noise(low: float, high: float) -> bool:
    """A difference whose interval excludes 0."""
    return low > 0.0 or high < 0.0
