"""The Dask executor: same points, same cache, same resume, same numbers as local processes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from compare_helpers import ESTIMATES, POINTS, accuracies, compare_args, read_doc

from codesign.cli import main


def test_dask_local_cluster_with_cache_and_resume(tiny_inputs, cache_root, tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        def run(out: Path) -> dict:
            args = compare_args(tiny_inputs, cache_root, out, "--executor", "dask",
                                "--scheduler", cluster.scheduler_address)
            assert main(args) == 0
            return read_doc(out)

        doc = run(tmp_path / "dask")
        assert doc["points"]["computed"] == POINTS and doc["points"]["failed"] == 0
        assert doc["points"]["executor"] == f"dask, scheduler {cluster.scheduler_address}"
        # both workers took points
        train = sorted((cache_root / "points" / "train").glob("*.json"))
        assert len(train) == POINTS - ESTIMATES
        # lose three finished points: a resumed run recomputes exactly those
        for path in train[:3]:
            path.unlink()
        again = run(tmp_path / "dask_resumed")
        assert again["points"]["from_cache"] == POINTS - 3 and again["points"]["computed"] == 3
        assert accuracies(again) == accuracies(doc)

    # local processes compute the same numbers from an empty point cache
    local_root = tmp_path / "local"
    local_root.mkdir()
    os.symlink(cache_root / "designs", local_root / "designs")
    assert main(compare_args(tiny_inputs, local_root, tmp_path / "local_report")) == 0
    assert accuracies(read_doc(tmp_path / "local_report")) == accuracies(doc)


@pytest.mark.parametrize("extra, message", [
    (["--executor", "slurm"], "unknown executor 'slurm'; registered: dask, local"),
    (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler is for --executor dask"),
    (["--seeds", "0"], "argument --seeds: expected a number of seeds from 1 to 100, got 0"),
    (["--rank-by", "speed"], "--rank-by: expected one of accuracy, decathlon, got 'speed'"),
    (["--lr", "fast"], "--lr: 'fast' is not a step size"),
    (["--noise", "1.5"], "--noise: 1.5 must be a fraction in [0, 1)"),
    (["--k-shot", "two"], "--k-shot: 'two' is not a count per class"),
])
def test_bad_arguments_exit_2_with_one_line_and_no_output(tiny_inputs, tmp_path, capsys, extra, message):
    out = tmp_path / "report"
    args = compare_args(tiny_inputs, tmp_path / "cache", out, *extra)
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("codesign: error: ") and message in err[0]
    assert not out.exists() and not (tmp_path / "cache").exists()


def test_bad_inputs_name_the_file_or_domain(tiny_inputs, tmp_path, capsys):
    out = tmp_path / "report"
    missing = compare_args(tiny_inputs, tmp_path / "cache", out)
    missing[1] = str(tmp_path / "nope.yaml")
    assert main(missing) == 2
    assert "nope.yaml" in capsys.readouterr().err
    unknown = compare_args(tiny_inputs, tmp_path / "cache", out)
    unknown[unknown.index("--domains") + 1] = "no_such_domain"
    assert main(unknown) == 2
    assert "unknown domain 'no_such_domain'" in capsys.readouterr().err
    twice = compare_args(tiny_inputs, tmp_path / "cache", out)
    twice.insert(2, tiny_inputs["graphs"][0])
    assert main(twice) == 2
    assert "architecture 'tiny_head' is given twice" in capsys.readouterr().err
    assert not out.exists()
