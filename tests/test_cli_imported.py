"""``codesign estimate model.onnx``: every bad input is one line naming the option or file,
exit 2, before any conversion, with nothing written."""

from __future__ import annotations

import sys
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from codesign.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent / "graph"))
from imported_models import INPUT_SHAPE, export_as_user, small_net  # noqa: E402

D = "pynq-z1"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    export_as_user(small_net(), folder / "small.onnx", INPUT_SHAPE, dynamo=False)
    (folder / "text.onnx").write_text("not a protobuf\n")
    relu = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "float_only",
                             [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                             [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    onnx.save(helper.make_model(relu), str(folder / "float.onnx"))
    return folder


CASES = [
    (["{f}/missing.onnx", "--reconfigurable", "adapter"], "{f}/missing.onnx: file not found"),
    (["{f}/text.onnx", "--reconfigurable", "adapter"], "{f}/text.onnx: not a loadable ONNX file"),
    (["{f}/float.onnx", "--reconfigurable", "adapter"], "{f}/float.onnx: not a QONNX model: no Quant/BipolarQuant"),
    (["{f}/small.onnx"], "--reconfigurable: required with a QONNX file ({f}/small.onnx)"),
    (["{f}/small.onnx", "--reconfigurable", ","], "--reconfigurable: expected PATTERN[,PATTERN]"),
    (["{f}/small.onnx", "--reconfigurable", "fc2"], "--reconfigurable fc2: matches no module, node or initializer "
                                                     "of {f}/small.onnx (modules: inp, conv1, bn1"),
    (["{f}/small.onnx", "--reconfigurable", "conv*,adapter,fc"], "--reconfigurable conv*,adapter,fc: selects "
                                                                  "every weight of {f}/small.onnx"),
    (["{f}/small.onnx", "--reconfigurable", "/adapter/Conv"], "--reconfigurable /adapter/Conv: selects no weights"),
    (["{f}/small.onnx", "--reconfigurable", "adapter", "--checkpoint", "{f}/small.onnx"],
     "--checkpoint: does not apply to a QONNX file"),
    (["{f}/small.onnx", "--reconfigurable", "adapter", "--input-size", "32"],
     "--input-size: does not apply to a QONNX file"),
    (["{f}/small.onnx", "--reconfigurable", "adapter", "--classes", "10"], "--classes: does not apply to a QONNX file"),
    (["cnv_head", "--reconfigurable", "adapter"], "--reconfigurable: applies to a QONNX .onnx file only; cnv_head "
                                                  "is a graph spec"),
]


@pytest.mark.parametrize("argv, expected", CASES)
def test_bad_qonnx_input_is_one_line_exit_2_nothing_written(files, argv, expected, tmp_path, capsys):
    out = tmp_path / "estimate.json"
    argv = [a.replace("{f}", str(files)) for a in argv]
    status = main(["estimate", *argv, "--device", D, "--json", str(out), "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert err.startswith("codesign: error: " + expected.replace("{f}", str(files))), err
    assert len(err.splitlines()) == 1
    assert not out.exists() and not (tmp_path / "cache" / "designs").exists()


def test_an_unmappable_layer_exits_3_naming_it(tmp_path, capsys, monkeypatch):
    from imported_models import AbsNet

    import torch

    torch.manual_seed(0)
    export_as_user(AbsNet(), tmp_path / "abs.onnx", INPUT_SHAPE, dynamo=False)
    monkeypatch.setattr("os.cpu_count", lambda: 1)  # convert in this process (no worker start-up)
    status = main(["estimate", str(tmp_path / "abs.onnx"), "--reconfigurable", "conv2", "--device", D,
                   "--json", str(tmp_path / "e.json"), "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 3, err
    assert err[0].startswith("[codesign] converting abs") and len(err) == 2  # progress, then the one line
    assert err[1] == (f"codesign: rejected: {tmp_path / 'abs.onnx'}: FINN cannot map the Abs node 'Abs_0' (from node "
                   "'/Abs'): no FINN HW layer; 3 more non-HW node(s) around it: Transpose, Mul, Transpose")
    assert not (tmp_path / "e.json").exists()
