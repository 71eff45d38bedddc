"""Shared fixtures: tiny graph specs built in memory for every adapter family."""

from __future__ import annotations

import pytest
import torch

from codesign.adapters import ADAPTERS
from codesign.network.factory import build_model
from codesign.specs.graph import graph_from_dict

# One row per adapter family: adding a family = one file + one registry entry + one row.
FAMILY_PARAMS = {
    "head": {},
    "scale_bias": {},
    "series": {"weight_bits": 4},
    "parallel": {"weight_bits": 4},
    "attention": {"reduction": 4},
    "side": {"side_channels": 8, "hidden": 16},
    "finetune": {},
}


def tiny_graph(family: str, **adapter):
    params = {**FAMILY_PARAMS[family], **adapter}
    return graph_from_dict({
        "name": f"tiny_{family}",
        "backbone": {"name": "tiny", "input_size": 16, "weight_bits": 4, "act_bits": 4},
        "adapter": {"family": family, **params},
        "head": {"weight_bits": 4},
    }, f"<tiny_{family}>")


def tiny_model(family: str, seed: int = 0, **adapter):
    torch.manual_seed(seed)
    return build_model(tiny_graph(family, **adapter))


@pytest.fixture(params=sorted(FAMILY_PARAMS))
def family(request):
    return request.param


def test_every_registered_family_has_a_row():
    assert sorted(FAMILY_PARAMS) == ADAPTERS.names()
