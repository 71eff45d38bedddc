"""A tiny comparison end to end: points, cache, resume after a kill, report, verdict."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from compare_helpers import ESTIMATES, POINTS, accuracies, compare_args, read_doc

from codesign.cli import main


def _cached(cache_root: Path, kind: str = "train") -> list[Path]:
    return sorted((cache_root / "points" / kind).glob("*.json"))


def test_tiny_compare_end_to_end_then_all_from_cache(tiny_inputs, cache_root, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(compare_args(tiny_inputs, cache_root, out, "--budget", "interconnect_bits=1000,lut=90%")) == 0
    printed = capsys.readouterr().out
    doc = read_doc(out)
    assert doc["points"] == {**doc["points"], "total": POINTS, "from_cache": 0, "computed": POINTS, "failed": 0}
    assert len(_cached(cache_root)) == POINTS - ESTIMATES and len(_cached(cache_root, "estimate")) == ESTIMATES
    for name in ("report.md", "report.html", "compare.json"):
        assert (out / name).is_file()
    assert "report:" in printed and "report.html" in printed and "VERDICT" in printed

    by_name = {a["name"]: a for a in doc["architectures"]}
    assert list(by_name) == ["tiny_head", "tiny_scale_bias"]
    for arch in by_name.values():
        assert arch["errors"] == []
        assert set(arch["domains"]) == {"a", "b"}
        for domain, classes in (("a", 3), ("b", 4)):
            summary = arch["domains"][domain]
            assert summary["test_accuracy"]["n"] == 2  # two seeds
            # bright bands on a seeded random backbone: above chance (the head: far above; with
            # 18 test images one image is 5.6 points, and one seed of the head gets 44 %)
            margin = 1.8 if arch["name"] == "tiny_head" else 1.2
            assert summary["test_accuracy"]["mean"] > margin / classes
            assert set(summary["samples_needed"]) == {"3", "all"}
            assert set(summary["label_noise"]) == {"0", "0.3"}
            assert summary["samples_needed"]["3"]["train_samples"]["mean"] == 3 * classes
        e = arch["estimate"]
        assert e["fits"] and e["interconnect"]["streams"] >= 1 and e["fps"] > 0
        assert arch["budget"]["meets"]
    # head: one stream into the reconfigurable classifier; scale_bias: thresholds everywhere
    head, sb = by_name["tiny_head"], by_name["tiny_scale_bias"]
    assert head["estimate"]["interconnect"]["streams"] == 1
    assert sb["estimate"]["interconnect"]["interconnect_bits"] > head["estimate"]["interconnect"]["interconnect_bits"]
    assert sb["domains"]["a"]["trainable_parameters"] > head["domains"]["a"]["trainable_parameters"]
    # budget 90% of the pynq-z1's 53,200 LUTs
    lut_check = next(c for c in head["budget"]["checks"] if c["metric"] == "lut")
    assert lut_check["limit"] == pytest.approx(0.9 * 53200)
    assert doc["verdict"]["best"] in by_name and not doc["verdict"]["infeasible"]
    best = by_name[doc["verdict"]["best"]]
    leader = max(by_name.values(), key=lambda a: a["mean_accuracy"])
    if doc["verdict"]["beyond_noise"]:  # a winner beyond noise is the most accurate
        assert best is leader
    else:  # a tie within noise, broken by fewer interconnect bits: the best is among the tied
        assert doc["verdict"]["best"] in doc["verdict"]["tied"] + [leader["name"]]
        tied = [by_name[n] for n in doc["verdict"]["tied"] + [leader["name"]]]
        bits = [a["estimate"]["interconnect"]["interconnect_bits"] for a in tied]
        assert best["estimate"]["interconnect"]["interconnect_bits"] == min(bits)
    # the cheapest design by wires is on that Pareto front whatever its accuracy
    assert "tiny_head" in doc["pareto"]["interconnect_bits"]

    # the same command again: every point from the cache, the same numbers
    out2 = tmp_path / "report2"
    assert main(compare_args(tiny_inputs, cache_root, out2, "--budget", "interconnect_bits=1000,lut=90%")) == 0
    again = read_doc(out2)
    assert again["points"]["from_cache"] == POINTS and again["points"]["computed"] == 0
    assert accuracies(again) == accuracies(doc)


def test_infeasible_budget_is_a_result_exit_3(tiny_inputs, cache_root, tmp_path, capsys):
    out = tmp_path / "report"
    args = compare_args(tiny_inputs, cache_root, out, "--budget", "interconnect_bits=0,energy_uj=0.001")
    args[args.index("--seeds") + 1] = "1"
    assert main(args) == 3  # a full report, and a status a script can tell from a verdict
    doc = read_doc(out)
    assert doc["verdict"]["infeasible"] and doc["verdict"]["best"] is None
    assert doc["verdict"]["text"].startswith("no architecture meets the budget")
    for arch in doc["architectures"]:
        assert not arch["budget"]["meets"]
        assert any("interconnect_bits" in r for r in arch["budget"]["reasons"])
    assert "VERDICT (infeasible)" in capsys.readouterr().out
    assert "no architecture meets the budget" in (out / "report.md").read_text(encoding="utf-8")


def test_resume_after_kill_loses_and_repeats_nothing(tiny_inputs, cache_root, tmp_path):
    """Kill the comparison (SIGKILL, no clean-up) after k training points; run it again."""
    out = tmp_path / "report"
    args = [sys.executable, "-m", "codesign", *compare_args(tiny_inputs, cache_root, out, "--workers", "1")]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    k = 5
    deadline = time.monotonic() + 240
    try:
        while len(_cached(cache_root)) < k:
            assert proc.poll() is None, "the comparison ended before it could be killed"
            assert time.monotonic() < deadline, "no training point finished in time"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished = {p.name: p.read_bytes() for p in _cached(cache_root)}
    assert k <= len(finished) < POINTS - ESTIMATES
    estimates = len(_cached(cache_root, "estimate"))  # none yet unless the main runs were all done
    assert not (out / "report.html").exists() and not (out / "compare.json").exists()

    assert main(compare_args(tiny_inputs, cache_root, out, "--workers", "1")) == 0
    doc = read_doc(out)
    # nothing lost: every point finished before the kill is reused byte for byte ...
    assert doc["points"]["from_cache"] == len(finished) + estimates
    assert all((cache_root / "points" / "train" / name).read_bytes() == data for name, data in finished.items())
    # ... and nothing repeated: only the missing points were computed, once each
    assert doc["points"]["computed"] == POINTS - estimates - len(finished)
    assert len(_cached(cache_root)) == POINTS - ESTIMATES
    assert not list((cache_root / "points").rglob("*.tmp*"))

    # the numbers are those of an uninterrupted run (seeded points)
    fresh_root = tmp_path / "fresh"
    fresh_root.mkdir()
    os.symlink(cache_root / "designs", fresh_root / "designs")
    assert main(compare_args(tiny_inputs, fresh_root, tmp_path / "fresh_report")) == 0
    assert accuracies(read_doc(tmp_path / "fresh_report")) == accuracies(doc)


def test_a_failed_point_is_reported_not_cached_and_retried(tiny_inputs, cache_root, tmp_path, monkeypatch, capsys):
    import codesign.compare.work as work

    real = work.estimate_point

    def broken(task):
        if task["graph"].endswith("tiny_scale_bias.yaml"):
            raise RuntimeError("conversion exploded")
        return real(task)

    monkeypatch.setattr(work, "estimate_point", broken)
    out = tmp_path / "report"
    args = compare_args(tiny_inputs, cache_root, out, "--workers", "1")
    args[args.index("--seeds") + 1] = "1"
    assert main(args) == 1  # in-process points see the patch
    assert "1 point(s) failed" in capsys.readouterr().err
    doc = read_doc(out)
    assert doc["points"]["failed"] == 1
    sb = next(a for a in doc["architectures"] if a["name"] == "tiny_scale_bias")
    assert sb["estimate"] is None and not sb["budget"]["meets"]
    assert len(sb["errors"]) == 1
    assert sb["errors"][0].startswith("tiny_scale_bias / estimate on pynq-z1, fastest folding within the budget: "
                                      "RuntimeError: conversion exploded (test_compare_end_to_end.py:")
    assert "tiny_scale_bias" not in doc["verdict"]["meeting"]
    assert "conversion exploded" in (out / "report.md").read_text(encoding="utf-8")

    monkeypatch.setattr(work, "estimate_point", real)
    assert main(args) == 0
    again = read_doc(out)
    # its two estimates; the other's at the common target again when the target moved
    moved = again["folding"]["target_fps"] != doc["folding"]["target_fps"]
    assert again["points"]["computed"] == 2 + moved and again["points"]["failed"] == 0
    assert next(a for a in again["architectures"] if a["name"] == "tiny_scale_bias")["estimate"]["fits"]


def test_step_size_is_chosen_per_architecture_on_validation(tiny_inputs, cache_root, tmp_path):
    """--lr 0.005,0.02: main runs at both, the best validation accuracy wins, sweeps only there."""
    out = tmp_path / "grid"
    args = compare_args(tiny_inputs, cache_root, out)
    args[args.index("--lr") + 1] = "0.005,0.02"
    assert main(args) == 0
    doc = read_doc(out)
    main_runs, sweep_runs = 2 * 2 * 2, 2 * 2 * 2 * 2  # archs x domains x seeds (x k/noise settings)
    assert doc["points"]["total"] == ESTIMATES + 2 * main_runs + sweep_runs
    assert doc["settings"]["lr_grid"] == [0.005, 0.02]
    for arch in doc["architectures"]:
        choice = arch["training_lr"]
        scores = choice["validation_accuracy"]
        assert set(scores) == {"0.005", "0.02"}
        assert scores[f"{choice['selected']:g}"] == max(scores.values())
        # the chosen step size's validation accuracy is the mean over the summarised main runs
        mean_val = sum(s["val_accuracy"]["mean"] for s in arch["domains"].values()) / 2
        assert mean_val == pytest.approx(scores[f"{choice['selected']:g}"])
    assert "Step size per architecture" in (out / "report.md").read_text(encoding="utf-8")

    # the same numbers as a comparison run at the chosen step size alone (all cached)
    for arch in doc["architectures"]:
        single = compare_args(tiny_inputs, cache_root, tmp_path / arch["name"])
        single[single.index("--lr") + 1] = f"{arch['training_lr']['selected']:g}"
        single = [a for a in single if a != next(g for g in tiny_inputs["graphs"] if arch["name"] not in g)]
        assert main(single) == 0
        alone = read_doc(tmp_path / arch["name"])
        assert alone["points"]["computed"] == 0
        assert accuracies(alone) == {k: v for k, v in accuracies(doc).items() if k[0] == arch["name"]}
