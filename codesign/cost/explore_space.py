"""Which foldings the exploration estimates: FINN's SetFolding ladder and moves around it.

1. The ladder: FINN's SetFolding (codesign.cost.folding.fold, with the MVAU_hls SIMD floor
   applied) at cycle targets spaced geometrically from the fully folded design's cycles
   to the fastest reachable (target 1 cycle), duplicates dropped.
2. Moves: from each ladder folding, one knob (a node's PE or SIMD, with the attributes
   tied to it; codesign.finn.folding_space) one legal value down or up. Ranked: first the
   bottleneck node one step faster (more FPS), then steps down that keep the frame's
   cycles (fewer resources, same FPS), then the rest; one "trim" per ladder point takes
   every same-FPS step down at once. Taken round-robin over the ladder, so a small N
   still covers the whole FPS range.
Every folding is checked buildable (hls_codegen_refusal) and deterministic: the same
design and N give the same foldings in the same order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from codesign.cost.folding import fold
from codesign.finn.folding_space import Folding, Knob, folding_key, folding_of, knobs, normalise

LADDER_STEPS = 40  # SetFolding targets (~0.1 s each); the moves are ~ms each
SLOWEST_TARGET_CYCLES = 10 ** 12  # a target every node meets at PE = SIMD = 1


@dataclass(frozen=True)
class Candidate:
    folding: Folding
    origin: str  # "SetFolding 12,345 cycles" or "<ladder origin>; MVAU_hls_3 SIMD 4->8"


def ladder(model, steps: int) -> list[Candidate]:
    """SetFolding at ``steps`` cycle targets from fully folded to fastest, distinct foldings."""
    slowest = fold(model, SLOWEST_TARGET_CYCLES)
    fastest = fold(model, 1)
    high, low = slowest.achieved_cycles, fastest.achieved_cycles
    targets = [high] if steps <= 1 or high <= low else \
        [int(round(high * (low / high) ** (i / (steps - 1)))) for i in range(steps)]
    out, seen = [], set()
    for target in dict.fromkeys(targets):
        result = slowest if target == high else fastest if target == low else fold(model, target)
        folding = folding_of(result.model)
        key = folding_key(folding)
        if key not in seen:
            seen.add(key)
            out.append(Candidate(folding, f"SetFolding {target:,} cycles"))
    return out


def _with(model, base: Folding, changes: list[tuple[Knob, int]]) -> Folding:
    folding = {n: dict(a) for n, a in base.items()}
    for knob, value in changes:
        folding[knob.node][knob.attr] = value
        for node, attr in knob.tied:
            folding.setdefault(node, {})[attr] = value
    return normalise(model, folding)


def moves(fast, base: Candidate, all_knobs: list[Knob]) -> list[Candidate]:
    """The ranked one-knob moves around ``base`` (see the module docstring), buildable only."""
    model = fast.model
    cycles = {n: fast.node_at(n, base.folding).cycles
              for n in fast.structure.order}
    frame = max(cycles.values())
    ranked, trim = [], []
    for index, knob in enumerate(all_knobs):
        current = base.folding.get(knob.node, {}).get(knob.attr)
        if current not in knob.values:
            continue
        at = knob.values.index(current)
        for step in (-1, 1):
            if not 0 <= at + step < len(knob.values):
                continue
            value = knob.values[at + step]
            folding = _with(model, base.folding, [(knob, value)])
            changed = {n: folding[n] for n in folding if folding[n] != base.folding.get(n)}
            if not fast.buildable(changed):
                continue
            new_cycles = max({**cycles, **{n: fast.node_at(n, changed).cycles
                                           for n, a in changed.items()}}.values())
            rank = 0 if step > 0 and cycles[knob.node] == frame else 1 if step < 0 and new_cycles <= frame else 2
            if rank == 1:
                trim.append((knob, value))
            origin = f"{base.origin}; {knob.node} {knob.attr} {current}->{value}"
            ranked.append((rank, index, step, Candidate(folding, origin)))
    ranked.sort(key=lambda r: r[:3])
    out = [c for *_, c in ranked]
    if len(trim) > 1:
        folding = _with(model, base.folding, trim)
        if fast.buildable(folding) and max(fast.node_at(n, folding).cycles
                                           for n in fast.structure.order) <= frame:
            out.insert(min(len(out), 1), Candidate(folding, f"{base.origin}; {len(trim)} nodes one step down"))
    return out


def explore_foldings(fast, count: int, ladder_steps: int | None = None):
    """Up to ``count`` distinct buildable foldings (ladder first, then moves round-robin),
    each estimated: yields codesign.cost.explore.FoldingPoint in order."""
    model = fast.estimator.design.model
    bases = ladder(model, ladder_steps or ladder_steps_for(count))[:count]
    seen = {folding_key(c.folding) for c in bases}
    for base in bases:
        yield fast.estimate(base.folding, base.origin)
    left = count - len(bases)
    all_knobs = knobs(model)
    queues = [iter(moves(fast, base, all_knobs)) for base in bases]
    while left > 0 and queues:
        alive = []
        for queue in queues:
            candidate = next(queue, None)
            while candidate is not None and folding_key(candidate.folding) in seen:
                candidate = next(queue, None)
            if candidate is None:
                continue
            alive.append(queue)
            seen.add(folding_key(candidate.folding))
            yield fast.estimate(candidate.folding, candidate.origin)
            left -= 1
            if left == 0:
                return
        queues = alive


def ladder_steps_for(count: int) -> int:
    """Ladder length for ``count`` foldings: LADDER_STEPS, fewer for a small count."""
    return max(1, min(LADDER_STEPS, math.ceil(count / 4)))
