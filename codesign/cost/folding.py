"""Folding: PE/SIMD per node for a target frame rate, or the fastest that fits.

FINN's ``SetFolding`` picks PE/SIMD per node to reach a cycles-per-frame target
(analytically, no synthesis). On top of it: the target comes from frames per second
at the device clock, and without a target we search for the highest frame rate whose
resource estimate still fits the device and meets any resource limits (bisection on the cycle target; each probe
re-folds and re-estimates in milliseconds, no conversion).
"""

from __future__ import annotations

import io
import math
import warnings
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

MVAU_WEIGHT_WIDTH_MAX = 36  # bits per PE read from weight memory per cycle (FINN default)
SEARCH_STEPS = 14  # bisection probes of the cycle target: 2^-14 resolution in log space
CYCLE_TOLERANCE = 1e-6  # cycles: float error of clock / (clock / cycles), far below one cycle


@dataclass
class FoldingResult:
    model: object  # folded FINN ModelWrapper (a copy)
    target_cycles: int  # cycles per frame asked of SetFolding
    achieved_cycles: int  # slowest node's cycles per frame after folding
    bottleneck: str  # node with the most cycles


def fold(model, target_cycles: int) -> FoldingResult:
    from finn.transformation.fpgadataflow.set_folding import SetFolding

    from codesign.finn.compat.hls_folding import raise_hls_mvau_simd

    # SetFolding warns per node it cannot speed up; the result carries the achieved
    # cycles and the bottleneck instead, so the warnings are muted here.
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folded = model.transform(SetFolding(target_cycles_per_frame=int(target_cycles),
                                            mvau_wwidth_max=MVAU_WEIGHT_WIDTH_MAX,
                                            two_pass_relaxation=True))
    raise_hls_mvau_simd(folded)  # SetFolding can leave SIMD below what MVAU_hls generates code for
    cycles = node_cycles(folded)
    bottleneck = max(cycles, key=cycles.get)
    return FoldingResult(folded, int(target_cycles), cycles[bottleneck], bottleneck)


def node_cycles(model) -> dict[str, int]:
    from finn.util.basic import getHWCustomOp

    return {n.name: int(getHWCustomOp(n).get_exp_cycles()) for n in model.graph.node}


def cycles_for_fps(fps: float, clock_mhz: float) -> int:
    """Cycles per frame at ``fps``: the most a frame may take. A rate computed from a cycle
    count (clock / cycles, as a comparison's common target is) maps back to that count:
    the floor would otherwise drop a cycle to the last bit of the division."""
    if fps <= 0:
        raise ValueError(f"target FPS must be > 0, got {fps}")
    return max(1, int(math.floor(clock_mhz * 1e6 / fps + CYCLE_TOLERANCE)))


def fastest_fitting(model, fits, slowest_cycles: int | None = None) -> FoldingResult:
    """Highest frame rate whose folding ``fits(result) -> bool`` accepts (the device's
    capacity, or every resource limit of a budget: codesign.cost.estimate.Estimator).

    Bisects the cycle target between fully unfolded (1 cycle) and fully folded (the
    node cycles at PE=SIMD=1). Returns the fully folded design if even that does not fit
    (the caller reports the shortfall).
    """
    slow = fold(model, slowest_cycles or 10 ** 12)
    if not fits(slow):
        return slow
    best = slow
    low, high = 0.0, math.log2(max(slow.achieved_cycles, 2))  # log2 cycles
    for _ in range(SEARCH_STEPS):
        mid = (low + high) / 2
        trial = fold(model, int(2 ** mid))
        if fits(trial):
            best = trial if trial.achieved_cycles <= best.achieved_cycles else best
            high = mid
        else:
            low = mid
    return best
