"""Names that end up in file and folder paths (graph, device and domain names).

A graph named ``x/../../evil`` would make ``codesign train`` write outside ``reports/``,
so every such name goes through :func:`check_name` first. This module imports only the
standard library and ``codesign.errors``: the command line checks domain names with it
before torch is loaded.
"""

from __future__ import annotations

import re
import reprlib

from codesign.errors import InputError

MAX_NAME_CHARS = 64
# A letter or digit first (no hidden files, no option-like "-x"), then a small set of
# characters that are safe in a path component on every OS; no separators, no spaces.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,%d}" % (MAX_NAME_CHARS - 1))
NAME_RULE = (f"1 to {MAX_NAME_CHARS} characters from A-Z a-z 0-9 _ . + -, "
             "starting with a letter or digit, without '..'")
SHOWN_CHARS = 40  # how much of a rejected name an error message quotes


class InvalidName(InputError, ValueError):
    """A name that cannot be used as a path component; ``problem`` says why (one line)."""

    def __init__(self, what: str, problem: str):
        self.what = what
        self.problem = problem
        super().__init__(f"{what}: {problem}")


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters, so an error message stays one short line.
    reprlib abbreviates long strings and big or deep containers without building their
    full repr (a value from a hostile file may be megabytes once printed)."""
    brief = reprlib.Repr()
    brief.maxstring = brief.maxother = brief.maxlong = limit
    text = brief.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def name_problem(value: object) -> str | None:
    """What is wrong with ``value`` as a name, or None when it is a valid name."""
    if isinstance(value, str) and NAME_PATTERN.fullmatch(value) and ".." not in value:
        return None
    return f"expected a name ({NAME_RULE}), got {shown(value)}"


def check_name(value: object, what: str) -> str:
    """Return ``value`` if it is a safe name; otherwise raise :class:`InvalidName`.

    ``what`` names the field or option in the message, e.g. ``"--domains"``.
    """
    problem = name_problem(value)
    if problem is not None:
        raise InvalidName(what, problem)
    return value  # type: ignore[return-value]  # name_problem checked it is a str
