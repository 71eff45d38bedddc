"""FINN back end: Brevitas -> QONNX -> FINN HW layers (see convert.py).

convert.py: the conversion API (to_generic_hw, specialize, dataflow_partition, ...);
streamline.py: QONNX -> streamlined FINN graph; hw_inference.py: FINN's HW layers
from the streamlined graph; non_hw.py: what stayed outside them, and why; transforms/:
graph rewrites FINN lacks; nodekinds.py: what kind of FINN node a node is; compat/:
every workaround for running finn-plus in-process (fast_qonnx.py: faster, identical
bodies of qonnx passes that were quadratic in the graph size); patterns.py: reference
constructions that map completely.
"""
