"""The two kinds of failure a user can cause, and the exit status each one gives.

Every error a user can cause is one line naming the file, field or option and what is
expected. The command line maps the kinds to exit statuses (README, "Exit status"):

- ``InputError`` (exit 2): bad usage or input — a malformed spec, option or data file,
  an unknown name, an output location that cannot be written. Fix the command.
- ``DesignRejected`` (exit 3): the inputs were valid and the hardware flow looked at the
  design and said no — a layer FINN cannot map, a design that does not fit the device,
  an unreachable throughput target, a failed verification, a budget no architecture
  meets. Change the design, the device or the budget.

Anything else is an internal failure (exit 1): a bug or a broken environment.
Interrupted runs exit 130. This module imports nothing, so the command line can load it
before torch or FINN.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_REJECTED = 3
EXIT_INTERRUPTED = 130


class InputError(Exception):
    """Bad usage or input; the message is one line naming the file/field/option."""

    exit_code = EXIT_INPUT


class DesignRejected(Exception):
    """A valid design the hardware flow cannot realise as asked; one line saying why."""

    exit_code = EXIT_REJECTED


def one_line(text: str, limit: int = 300) -> str:
    """First line of ``text`` cut to ``limit`` characters (messages never flood a terminal)."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
