"""Slow: the full report opened in headless Chromium renders a non-blank page.

Needs Debian's chromium (``make chromium``); skipped, saying how to install it, without
it. The page must load with the network effectively off (it is one self-contained file)
and show content: the screenshot's pixels vary and a sizeable share differs from the
background. Fast: ``make chromium`` never fails the make where apt-get cannot install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from report_fixtures import full_doc, result

from codesign.report import write_report

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_NAMES = ("chromium", "chromium-browser")  # Debian's name, then Ubuntu's
NO_CHROMIUM = ("chromium not found on PATH (looked for chromium, chromium-browser): install it "
               "with `make chromium` (as root: apt-get install chromium) to run this test")
TIMEOUT_S = 120  # cold start of Chromium in a container can take tens of seconds


def find_chromium() -> str | None:
    """The Chromium executable on $PATH (the names ``make chromium`` checks), or None."""
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


@pytest.mark.slow
def test_report_html_renders_in_headless_chromium(tmp_path: Path):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(NO_CHROMIUM)
    from matplotlib.image import imread

    paths = write_report(result(full_doc()), tmp_path / "report")
    shot = tmp_path / "shot.png"
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2400", f"--screenshot={shot}",
           paths["report.html"].resolve().as_uri()]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert shot.exists(), f"no screenshot; chromium exit {result.returncode}: {result.stderr[-2000:]}"

    pixels = imread(shot)[..., :3]  # RGB floats in [0, 1]
    assert pixels.shape[0] >= 2000 and pixels.shape[1] >= 1200
    assert pixels.std() > 0.08, "the page looks blank (uniform colour)"
    # background = the most common colour (the page's white); content must cover a real share
    flat = (pixels.reshape(-1, 3) * 255).round().astype(np.uint8)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    background = colours[counts.argmax()]
    not_background = np.any(np.abs(flat.astype(int) - background.astype(int)) > 8, axis=1).mean()
    assert not_background > 0.10, f"only {not_background:.1%} of the page differs from the background"


def _fake_tools(folder: Path, scripts: dict[str, str]) -> str:
    """A PATH holding only the given shell scripts (make runs recipes with /bin/sh)."""
    folder.mkdir()
    for name, body in scripts.items():
        (folder / name).write_text(f"#!/bin/sh\n{body}\n")
        (folder / name).chmod(0o755)
    return str(folder)


@pytest.mark.parametrize("case, scripts, reason", [
    ("no apt-get", {"id": "echo 0"}, "apt-get not found"),
    ("not root", {"id": "echo 1000", "apt-get": "exit 0"}, "not root"),
    ("apt fails", {"id": "echo 0", "apt-get": "exit 100"}, "apt-get install chromium failed"),
])
def test_make_chromium_never_fails_the_make(tmp_path: Path, case, scripts, reason):
    make = shutil.which("make")
    if make is None:
        pytest.skip("make not found")
    path = _fake_tools(tmp_path / "bin", scripts)
    result = subprocess.run([make, "-s", "-C", str(REPO), "chromium"], capture_output=True, text=True,
                            env={"PATH": path, "HOME": os.environ.get("HOME", "/")}, timeout=60)
    assert result.returncode == 0, f"{case}: {result.stderr}"
    assert f"chromium: SKIPPED: {reason}" in result.stdout, result.stdout
    assert "the browser test will be skipped" in result.stdout
