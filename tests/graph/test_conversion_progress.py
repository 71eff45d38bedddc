"""The conversion announces its expected time from the QONNX graph's size, then reports
what it took (issue 16: the CLI said "~1 min" for a conversion that ran 39 minutes)."""

from __future__ import annotations

import re

import pytest

from codesign.graph.conversion_time import expected_conversion_seconds

pytest.importorskip("finn")

from codesign.graph.design import prepare_generic  # noqa: E402
from tests.conftest import tiny_graph  # noqa: E402


def test_expected_time_reproduces_the_measurements_it_was_fitted_on():
    # (QONNX nodes, seconds of one conversion on one core) measured on the reference machine
    for nodes, seconds in ((41, 2.0), (92, 7.6), (364, 90.0)):
        assert seconds / 1.5 <= expected_conversion_seconds(nodes) <= seconds * 1.5
    assert expected_conversion_seconds(700) > 2.9 * expected_conversion_seconds(364)


def test_prepare_generic_announces_nodes_and_expected_seconds_then_the_measured_time():
    lines: list[str] = []
    generic = prepare_generic(tiny_graph("head"), parallel=False, progress=lines.append)
    assert len(lines) == 2, lines
    announced = re.fullmatch(r"exported \S+ in \d+ s; converting (\d+) QONNX nodes with FINN "
                             r"\(domain, then probe\): expected ~(\d+) s on an idle 2-core machine", lines[0])
    assert announced, lines[0]
    assert int(announced.group(1)) == generic.qonnx_nodes > 10
    assert int(announced.group(2)) == round(2 * expected_conversion_seconds(generic.qonnx_nodes))
    assert re.fullmatch(r"converted \S+ in \d+ s", lines[1]), lines[1]
