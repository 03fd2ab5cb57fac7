"""The batch side of ``vectorize``, shared by the CPU and CUDA launches: the compute dtype,
NumPy broadcasting of the arguments, the flat inputs a kernel reads, and checked ``out=``
arrays."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..compiler.tree import TreeDef, flatten


@dataclass(frozen=True)
class Kernel:
    """One compiled batch kernel and what its outputs are."""

    fn: object            # njit dispatcher or cuda kernel: fn(*inputs, *outputs)
    dtypes: tuple         # NumPy dtype of each output
    structure: TreeDef    # how the outputs nest
    text: str             # the generated module


def compute_dtype(args) -> np.dtype:
    """float32 when every argument that has a dtype is float32, else float64 (scalars are weak)."""
    dts = [np.dtype(a.dtype) for a in args if hasattr(a, "dtype")]
    return np.dtype(np.float32) if dts and all(d == np.float32 for d in dts) else np.dtype(np.float64)


def broadcast_shape(names, shapes) -> tuple:
    """NumPy's broadcast shape of the arguments, or a ValueError naming the ones that clash."""
    shape, owners = (), []
    for name, s in zip(names, shapes):
        try:
            shape = _broadcast(shape, tuple(s))
        except ValueError:
            before = ", ".join(f"'{o}'" for o in owners)
            raise ValueError(f"vectorize: argument '{name}' has shape {tuple(s)}, which does not "
                             f"broadcast with shape {shape} of argument(s) {before}; give the array "
                             "arguments matching lengths, or pass a scalar to broadcast") from None
        if math.prod(s) != 1:
            owners.append(name)
    return tuple(shape)


def shapes_of(args) -> list:
    """Each argument's shape (``np.shape`` costs a microsecond or two on a Python float)."""
    return [() if type(a) in (float, int, bool) else np.shape(a) for a in args]


def _broadcast(a: tuple, b: tuple) -> tuple:
    """NumPy's broadcast of two shapes, in Python: ``np.broadcast_shapes`` builds arrays and
    cost 3-4 µs a call, most of vectorize's overhead on a small batch."""
    if a == b or not b:
        return a
    if not a:
        return b
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x != y and x != 1 and y != 1:
            raise ValueError(f"shapes {a} and {b} do not broadcast")
        out.append(y if x == 1 else x)
    return tuple(out)


def host_batch(name: str, value, shape, dtype):
    """(value as the kernel takes it, 'a' or 's'): a flat contiguous array, or a broadcast scalar."""
    if isinstance(value, (list, tuple)):
        value = np.asarray(value)
    if isinstance(value, (bool, int, float)):
        return dtype.type(value), "s"
    if not isinstance(value, (np.ndarray, np.generic)):
        raise TypeError(f"vectorize: argument '{name}' has unsupported type {type(value).__name__}; "
                        "pass numbers or NumPy arrays")
    if value.dtype.kind not in "fiub":
        raise TypeError(f"vectorize: argument '{name}' has dtype {value.dtype}; pass real numbers")
    if value.size == 1:
        return dtype.type(value.reshape(()).item()), "s"
    if value.shape != shape:
        value = np.broadcast_to(value, shape)       # partial broadcast: materialised once
    return np.ascontiguousarray(value, dtype=dtype).reshape(-1), "a"


def check_out(out, kern: Kernel, shape, device=False) -> list:
    """The ``out=`` arrays in output order, checked against the outputs they will receive."""
    given = flatten(out)[0]
    if len(given) != len(kern.dtypes):
        raise ValueError(f"out= needs {len(kern.dtypes)} array(s), one per output, got {len(given)}")
    for k, o in enumerate(given):
        if not hasattr(o, "shape") or not hasattr(o, "dtype"):
            raise TypeError(f"out[{k}] is a {type(o).__name__}; pass preallocated arrays")
        if tuple(o.shape) != tuple(shape):
            raise ValueError(f"out[{k}] has shape {tuple(o.shape)}; the outputs have shape {shape}")
        if np.dtype(o.dtype) != kern.dtypes[k]:
            raise TypeError(f"out[{k}] has dtype {o.dtype}; this output is {kern.dtypes[k]}")
        if isinstance(o, np.ndarray) and not (o.flags.c_contiguous and o.flags.writeable):
            raise ValueError(f"out[{k}] must be a writeable C-contiguous array")
    return given
