"""Slow: the full report opened in headless Chromium renders a non-blank page.

Needs Debian's chromium (``make chromium``); skipped without it. The page must load
with the network effectively off (it is one self-contained file) and show content:
the screenshot's pixels vary and a sizeable share differs from the background.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from report_fixtures import full_doc

from codesign.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_S = 120  # cold start of Chromium in a container can take tens of seconds


@pytest.mark.slow
def test_report_html_renders_in_headless_chromium(tmp_path: Path):
    if not CHROMIUM.exists():
        pytest.skip("install Debian chromium: make chromium")
    from matplotlib.image import imread

    paths = write_report(full_doc(), tmp_path / "report")
    shot = tmp_path / "shot.png"
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
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
