"""`codesign compare` of three MobileNetV2 architectures (attention, parallel, head) on
two domains, end to end: conversions of random and trained weights, the folding policy,
training, estimates with intervals and the verdict, then a second comparison whose new
weights reuse the labels found by the first (issue 16). ~13 min on 2 cores."""

from __future__ import annotations

import dataclasses
import json

import pytest
from compare_helpers import write_stripes_npz

pytest.importorskip("finn")

GRAPHS = ["mobilenet_v2_attention", "mobilenet_v2_parallel", "mobilenet_v2_head"]


@pytest.mark.slow
def test_compare_three_mobilenet_v2_architectures_on_two_domains(tmp_path):
    from codesign.compare import CompareConfig, run_compare

    domains = f"a={write_stripes_npz(tmp_path / 'a.npz', 3, 20, 0)},b={write_stripes_npz(tmp_path / 'b.npz', 4, 20, 1)}"
    config = CompareConfig(graphs=GRAPHS, device="zcu104", domains=domains, out=str(tmp_path / "out"),
                           epochs=1, patience=1, lr=[0.02], cache_dir=str(tmp_path / "cache"), workers=2)
    doc = run_compare(config, progress=lambda _line: None).to_dict()

    by_name = {a["name"]: a for a in doc["architectures"]}
    assert list(by_name) == GRAPHS
    for arch in by_name.values():
        assert arch["errors"] == []
        assert set(arch["domains"]) == {"a", "b"}
        e = arch["estimate"]
        assert e["domain_weights"].startswith("trained: a, seed 0")
        assert e["fps"] > 0 and e["interconnect"]["streams"] >= 1
        assert e["resources_low"]["lut"] < e["resources"]["lut"] < e["resources_high"]["lut"]
        # W8A8 MobileNetV2: 255 thresholds per channel of 17,092 channels do not fit the
        # zcu104 at any folding (docs/mobilenet_v2.md)
        assert not e["fits"] and e["fit_confidence"] == "does not fit" and e["utilisation_pct"]["lut"] > 300
    head = by_name["mobilenet_v2_head"]["estimate"]["interconnect"]
    for wider in ("mobilenet_v2_attention", "mobilenet_v2_parallel"):
        assert by_name[wider]["estimate"]["interconnect"]["interconnect_bits"] > head["interconnect_bits"]
    assert doc["folding"]["policy"].startswith("no architecture has a folding within")
    assert doc["verdict"]["infeasible"]
    # one conversion per architecture (the first domain's trained weights), each probed
    assert _labels_sources(tmp_path) == ["probe"] * 3

    # another step size trains other weights: their conversions reuse the labels (no probe)
    again = run_compare(dataclasses.replace(config, lr=[0.01]), progress=lambda _line: None).to_dict()
    assert [a["name"] for a in again["architectures"]] == GRAPHS
    assert _labels_sources(tmp_path) == ["known structure"] * 3 + ["probe"] * 3
    assert len(list((tmp_path / "cache" / "designs" / "labels").glob("*.json"))) == 3
    for arch in again["architectures"]:
        first = by_name[arch["name"]]["estimate"]
        # the same split: the same crossing streams (their widths may follow the values)
        assert arch["estimate"]["interconnect"]["streams"] == first["interconnect"]["streams"]


def _labels_sources(tmp_path) -> list[str]:
    metas = [json.loads(p.read_text()) for p in (tmp_path / "cache" / "designs").glob("*/design.json")]
    return sorted(m["labels_from"] for m in metas)
