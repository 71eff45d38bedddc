"""FINN back end: Brevitas -> QONNX -> FINN HW layers (see convert.py).

FINN-specific workarounds live only in compat.py; extra graph rewrites in
transforms.py; reference constructions that map completely in patterns.py.
"""
