"""Domain checkpoints refuse what does not fit, with one-line errors, and leave no domain."""

from __future__ import annotations

import json

import pytest

from codesign.models.domain_io import DomainCheckpointError
from tests.conftest import tiny_model


@pytest.fixture()
def saved(tmp_path):
    model = tiny_model("attention")
    model.add_domain("a", 5)
    model.save_domain("a", tmp_path)
    return tmp_path


def _refused(model, path, expected):
    with pytest.raises(DomainCheckpointError) as info:
        model.load_domain("a", path)
    assert expected in str(info.value) and "\n" not in str(info.value)
    assert "a" not in model.domains  # nothing half-loaded


def test_other_family_is_refused(saved):
    _refused(tiny_model("parallel"), saved, "another architecture: family is 'attention'")


def test_other_hyper_parameter_is_refused(saved):
    _refused(tiny_model("attention", reduction=2), saved, "adapter.reduction is 4 in the checkpoint")


def test_tampered_tensors_are_refused(saved):
    blob = saved / "a.safetensors"
    blob.write_bytes(blob.read_bytes()[:-8])
    _refused(tiny_model("attention"), saved, "does not match the SHA-256")


def test_missing_metadata_is_refused(saved):
    (saved / "a.json").unlink()
    _refused(tiny_model("attention"), saved, "metadata not found")


def test_wrong_num_classes_for_existing_domain(saved):
    model = tiny_model("attention")
    model.add_domain("a", 7)
    with pytest.raises(DomainCheckpointError, match="num_classes is 5"):
        model.load_domain("a", saved)


def test_checkpoint_json_records_architecture_and_shapes(saved):
    meta = json.loads((saved / "a.json").read_text())
    assert meta["architecture"]["family"] == "attention"
    assert meta["num_classes"] == 5
    assert meta["tensors"]["head.weight"] == [5, 32]


def test_unknown_domain_and_bad_names():
    model = tiny_model("head")
    with pytest.raises(KeyError, match="unknown domain 'x'"):
        model(None, "x")
    for bad in ("", "1abc", "a b", "a/b"):
        with pytest.raises(ValueError, match="domain name"):
            model.add_domain(bad, 3)
    with pytest.raises(ValueError, match="num_classes"):
        model.add_domain("ok", 1)
