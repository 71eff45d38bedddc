"""``--accelerator auto|cpu|cuda`` of ``codesign train`` and ``codesign compare``.

The option is parsed without importing torch (argument checks stay fast); whether CUDA
is there is asked once the command runs (codesign.train.accelerator.resolve_accelerator),
before any data is prepared or model built.
"""

from __future__ import annotations

import argparse

ACCELERATOR_CHOICES = ("auto", "cpu", "cuda")
ACCELERATOR_HELP = ("torch device that trains: auto (CUDA when torch sees a GPU, else the CPU; default), "
                    "cpu or cuda (an error without a GPU); each run records which one ran it")


def add_accelerator_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--accelerator", default="auto", choices=ACCELERATOR_CHOICES, help=ACCELERATOR_HELP)


def resolved_accelerator(args) -> str:
    """``cpu`` or ``cuda`` for the parsed ``args`` (AcceleratorError, exit 2, if impossible)."""
    from codesign.train.accelerator import resolve_accelerator

    return resolve_accelerator(getattr(args, "accelerator", "auto") or "auto")
