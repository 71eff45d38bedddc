"""The seed's metrics: declarations, the Decathlon-style score, mean ± std over seeds.

Decathlon score (Rebuffi et al. 2017; docs/data.md), per domain d:

    S_d = a_d * max(0, Emax_d - E_d)^2,   Emax_d = 2 * E_base_d,   a_d = 1000 / Emax_d^2

E_d is the method's test error (fraction) and E_base_d the error of the ``finetune``
baseline on the same domain. S_d = 1000 for a perfect method, 250 for one that
matches the baseline, 0 for one at twice the baseline's error or worse.

A zero baseline error would make Emax_d = 0 and a_d infinite. A test set of n images
cannot resolve an error below 1/n, so the baseline error is floored at one test image,
E_base_d >= 1/n_test_d: a perfect method then still scores 1000, one test error
scores 250 (it matches the resolvable baseline) and two or more score 0.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from types import MappingProxyType

MAX_PER_DOMAIN = 1000.0  # Decathlon points a perfect domain earns


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    higher_is_better: bool
    description: str

    def to_dict(self) -> dict:
        return asdict(self)


METRICS = MappingProxyType({m.name: m for m in (
    Metric("test_accuracy", "fraction", True, "top-1 accuracy on the clean test split at the best "
                                               "validation epoch"),
    Metric("val_accuracy", "fraction", True, "best top-1 accuracy on the clean validation split"),
    Metric("decathlon_score", "points (<= 1000 per domain)", True,
           "Decathlon-style score against the finetune baseline (metrics.py)"),
    Metric("trainable_parameters", "parameters", False, "parameters this domain trains and stores"),
    Metric("domain_bytes", "bytes", False, "storage of the domain's modules at their bit widths"),
    Metric("macs_inference", "MACs per image", False, "multiply-accumulates of one inference"),
    Metric("macs_training", "MACs per training sample", False,
           "forward + the backward really needed, per sample and epoch (cached if used)"),
    Metric("epoch_seconds", "s", False, "measured wall time per epoch (train + validation)"),
    Metric("epochs_run", "epochs", False, "epochs until early stopping or the limit"),
    Metric("samples_needed", "fraction at k per class", True,
           "test accuracy with k labelled training images per class (nested subsets)"),
    Metric("label_noise_accuracy", "fraction at noise rate", True,
           "test accuracy with that share of training labels flipped (val/test clean)"),
)})


def decathlon_domain_score(error: float, baseline_error: float, n_test: int) -> dict:
    """Score of one domain; errors are fractions in [0, 1]; n_test = test images."""
    if not (0.0 <= error <= 1.0 and 0.0 <= baseline_error <= 1.0):
        raise ValueError(f"errors must be fractions in [0, 1], got {error} and {baseline_error}")
    if n_test < 1:
        raise ValueError(f"n_test must be >= 1, got {n_test}")
    floored = max(baseline_error, 1.0 / n_test)
    emax = 2.0 * floored
    score = (MAX_PER_DOMAIN / emax ** 2) * max(0.0, emax - error) ** 2
    return {"score": score, "error": error, "baseline_error": baseline_error,
            "baseline_error_used": floored, "emax": emax, "floored": floored != baseline_error}


def decathlon_score(errors: dict[str, float], baseline_errors: dict[str, float],
                    n_test: dict[str, int]) -> dict:
    """Sum over the domains both sides have; domains without a baseline are listed."""
    common = [d for d in errors if d in baseline_errors]
    per_domain = {d: decathlon_domain_score(errors[d], baseline_errors[d], n_test[d]) for d in common}
    return {"score": sum(v["score"] for v in per_domain.values()), "max_score": MAX_PER_DOMAIN * len(common),
            "domains": per_domain, "without_baseline": sorted(set(errors) - set(baseline_errors))}


def mean_std(values: list[float]) -> dict:
    """Mean, sample standard deviation (n-1; 0 for one value) and n, NaNs dropped."""
    clean = [float(v) for v in values if v is not None and not math.isnan(v)]
    n = len(clean)
    if not n:
        return {"mean": None, "std": None, "n": 0}
    mean = sum(clean) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in clean) / (n - 1)) if n > 1 else 0.0
    return {"mean": mean, "std": std, "n": n}


def format_mean_std(stat: dict, scale: float = 100.0, digits: int = 1) -> str:
    """'93.4 ± 0.8 (n=3)' (accuracies in percent by default)."""
    if not stat or stat.get("n", 0) == 0:
        return "-"
    return f"{stat['mean'] * scale:.{digits}f} ± {stat['std'] * scale:.{digits}f} (n={stat['n']})"
