"""Ctrl-C to the coordinator alone: its workers stop at once, finished points stay cached,
one line is printed, exit status 130; the same command then reuses what finished."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from compare_helpers import compare_args, read_doc, single_setting, write_stripes_npz

from codesign.cli import main


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.is_file() else []


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has stopped running)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _long_and_short_points(tiny_inputs, cache_root: Path, out: Path, big_domain: Path) -> list[str]:
    """2 estimates + 2 architectures x domains a (63 training images) and c (1,960): the
    scale/bias run on c takes tens of seconds, the others a second or two."""
    args = single_setting(compare_args(tiny_inputs, cache_root, out, "--workers", "2"))
    args[args.index("--domains") + 1] = f"{tiny_inputs['domains'].split(',')[0]},c={big_domain}"
    args[args.index("--epochs") + 1] = "30"
    args[args.index("--patience") + 1] = "30"
    return args


def _popen_with_default_sigint(args: list, **kwargs) -> subprocess.Popen:
    """Popen whose child starts with SIGINT's default disposition. A shell without job
    control starts background commands (`make test &`, nohup runs) with SIGINT ignored; an
    ignored signal stays ignored across exec, and Python then installs no KeyboardInterrupt
    handler, so the coordinator would never see the Ctrl-C this test sends. A Python handler
    in the parent is reset to the default by exec, which is what the child should start with."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(args, **kwargs)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_sigint_to_the_coordinator_stops_at_once_and_keeps_finished_points(tiny_inputs, cache_root, tmp_path):
    big = write_stripes_npz(tmp_path / "c.npz", 4, 700, 2)
    out = tmp_path / "report"
    args = _long_and_short_points(tiny_inputs, cache_root, out, big)
    train_cache = cache_root / "points" / "train"
    with open(tmp_path / "stderr.txt", "w", encoding="utf-8") as stderr:
        # its own session: the signal below reaches the coordinator only, not its workers
        proc = _popen_with_default_sigint([sys.executable, "-m", "codesign", *args], stdout=subprocess.DEVNULL,
                                          stderr=stderr, start_new_session=True)
        try:
            deadline = time.monotonic() + 300
            while len(list(train_cache.glob("*.json"))) < 2:  # the short points; the long one runs
                assert proc.poll() is None, (tmp_path / "stderr.txt").read_text()
                assert time.monotonic() < deadline, "no training point finished in time"
                time.sleep(0.05)
            workers = _children(proc.pid)
            os.kill(proc.pid, signal.SIGINT)
            sent = time.monotonic()
            status = proc.wait(timeout=60)
            waited_s = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    err = (tmp_path / "stderr.txt").read_text(encoding="utf-8").strip().splitlines()
    assert status == 130 and waited_s < 10, (status, waited_s, err[-5:])
    assert err[-1].startswith("codesign: interrupted") and not any("Traceback" in line for line in err)
    # no worker left computing: SIGTERMed workers may take a moment to die after the
    # coordinator's exit on a loaded machine, so allow a short grace
    grace = time.monotonic() + 5.0
    while [pid for pid in workers if _alive(pid)] and time.monotonic() < grace:
        time.sleep(0.1)
    assert workers and not [pid for pid in workers if _alive(pid)]
    finished = {p.name: p.read_bytes() for p in train_cache.glob("*.json")}
    assert 2 <= len(finished) < 4 and not (out / "compare.json").exists()
    # the interrupted long point left its last epoch checkpoint to resume from
    assert list((cache_root / "points" / "partial").glob("*/progress.json"))

    assert main(args) == 0
    doc = read_doc(out)
    # the estimates wait for the main runs (trained weights): none was cached before the signal
    assert doc["points"]["from_cache"] == len(finished)
    assert doc["points"]["computed"] == 4 + 4 - len(finished) and doc["points"]["failed"] == 0
    assert all((train_cache / name).read_bytes() == data for name, data in finished.items())
