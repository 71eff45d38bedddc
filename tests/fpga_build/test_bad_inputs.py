"""Bad input to `codesign build`: one line on stderr, exit status 2 (3 when the device is
too small: the design was rejected, the input was fine), nothing written."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from codesign.cli import main
from codesign.fpga_build.errors import SharingError
from tests.fpga_build.conftest import DOMAINS, TINY_SPEC, write_checkpoints, write_spec


def _build(spec, ckpt, out, *extra, device="pynq-z1", domains=",".join(DOMAINS)):
    return main(["build", str(spec), "--device", str(device), "--domains", domains, "--checkpoints", str(ckpt),
                 "--out", str(out), "--target-fps", "2000", "--images", "4", *extra])


def _error(capsys, kind: str = "error") -> str:
    """The one error line, ``codesign: <kind>: ...`` (progress lines, "[codesign] ...", may
    precede it); kind is "error" for bad input (exit 2), "rejected" for a rejected design (exit 3)."""
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith(f"codesign: {kind}: ")]
    assert len(errors) == 1 and err[-1] == errors[0], err
    assert all(line.startswith("[codesign] ") for line in err[:-1]), err
    return errors[0]


def test_missing_domain_checkpoint(tiny_build_inputs, tmp_path, capsys):
    spec, ckpt, _ = tiny_build_inputs
    assert _build(spec, ckpt, tmp_path / "b", domains="digits,nope") == 2
    line = _error(capsys)
    assert "domain 'nope': no checkpoint" in line and "digits, letters" in line
    assert not (tmp_path / "b").exists()


def test_checkpoint_of_another_architecture(tiny_build_inputs, tmp_path, capsys):
    spec, ckpt, _ = tiny_build_inputs
    other = copy.deepcopy(TINY_SPEC)
    other["backbone"]["act_bits"] = 2
    foreign = write_checkpoints(write_spec(tmp_path, other), tmp_path / "foreign")
    assert _build(spec, foreign, tmp_path / "b") == 2
    line = _error(capsys)
    assert "another architecture" in line and "act_bits" in line


def test_domain_with_another_head_shape(tiny_build_inputs, tmp_path, capsys):
    spec, ckpt, _ = tiny_build_inputs
    mixed = tmp_path / "mixed"
    write_checkpoints(spec, mixed, domains=("digits",))
    write_checkpoints(spec, mixed, domains=("letters",), classes=5)
    assert _build(spec, mixed, tmp_path / "b") == 2
    line = _error(capsys)
    assert "domain 'letters' does not fit the shared design" in line and "5 classes" in line


def test_device_too_small_names_resource_and_shortfall(tiny_build_inputs, tmp_path, capsys):
    from codesign.specs.device import DEVICE_DIR

    spec, ckpt, cache_root = tiny_build_inputs
    data = yaml.safe_load((DEVICE_DIR / "pynq-z1.yaml").read_text())
    data.update(name="tiny-part", include=str(DEVICE_DIR / "_energy_28nm.yaml"))
    data["resources"]["lut"] = 500
    device = tmp_path / "tiny-part.yaml"
    device.write_text(yaml.safe_dump(data))
    assert _build(spec, ckpt, tmp_path / "b", "--cache-dir", str(cache_root), device=device) == 3
    line = _error(capsys, "rejected")
    assert "does not fit" in line and "LUT" in line and "short by" in line
    assert not (tmp_path / "b").exists() and not list(tmp_path.glob(".b.*"))


def test_out_folder_that_is_not_a_build(tiny_build_inputs, tmp_path, capsys):
    spec, ckpt, _ = tiny_build_inputs
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "thesis.tex").write_text("mine")
    assert _build(spec, ckpt, tmp_path / "b") == 2
    assert "holds no codesign build" in _error(capsys)
    assert (tmp_path / "b" / "thesis.tex").read_text() == "mine"


def test_domain_list_errors(tiny_build_inputs, tmp_path, capsys):
    spec, ckpt, _ = tiny_build_inputs
    assert _build(spec, ckpt, tmp_path / "b", domains="digits,digits") == 2
    assert "more than once" in _error(capsys)


# -- the alignment rules on real conversions, with one value changed by hand ----------------
@pytest.fixture(scope="module")
def designs(tiny_build_inputs, tmp_path_factory):
    from codesign.fpga_build.domains import convert_domains
    from codesign.fpga_build.inputs import check_checkpoints
    from codesign.specs.graph import load_graph

    spec_path, ckpt, _ = tiny_build_inputs
    spec = load_graph(spec_path)
    return convert_domains(spec, check_checkpoints(spec, list(DOMAINS), ckpt), tiny_build_inputs.designs,
                           tmp_path_factory.mktemp("q"))


def _copy_with(designs, role, change):
    from codesign.fpga_build.shared import node_roles

    first, second = designs[DOMAINS[0]], copy.deepcopy(designs[DOMAINS[1]])
    roles = node_roles(first)
    node = next(n for n in second.model.graph.node
                if roles[n.name] == role and n.op_type == "MVAU")
    weights = second.model.get_initializer(node.input[1]).copy()
    second.model.set_initializer(node.input[1], change(weights))
    return {DOMAINS[0]: first, DOMAINS[1]: second}, node.name


def test_shared_design_records_only_reconfigurable_differences(designs):
    from codesign.fpga_build.shared import share

    shared = share(designs)
    assert shared.fixed_constants_checked > 0
    assert "MVAU_5" in shared.differing  # the heads differ
    assert all(shared.roles[n] != "fixed" for n in shared.differing)


def test_fixed_node_that_differs_is_refused(designs):
    from codesign.fpga_build.shared import share

    def flip(w):
        w[0, 0] = -w[0, 0] - 1
        return w

    pair, name = _copy_with(designs, "fixed", flip)
    with pytest.raises(SharingError, match=f"fixed node {name} differs between domains"):
        share(pair)


def test_reconfigurable_values_beyond_the_shared_width_are_refused(designs):
    from codesign.fpga_build.shared import share

    pair, name = _copy_with(designs, "reconfigurable", lambda w: np.full_like(w, 100.0))
    with pytest.raises(SharingError, match=f"domain 'letters' does not fit.*{name}.*datatype INT4"):
        share(pair)
