"""What a FINN conversion is expected to take, said before it starts (issue 16: the CLI
announced "~1 min" for a MobileNetV2 conversion that ran for 39 minutes).

One conversion (``codesign.finn.convert.to_generic_hw``) on one core grows as the QONNX
graph's node count to the power 1.7. Measured after the speed-ups of
``codesign.finn.compat.fast_qonnx`` on the 2-core reference machine: cnv_head 41 nodes
2.0 s, cnv_attention 92 nodes 7.6 s, mobilenet_v2_attention 364 nodes 90 s;
``benchmarks/bench_estimate.py`` prints the announced and the measured time per graph.
"""

from __future__ import annotations

from pathlib import Path

SECONDS_SCALE, NODES_POWER = 0.0040, 1.7


def expected_conversion_seconds(qonnx_nodes: int) -> float:
    """Seconds one conversion is expected to take on one reference core."""
    return SECONDS_SCALE * qonnx_nodes ** NODES_POWER


def count_nodes(path: Path) -> int:
    import onnx

    return len(onnx.load(str(path), load_external_data=False).graph.node)


def expected_line(name: str, nodes: int, export_s: float, conversions: int, parallel: bool) -> str:
    """The progress line said before converting ``conversions`` graphs of ``nodes`` nodes."""
    expected = expected_conversion_seconds(nodes)
    if conversions == 1:
        how, total = "domain only, labels known from an earlier probe", expected
    elif parallel:
        how, total = "domain + probe in parallel", expected
    else:
        how, total = "domain, then probe", conversions * expected
    return (f"exported {name} in {export_s:.0f} s; converting {nodes} QONNX nodes with FINN "
            f"({how}): expected ~{total:.0f} s on an idle 2-core machine")
