"""Refit the calibration on a user's own FINN builds: ``codesign calibrate BUILD_DIR...``.

Each build folder (``read_build_dir``: FINN's estimate report with its post-synthesis or
out-of-context report) is its own leave-one-build-out group; ``with_shipped`` adds the
public builds of ``data/calibration/``. The model is fitted on all of it
(codesign.cost.calibration.fit), and its held-out errors are measured the way the model
is used: for each group, a model fitted without that group predicts the group's node
rows (op types with too few rows fall back to the pooled correction inside that model),
against FINN's raw estimate, with the share of measurements inside the interval. With
a single group nothing can be held out, and no held-out error is given.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from codesign.cost.calibration import (
    DESIGN, POOLED, RESOURCES, CalibrationModel, CalibrationRow, fit, is_special, mean_abs_error)
from codesign.cost.calibration_data import load_rows, read_build_dir
from codesign.cost.calibration_files import shipped_model_path, validate_calibration
from codesign.errors import InputError

RAW_TERM = {"lut": "lut", "ff": None, "bram18": "bram18", "dsp": "dsp"}  # FINN has no FF estimate


@dataclass(frozen=True)
class OpError:
    """Held-out errors of one op type (or special row kind) for one resource."""

    resource: str
    op_type: str
    rows: int  # rows of the data measuring this resource
    correction: str  # the model's correction serving it: the op type's own, or "*" (pooled)
    finn_raw_error: float | None  # mean |FINN - measured| / measured, held-out rows (None for FF)
    corrected_error: float | None  # the same for the correction fitted without the row's group
    coverage: float | None  # share of held-out measurements inside the interval


@dataclass
class CalibrationResult:
    model: CalibrationModel
    builds: list[str]  # the user's build folders, as given
    groups: int  # leave-one-build-out groups (one per folder, plus the shipped ones)
    rows: int  # node, shell and whole-design rows fitted on
    with_shipped: bool
    errors: list[OpError] = field(default_factory=list)

    @property
    def held_out(self) -> bool:
        """Whether any held-out error exists (it needs two groups or more)."""
        return self.groups >= 2

    def pooled_fallbacks(self) -> dict[str, list[str]]:
        """resource -> op types with too little data for their own correction."""
        out: dict[str, list[str]] = {}
        for e in self.errors:
            if e.correction == POOLED and not is_special(e.op_type):
                out.setdefault(e.resource, []).append(e.op_type)
        return out

    def to_dict(self) -> dict:
        return {"builds": self.builds, "groups": self.groups, "rows": self.rows,
                "with_shipped": self.with_shipped, "held_out": self.held_out,
                "errors": [asdict(e) for e in self.errors], "pooled_fallbacks": self.pooled_fallbacks()}


def read_builds(dirs: Sequence[str | Path], part: str = "") -> list[CalibrationRow]:
    """Rows of every build folder, each folder its own group (named as given)."""
    rows, seen = [], set()
    for folder in dirs:
        path = Path(folder)
        if not path.is_dir():
            what = "is a file" if path.exists() else "does not exist"
            raise InputError(f"{folder}: {what}; expected a FINN build folder (with report/)")
        if path.resolve() in seen:
            raise InputError(f"{folder}: given twice; each build folder counts once")
        seen.add(path.resolve())
        rows += read_build_dir(path, group=str(folder), part=part)
    return rows


def calibrate_from_builds(dirs: Sequence[str | Path], with_shipped: bool = False,
                          part: str = "") -> CalibrationResult:
    """The model fitted on the builds (and the shipped data), with its held-out errors.
    ``part``: the FPGA part the builds target (FINN's reports do not record it): their
    shell is then that part family's shell."""
    rows = read_builds(dirs, part)
    if with_shipped:
        rows += load_rows(shipped_model_path().parent)
    model = fit(rows)
    if with_shipped:  # the shipped whole-design corrections, refitted on top of these nodes
        model.corrections += _whole_design_corrections(model)
    if not model.corrections:
        raise InputError(f"{', '.join(map(str, dirs))}: no per-node synthesis figures to fit on "
                         "(report/post_synth_resources.json of a bitfile build); add one or use --with-shipped")
    validate_calibration(model.to_dict(), "fitted model")  # what is written must load back
    groups = sorted({r.group for r in rows})
    result = CalibrationResult(model, [str(d) for d in dirs], len(groups), len(rows), with_shipped)
    result.errors = held_out_errors(rows, model, groups)
    return result


def _held_out(rows: list[CalibrationRow], groups: list[str]) -> list[tuple[CalibrationRow, str, tuple]]:
    """(row, resource, (value, low, high)) for each row predicted by a model fitted
    without its group."""
    out = []
    for group in groups if len(groups) >= 2 else []:
        model = fit([r for r in rows if r.group != group])
        for row in (r for r in rows if r.group == group and r.op_type != DESIGN):
            for resource in RESOURCES:
                if getattr(row.measured, resource) is None:
                    continue
                try:
                    out.append((row, resource, tuple(model.correction(row.op_type, resource).predict(row.terms))))
                except KeyError:  # e.g. a shell of a family no other group has
                    continue
    return out


def _coverage(items: list[tuple[CalibrationRow, str, tuple]]) -> float | None:
    """Share inside the interval; rows where prediction and measurement are both 0 left out."""
    hits = [low <= getattr(r.measured, res) <= high for r, res, (value, low, high) in items
            if getattr(r.measured, res) > 0 or value > 0]
    return float(np.mean(hits)) if hits else None


def held_out_errors(rows: list[CalibrationRow], model: CalibrationModel, groups: list[str]) -> list[OpError]:
    """One ``OpError`` per resource and op type of the data (errors None with one group)."""
    held = _held_out(rows, groups)
    out = []
    for resource in RESOURCES:
        usable = [r for r in rows if r.op_type != DESIGN and getattr(r.measured, resource) is not None]
        for op in sorted({r.op_type for r in usable}):
            if all(getattr(r.measured, resource) == 0 for r in usable if r.op_type == op):
                continue  # a resource this op type never uses here
            items = [(r, res, p) for r, res, p in held if res == resource and r.op_type == op]
            term = RAW_TERM[resource]
            raw = mean_abs_error([(r.terms.term(term), getattr(r.measured, resource)) for r, _, _ in items]) \
                if term else None
            corrected = mean_abs_error([(p[0], getattr(r.measured, resource)) for r, _, p in items])
            try:
                serving = model.correction(op, resource).op_type
            except KeyError:
                continue
            out.append(OpError(resource, op, sum(r.op_type == op for r in usable), serving, raw, corrected,
                               _coverage(items)))
    return out


def _whole_design_corrections(model: CalibrationModel) -> list:
    """LUT-mapped matrix units refitted on the shipped rebuilt designs, and the shipped
    whole-design spread (codesign.cost.calibration_designs)."""
    from codesign.cost.calibrated import SPREAD
    from codesign.cost.calibration_designs import fit_lut_mapped, load_rebuilt
    from codesign.cost.calibration_files import load_calibration

    shipped = load_calibration(None).model
    own = {(c.op_type, c.resource) for c in model.corrections}
    extra = [c for c in fit_lut_mapped(model, load_rebuilt(shipped_model_path().parent))
             if (c.op_type, c.resource) not in own]
    return extra + [c for c in shipped.corrections if c.op_type == SPREAD]
