"""Graph rewrites FINN's streamliner and HW conversion lack for our adapters.

All are exact: they move layout ops, rename reshapes, or re-express a node as an
equivalent HW layer, so execution results are unchanged (tests/finn). Each says
which FINN gap or bug it covers (finn-plus 1.6.1). One module per kind of rewrite:

* ``layout``: TrivialLayoutToReshape, MoveTransposePastBroadcastJoin,
  MoveForkTransposesBeforeMultiThreshold (NHWC streams for gates and forks);
* ``crop``: MoveTransposeBeforeSlice, InferCropFromSlice (the parallel adapter's crop);
* ``finn_fixes``: MakeMaxPoolNHWCForkSafe, MoveMulPastJoinAddArrays (FINN bugs),
  AbsorbScalarBiasIntoMultiThresholdBatched (FINN's pass, faster);
* ``common``: ONNX node helpers they share.
"""

from codesign.finn.transforms.crop import InferCropFromSlice, MoveTransposeBeforeSlice
from codesign.finn.transforms.finn_fixes import (
    AbsorbScalarBiasIntoMultiThresholdBatched,
    MakeMaxPoolNHWCForkSafe,
    MoveMulPastJoinAddArrays,
)
from codesign.finn.transforms.layout import (
    MoveForkTransposesBeforeMultiThreshold,
    MoveTransposePastBroadcastJoin,
    TrivialLayoutToReshape,
)

__all__ = [
    "AbsorbScalarBiasIntoMultiThresholdBatched", "InferCropFromSlice", "MakeMaxPoolNHWCForkSafe",
    "MoveForkTransposesBeforeMultiThreshold", "MoveMulPastJoinAddArrays", "MoveTransposeBeforeSlice",
    "MoveTransposePastBroadcastJoin", "TrivialLayoutToReshape",
]
