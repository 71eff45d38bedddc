"""``--folding FILE`` and ``--finn-reports DIR``: FINN's folding config and report files.

Argument helpers for ``codesign estimate`` and ``codesign build`` (cli.py calls
:func:`add_estimate_arguments` / :func:`add_build_arguments`); the formats themselves
live in codesign.cost.folding_config and codesign.cost.finn_reports (docs/finn-formats.md).
"""

from __future__ import annotations

import argparse

from codesign.commands.arguments import check_output_dir
from codesign.errors import InputError

FOLDING_HELP = ("a FINN folding config (folding_config.json / final_hw_config.json format) to estimate "
                "exactly, instead of searching for a folding; not with --target-fps")


def add_estimate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--folding", metavar="FILE", help=FOLDING_HELP)
    p.add_argument("--finn-reports", metavar="DIR",
                   help="also write FINN's estimate report files (estimate_layer_resources.json, ...), the "
                        "folding as final_hw_config.json and codesign_estimate.json into DIR")


def add_build_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--folding", metavar="FILE", help=FOLDING_HELP)


def read_folding_argument(args):
    """The --folding file's shape, checked before any conversion; None without --folding."""
    if getattr(args, "folding", None) is None:
        return None
    if getattr(args, "target_fps", None) is not None:
        raise InputError("--folding and --target-fps: give one (a folding config fixes the throughput)")
    from codesign.cost.folding_config import read_folding_config

    return read_folding_config(args.folding)


def check_estimate_arguments(args):
    """Estimate's --folding (read) and --finn-reports (a writable folder); the config or None."""
    check_output_dir("--finn-reports", getattr(args, "finn_reports", None))
    return read_folding_argument(args)


def estimated_graph(estimator):
    """The HW graph of the folding the last estimate used (a --folding file's, or the search's)."""
    from codesign.graph.hwgraph import build_graph

    design = estimator.design
    return build_graph(estimator.last_folding.model, design.fpgapart, design.roles)


def write_finn_reports(args, estimate, estimator, outputs) -> None:
    """--finn-reports DIR: the report files, joining the command's other outputs (all or nothing)."""
    if getattr(args, "finn_reports", None):
        from codesign.cost.finn_reports import write_reports

        write_reports(estimate, estimator.last_folding.model, args.finn_reports, outputs)
