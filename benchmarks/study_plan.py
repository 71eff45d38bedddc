"""Planning `make study`: measure one training point per family and backbone, project the study's wall time.

    python benchmarks/study_plan.py [--max-per-class 10] [--domain sklearn_digits] [--cache-dir DIR]
        [--workers 2] [--epoch-fraction 1.0] [--budget-hours 3,1.6667] [--measured FILE.json]

Measures (one thread per run, as each `codesign compare` worker): for every family of each
backbone, one main run (1 seed, 1 epoch) on one domain at a tiny --max-per-class, with the
training layer's own runner (codesign.train.runner: feature cache, validation, test
evaluation). From each run: seconds per train+validation image per epoch (the epoch times),
the feature-cache build per image, and the rest of the run (model build, live probe, test
evaluation) as a fixed cost per point. Then it projects a study configuration:

    point seconds = fixed + cache build/image x (train + val + test)
                    + epochs x epoch-fraction x (train + val) x seconds/image
    study wall    = (sum over points + FINN conversions) / workers

with one point per (backbone, family, domain, seed) and step size (main runs), k-shot and
label-noise rate (at the chosen step size), the domains' real class counts and image pools
(the test split is fixed: at most 250 images). The second device (zcu104) takes every
training point from the cache (their keys hold no device) and recomputes only its
estimates: its FINN conversions per architecture (~1 min cnv; MobileNetV2 ~4 min, as
tests/compare/test_compare_mobilenet_v2.py measures a whole comparison: an upper bound).
`--epoch-fraction 1.0` assumes no run stops early (an upper bound). Prints the issue's
full configuration, then the largest of a fixed ladder of smaller ones that fits each budget.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FAMILIES = {"cnv": ("attention", "parallel", "series", "side", "head", "scale_bias", "finetune"),
            "mobilenet_v2": ("attention", "parallel", "side", "head", "scale_bias", "finetune")}  # no series
CONVERSION_SECONDS = {"cnv": 60.0, "mobilenet_v2": 240.0}  # FINN conversions per architecture and device
DEVICES = 2  # pynq-z1 and zcu104
STUDY_DOMAINS = ("mnist", "fashion_mnist", "clipart", "emoji_google", "opencv_digits", "animal_mnist",
                 "sklearn_digits")
MAX_TEST_IMAGES, VAL_FRACTION = 250, 0.1  # codesign.data.prepare: fixed test split; 10 % of train+val


@dataclass(frozen=True)
class Cost:
    """Measured cost of one training point (one thread)."""
    seconds_per_image_epoch: float  # train + validation image, one epoch
    build_seconds_per_image: float  # feature cache, per image of every split
    fixed_seconds: float  # the rest of a point


@dataclass(frozen=True)
class Config:
    domains: tuple[str, ...]
    seeds: int
    k_shot: tuple[int, ...]
    noise: tuple[float, ...]
    epochs: int
    patience: int
    max_per_class: int
    lr: tuple[float, ...]
    workers: int = 2

    def flags(self) -> str:
        return (f"--domains {','.join(self.domains)} --seeds {self.seeds} --lr {','.join(f'{x:g}' for x in self.lr)} "
                f"--k-shot {','.join(map(str, self.k_shot))} --noise {','.join(f'{x:g}' for x in self.noise)} "
                f"--epochs {self.epochs} --patience {self.patience} --max-per-class {self.max_per_class} "
                f"--workers {self.workers}")


def measure(backbone: str, family: str, domain: str, max_per_class: int, cache_dir: str) -> Cost:
    import torch

    from codesign.data import prepare_domain
    from codesign.specs.graph import load_graph
    from codesign.train.config import TrainConfig
    from codesign.train.inputs import DomainSplits
    from codesign.train.runner import run_domain_study
    from codesign.train.runs import plan_runs

    torch.set_num_threads(1)
    prepared = prepare_domain(domain, f"{cache_dir}/domains", size=32, seed=0, max_per_class=max_per_class)
    splits = DomainSplits.from_prepared(prepared)
    start = time.perf_counter()
    doc = run_domain_study(load_graph(f"{backbone}_{family}"), splits, plan_runs([0]), TrainConfig(epochs=1),
                           Path(cache_dir) / "plan" / f"{backbone}_{family}", log=lambda _m: None)
    wall = time.perf_counter() - start
    run = doc["runs"][0]
    epochs = sum(run["epoch_seconds"])
    build = float(run["feature_cache"].get("build_seconds") or 0.0)
    trainval, everything = len(splits.train) + len(splits.val), len(splits.train) + len(splits.val) + len(splits.test)
    return Cost(epochs / (run["epochs_run"] * trainval), build / everything, max(0.0, wall - epochs - build))


def domain_sizes(names) -> dict[str, tuple[int, int, int]]:
    """(classes, images per class outside the test split, test images) from the registry's nominal figures."""
    from codesign.data.domains import get_domain

    sizes = {}
    for name in names:
        entry = get_domain(name)
        test = min(MAX_TEST_IMAGES, round(0.2 * entry.images))
        sizes[name] = (entry.classes, (entry.images - test) // entry.classes, test)
    return sizes


def point_seconds(cost: Cost, classes: int, trainval_per_class: int, test: int, k: int | None,
                  epochs: float) -> float:
    val = round(VAL_FRACTION * trainval_per_class) * classes
    train = trainval_per_class * classes - val if k is None else min(k, trainval_per_class) * classes
    return (cost.fixed_seconds + cost.build_seconds_per_image * (train + val + test)
            + epochs * (train + val) * cost.seconds_per_image_epoch)


def project(costs: dict[tuple[str, str], Cost], config: Config, epoch_fraction: float) -> dict[str, float]:
    """CPU seconds of training and of conversions per backbone, and the wall time (s)."""
    sizes = domain_sizes(config.domains)
    epochs = config.epochs * epoch_fraction
    out: dict[str, float] = {}
    for backbone, families in FAMILIES.items():
        train = 0.0
        for family in families:
            cost = costs[(backbone, family)]
            for classes, pool, test in sizes.values():
                per_class = min(config.max_per_class, pool)
                runs = [None] * len(config.lr) + list(config.k_shot) + [None] * len(config.noise)
                train += config.seeds * sum(point_seconds(cost, classes, per_class, test, k, epochs) for k in runs)
        out[f"{backbone} training"] = train
        out[f"{backbone} conversions"] = CONVERSION_SECONDS[backbone] * len(families) * DEVICES
    out["wall"] = sum(out.values()) / config.workers
    return out


# step sizes: the study's grid (Makefile STUDY_SETTINGS)
FULL = Config(STUDY_DOMAINS, 3, (5, 10, 25, 50), (0.1, 0.2, 0.4), 30, 5, 300, (5e-5, 1e-3, 5e-3, 0.02))


def _rung(max_per_class: int, epochs: int, patience: int, **changes) -> Config:
    """A smaller configuration; k-shot points at or above the training images per class would
    repeat the main run, so only the k below 90 % of --max-per-class stay."""
    k_shot = tuple(k for k in changes.pop("k_shot", FULL.k_shot) if k < (1 - VAL_FRACTION) * max_per_class)
    return replace(FULL, max_per_class=max_per_class, epochs=epochs, patience=patience, k_shot=k_shot, **changes)


# From the most to the least work; every rung keeps >= 6 domains from >= 4 sources, 3 seeds,
# both backbones and devices, k-shot and noise sweeps and the validation choice of the step size.
LADDER = [_rung(m, e, p) for m, e, p in
          ((300, 30, 5), (300, 15, 4), (200, 15, 4), (150, 12, 4), (100, 12, 4), (100, 8, 3), (75, 8, 3),
           (60, 8, 3), (60, 6, 3), (50, 6, 3), (40, 6, 3), (40, 5, 3), (30, 6, 3), (30, 5, 3), (30, 4, 2),
           (20, 5, 3))]
LADDER += [_rung(20, 5, 3, noise=(0.2, 0.4)), _rung(20, 5, 3, noise=(0.4,)), _rung(20, 4, 2, noise=(0.4,)),
           _rung(15, 4, 2, noise=(0.4,)), _rung(20, 3, 2, noise=(0.4,)), _rung(15, 3, 2, noise=(0.4,)),
           _rung(15, 3, 2, noise=(0.4,), domains=STUDY_DOMAINS[:6])]


def show(title: str, config: Config, projection: dict[str, float]) -> None:
    parts = ", ".join(f"{k} {v / 3600:.2f} h" for k, v in projection.items() if k != "wall")
    print(f"{title}: wall {projection['wall'] / 3600:.2f} h ({projection['wall'] / 60:.0f} min) on "
          f"{config.workers} workers [{parts} CPU]\n    {config.flags()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-per-class", type=int, default=10, help="images per class of the measured runs")
    parser.add_argument("--domain", default="sklearn_digits", help="the measured domain")
    parser.add_argument("--cache-dir", default="/tmp/codesign_study_plan")
    parser.add_argument("--epoch-fraction", type=float, default=1.0, help="share of --epochs a run lasts (1: none "
                                                                           "stops early, an upper bound)")
    parser.add_argument("--budget-hours", default="3,1.6667", help="wall-time budgets to fit (default 3 h, 100 min)")
    parser.add_argument("--measured", help="reuse the costs a previous run wrote (JSON) instead of measuring")
    args = parser.parse_args()
    costs: dict[tuple[str, str], Cost] = {}
    if args.measured:
        costs = {tuple(k.split("/")): Cost(**v) for k, v in json.loads(Path(args.measured).read_text()).items()}
    else:
        for backbone, families in FAMILIES.items():
            for family in families:
                costs[(backbone, family)] = cost = measure(backbone, family, args.domain, args.max_per_class,
                                                           args.cache_dir)
                print(f"measured {backbone}_{family}: {1e3 * cost.seconds_per_image_epoch:.2f} ms per image-epoch, "
                      f"cache build {1e3 * cost.build_seconds_per_image:.2f} ms/image, fixed "
                      f"{cost.fixed_seconds:.1f} s per point", flush=True)
        Path(args.cache_dir).mkdir(parents=True, exist_ok=True)
        (Path(args.cache_dir) / "costs.json").write_text(json.dumps({"/".join(k): vars(v) for k, v in costs.items()},
                                                                    indent=1))
    show("issue's full configuration", FULL, project(costs, FULL, args.epoch_fraction))
    for hours in (float(h) for h in args.budget_hours.split(",")):
        fitting = next((c for c in LADDER if project(costs, c, args.epoch_fraction)["wall"] <= hours * 3600), None)
        if fitting is None:
            print(f"nothing on the ladder fits {hours:.2f} h")
        else:
            show(f"largest on the ladder within {hours:.2f} h", fitting, project(costs, fitting, args.epoch_fraction))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
