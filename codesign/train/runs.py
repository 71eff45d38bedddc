"""Which runs a study makes: seeds x (main, k-shot subsets, label-noise rates).

The main run uses every training label, clean. The samples-needed curve varies k with
clean labels; the noise study varies the rate with all images. The two are not
crossed: that would multiply the cost for a question (few *and* noisy labels) the
seed's metrics do not ask.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from codesign.train.config import TrainError

K_SHOT_DEFAULT = (5, 10, 25, 50, 100, None)  # None = all training images
NOISE_DEFAULT = (0.0, 0.1, 0.2, 0.4)  # fraction of training labels flipped


@dataclass(frozen=True)
class RunPlan:
    seed: int
    k_per_class: int | None = None  # labelled training images per class; None = all
    label_noise: float = 0.0  # fraction of training labels replaced by another class

    @property
    def is_main(self) -> bool:
        return self.k_per_class is None and self.label_noise == 0.0

    @property
    def tag(self) -> str:
        k = "all" if self.k_per_class is None else str(self.k_per_class)
        return f"seed{self.seed}-k{k}-noise{self.label_noise:g}"

    def to_dict(self) -> dict:
        return asdict(self)


def parse_k_shot(text: str | None) -> list[int | None]:
    """'5,10,all' -> [5, 10, None]."""
    if not text:
        return []
    values: list[int | None] = []
    for item in text.split(","):
        item = item.strip()
        if item == "all":
            values.append(None)
            continue
        try:
            k = int(item)
        except ValueError:
            raise TrainError(f"--k-shot: {item!r} is not a count per class (integers >= 1 or 'all')") from None
        if k < 1:
            raise TrainError(f"--k-shot: {k} must be >= 1 image per class")
        values.append(k)
    return values


def parse_noise(text: str | None) -> list[float]:
    """'0,0.1,0.2' -> [0.0, 0.1, 0.2] (fractions of training labels)."""
    if not text:
        return []
    values = []
    for item in text.split(","):
        try:
            rate = float(item)
        except ValueError:
            raise TrainError(f"--noise: {item.strip()!r} is not a fraction in [0, 1)") from None
        if not 0.0 <= rate < 1.0:
            raise TrainError(f"--noise: {rate} must be a fraction in [0, 1) of training labels")
        values.append(rate)
    return values


def plan_runs(seeds: list[int], k_shots: list[int | None] = (), noises: list[float] = ()) -> list[RunPlan]:
    """Main run per seed, then each k (clean), then each noise rate (all images)."""
    plans: list[RunPlan] = []
    for seed in seeds:
        candidates = [RunPlan(seed)]
        candidates += [RunPlan(seed, k_per_class=k) for k in k_shots]
        candidates += [RunPlan(seed, label_noise=r) for r in noises]
        for plan in candidates:
            if plan not in plans:
                plans.append(plan)
    return plans
