"""`codesign build` on CNV (32x32, 6 conv + 2 FC) with two 10-class domains (slow suite).

On ZCU104: CNV W4A4 needs ~378 BRAM18 for its embedded weights, more than a Pynq-Z1 has.

Real images of the domains are used for verification when their prepared splits exist
in .cache/domains (``codesign data prepare sklearn_digits animal_mnist``). The backbone
weights are random but spread over the whole 4-bit range (a default initialisation
quantises to all zeros at CNV's fan-ins), so the test needs no pre-trained file.
"""

from __future__ import annotations

import pytest

from tests.fpga_build.conftest import build_two_domains

CNV_SPEC = {
    "name": "cnv_attention_test",
    "backbone": {"name": "cnv", "weights": "none", "weight_bits": 4, "act_bits": 4, "input_bits": 8,
                 "input_size": 32},
    # attention: per-domain MVAUs, thresholds, gates (ElementwiseMul), pools, forks
    "adapter": {"family": "attention", "sites": "stage_ends", "reduction": 32, "weight_bits": 4,
                "act_bits": 4, "gate_bits": 4},
    "head": {"weight_bits": 4},
}
DOMAINS = ("sklearn_digits", "animal_mnist")  # both 10 classes: one shared head shape


def _random_backbone(path):
    import torch
    from safetensors.torch import save_file

    from codesign.network.factory import build_model
    from codesign.specs.graph import graph_from_dict

    torch.manual_seed(0)
    model = build_model(graph_from_dict(CNV_SPEC, "<cnv>"))
    state = {}
    for name, tensor in model.backbone.state_dict().items():
        if name.endswith("weight") and tensor.dim() in (2, 4):  # conv/linear: use all 15 levels
            tensor = torch.empty_like(tensor).uniform_(-1.0, 1.0)
        state[name] = tensor.contiguous()
    save_file(state, str(path))
    return path


@pytest.mark.slow
def test_cnv_two_domains_end_to_end(tmp_path):
    spec_dict = {**CNV_SPEC, "backbone": {**CNV_SPEC["backbone"],
                                          "weights": str(_random_backbone(tmp_path / "backbone.safetensors"))}}
    build_two_domains(tmp_path, spec_dict, DOMAINS, "cnv")
