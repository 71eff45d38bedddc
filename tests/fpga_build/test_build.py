"""`codesign build` end to end on a tiny two-domain model (scale_bias: per-domain
thresholds and head), with verification; reuse, --force, interruption, failure."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from codesign.cli import main
from codesign.fpga_build import folder
from codesign.fpga_build.errors import VerificationError
from codesign.fpga_build.inputs import load_inputs
from codesign.fpga_build.pipeline import build
from tests.fpga_build.conftest import DOMAINS

TARGET_FPS = 2000.0  # frames/s: a single folding pass (the fastest-fitting search takes longer)


def _inputs(spec, ckpt, images=8, **kw):
    return load_inputs(spec, "pynq-z1", ",".join(DOMAINS), ckpt, TARGET_FPS, images=images, **kw)


@pytest.fixture(scope="module")
def built(tiny_build_inputs, tmp_path_factory):
    """One CLI build with 64 verification images per domain (what the issue asks)."""
    spec, ckpt, cache_root = tiny_build_inputs
    out = tmp_path_factory.mktemp("builds") / "tiny"
    rc = main(["build", str(spec), "--device", "pynq-z1", "--domains", ",".join(DOMAINS),
               "--checkpoints", str(ckpt), "--out", str(out), "--target-fps", str(TARGET_FPS),
               "--cache-dir", str(cache_root), "--data-cache", str(out.parent / "no-data"), "--exact"])
    assert rc == 0
    return out, json.loads((out / "manifest.json").read_text())


def test_every_domain_verified_exactly_on_64_images(built):
    _, m = built
    assert m["status"] == "complete"
    for name in DOMAINS:
        v = m["verification"][name]
        assert v["passed"] and v["images"] == 64 and v["mode"] == "integer" and v["max_step_diff"] == 0
        assert v["exact_images"] == 64 and v["top1_agreement"] == 1.0 and v["criterion"].startswith("identical")
        assert "random" in v["source"]["kind"]
        assert m["crosscheck"][name]["passed"]


def test_build_folder_contents(built):
    out, m = built
    for rel in ("README.md", "qonnx/digits.onnx", "qonnx/letters.onnx", "finn/generic_hw.onnx",
                "finn/dataflow_folded.onnx", "finn/folding_config.json", "finn/build_config.json",
                "finn/run_synthesis.py", "reports/estimate_layer_resources.json",
                "reports/estimate_layer_cycles.json", "reports/op_and_param_counts.json",
                "reports/estimate_network_performance.json", "reports/codesign_estimate.json"):
        assert (out / rel).is_file(), rel
    assert "total" in json.loads((out / "reports/estimate_layer_resources.json").read_text())
    # inputs hashed, tools recorded, outputs hashed
    assert all(len(h) == 64 for d in m["inputs"]["domains"] for h in d["sha256"].values())
    assert m["inputs"]["tools"]["finn-plus"] == "1.6.1"
    assert m["outputs"]["finn/dataflow_folded.onnx"]
    assert not list(out.parent.glob(".tiny.*"))  # no temporary folder left


def test_memory_modes_carry_the_split(built):
    from qonnx.core.modelwrapper import ModelWrapper

    from codesign.finn.compat import ensure_finn

    ensure_finn()
    from finn.util.basic import getHWCustomOp

    out, m = built
    model = ModelWrapper(str(out / "finn/dataflow_folded.onnx"))
    roles = m["design"]["roles"]
    folding = json.loads((out / "finn/folding_config.json").read_text())
    for node in model.graph.node:
        inst = getHWCustomOp(node)
        reconf = roles[node.name] == "reconfigurable"
        if node.op_type.startswith("MVAU"):
            assert inst.get_nodeattr("mem_mode") == ("internal_decoupled" if reconf else "internal_embedded")
        if node.op_type.startswith(("MVAU", "Thresholding")):
            assert inst.get_nodeattr("runtime_writeable_weights") == int(reconf)
            assert folding[node.name]["runtime_writeable_weights"] == int(reconf)
    assert len(m["design"]["runtime_writeable"]) == m["design"]["reconfigurable"] == 6


def test_generated_code_for_every_node_points_at_the_final_folder(built):
    out, m = built
    for node, files in m["generated_code"].items():
        assert files, node
        if "_hls" in node:
            assert any(f.endswith(".cpp") for f in files) and any(f.endswith(".tcl") for f in files)
        else:
            assert any(f.endswith((".v", ".sv")) for f in files)
    tcl = next((out / "ip").glob("MVAU_hls_*/hls_syn_*.tcl")).read_text()
    assert str(out.resolve() / "ip") in tcl and ".tmp-" not in tcl


def _words(slave):
    return [int(data, 16) for _, data in slave["writes"]]


def test_axi_writes_decode_to_each_domains_head_weights(built, tiny_build_inputs):
    """Reassemble memory words from the AXI-lite beats (least significant first), unpack
    PE x SIMD weights of the node's width: exactly the domain's head weights."""
    from qonnx.core.modelwrapper import ModelWrapper

    from codesign.fpga_build.domains import convert_domains
    from codesign.fpga_build.inputs import check_checkpoints
    from codesign.specs.graph import load_graph

    out, m = built
    spec_path, ckpt, _ = tiny_build_inputs
    spec = load_graph(spec_path)
    designs = convert_domains(spec, check_checkpoints(spec, list(DOMAINS), ckpt), tiny_build_inputs.designs,
                              out.parent / "q")
    folded = ModelWrapper(str(out / "finn/dataflow_folded.onnx"))
    head = [n for n in folded.graph.node if n.op_type.startswith("MVAU")][-1]
    folding = json.loads((out / "finn/folding_config.json").read_text())[head.name]
    bits = 4  # head weight_bits of the tiny spec
    lane = folding["PE"] * folding["SIMD"]
    per_line = 1 << (math.ceil(lane * bits / 32) - 1).bit_length()
    heads = []
    for name in DOMAINS:
        doc = json.loads((out / "domains" / name / "axilite_writes.json").read_text())
        slave = next(s for s in doc["slaves"] if s["node"] == head.name)
        assert [off for off, _ in slave["writes"]] == list(range(0, 4 * slave["words"], 4))
        words = _words(slave)
        values = []
        for i in range(0, len(words), per_line):
            line = sum(w << (32 * j) for j, w in enumerate(words[i:i + per_line]))
            for e in range(lane):
                v = (line >> (bits * e)) & ((1 << bits) - 1)
                values.append(v - (1 << bits) if v >= 1 << (bits - 1) else v)
        generic = designs[name].model
        mvau = [n for n in generic.graph.node if n.op_type == "MVAU"][-1]
        expected = generic.get_initializer(mvau.input[1])
        assert sorted(values) == sorted(expected.astype(int).ravel().tolist())
        heads.append(values)
    assert heads[0] != heads[1]  # the domains really differ


def test_switch_cost_per_domain(built):
    _, m = built
    for name in DOMAINS:
        s = m["switch"]["per_domain"][name]
        doc = json.loads((Path(built[0]) / "domains" / name / "axilite_writes.json").read_text())
        assert s["axi_words"] == sum(x["words"] for x in doc["slaves"]) and s["write_bytes"] == 4 * s["axi_words"]
        assert s["write_time_s"] == pytest.approx(s["axi_words"] * 16 / 100e6)  # pynq-z1: 16 cycles at 100 MHz
    est = m["switch"]["estimated"]
    # codesign's switch model vs FINN's files: same order (FINN pads thresholds to powers of two)
    assert 0.8 < m["switch"]["per_domain"][DOMAINS[0]]["write_bytes"] / est["write_bytes"] < 1.5


def test_readme_names_mechanism_and_stop_before_synthesis(built):
    out, m = built
    text = (out / "README.md").read_text()
    for phrase in ("selectable_weights", "partial_reconfiguration", "runtime_writeable_weights",
                   "stopped before synthesis", "run_synthesis.py", "s_axilite_"):
        assert phrase in text
    assert m["synthesis"]["status"] == "not run"


def test_identical_inputs_reuse_and_force_rebuilds(tiny_build_inputs, tmp_path):
    spec, ckpt, _ = tiny_build_inputs
    cache = tiny_build_inputs.designs
    first = build(_inputs(spec, ckpt), tmp_path / "b", cache_dir=cache)
    again = build(_inputs(spec, ckpt), tmp_path / "b", cache_dir=cache)
    assert not first.reused and again.reused and again.seconds < 5
    assert again.manifest["input_hash"] == first.manifest["input_hash"]
    forced = build(_inputs(spec, ckpt), tmp_path / "b", force=True, cache_dir=cache)
    assert not forced.reused and forced.manifest["input_hash"] == first.manifest["input_hash"]
    assert forced.manifest["created"] >= first.manifest["created"]


def test_input_hash_covers_what_the_build_depends_on(tiny_build_inputs, tmp_path):
    import shutil

    from codesign.fpga_build.inputs import input_hash, input_record
    from tests.fpga_build.conftest import write_checkpoints

    spec, ckpt, _ = tiny_build_inputs

    def key(inputs):
        return input_hash(input_record(inputs, {"kind": "random"}))

    base = key(_inputs(spec, ckpt))
    moved = shutil.copytree(ckpt, tmp_path / "moved")  # same files elsewhere: same build
    assert key(_inputs(spec, moved)) == base
    assert key(_inputs(spec, ckpt, seed=5)) != base
    assert key(load_inputs(spec, "pynq-z1", ",".join(DOMAINS), ckpt, 1000.0, images=8)) != base
    assert key(load_inputs(spec, "pynq-z1", ",".join(reversed(DOMAINS)), ckpt, TARGET_FPS, images=8)) != base
    retrained = write_checkpoints(spec, tmp_path / "retrained", seed=7)  # other values, same names
    assert key(_inputs(spec, retrained)) != base


def test_interrupted_build_leaves_nothing_finished(tiny_build_inputs, tmp_path, monkeypatch):
    import codesign.fpga_build.weights as weights

    spec, ckpt, _ = tiny_build_inputs
    cache = tiny_build_inputs.designs
    out = tmp_path / "b"
    stale = tmp_path / ".b.tmp-999999999"  # a dead process's half build, even with a manifest
    stale.mkdir()
    (stale / "manifest.json").write_text(json.dumps({"codesign_build": 1, "status": "complete"}))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # as Ctrl-C half-way, after the shared hardware was written

    monkeypatch.setattr(weights, "write_domain", crash)
    with pytest.raises(KeyboardInterrupt):
        build(_inputs(spec, ckpt), out, cache_dir=cache)
    assert not out.exists() and not list(tmp_path.glob(".b.*"))
    monkeypatch.undo()
    done = build(_inputs(spec, ckpt), out, cache_dir=cache)
    assert not done.reused and folder.finished(out, done.manifest["input_hash"])
    # an interrupted --force rebuild keeps the previous complete build in place
    monkeypatch.setattr(weights, "write_domain", crash)
    with pytest.raises(KeyboardInterrupt):
        build(_inputs(spec, ckpt), out, force=True, cache_dir=cache)
    assert folder.finished(out, done.manifest["input_hash"])


def test_domain_that_disagrees_fails_loudly(tiny_build_inputs, tmp_path, monkeypatch, capsys):
    """A Brevitas reference whose second domain's head differs from its checkpoint: the
    build must say so, exit 3 (design rejected) and install nothing."""
    import torch

    import codesign.fpga_build.domains as domains
    from codesign.fpga_build.inputs import check_checkpoints
    from codesign.specs.graph import load_graph

    spec, ckpt, _ = tiny_build_inputs
    cache = tiny_build_inputs.designs
    # FINN's conversions come from the checkpoints, not from the tampered reference: convert
    # (or find cached) before tampering, else a first conversion would export the tampered head.
    graph = load_graph(spec)
    domains.convert_domains(graph, check_checkpoints(graph, list(DOMAINS), ckpt), cache, tmp_path / "q")
    original = domains.reference_model

    def tampered(spec_, doms):
        model = original(spec_, doms)
        with torch.no_grad():
            head = [p for n, p in model.domains[DOMAINS[1]].named_parameters() if p.dim() == 2][-1]
            head.mul_(-1.0)
        return model

    monkeypatch.setattr(domains, "reference_model", tampered)
    with pytest.raises(VerificationError, match=DOMAINS[1]):
        build(_inputs(spec, ckpt), tmp_path / "b", cache_dir=cache)
    assert not (tmp_path / "b").exists()
    failed = json.loads((tmp_path / ".b.failed" / "manifest.json").read_text())
    assert failed["status"] == "failed" and not failed["verification"][DOMAINS[1]]["passed"]
    assert failed["verification"][DOMAINS[0]]["passed"]
    rc = main(["build", str(spec), "--device", "pynq-z1", "--domains", ",".join(DOMAINS), "--checkpoints",
               str(ckpt), "--out", str(tmp_path / "c"), "--target-fps", str(TARGET_FPS), "--images", "8",
               "--cache-dir", str(tiny_build_inputs.cache_root)])
    err = capsys.readouterr().err
    assert rc == 3 and "codesign: rejected: verification failed for domain(s) letters" in err, err
    assert not (tmp_path / "c").exists()
