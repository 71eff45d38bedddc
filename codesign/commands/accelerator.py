"""``--accelerator auto|cpu|cuda`` and ``--bn-stats batch|frozen`` of ``codesign train`` and
``codesign compare``: how and where the training points run.

The option is parsed without importing torch (argument checks stay fast); whether CUDA
is there is asked once the command runs (codesign.train.accelerator.resolve_accelerator),
before any data is prepared or model built.
"""

from __future__ import annotations

import argparse

ACCELERATOR_CHOICES = ("auto", "cpu", "cuda")
ACCELERATOR_HELP = ("torch device that trains: auto (CUDA when torch sees a GPU, else the CPU; default), "
                    "cpu or cuda (an error without a GPU); each run records which one ran it")


BN_STATS_HELP = ("the domain's BatchNorms copied from the backbone (parallel, scale_bias, finetune) while "
                 "training: batch (batch statistics, running statistics updated: the families' published "
                 "recipes; default) or frozen (the backbone's statistics are kept, scale and bias train)")


BN_STATS_GRID_HELP = (BN_STATS_HELP + "; batch,frozen: both, chosen per architecture on validation accuracy "
                      "together with the step size (--lr)")


def add_accelerator_argument(parser: argparse.ArgumentParser, bn_grid: bool = False) -> None:
    """``bn_grid``: --bn-stats takes a comma list (compare: validated by CompareConfig)."""
    parser.add_argument("--accelerator", default="auto", choices=ACCELERATOR_CHOICES, help=ACCELERATOR_HELP)
    if bn_grid:
        parser.add_argument("--bn-stats", default="batch", help=BN_STATS_GRID_HELP)
    else:
        # choices spelled here, not imported from codesign.train.config: parsing stays torch-free
        parser.add_argument("--bn-stats", default="batch", choices=("batch", "frozen"), help=BN_STATS_HELP)


def resolved_accelerator(args) -> str:
    """``cpu`` or ``cuda`` for the parsed ``args`` (AcceleratorError, exit 2, if impossible)."""
    from codesign.train.accelerator import resolve_accelerator

    return resolve_accelerator(getattr(args, "accelerator", "auto") or "auto")
