"""What comes back from a point: its record, or the kind of its failure.

``PointResult`` is what an executor returns for one point, from whichever process ran
it (plain dataclasses: they pickle to a pool or a Dask worker and back). Its record is
an ``EstimateSummary`` (an estimate point) or a ``TrainPointResult`` (a training run);
``record.to_dict()`` is what the point cache stores (so this module, records.py and
codesign.train.record are part of the train points' code key: codesign.store). A
failure is "rejected" (a ``DesignRejected`` or ``InputError``: the same inputs fail the
same way, retrying is pointless) or "internal" (anything else, or a worker that died:
worth a retry).
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass

from codesign.cost.summary import EstimateSummary
from codesign.records import Record
from codesign.train.record import RunRecord

FAILURE_REJECTED = "rejected"  # deterministic: the inputs or the design; retrying cannot help
FAILURE_INTERNAL = "internal"  # a bug, a broken environment or a lost worker: worth a retry


@dataclass
class SplitSizes(Record):
    train: int  # images
    val: int
    test: int


@dataclass
class TrainPointResult(Record):
    """One training run of one architecture on one domain, with the domain's static facts."""
    run: RunRecord
    parameters: dict  # the training layer's storage report of the domain's modules
    macs: dict  # the training layer's MAC counts (inference, training live/cached)
    sizes: SplitSizes

    # Stored once, in ``run`` (RunRecord): 0/1 per image of the domain's fixed test split,
    # in its fixed order (the same images for every seed and architecture); None in older points.
    @property
    def test_correct(self) -> list[int] | None:
        return self.run.test_correct

    @property
    def test_images(self) -> int:
        return self.sizes.test


@dataclass
class PointResult:
    ok: bool
    seconds: float  # wall time of the point in its worker
    pid: int | None = None  # the worker's process (the time-left estimate tells cold from warm)
    record: EstimateSummary | TrainPointResult | None = None  # when ok
    failure: str | None = None  # FAILURE_REJECTED or FAILURE_INTERNAL, when not ok
    message: str | None = None  # one line, when not ok


def record_type(kind: str) -> type:
    """The record a point of ``kind`` ("estimate" or "train") returns."""
    return {"estimate": EstimateSummary, "train": TrainPointResult}[kind]


def failed_result(exc: BaseException, seconds: float = 0.0) -> PointResult:
    """The result of a point that raised ``exc`` (or whose worker was lost, in the
    coordinator). The kind is decided here, where the exception's class is known."""
    from codesign.errors import DesignRejected, InputError

    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, (DesignRejected, InputError)):
        return PointResult(False, seconds, os.getpid(), failure=FAILURE_REJECTED, message=message)
    last = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({os.path.basename(last.filename)}:{last.lineno})" if last else ""
    return PointResult(False, seconds, os.getpid(), failure=FAILURE_INTERNAL,
                       message=f"{type(exc).__name__}: {message}{where}")
