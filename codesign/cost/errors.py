"""Errors of the estimator: one line each, naming what is wrong and by how much."""

from codesign.errors import DesignRejected


class EstimateError(DesignRejected, ValueError):
    """The design cannot be estimated as asked (does not fit, unmappable layer, ...)."""


class UnreachableTargetError(EstimateError):
    """The target frame rate is above what the slowest node can reach."""
