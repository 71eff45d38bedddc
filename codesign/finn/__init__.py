"""FINN back end: Brevitas -> QONNX -> FINN HW layers (see convert.py).

convert.py: the conversion API (to_generic_hw, specialize, non_hw_nodes, ...);
streamline.py: QONNX -> streamlined FINN graph; transforms.py: graph rewrites FINN
lacks; compat.py: every workaround for running finn-plus in-process; patterns.py:
reference constructions that map completely.
"""
