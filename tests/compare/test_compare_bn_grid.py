"""--bn-stats batch,frozen: the BatchNorm statistics are chosen per architecture on validation
together with the step size, like --lr (codesign.compare.runner.select_lr)."""

from __future__ import annotations

import pytest
from compare_helpers import ESTIMATES, accuracies, compare_args, read_doc, single_setting

from codesign.cli import main


def _args(tiny_inputs, cache_root, out, bn_stats: str) -> list[str]:
    """The tiny comparison without its sweeps (they run at the chosen setting like any other),
    one seed and 3 epochs (seconds)."""
    args = single_setting(compare_args(tiny_inputs, cache_root, out, "--bn-stats", bn_stats))
    for option, value in (("--epochs", "3"), ("--patience", "3")):
        args[args.index(option) + 1] = value
    return args


def test_bn_stats_are_chosen_per_architecture_on_validation(tiny_inputs, cache_root, tmp_path):
    out = tmp_path / "grid"
    assert main(_args(tiny_inputs, cache_root, out, "batch,frozen")) == 0
    doc = read_doc(out)
    # domains: head once (no BatchNorm copied from the backbone), scale_bias under both
    assert doc["points"]["total"] == ESTIMATES + 2 + 2 * 2
    assert doc["settings"]["bn_stats_grid"] == ["batch", "frozen"]
    assert doc["settings"]["train_config"]["bn_stats"] == "chosen per architecture on validation accuracy"
    choices = {arch["name"]: arch["training_lr"] for arch in doc["architectures"]}
    for arch in doc["architectures"]:
        choice = arch["training_lr"]
        scores = choice["validation_accuracy"]
        both = arch["family"] == "scale_bias"
        assert set(scores) == ({"0.02 / batch", "0.02 / frozen"} if both else {"0.02 / batch"})
        assert scores[f"0.02 / {choice['bn_stats']}"] == max(scores.values())
        # only the chosen setting's main runs are summarised (and reported)
        mean_val = sum(s["val_accuracy"]["mean"] for s in arch["domains"].values()) / 2
        assert mean_val == pytest.approx(scores[f"0.02 / {choice['bn_stats']}"])
    # head owns no BatchNorm copied from the backbone: both settings would train it identically,
    # so it trains once, under the first value given
    head = next(name for name in choices if name.endswith("head"))
    assert choices[head]["bn_stats"] == "batch"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Step size / BatchNorm statistics (--bn-stats) per architecture" in report

    # the same numbers as a comparison run with the chosen setting alone (all cached)
    for name, choice in choices.items():
        alone_out = tmp_path / name
        graph = next(g for g in tiny_inputs["graphs"] if name in g)
        other = next(g for g in tiny_inputs["graphs"] if g != graph)
        args = [a for a in _args(tiny_inputs, cache_root, alone_out, choice["bn_stats"]) if a != other]
        assert main(args) == 0
        alone = read_doc(alone_out)
        assert alone["points"]["computed"] == 0 and "bn_stats_grid" not in alone["settings"]
        assert alone["settings"]["train_config"]["bn_stats"] == choice["bn_stats"]
        assert accuracies(alone) == {k: v for k, v in accuracies(doc).items() if k[0] == name}


def test_cli_bn_stats_grid_errors_are_one_line(tiny_inputs, cache_root, tmp_path, capsys):
    out = tmp_path / "bad"
    assert main(compare_args(tiny_inputs, cache_root, out, "--bn-stats", "frozen,frozen")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["codesign: error: --bn-stats: expected each of batch, frozen at most once, got 'frozen,frozen'"]
    assert not out.exists()
