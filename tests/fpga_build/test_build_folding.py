"""``codesign build --folding FILE``: the build's folding config reads back to the same
estimate, the folding file's content is in the build's key, and the refusals.

On the tiny attention design (one FINN conversion); the full build with a folding file
runs in the slow suite's build tests through the same steps (steps.fold_and_estimate).
"""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from codesign.cost.folding_config import folding_config_text, read_folding_config
from codesign.fpga_build import codegen, steps
from codesign.fpga_build.errors import BuildError
from codesign.fpga_build.inputs import BuildInputs, input_hash, input_record, load_inputs
from codesign.graph.design import prepare_design
from codesign.specs.device import load_device
from tests.conftest import tiny_graph

PART = "xc7z020clg400-1"


@pytest.fixture(scope="module")
def design():
    torch.manual_seed(0)
    return prepare_design(tiny_graph("attention"), PART)


def test_the_builds_folding_config_reads_back_to_the_same_estimate(design, tmp_path):
    device = load_device("pynq-z1")
    folding, estimate = steps.fold_and_estimate(design, device, 2000.0)
    path = tmp_path / "folding_config.json"
    # what the build hands to FINN's synthesis: the folding after bit-width minimisation
    path.write_text(folding_config_text(codegen.minimize_bit_width(folding.model)))
    _, again = steps.fold_and_estimate(design, device, None, read_folding_config(path))
    assert again.folding_source == str(path) and estimate.folding_source == ""
    for key in ("totals", "fps", "cycles_per_frame", "critical_path_cycles", "bottleneck", "intervals", "energy"):
        assert getattr(again, key) == getattr(estimate, key), key
    assert [(n.name, n.pe, n.simd) for n in again.nodes] == [(n.name, n.pe, n.simd) for n in estimate.nodes]


def test_the_folding_files_content_is_in_the_build_key(tmp_path):
    spec = tiny_graph("head")
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"MVAU_hls_0": {"PE": 1}}))
    b.write_text(json.dumps({"MVAU_hls_0": {"PE": 2}}))
    base = BuildInputs(spec, load_device("pynq-z1"), [], None, 8, 0, None)
    keys = {name: input_hash(input_record(dataclasses.replace(base, folding=folding), {}))
            for name, folding in (("none", None), ("a", read_folding_config(a)), ("b", read_folding_config(b)))}
    assert len(set(keys.values())) == 3
    moved = tmp_path / "elsewhere.json"
    moved.write_bytes(a.read_bytes())  # same content elsewhere: the same build
    assert input_hash(input_record(dataclasses.replace(base, folding=read_folding_config(moved)), {})) == keys["a"]
    record = input_record(dataclasses.replace(base, folding=read_folding_config(a)), {})
    assert record["folding"]["path"] == str(a) and len(record["folding"]["sha256"]) == 64


def test_folding_and_target_fps_together_are_refused(tmp_path):
    path = tmp_path / "f.json"
    path.write_text("{}")
    with pytest.raises(BuildError, match="--folding and --target-fps: give one"):
        load_inputs("cnv_head", "pynq-z1", "a", tmp_path, target_fps=100.0, folding=path)


def test_a_build_with_the_folding_of_another_build_gives_the_same_hardware(tiny_build_inputs, tmp_path):
    """`codesign build --folding` on the folding config a build wrote (finn/folding_config.json):
    the same estimate and folding, recorded in the manifest and README, and a different key."""
    from codesign.cli import main
    from tests.fpga_build.conftest import DOMAINS

    spec, ckpt, cache_root = tiny_build_inputs

    def build(out, *extra):
        rc = main(["build", str(spec), "--device", "Pynq-Z1", "--domains", ",".join(DOMAINS), "--checkpoints",
                   str(ckpt), "--out", str(out), "--cache-dir", str(cache_root), "--images", "4",
                   "--data-cache", str(tmp_path / "no-data"), *extra])
        assert rc == 0
        return json.loads((out / "manifest.json").read_text())

    first = build(tmp_path / "first", "--target-fps", "2000")
    folding_file = tmp_path / "first" / "finn" / "folding_config.json"
    second = build(tmp_path / "second", "--folding", str(folding_file))
    assert second["folding"] == first["folding"]
    for key in ("totals", "fps", "cycles_per_frame", "bottleneck", "latency_s"):
        assert second["estimate"][key] == first["estimate"][key], key
    assert second["estimate"]["folding_source"] == str(folding_file)
    assert second["inputs"]["folding"]["sha256"] == read_folding_config(folding_file).sha256
    assert first["inputs"]["folding"] is None and first["input_hash"] != second["input_hash"]
    assert f"Folding: {folding_file}." in (tmp_path / "second" / "README.md").read_text()
    assert second["device"]["finn_board"] == "Pynq-Z1"
    for name in ("estimate_layer_resources.json", "estimate_layer_cycles.json", "estimate_network_performance.json",
                 "final_hw_config.json"):
        assert (tmp_path / "second" / "reports" / name).read_bytes() == \
            (tmp_path / "first" / "reports" / name).read_bytes(), name
