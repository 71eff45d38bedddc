#!/usr/bin/env python3
"""Compare the numbers of two ``compare.json`` files (format 1 or 2): ``identical`` or the differences.

    python scripts/check_demo_numbers.py reports/examples/demo/compare.json reports/demo/compare.json

Both files are read as the current format (a format-1 file is converted: only key names
change), then every value that a comparison computes is compared exactly, bit for bit:
per architecture the per-domain test and validation accuracies (mean, std and n over
seeds; with n = 2 the mean and std pin both seeds' values) of the main runs and of every
k-shot and label-noise setting, trainable parameters, bytes, MACs and epochs run; the
estimate (fit, shortfall, resources and utilisation, FPS, latency, energy, interconnect
streams and bits, domain switch); the mean accuracy, Decathlon-style scores, step-size
choice, budget checks, Pareto flags and fronts; the verdict; the device and domains.

Left out, because they differ from run to run without being results: when and by
which command and codesign version the file was made, how many points came from the
cache, wall times (``seconds``, ``epoch_seconds``, ``adaptation_seconds``,
``wall_seconds``), the measured feature-cache speed-up and the executor's description.
A mean over more than two training runs (a step size's validation accuracy over domains
x seeds; with 3+ seeds a domain's accuracy) was summed, before format 2, in the order
the points happened to finish, so its last bit varied from run to run; format 2 sums in
plan order. Such a value differing by at most a few units in the last place is listed
apart, as summation order, and does not count as a difference.
Exit status: 0 identical, 1 different, 2 a file that is not a compare.json.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

# paths (dotted, list indices as [i]) left out of the comparison; see the docstring
VOLATILE = [
    r"^(created|command|codesign_version|format_version)$",
    r"^points\.",
    r"^settings\.executor$",
    r"\.estimate\.seconds$",
    r"\.(epoch_seconds|adaptation_seconds|feature_cache_speedup_per_epoch)\.",
]


def flatten(value, path: str = "") -> dict[str, object]:
    """``{dotted path: leaf value}`` of a JSON document (architectures keyed by name)."""
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}" if path else str(key)))
        return out or {path: {}}
    if isinstance(value, list):
        if path == "architectures":  # by name: an architecture moved in the list is not a difference
            return {k: v for arch in value for k, v in flatten(arch, f"architectures[{arch['name']}]").items()}
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, f"{path}[{i}]"))
        return out or {path: []}
    return {path: value}


def same(old, new) -> bool:
    """Equal, bit for bit (NaN equals NaN; 1 and 1.0 are the same number)."""
    if isinstance(old, float) and isinstance(new, float) and math.isnan(old) and math.isnan(new):
        return True
    return type(old) is type(new) and old == new or (
        isinstance(old, (int, float)) and isinstance(new, (int, float))
        and not isinstance(old, bool) and not isinstance(new, bool) and old == new)


# means over training runs (see the docstring): their last bits depended on finishing order
RUN_MEANS = [r"\.training_lr\.validation_accuracy\.", r"\.domains\.[^.]+\..*\.(mean|std)$"]
ORDER_ULPS = 4  # a sum of n <= 100 terms reordered moves by far less than this many ulps in practice


def summation_order_only(key: str, old, new) -> bool:
    """A mean over runs that differs only as a reordered sum would (a few ulps)."""
    if not (isinstance(old, float) and isinstance(new, float) and any(re.search(p, key) for p in RUN_MEANS)):
        return False
    return abs(old - new) <= ORDER_ULPS * math.ulp(max(abs(old), abs(new)))


def numbers(path: Path) -> dict[str, object]:
    from codesign.compare.result import read_result

    document = read_result(path).to_dict()
    return {k: v for k, v in flatten(document).items() if not any(re.search(p, k) for p in VOLATILE)}


def differences(old: dict[str, object], new: dict[str, object]) -> tuple[list[str], list[str]]:
    """(differences, differences of summation order only), one line each."""
    lines, order = [], []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            lines.append(f"{key}: {old[key]!r} -> (missing)")
        elif key not in old:
            lines.append(f"{key}: (missing) -> {new[key]!r}")
        elif not same(old[key], new[key]):
            line = f"{key}: {old[key]!r} -> {new[key]!r}"
            (order if summation_order_only(key, old[key], new[key]) else lines).append(line)
    return lines, order


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: check_demo_numbers.py OLD/compare.json NEW/compare.json", file=sys.stderr)
        return 2
    from codesign.errors import InputError

    try:
        old, new = numbers(Path(argv[0])), numbers(Path(argv[1]))
    except InputError as err:
        print(f"check_demo_numbers: error: {err}", file=sys.stderr)
        return 2
    found, order = differences(old, new)
    if not found:
        apart = f" apart from the last bits of {len(order)} mean(s) over runs (summation order):" if order else ""
        print("\n".join([f"identical ({len(old):,} values compared){apart}", *(f"  {line}" for line in order)]))
        return 0
    print(f"{len(found)} difference(s) in {len(old):,} values:")
    print("\n".join(f"  {line}" for line in found + [f"{line} (summation order only)" for line in order]))
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
