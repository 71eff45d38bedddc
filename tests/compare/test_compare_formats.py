"""compare.json formats: a format-1 file (the demo as committed by codesign 0.1 before
format 2, kept as a fixture) is converted with every number kept, a file of another
format or shape is refused in one line naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codesign.compare.result import CompareResult, read_result
from codesign.records import RecordError

DEMO_V1 = Path(__file__).resolve().parent / "fixtures" / "compare_format1_demo.json"


@pytest.fixture(scope="module")
def demo_v1() -> dict:
    return json.loads(DEMO_V1.read_text(encoding="utf-8"))


def test_a_format_1_file_is_converted_with_its_numbers(demo_v1):
    assert demo_v1["format_version"] == 1
    result = read_result(DEMO_V1)
    assert result.format_version == 2
    old = {a["name"]: a for a in demo_v1["architectures"]}
    assert [a.name for a in result.architectures] == list(old)
    for arch in result.architectures:
        before = old[arch.name]
        ic = before["estimate"]["interconnect"]
        assert arch.estimate.interconnect.interconnect_bits == ic["data_bits"]  # renamed, same value
        assert arch.estimate.interconnect.fixed_to_reconfigurable.interconnect_bits == \
            ic["fixed_to_reconfigurable"]["bits"]
        assert arch.estimate.fps == before["estimate"]["fps"] and arch.mean_accuracy == before["mean_accuracy"]
        for domain, summary in arch.domains.items():
            assert summary.test_accuracy.to_dict() == before["domains"][domain]["test_accuracy"]
    side = result.architecture("cnv_side")
    assert side.estimate.interconnect.interconnect_bits == 12 and side.budget.meets
    assert side.domains["animal_mnist"].test_accuracy.mean == pytest.approx(0.6333, abs=1e-4)
    assert result.verdict.best == "cnv_side" and result.verdict.rank_by == "accuracy"  # format 1: by accuracy
    assert result.points.rejected == 0 and result.points.total == 222
    assert result.pareto == demo_v1["pareto"]


def test_format_2_round_trips_exactly(tmp_path, demo_v1):
    converted = read_result(DEMO_V1)
    path = tmp_path / "compare.json"
    path.write_text(converted.to_json(), encoding="utf-8")
    again = read_result(path)
    assert again == converted and again.to_json() == converted.to_json()
    assert json.loads(path.read_text())["architectures"][0]["estimate"]["interconnect"]["interconnect_bits"] == 28


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(format_version=3), "format_version 3 was written by a newer codesign"),
    (lambda d: d.update(format_version="1"), "format_version: expected 1 or 2, got '1'"),
    (lambda d: d.pop("format_version"), "format_version: expected 1 or 2, got None"),
    (lambda d: d["architectures"][2]["estimate"].update(fps="fast"),
     "architectures[2].estimate.fps: expected a number, got 'fast'"),
    (lambda d: d["verdict"].pop("best"), "verdict: missing key 'best'"),
    (lambda d: d["points"].update(speed=1), "points: unknown key 'speed'"),
    (lambda d: d["architectures"][0]["domains"]["animal_mnist"].update(test_accuracy=[0.5]),
     "architectures[0].domains.animal_mnist.test_accuracy: expected an object, got [0.5]"),
])
def test_a_file_that_does_not_fit_is_refused_in_one_line(tmp_path, demo_v1, change, message):
    doc = json.loads(json.dumps(demo_v1))
    change(doc)
    path = tmp_path / "compare.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(RecordError) as refused:
        read_result(path)
    text = str(refused.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_not_json_is_refused(tmp_path):
    path = tmp_path / "compare.json"
    path.write_text("{torn", encoding="utf-8")
    with pytest.raises(RecordError, match=r"not a readable compare.json"):
        read_result(path)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(RecordError, match=r"expected a JSON object \(a compare.json\), got list"):
        read_result(path)


def test_check_demo_numbers_says_identical_or_lists_the_differences(tmp_path, demo_v1, capsys):
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "check_demo_numbers.py"
    spec = importlib.util.spec_from_file_location("check_demo_numbers", script)
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    new = tmp_path / "compare.json"
    result = CompareResult.from_dict(read_result(DEMO_V1).to_dict())
    result.created, result.points.wall_seconds = "2027-01-01T00:00:00Z", 11.0  # not results: ignored
    new.write_text(result.to_json(), encoding="utf-8")
    assert check.main([str(DEMO_V1), str(new)]) == 0
    assert capsys.readouterr().out.startswith("identical (")

    side = result.architecture("cnv_side")
    side.domains["animal_mnist"].test_accuracy.std += 1e-9
    side.estimate.energy_uj.per_inference_at_throughput = 1.0
    result.verdict.best = "cnv_head"
    lr = result.architecture("cnv_head").training_lr.validation_accuracy
    lr["0.02"] = lr["0.02"] * (1 + 2**-52)  # the last bit of a mean over runs: summation order
    new.write_text(result.to_json(), encoding="utf-8")
    assert check.main([str(DEMO_V1), str(new)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "3 difference(s) in 1,617 values:"
    assert [line.split(":")[0].strip() for line in out[1:4]] == [
        "architectures[cnv_side].domains.animal_mnist.test_accuracy.std",
        "architectures[cnv_side].estimate.energy_uj.per_inference_at_throughput", "verdict.best"]
    assert out[4].endswith("(summation order only)") and "cnv_head].training_lr" in out[4]
    assert check.main([str(tmp_path / "none.json"), str(new)]) == 2
