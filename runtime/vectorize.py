"""``vectorize``: map a scalar function, or a transform of one, over arrays in one compiled loop.

``vectorize(grad(f))`` specialises the gradient on scalar arguments, emits it as an
ordinary Numba (or CUDA device) function, and generates next to it a kernel that
loops over the broadcast batch and calls it once per element, storing straight
into the output arrays: one fused loop, no temporary array per operation. The
kernel is specialised on which arguments are arrays and which are broadcast
scalars (``x[i]`` against ``x``), and cached on disk like every generated module.

Targets: ``cpu`` (one core), ``parallel`` (``prange`` over the batch on every core)
and ``cuda`` (a grid-stride kernel; see :mod:`.cuda_launch`). The choices behind the
compiled loop (fastmath, broadcasting, dtypes) are explained in ``docs/vectorize.md``.
"""
from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..compiler import targets
from ..compiler import types as T
from ..compiler.codegen import emit_body, reserved
from ..compiler.errors import CompileError
from ..compiler.frontend.source import params_of
from ..compiler.ir import Function, walk
from ..compiler.pipeline import Request, render, transform
from ..compiler.tree import TreeDef, of_results, unflatten
from . import cache, cuda_launch, dask_map, forksafe
from .batch import Kernel, broadcast_shape, check_out, compute_dtype, host_batch, shapes_of
from .dispatch import DEFAULT_TARGET, is_tree
from .pickling import portable

# Numba fastmath flags for the cpu/parallel kernels: none. FMA contraction, reassociation
# and reciprocal division each moved some Black-Scholes Greeks by more than 1e-12 relative
# (values formed by cancellation), "afn" changes nothing without SVML, and "nnan"/"ninf"
# would break the overflow-safe sigmoid/softplus. Numbers in docs/vectorize.md; a caller
# can still pass vectorize(..., fastmath=...).
FASTMATH = False
_HERE = Path(__file__).resolve().parent
_OWN_HASH = hashlib.sha256(b"".join((_HERE / n).read_bytes() for n in
                                    ("vectorize.py", "cuda_launch.py", "cuda_support.py"))).hexdigest()


class Vectorized:
    """A scalar function (or its gradient) applied elementwise to arrays; see :func:`vectorize`."""

    def __init__(self, fn, target: str = DEFAULT_TARGET, *, fastmath=None):
        self.backend = targets.get(target, "vectorize")     # what runs the kernels
        self.target = target
        self.fastmath = FASTMATH if fastmath is None else fastmath
        self.wrapped = fn
        if hasattr(fn, "build_ir") and hasattr(fn, "fn"):      # grad, value_and_grad, ...
            self.base, self.params, self.defaults = fn.fn, fn.params, fn.defaults
            self.name, self.req = fn.__name__, fn.req
            self._build_ir = fn.build_ir
        elif callable(fn) and hasattr(fn, "__code__"):
            self.base, self.params = fn, params_of(fn)
            self.defaults = fn.__defaults__ or ()
            self.name = fn.__name__.replace("<lambda>", "lambda_fn")    # an identifier
            self.req = Request(name=self.name)
            self._build_ir = lambda sig: transform(fn, tuple(sig), self.req)
        else:
            raise TypeError("vectorize maps a scalar Python function, or what grad/value_and_grad "
                            f"return for one, over arrays; got {type(fn).__name__}")
        self.__name__ = f"{self.name}_vectorized"
        self.__doc__ = getattr(self.base, "__doc__", None)
        self._kernels: dict = {}
        self._layouts: dict = {}
        self._last = None
        self._plan = None            # the last CPU call's checks, for a repeat of it (_Plan)
        self._lock = threading.Lock()
        self._fingerprint = None
        forksafe.track(self)

    def _after_fork(self) -> None:
        self._lock = threading.Lock()     # (a forked child's: the parent's may have been held)

    def __repr__(self) -> str:
        return f"<flatgrad vectorize of {self.name} target={self.target}>"

    def __reduce__(self):
        """Pickled by reference: what it maps (a transform pickles as its function's name and
        its parameters; see ``runtime/pickling.py``), the target and fastmath; never kernels."""
        fn = self.wrapped if hasattr(self.wrapped, "build_ir") else portable(self.wrapped)
        return _rebuild, (fn, self.target, self.fastmath)

    def __dask_tokenize__(self):
        """Dask names its tasks by this: equal for equal code, whichever object or process."""
        return ("flatgrad.vectorize", self.key(np.float64, ""))

    # ------------------------------------------------------------------ calling

    def __call__(self, *args, out=None):
        """Apply the function elementwise; scalars and size-1 arrays are broadcast."""
        plan = self._plan
        if plan is not None:
            got = plan(args, out)
            if got is not None:
                return got
        args = self._bind(args)
        if any(map(dask_map.is_dask, args)):
            return dask_map.call(self, args, out)
        if self.backend.device:
            return cuda_launch.call(self, args, out)
        dtype = compute_dtype(args)
        shape = broadcast_shape(self.params, shapes_of(args))
        values, kinds = zip(*(host_batch(n, a, shape, dtype) for n, a in zip(self.params, args))) \
            if args else ((), ())
        kern = self.kernel(dtype, "".join(kinds))
        size = math.prod(shape)
        outs = check_out(out, kern, shape) if out is not None else \
            [np.empty(shape, dtype=dt) for dt in kern.dtypes]
        kern.fn(*values, *(o.reshape(size) for o in outs))
        self._plan = _Plan.of(kern, args, kinds, shape, dtype)
        return unflatten(kern.structure, outs)

    def _bind(self, args):
        n, k = len(args), len(self.params)
        if k - len(self.defaults) <= n < k:
            args = args + tuple(self.defaults[n - (k - len(self.defaults)):])
        if len(args) != k:
            raise TypeError(f"{self.name}() takes {k} argument(s) ({', '.join(self.params)}), got {n}")
        for name, a in zip(self.params, args):
            if isinstance(a, (tuple, dict)) or is_tree(a):
                raise TypeError(f"vectorize maps over numbers and arrays of them; argument "
                                f"'{name}' is a {type(a).__name__} of several values: pass its "
                                "arrays as separate arguments")
        return args

    # ------------------------------------------------------------------ compiling

    def kernel(self, dtype, kinds: str) -> Kernel:
        """The compiled kernel for ``dtype`` elements; ``kinds`` has 'a' (array) or 's' per argument."""
        dtype = np.dtype(dtype)
        hit = self._kernels.get((dtype, kinds))
        if hit is not None:
            self._last = hit
            return hit
        with self._lock:
            hit = self._kernels.get((dtype, kinds))
            if hit is None:
                hit = self._compile(dtype, kinds)
                self._kernels[(dtype, kinds)] = hit
            self._last = hit
            return hit

    def _compile(self, dtype, kinds: str) -> Kernel:
        ir = self.scalar_ir(dtype)
        key = self.key(dtype, kinds)
        stem = f"{self.name}_{self.target}"
        if self.backend.device:
            cuda_launch.load_cuda()          # a clear error before anything imports numba.cuda
        module = cache.load_module(key, stem, lambda: self._render(ir, kinds, key))
        kname = kernel_names(ir)[0]
        return Kernel(getattr(module, kname), _dtypes(ir), self._structure(ir),
                      module.__flatgrad_text__)

    def layout(self, dtype) -> tuple:
        """(the outputs' dtypes, how they nest) for ``dtype`` elements, without compiling."""
        dtype = np.dtype(dtype)
        hit = self._layouts.get(dtype)
        if hit is None:
            ir = self.scalar_ir(dtype)
            hit = self._layouts[dtype] = (_dtypes(ir), self._structure(ir))
        return hit

    def key(self, dtype, kinds: str) -> str:
        if self._fingerprint is None:
            self._fingerprint = cache.fingerprint(self.base)
        return cache.make_key(self._fingerprint, self.req, str(np.dtype(dtype)), kinds, self.target,
                              self.fastmath, "vectorize", _OWN_HASH)

    def scalar_ir(self, dtype) -> Function:
        """The scalar function's IR with every argument of type ``dtype`` (its meta keeps the
        transform's result treedef, which :meth:`_structure` reads)."""
        t = T.F32 if np.dtype(dtype) == np.float32 else T.F64
        try:
            ir = self._build_ir(tuple(t for _ in self.params))
        except CompileError as e:        # say why array code fails here: every argument is a number
            raise CompileError(e.message, e.loc, (e.hint + "\n" if e.hint else "") +
                               f"(vectorize compiles {self.name} with every argument a scalar, so "
                               "it must be written on numbers; vectorize supplies the loop.)") from None
        captured = dict(ir.meta).get("captures")
        if captured:
            raise CompileError(f"{self.name} reads the array(s) "
                               f"{', '.join(w[-3] for w in captured)} from its module or closure, "
                               "which vectorize cannot map over", ir.loc,
                               "Pass them as arguments (vectorize broadcasts arrays).")
        if dict(ir.meta).get("draws") is not None:
            raise CompileError(f"{self.name} draws random numbers, which vectorize cannot map "
                               "over (each element would need its own draws)", ir.loc,
                               "Draw the numbers before and pass them in as an argument.")
        for r in ir.results:
            if not isinstance(r.type, T.Scalar):
                raise TypeError(f"vectorize maps scalar functions, but {self.name} returns a value "
                                f"of type {r.type} for scalar arguments; write it on numbers "
                                "(vectorize supplies the loop over the batch)")
        if self.backend.device and any(isinstance(v.type, T.Array)
                                         for s in walk(ir.body) for v in getattr(s, "outs", ())):
            raise TypeError(f"{self.name} needs array temporaries (a loop tape, or array code), "
                            "which CUDA device functions cannot allocate; use target='cpu' or "
                            "'parallel' for it")
        return ir

    def _structure(self, ir: Function) -> TreeDef:
        """How the flat results nest: the treedef the transform recorded in its IR."""
        return dict(ir.meta).get("tree") or of_results(len(ir.results))

    def _render(self, ir: Function, kinds: str, key: str = "") -> str:
        origin = f"{self.base.__code__.co_filename}:{self.base.__name__}"
        spec = kernel_spec(ir, kinds, self.backend, self.fastmath)
        flat = replace(ir, meta=())      # the kernel writes its results flat into the outputs
        return render([flat], self.backend, origin, key, boundscheck=False, kernel=spec)

    # ------------------------------------------------------------------ inspection

    @property
    def source(self) -> str:
        """The generated module of the last kernel compiled (float64 arrays if none)."""
        if self._last is not None:
            return self._last.text
        return self.build_source()

    def build_source(self, dtype=np.float64, kinds: str | None = None) -> str:
        """The module text for ``dtype`` and argument kinds (all arrays by default); no JIT."""
        kinds = kinds if kinds is not None else "a" * len(self.params)
        return self._render(self.scalar_ir(dtype), kinds)


class _Plan:
    """What the general path decided for one CPU call, kept so that a repeat of it (the same
    argument types, float dtype and shape, every array already flat-able and of the compute
    dtype, ``out=`` absent or a flat sequence of fitting arrays) goes straight to the kernel.

    A call costs the Numba dispatch plus a few attribute checks per argument (~5 µs for ten
    arrays) instead of ~25 µs of binding, broadcasting and ``out=`` checks; anything the plan
    does not match returns None and takes the general path, which makes a new plan. The
    kernel, its inputs and so its results are the ones the general path would use."""

    __slots__ = ("fn", "how", "shape", "size", "one_d", "dtype", "f64", "dtypes", "tree",
                 "flat_tuple")

    @classmethod
    def of(cls, kern: Kernel, args, kinds, shape, dtype) -> "_Plan | None":
        how = []
        for a, k in zip(args, kinds):
            if k == "s" and type(a) in (float, int, bool):
                how.append(type(a))
            elif k == "a" and type(a) is np.ndarray and a.shape == shape and a.dtype == dtype \
                    and a.flags.c_contiguous:
                how.append(None)
            else:
                return None          # converted, broadcast or a size-1 array: the general path
        plan = cls()
        plan.fn, plan.how, plan.shape, plan.dtype = kern.fn, tuple(how), shape, dtype
        plan.f64 = dtype == np.float64
        plan.size, plan.dtypes, plan.tree = math.prod(shape), kern.dtypes, kern.structure
        plan.one_d = len(shape) == 1
        plan.flat_tuple = kern.structure.kind == "tuple" and all(
            c.kind == "leaf" for c in kern.structure.children)
        return plan

    def __call__(self, args, out):
        if len(args) != len(self.how):
            return None
        shape, dtype, one_d = self.shape, self.dtype, self.one_d
        values = []
        for a, how in zip(args, self.how):
            if how is None:
                if type(a) is not np.ndarray or a.shape != shape or a.dtype != dtype \
                        or not a.flags.c_contiguous:
                    return None
                values.append(a if one_d else a.reshape(self.size))
            elif type(a) is how:         # a Python float is Numba's float64 as it is
                values.append(a if how is float and self.f64 else dtype.type(a))
            else:
                return None
        if out is None:
            outs = [np.empty(shape, dtype=dt) for dt in self.dtypes]
        else:
            if type(out) not in (tuple, list) or len(out) != len(self.dtypes):
                return None
            for o, dt in zip(out, self.dtypes):
                if type(o) is not np.ndarray or o.shape != shape or o.dtype != dt \
                        or not (o.flags.c_contiguous and o.flags.writeable):
                    return None
            outs = list(out)
        self.fn(*values, *(outs if one_d else [o.reshape(self.size) for o in outs]))
        return tuple(outs) if self.flat_tuple else unflatten(self.tree, outs)


def _rebuild(fn, target, fastmath) -> Vectorized:
    return Vectorized(fn, target, fastmath=fastmath)


def _dtypes(ir: Function) -> tuple:
    return tuple(np.dtype(r.type.dtype) for r in ir.results)


# ---------------------------------------------------------------- the generated kernel

def kernel_names(ir: Function) -> tuple[str, list[str], list[str]]:
    """(kernel name, output names, [index, start, stride]) chosen clear of the function's names."""
    taken = reserved() | {p.hint for p in ir.params} | {ir.name}
    _, results, _ = emit_body(ir)

    def fresh(base: str) -> str:
        name, k = base, 1
        while name in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name)
        return name

    kname = fresh(f"{ir.name}_kernel")
    outs = [fresh(f"out_{r}" if r.isidentifier() and results.count(r) == 1 else f"out{k}")
            for k, r in enumerate(results)]
    return kname, outs, [fresh("i"), fresh("start"), fresh("stride")]


def kernel_spec(ir: Function, kinds: str, target: targets.Target, fastmath) -> dict:
    """What the templates need to lay out the batch loop; every line is decided here."""
    kname, outs, (index, start, stride) = kernel_names(ir)
    params = [p.hint for p in ir.params]
    args = [f"{p}[{index}]" if k == "a" else p for p, k in zip(params, kinds)]
    return {"name": kname, "params": ", ".join(params + outs), "index": index,
            "start": start, "stride": stride, "size": f"{outs[0]}.shape[0]",
            "call": f"{ir.name}({', '.join(args)})",
            "stores": ", ".join(f"{o}[{index}]" for o in outs),
            "target": target.name, "parallel": target.parallel, "fastmath": repr(fastmath),
            "how": "prange over every core" if target.parallel else "one core"}


def vectorize(fn, target: str = DEFAULT_TARGET, *, fastmath=None) -> Vectorized:
    """Map scalar ``fn`` (a Python function, or ``grad``/``value_and_grad`` of one) over arrays.

    The result is called like ``fn`` but with arrays: scalars and size-1 arrays
    broadcast, the rest broadcast as in NumPy, and it returns one array per output
    of ``fn``, nested as ``fn`` nests them. ``out=`` takes preallocated outputs.
    Elements are float64, or float32 when every array argument is float32.
    ``target`` is ``"cpu"`` (one fused loop), ``"parallel"`` (the loop is a
    ``prange`` over all cores) or ``"cuda"`` (a grid-stride kernel through
    numba-cuda; device arrays and ``__cuda_array_interface__`` objects are used in
    place and the results stay on the device). Given Dask arrays, it returns Dask arrays
    computed chunk by chunk (``docs/dask.md``); the object pickles by reference.
    """
    return Vectorized(fn, target, fastmath=fastmath)
