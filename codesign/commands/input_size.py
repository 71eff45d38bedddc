"""``--input-size PX``: run a graph spec at another input side than its YAML says.

The sizes each backbone is meant for (docs/graph-specs.md, "Input sizes"): cnv is
built for 32 px (CIFAR-size; larger sizes work, its first FC layer grows with the
feature map), mobilenet_v2 for 32..224 px in multiples of 32 (its five stride-2 convs
halve the side exactly; the ImageNet weights were trained at 224 px).
"""

from __future__ import annotations

import dataclasses

from codesign.errors import InputError

OPTION = "--input-size"
HELP = ("input side in pixels (square), overriding the graph's backbone.input_size for this run; "
        "cnv is built for 32 (larger works, its FC layer grows), mobilenet_v2 for 32..224 in "
        "multiples of 32 (ImageNet weights: 224) (default: the graph's; docs/graph-specs.md)")


def apply_input_size(spec, input_size_px: int | None):
    """``spec`` at ``input_size_px`` (unchanged when None), checked by the spec field's
    bounds, the backbone's own size rule and its weights before any conversion starts; a
    bad size is an ``InputError`` naming ``--input-size``."""
    if input_size_px is None:
        return spec
    from codesign.network.factory import build_backbone
    from codesign.specs.graph import with_input_size
    from codesign.specs.loader import SpecError

    where = f"({spec.backbone.name} backbone of {spec.path.name})"
    try:
        sized = with_input_size(spec, input_size_px)
        # The backbone factory owns its size rule (mobilenet_v2: multiples of 32); building
        # it takes about a second and is the only check that the weights fit the size too.
        build_backbone(sized)
    except SpecError as err:
        if not _fits_without_weights(spec, input_size_px):
            raise InputError(f"{OPTION} {input_size_px}: {err.problem} {where}") from None
        # e.g. cnv: its first FC layer's weights depend on the feature map, so on the size
        raise InputError(f"{OPTION} {input_size_px}: the backbone weights {spec.backbone.weights} were "
                         f"trained at another input size {where}: {err.problem}") from None
    return sized


def _fits_without_weights(spec, input_size_px: int) -> bool:
    from codesign.network.factory import build_backbone
    from codesign.specs.graph import with_input_size
    from codesign.specs.loader import SpecError

    try:
        sized = with_input_size(spec, input_size_px)
        build_backbone(dataclasses.replace(sized, backbone=dataclasses.replace(sized.backbone, weights="none")))
    except SpecError:
        return False
    return True
