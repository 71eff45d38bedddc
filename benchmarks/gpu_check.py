"""GPU check (run on a machine with a CUDA GPU): the same tiny study on the CPU and on CUDA.

    python benchmarks/gpu_check.py [--backbone cnv] [--family attention] [--domain sklearn_digits]
        [--max-per-class 30] [--epochs 3] [--seeds 0,1,2] [--cpu-threads 2]

Trains one family (cnv: the shipped backbone; mobilenet_v2: its ImageNet weights) on one
domain per seed with --accelerator cpu and cuda through train_one_run (the code of
``codesign train`` and ``compare``) and prints
per seed the test accuracies, their difference, the seeds' spread on the CPU (the seed
noise the CUDA numbers must stay within) and the wall time of each device as a ratio.
The CPU runs use --cpu-threads torch threads (2: this project's 2-core machine), so the
ratio says what the GPU gains over the machine the study is otherwise run on.
Exit status 1 when CUDA's mean accuracy is further from the CPU's than 2 CPU seed
standard deviations (or 2 test images when the seeds agree), 2 without a GPU.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from codesign.data import prepare_domain  # noqa: E402
from codesign.specs.graph import load_graph  # noqa: E402
from codesign.train.config import TrainConfig  # noqa: E402
from codesign.train.inputs import DomainSplits  # noqa: E402
from codesign.train.one_run import train_one_run  # noqa: E402
from codesign.train.runs import RunPlan  # noqa: E402


def _runs(spec, base, seeds, config, accelerator, threads):
    torch.set_num_threads(threads)
    accuracies, start = [], time.perf_counter()
    for seed in seeds:
        record = train_one_run(spec, base, RunPlan(seed=seed), TrainConfig(**{**config, "accelerator": accelerator}),
                               random_backbone=False).record
        assert record.accelerator == accelerator
        accuracies.append(record.test_accuracy)
    return accuracies, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", choices=("cnv", "mobilenet_v2"), default="cnv")
    parser.add_argument("--family", default="attention")
    parser.add_argument("--domain", default="sklearn_digits")
    parser.add_argument("--max-per-class", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--cache-dir", default=".cache/domains")
    parser.add_argument("--cpu-threads", type=int, default=2, help="torch threads of the CPU runs")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("gpu_check: torch sees no CUDA GPU here", file=sys.stderr)
        return 2
    seeds = [int(s) for s in args.seeds.split(",")]
    base = DomainSplits.from_prepared(prepare_domain(args.domain, args.cache_dir, size=32, seed=0,
                                                     max_per_class=args.max_per_class))
    spec = load_graph(f"{args.backbone}_{args.family}")
    all_threads = torch.get_num_threads()
    config = {"epochs": args.epochs, "patience": args.epochs, "live_probe_batches": 0}
    cpu, cpu_s = _runs(spec, base, seeds, config, "cpu", args.cpu_threads)
    cuda, cuda_s = _runs(spec, base, seeds, config, "cuda", all_threads)
    print(f"gpu_check: {spec.name} on {args.domain} ({len(base.test)} test images), seeds {seeds}, "
          f"{torch.cuda.get_device_name(0)}, cpu runs on {args.cpu_threads} of {all_threads} threads")
    for seed, a, b in zip(seeds, cpu, cuda):
        print(f"  seed {seed}: cpu {100 * a:.2f} %  cuda {100 * b:.2f} %  diff {100 * (b - a):+.2f} points")
    spread = statistics.stdev(cpu) if len(cpu) > 1 else 0.0
    tolerance = max(2 * spread, 2 / len(base.test))
    gap = abs(statistics.mean(cuda) - statistics.mean(cpu))
    print(f"  mean cpu {100 * statistics.mean(cpu):.2f} %, cuda {100 * statistics.mean(cuda):.2f} %, gap "
          f"{100 * gap:.2f} points; allowed {100 * tolerance:.2f} (2 CPU seed std or 2 test images)")
    print(f"  wall time: cpu {cpu_s:.1f} s, cuda {cuda_s:.1f} s: cuda {cpu_s / cuda_s:.2f}x the speed of the cpu")
    return 0 if gap <= tolerance else 1


if __name__ == "__main__":
    raise SystemExit(main())
