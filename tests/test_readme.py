"""The README's example outputs are what the commands print today (cheap ones are run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codesign.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example(command: str) -> list[str]:
    """The lines printed under ``$ <command>`` in a README code block."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^\$ " + re.escape(command) + r"\n(.*?)(?=^\$ |^```)", text, re.S | re.M)
    assert match, f"README has no example of `{command}`"
    return match.group(1).rstrip("\n").splitlines()


@pytest.mark.parametrize("command", [
    "codesign inspect cnv_attention --domains mnist:10,fashion:10",
    "codesign ls adapters",
])
def test_readme_example_is_current(command, capsys):
    expected = readme_example(command)
    assert main(command.split()[1:]) == 0
    printed = capsys.readouterr().out.rstrip("\n").splitlines()
    assert printed == expected
