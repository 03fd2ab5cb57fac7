"""Running ``vectorize(..., target="cuda")`` kernels: device checks, transfers, launch shape.

Host (NumPy) arguments are copied to the device and the results copied back.
Device arrays — Numba's, or anything with ``__cuda_array_interface__`` such as a
CuPy array — are used in place, and when any argument is on the device the results
are left there (as Numba device arrays, which CuPy and PyTorch can wrap without a
copy). The kernel is a grid-stride loop, so any grid covers any batch; the grid is
sized from the device to fill every multiprocessor a few times over.

This module imports ``numba.cuda`` only inside :func:`load_cuda`, so that the
simulator switch (``NUMBA_ENABLE_CUDASIM=1``, read when ``numba.cuda`` is first
imported) stays the caller's choice.
"""
from __future__ import annotations

import math
import os

import numpy as np

from ..compiler.tree import unflatten
from .batch import Kernel, broadcast_shape, check_out, compute_dtype, host_batch

THREADS = 256          # per block: a multiple of the warp, and leaves registers for float64 code
WAVES = 4              # blocks per multiprocessor slot: grid-stride covers the rest
_configs: dict = {}


def load_cuda():
    """``numba.cuda``, or a RuntimeError saying what is missing (the package, or a GPU)."""
    try:
        import numba_cuda  # noqa: F401
        from numba import cuda
    except ImportError as e:
        raise RuntimeError("vectorize(target='cuda') needs the numba-cuda package, which is not "
                           f"installed ({e}); install it with: pip install 'flatgrad[cuda]'") from None
    if not simulating(cuda) and not cuda.is_available():
        raise RuntimeError("vectorize(target='cuda'): no usable CUDA GPU here (numba.cuda.is_available() "
                           "is False: no NVIDIA driver or device was found). Run on a machine with a "
                           "GPU, use target='cpu' or 'parallel', or set NUMBA_ENABLE_CUDASIM=1 before "
                           "numba.cuda is imported to run on Numba's CUDA simulator")
    return cuda


def simulating(cuda) -> bool:
    """True under Numba's CUDA simulator."""
    config = getattr(cuda, "config", None)
    flag = getattr(config, "ENABLE_CUDASIM", None)
    return bool(int(os.environ.get("NUMBA_ENABLE_CUDASIM", "0") or 0) if flag is None else flag)


def is_device_array(x) -> bool:
    return bool(getattr(x, "__cuda_ndarray__", False)) or hasattr(x, "__cuda_array_interface__")


def as_device(cuda, x):
    """A Numba device array viewing ``x`` (no copy)."""
    return x if getattr(x, "__cuda_ndarray__", False) else cuda.as_cuda_array(x)


def launch_config(cuda, n: int) -> tuple[int, int]:
    """(blocks, threads per block) for a grid-stride loop over ``n`` elements."""
    if simulating(cuda):                    # every simulated thread is a Python thread: keep few
        return max(1, min(-(-n // 32), 2)), 32
    dev = cuda.get_current_device()
    ident = getattr(dev, "id", 0)
    if ident not in _configs:
        threads = min(THREADS, dev.MAX_THREADS_PER_BLOCK)
        resident = getattr(dev, "MAX_THREADS_PER_MULTIPROCESSOR", None) or \
            getattr(dev, "MAX_THREADS_PER_MULTI_PROCESSOR", 2048)      # the name differs by binding
        per_sm = max(1, resident // threads)
        _configs[ident] = (dev.MULTIPROCESSOR_COUNT * per_sm * WAVES, threads)
    max_blocks, threads = _configs[ident]
    return max(1, min(-(-n // threads), max_blocks)), threads


def call(vec, args, out):
    """Run ``vec`` (a cuda Vectorized) on ``args``; see the module docstring for where data lives."""
    cuda = load_cuda()
    on_device = [is_device_array(a) for a in args]
    args = [as_device(cuda, a) if d else a for a, d in zip(args, on_device)]
    dtype = compute_dtype(args)
    shape = broadcast_shape(vec.params, [tuple(getattr(a, "shape", np.shape(a))) for a in args])
    size = math.prod(shape)
    values, kinds = [], ""
    for name, a, d in zip(vec.params, args, on_device):
        if d:
            if np.dtype(a.dtype) != dtype:
                raise TypeError(f"vectorize: device argument '{name}' has dtype {a.dtype}, but this "
                                f"batch computes in {dtype}; convert it on the device first")
            if tuple(a.shape) != shape:
                raise ValueError(f"vectorize: device argument '{name}' has shape {tuple(a.shape)}; "
                                 f"device arrays must have the full batch shape {shape} (only host "
                                 "arrays and scalars are broadcast)")
            values.append(a.reshape(size))
            kinds += "a"
        else:
            v, k = host_batch(name, a, shape, dtype)
            values.append(cuda.to_device(v) if k == "a" else v)
            kinds += k
    kern = vec.kernel(dtype, kinds)
    dev_outs, finish = _outputs(cuda, kern, out, shape, any(on_device))
    if size:
        blocks, threads = launch_config(cuda, size)
        kern.fn[blocks, threads](*values, *(o.reshape(size) for o in dev_outs))
    return unflatten(kern.structure, finish())


def _outputs(cuda, kern: Kernel, out, shape, stay: bool):
    """Device arrays to write into, and a function giving the arrays to return afterwards."""
    if out is None:
        dev = [cuda.device_array(shape, dtype=dt) for dt in kern.dtypes]
        if stay:
            return dev, lambda: dev
        return dev, lambda: [d.copy_to_host() for d in dev]
    given = check_out(out, kern, shape)
    dev = [as_device(cuda, o) if is_device_array(o) else cuda.device_array(shape, dtype=o.dtype)
           for o in given]

    def finish():
        for o, d in zip(given, dev):
            if not is_device_array(o):
                d.copy_to_host(o)
        return given
    return dev, finish
