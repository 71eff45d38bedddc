"""The fast pass bodies (codesign.finn.compat.fast_qonnx) compute exactly what qonnx's
own do: whole conversions with and without them give byte-identical models."""

from __future__ import annotations

import pytest

pytest.importorskip("finn")

from codesign.finn.compat.fast_qonnx import fast_qonnx  # noqa: E402
from codesign.finn.convert import to_generic_hw  # noqa: E402
from codesign.graph.design import perturb_domain  # noqa: E402
from codesign.models.export import export_domain_qonnx  # noqa: E402
from tests.conftest import tiny_model  # noqa: E402


def _exported(family: str, tmp_path, cleanup: bool):
    model = tiny_model(family)
    model.add_domain("d", 4)
    perturb_domain(model.domains["d"], seed=0)
    return export_domain_qonnx(model, "d", tmp_path / f"{family}.onnx", cleanup=cleanup)


# attention: forks, joins, a gate (GlobalAveragePool, broadcast Mul), residual adapters;
# head: the plain backbone. With and without qonnx's clean-up at export.
@pytest.mark.parametrize("family,cleanup", [("attention", False),
                                            pytest.param("head", True, marks=pytest.mark.slow)])
def test_conversion_with_fast_passes_is_byte_identical(family, cleanup, tmp_path):
    path = _exported(family, tmp_path, cleanup)
    fast = to_generic_hw(str(path), fast=True).model.SerializeToString()
    slow = to_generic_hw(str(path), fast=False).model.SerializeToString()
    assert fast == slow
    # and deterministic (qonnx's random tensor names come from a fixed seed)
    assert to_generic_hw(str(path)).model.SerializeToString() == fast


def test_the_passes_are_restored_after_the_block_even_on_error():
    from qonnx.transformation.general import SortGraph
    from qonnx.transformation.infer_shapes import InferShapes

    originals = (InferShapes.apply, SortGraph.apply)
    with pytest.raises(RuntimeError):
        with fast_qonnx():
            assert InferShapes.apply is not originals[0]
            with fast_qonnx():  # nested: patched once, still patched inside
                assert SortGraph.apply is not originals[1]
            assert SortGraph.apply is not originals[1]
            raise RuntimeError("boom")
    assert (InferShapes.apply, SortGraph.apply) == originals
