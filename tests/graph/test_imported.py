"""Existing models as input: a QONNX file (API and CLI) and a Brevitas module give the same
design, split and numbers; a layer FINN cannot map is one line naming the node and op."""

from __future__ import annotations

import json

import pytest
import torch
from imported_models import INPUT_SHAPE, AbsNet, bnn_pynq_cnv, export_as_user, small_net

from codesign.api import estimate_module, estimate_qonnx
from codesign.cli import main
from codesign.errors import DesignRejected, InputError
from codesign.store import designs_dir

DEVICE = "pynq-z1"
CNV_SHAPE = (1, 3, 32, 32)
# The last layer in FINN terms: the final QuantLinear (10 x 512, an MVAU without thresholds)
# and the TensorNorm after it, whose scalar affine FINN leaves to the host (Mul, Add).
CNV_LAST = ["linear_features.6", "linear_features.7"]
quiet = dict(parallel=False, progress=lambda line: None)


def _reconfigurable(estimate) -> list[str]:
    return [n.name for n in estimate.nodes if n.role == "reconfigurable"]


@pytest.fixture(scope="module")
def cnv():
    return bnn_pynq_cnv()


@pytest.fixture(scope="module")
def cnv_file(cnv, tmp_path_factory):
    path = tmp_path_factory.mktemp("user") / "cnv_w1a1.onnx"
    export_as_user(cnv, path, CNV_SHAPE)  # Brevitas' default exporter, as a user runs it
    return path


@pytest.fixture(scope="module")
def cnv_from_file(cnv_file, tmp_path_factory):
    root = tmp_path_factory.mktemp("cache")
    estimate, estimator = estimate_qonnx(cnv_file, ",".join(CNV_LAST), DEVICE, cache_dir=designs_dir(root), **quiet)
    return estimate, estimator, root


def test_cnv_file_splits_off_the_last_mvau(cnv_from_file):
    estimate, estimator, _ = cnv_from_file
    assert _reconfigurable(estimate) == ["MVAU_hls_8"]
    assert estimator.design.host_nodes == [("Transpose", "Transpose_0"), ("Mul", "Mul_0"), ("Add", "Add_0")]
    ic = estimate.interconnect  # the 1-bit activations of the last hidden layer into the classifier
    assert (ic.streams, ic.interconnect_bits, ic.handshake_wires, ic.bits_per_frame) == (1, 1, 2, 512)
    assert ic.fixed_to_reconfigurable.edges == [("Thresholding_rtl_8", "MVAU_hls_8", 1)]
    assert ic.reconfigurable_to_fixed.streams == 0  # the classifier's output leaves for the host
    assert estimate.switch["payload_bytes"] == 640  # 10 x 512 binary weights
    assert estimate.graph == "cnv_w1a1" and estimator.design.spec.input_shape == CNV_SHAPE


def test_cnv_module_gives_the_files_totals_by_names_and_by_predicate(cnv, cnv_from_file, tmp_path):
    from_file = cnv_from_file[0]
    before = {k: v.clone() for k, v in cnv.state_dict().items()}
    by_names, _ = estimate_module(cnv, CNV_LAST, CNV_SHAPE, DEVICE, cache_dir=tmp_path, **quiet)
    # the same values selected: the same exports, so the second call finds the first's conversion
    by_predicate, _ = estimate_module(cnv, lambda name, _: name.startswith(("linear_features.6.", "linear_features.7.")),
                                      CNV_SHAPE, DEVICE, cache_dir=tmp_path, **quiet)
    assert len(list(tmp_path.glob("*/design.onnx"))) == 1
    for estimate in (by_names, by_predicate):
        assert estimate.totals == from_file.totals
        assert estimate.fps == from_file.fps and estimate.interconnect == from_file.interconnect
        assert _reconfigurable(estimate) == ["MVAU_hls_8"]
    assert all(torch.equal(before[k], v) for k, v in cnv.state_dict().items())  # the module is left as it was


def test_cnv_file_on_the_command_line(cnv_file, cnv_from_file, tmp_path, capsys):
    estimate, _, root = cnv_from_file
    out = tmp_path / "estimate.json"
    status = main(["estimate", str(cnv_file), "--reconfigurable", ",".join(CNV_LAST), "--device", DEVICE,
                   "--cache-dir", str(root), "--json", str(out)])
    printed = capsys.readouterr()
    assert status == 0, printed.err
    lines = printed.out.splitlines()
    assert lines[0] == f"input: 1 x 3 x 32 x 32 (batch, channels, height, width) from {cnv_file}"
    assert lines[1].startswith("cnv_w1a1 on pynq-z1 (xc7z020clg400-1, 100 MHz)")
    assert any(line.startswith("MVAU_hls_8") and " reconf " in line for line in lines)
    assert any(line.startswith("interconnect fixed<->reconfigurable: 1 streams, 1 data wires (+2 handshake)")
               for line in lines)
    assert "using cached FINN conversion" in printed.err  # the API's conversion, found by content
    assert json.loads(out.read_text())["totals"] == pytest.approx(estimate.totals)


def test_small_module_by_predicate_and_by_names():
    model = small_net()
    by_names, _ = estimate_module(model, ["adapter", "bn2"], INPUT_SHAPE, DEVICE, cache_dir=None, **quiet)
    by_predicate, _ = estimate_module(model, lambda name, _: name.startswith("adapter.") or name in (
        "bn2.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var"), INPUT_SHAPE, DEVICE, cache_dir=None, **quiet)
    assert by_names.totals == by_predicate.totals
    # the adapter conv with its padding and window, and its BN + ReLU thresholds
    expected = ["FMPadding_rtl_1", "ConvolutionInputGenerator_rtl_1", "MVAU_hls_1", "Thresholding_rtl_2"]
    assert _reconfigurable(by_names) == _reconfigurable(by_predicate) == expected
    ic = by_names.interconnect  # 4-bit activations in and out, 8 x 8 x 8 per frame each way
    assert (ic.streams, ic.interconnect_bits, ic.bits_per_frame) == (2, 8, 4096)
    assert ic.fixed_to_reconfigurable.edges == [("Thresholding_rtl_1", "FMPadding_rtl_1", 4)]
    assert ic.reconfigurable_to_fixed.edges == [("Thresholding_rtl_2", "FMPadding_rtl_2", 4)]


def test_a_layer_finn_cannot_map_is_one_line_naming_node_and_op():
    torch.manual_seed(0)
    with pytest.raises(DesignRejected) as info:
        estimate_module(AbsNet(), ["conv2"], INPUT_SHAPE, DEVICE, cache_dir=None, **quiet)
    message = str(info.value)
    assert message.startswith("<module AbsNet>: FINN cannot map the Abs node 'Abs_0' (from node '/Abs'): "
                              "no FINN HW layer")
    assert "\n" not in message


def test_a_selection_that_only_reaches_the_host_is_refused(cnv_file):
    with pytest.raises(InputError, match=r"^reconfigurable linear_features.7: no HW layer of cnv_w1a1 depends "
                                         r"on the selected values"):
        estimate_qonnx(cnv_file, "linear_features.7", DEVICE, cache_dir=None, **quiet)


def test_a_folding_written_for_the_file_reads_back_to_the_same_estimate(cnv_file, cnv_from_file, tmp_path, capsys):
    root = cnv_from_file[2]
    common = ["estimate", str(cnv_file), "--reconfigurable", ",".join(CNV_LAST), "--device", DEVICE,
              "--cache-dir", str(root)]
    assert main([*common, "--target-fps", "1000", "--finn-reports", str(tmp_path / "reports"),
                 "--json", str(tmp_path / "folded.json")]) == 0
    assert main([*common, "--folding", str(tmp_path / "reports" / "final_hw_config.json"),
                 "--json", str(tmp_path / "read_back.json")]) == 0
    capsys.readouterr()
    folded, read_back = (json.loads((tmp_path / f).read_text()) for f in ("folded.json", "read_back.json"))
    assert read_back["totals"] == folded["totals"] and read_back["fps"] == folded["fps"] < cnv_from_file[0].fps


def test_explore_takes_the_file_and_its_points_read_back_exactly(cnv_file, cnv_from_file, tmp_path, capsys):
    """``codesign explore model.onnx --reconfigurable ...``: the cached conversion, N foldings,
    and a front point's FINN folding config estimates to the same totals and FPS."""
    root = cnv_from_file[2]
    source = ["--reconfigurable", ",".join(CNV_LAST), "--device", DEVICE, "--cache-dir", str(root)]
    assert main(["explore", str(cnv_file), *source, "--foldings", "60", "--json", str(tmp_path / "x.json")]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("cnv_w1a1 on pynq-z1 (xc7z020clg400-1, 100 MHz): 60 foldings estimated in ")
    assert "using cached FINN conversion" in printed.err
    explored = json.loads((tmp_path / "x.json").read_text())
    assert len(explored["points"]) == 60 and explored["front"]
    point = explored["points"][explored["front"][0]]
    assert set(point["folding_config"]["MVAU_hls_8"]) <= {"PE", "SIMD"}  # folding only: the split stays codesign's
    (tmp_path / "front0.json").write_text(json.dumps(point["folding_config"]))
    assert main(["estimate", str(cnv_file), *source, "--folding", str(tmp_path / "front0.json"),
                 "--json", str(tmp_path / "e.json")]) == 0
    capsys.readouterr()
    estimate = json.loads((tmp_path / "e.json").read_text())
    assert estimate["totals"] == point["totals"] and estimate["fps"] == point["fps"]
    assert main(["explore", str(cnv_file), "--device", DEVICE]) == 2  # no --reconfigurable: one line, exit 2
    assert capsys.readouterr().err.strip().startswith("codesign: error: --reconfigurable: required with a QONNX")
