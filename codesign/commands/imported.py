"""``codesign estimate model.onnx --reconfigurable PATTERN[,PATTERN]``: a QONNX file as input.

Which inputs a design comes from: a codesign graph spec (graphs/X.yaml or a shipped
name) or a QONNX file (``.onnx``, e.g. from ``brevitas.export.export_qonnx``) whose
domain-owned parts ``--reconfigurable`` names (docs/imported-models.md). The options
that only make sense for one of them are refused for the other, before anything loads.
"""

from __future__ import annotations

import argparse

from codesign.errors import InputError

OPTION = "--reconfigurable"
HELP = ("with a QONNX .onnx file: the domain-owned (reconfigurable) part, as comma-separated fnmatch "
        "globs over module paths (e.g. linear_features.6), node names or, if none match, initializer "
        "names (docs/imported-models.md)")
# spec-only options of `codesign estimate` (argparse dest, option): a QONNX file has its
# own weights, input size and classes
SPEC_ONLY = (("checkpoint", "--checkpoint"), ("input_size", "--input-size"), ("classes", "--classes"))
DEFAULT_CLASSES = 10  # a spec's random domain, when --classes is not given


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(OPTION, metavar="PATTERN[,PATTERN]", help=HELP)


def is_qonnx(graph: str) -> bool:
    return str(graph).lower().endswith(".onnx")


def check_arguments(args) -> None:
    """One line naming the option when a spec-only option comes with a QONNX file, when
    a QONNX file lacks ``--reconfigurable`` or a spec has it."""
    reconfigurable = getattr(args, "reconfigurable", None)
    if not is_qonnx(args.graph):
        if reconfigurable is not None:
            raise InputError(f"{OPTION}: applies to a QONNX .onnx file only; {args.graph} is a graph spec, "
                             "whose adapter says what is per-domain")
        return
    for dest, option in SPEC_ONLY:
        if getattr(args, dest, None) is not None:
            raise InputError(f"{option}: does not apply to a QONNX file ({args.graph} has its own weights, "
                             "input size and classes); leave it out")
    if reconfigurable is None:
        raise InputError(f"{OPTION}: required with a QONNX file ({args.graph}): the module paths or "
                         "initializer names of the per-domain part, e.g. --reconfigurable 'linear_features.6'")
    from codesign.api.imported import parse_patterns

    parse_patterns(reconfigurable, OPTION)


def estimate_qonnx_args(args, calibration, designs, folding_config=None):
    """(Estimate, Estimator, input line) of ``args.graph``, a QONNX file (``--folding``'s
    config, if any, estimated as it is)."""
    from codesign.api.imported import estimate_qonnx

    estimate, estimator = estimate_qonnx(args.graph, args.reconfigurable, args.device, args.target_fps, designs,
                                         not args.no_cache, calibration=calibration, option=OPTION,
                                         folding_config=folding_config)
    shape = estimator.design.spec.input_shape
    line = f"input: {' x '.join(str(d) for d in shape)} (batch, channels, height, width) from {args.graph}"
    return estimate, estimator, line
