"""Read a numpy array out of a pickle *without unpickling it*.

Some registry packages ship their data as pickled ``numpy.ndarray`` objects
(animal-mnist). ``pickle.load`` would execute whatever the file says; instead we walk
the opcode stream with :func:`pickletools.genops` (a parser that executes nothing) and
interpret only the handful of opcodes that numpy's ``ndarray.__reduce__`` emits.
The only "globals" accepted are numpy's array-reconstruction names, and the only
object ever built is ``np.frombuffer(raw_bytes, dtype).reshape(shape)``: any other
opcode or global makes the file an error, so nothing in the file can run code.
"""

from __future__ import annotations

import io
import pickletools
from pathlib import Path
from typing import Any

import numpy as np

from codesign.data.domains import DataError

_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
}
# plain numeric dtypes only: object/void dtypes could carry references, not numbers
_NUMERIC_KINDS = set("biuf")


class _Global:
    def __init__(self, module: str, name: str):
        self.module, self.name = module, name


class _Pending:
    """An object under construction: ``what`` is 'array' or 'dtype'."""

    def __init__(self, what: str, args: tuple):
        self.what, self.args, self.value = what, args, None


_MARK = object()


def _build(obj: Any, state: Any, where: str) -> None:
    if not isinstance(obj, _Pending) or not isinstance(state, tuple):
        raise DataError(f"{where}: unexpected BUILD in pickle")
    if obj.what == "dtype":
        # state = (version, byteorder, subarray, names, fields, elsize, alignment, flags)
        code = obj.args[0]
        if not isinstance(code, str):
            raise DataError(f"{where}: bad dtype in pickle")
        dtype = np.dtype(code)
        if dtype.kind not in _NUMERIC_KINDS or state[2] is not None or state[3] is not None:
            raise DataError(f"{where}: only plain numeric arrays are accepted, got dtype {code!r}")
        order = state[1] if state[1] in ("<", ">", "|", "=") else "="
        obj.value = dtype.newbyteorder(order) if order != "|" else dtype
    else:
        # ndarray state = (version, shape, dtype, is_fortran, raw bytes)
        _, shape, dtype, fortran, raw = state
        if isinstance(dtype, _Pending):
            dtype = dtype.value
        if not isinstance(dtype, np.dtype) or not isinstance(raw, (bytes, bytearray)):
            raise DataError(f"{where}: array data is not a raw byte buffer")
        if not all(isinstance(n, int) and n >= 0 for n in shape):
            raise DataError(f"{where}: bad array shape {shape!r}")
        count = int(np.prod(shape)) if shape else 1
        if count * dtype.itemsize != len(raw):
            raise DataError(f"{where}: array byte count does not match shape {shape}")
        arr = np.frombuffer(bytes(raw), dtype=dtype, count=count)
        obj.value = arr.reshape(shape, order="F" if fortran else "C").astype(dtype.newbyteorder("="))


def read_pickled_array(data: bytes, where: str | Path = "<pickle>") -> np.ndarray:
    """Return the single ndarray pickled in ``data`` (protocols 3-4), parsed, not executed."""
    where = str(where)
    stack: list[Any] = []
    memo: dict[int, Any] = {}
    try:
        ops = list(pickletools.genops(io.BytesIO(data)))
    except ValueError as err:
        raise DataError(f"{where}: not a valid pickle ({err})") from None
    for op, arg, _ in ops:
        name = op.name
        if name in ("PROTO", "FRAME"):
            continue
        if name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "SHORT_BINSTRING", "BINSTRING",
                    "SHORT_BINBYTES", "BINBYTES", "BINBYTES8", "BININT", "BININT1", "BININT2",
                    "LONG1", "BINFLOAT"):
            stack.append(arg)
        elif name in ("NEWTRUE", "NEWFALSE", "NONE"):
            stack.append({"NEWTRUE": True, "NEWFALSE": False, "NONE": None}[name])
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in ("BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1]
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            stack.append(memo[arg])
        elif name == "MARK":
            stack.append(_MARK)
        elif name in ("TUPLE", "EMPTY_TUPLE", "TUPLE1", "TUPLE2", "TUPLE3"):
            if name == "TUPLE":
                cut = len(stack) - 1 - stack[::-1].index(_MARK)
                items, stack = stack[cut + 1:], stack[:cut]
            else:
                n = {"EMPTY_TUPLE": 0, "TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3}[name]
                items, stack = (stack[len(stack) - n:], stack[:len(stack) - n]) if n else ([], stack)
            stack.append(tuple(items))
        elif name in ("STACK_GLOBAL", "GLOBAL"):
            module, attr = arg.split(" ", 1) if name == "GLOBAL" else (stack[-2], stack[-1])
            if name == "STACK_GLOBAL":
                del stack[-2:]
            if (module, attr) not in _ALLOWED_GLOBALS:
                raise DataError(f"{where}: pickle refers to {module}.{attr}; only numpy arrays are accepted")
            stack.append(_Global(module, attr))
        elif name == "REDUCE":
            args, func = stack.pop(), stack.pop()
            if not isinstance(func, _Global):
                raise DataError(f"{where}: unexpected REDUCE in pickle")
            stack.append(_Pending("dtype" if func.name == "dtype" else "array", args))
        elif name == "BUILD":
            state = stack.pop()
            _build(stack[-1], state, where)
        elif name == "STOP":
            break
        else:
            raise DataError(f"{where}: unsupported pickle opcode {name}; only numpy arrays are accepted")
    result = stack[-1] if stack else None
    if not isinstance(result, _Pending) or result.what != "array" or result.value is None:
        raise DataError(f"{where}: pickle does not hold a numpy array")
    return result.value
