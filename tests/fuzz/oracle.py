"""Independent oracles: Richardson-extrapolated central differences, and autograd.

Both only ever run the program as plain Python: differences on the original module, autograd
on the same source executed with ``np`` bound to ``autograd.numpy``. Neither shares code with
flatgrad's compiler.
"""
from __future__ import annotations

import math

import numpy as np

KINK = object()


def _call(f, args):
    return np.asarray(f(*[a.copy() if isinstance(a, np.ndarray) else a for a in args]),
                      dtype=np.float64)


def _perturb(args, i, idx, d):
    out = list(args)
    if isinstance(args[i], np.ndarray):
        a = args[i].copy()
        a[idx] += d
        out[i] = a
    else:
        out[i] = args[i] + d
    return out


def fd_jacobian(f, args, i, value, h0=1e-3):
    """J of ``f`` wrt ``args[i]``: shape ``value.shape + args[i].shape``. An entry whose
    two Richardson estimates (steps h, h/2, h/4) disagree, i.e. a kink or branch switch
    within ``h`` of the point, is NaN."""
    a = np.asarray(args[i], dtype=np.float64)
    J = np.full(value.shape + a.shape, np.nan)
    scale = max(1.0, float(np.max(np.abs(value))) if value.size else 1.0)
    for idx in np.ndindex(a.shape):
        h = h0 * max(1.0, abs(float(a[idx])))
        D = []
        for k in (1.0, 0.5, 0.25):
            up = _call(f, _perturb(args, i, idx, h * k))
            dn = _call(f, _perturb(args, i, idx, -h * k))
            D.append((up - dn) / (2 * h * k))
        r1 = (4 * D[1] - D[0]) / 3
        r2 = (4 * D[2] - D[1]) / 3
        ok = np.abs(r1 - r2) <= 1e-7 * (scale + np.abs(r2))
        col = np.where(ok, r2, np.nan)
        J[(Ellipsis,) + idx] = col if value.shape else float(col)
    return J


def fd_hessian(f, args, nums, h0=1e-2):
    """Second derivatives of scalar ``f`` by Richardson-extrapolated central differences:
    ``H[a][b]`` shaped ``args[a].shape + args[b].shape`` (NaN where it does not converge)."""
    value = float(_call(f, args))
    scale = max(1.0, abs(value))
    H = [[None] * len(nums) for _ in nums]
    for ai, a in enumerate(nums):
        sa = np.shape(args[a])
        for bi, b in enumerate(nums):
            sb = np.shape(args[b])
            out = np.full(sa + sb, np.nan)
            for ia in np.ndindex(sa):
                for ib in np.ndindex(sb):
                    ha = h0 * max(1.0, abs(float(np.asarray(args[a])[ia])))
                    hb = h0 * max(1.0, abs(float(np.asarray(args[b])[ib])))
                    est = []
                    for k in (1.0, 0.5, 0.25):
                        def at(da, db):
                            p = _perturb(args, a, ia, da * ha * k)
                            p = _perturb(p, b, ib, db * hb * k)
                            return float(_call(f, p))
                        est.append((at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1))
                                   / (4 * ha * hb * k * k))
                    r1 = (4 * est[1] - est[0]) / 3
                    r2 = (4 * est[2] - est[1]) / 3
                    if abs(r1 - r2) <= 1e-5 * (scale + abs(r2)):
                        out[ia + ib] = r2
            H[ai][bi] = out
    return H


# ----------------------------------------------------------------------- autograd
class _MathShim:
    """``math`` for autograd: the functions the generator uses, on autograd.numpy."""

    def __init__(self, anp):
        self.sin, self.cos, self.tanh, self.exp = anp.sin, anp.cos, anp.tanh, anp.exp
        self.log, self.sqrt, self.atan = anp.log, anp.sqrt, anp.arctan
        self.pi, self.e = math.pi, math.e


def _autograd_names(anp) -> dict:
    return {"np": anp, "math": _MathShim(anp),
            "sigmoid": lambda x: 1.0 / (1.0 + anp.exp(-x)),
            "softplus": lambda x: anp.logaddexp(0.0, x),
            "relu": lambda x: anp.maximum(x, 0.0)}


class AutogradTransforms:
    """``fg`` for the oracles of programs that call transforms inside (``fg.grad(h0)(x)``,
    ``fg.jvp``, ``fg.vjp``, ``fg.value_and_grad``): autograd's, on the program's functions
    re-bound to autograd.numpy (their module's functions all re-bound together, so helpers
    calling helpers stay on autograd). The plain run (values, finite differences) gets the
    inner derivatives from here, exactly and from code that shares nothing with flatgrad;
    the autograd run nests them in its own. Only pure helpers (no item writes) are
    transformed by the generator, so autograd runs every one."""

    _twins: dict = {}

    @classmethod
    def twin(cls, h):
        """``h`` with its module's names re-bound to autograd.numpy."""
        import types

        import autograd.numpy as anp
        g = h.__globals__
        if g.get("np") is anp:
            return h
        env = cls._twins.get(id(g))
        if env is None or env[0] is not g:
            ns = dict(g)
            ns.update(_autograd_names(anp))
            for k, v in g.items():
                if isinstance(v, types.FunctionType) and v.__globals__ is g:
                    ns[k] = types.FunctionType(v.__code__, ns, v.__name__, v.__defaults__)
            env = cls._twins[id(g)] = (g, ns)
        return env[1][h.__name__]

    @classmethod
    def grad(cls, f, argnums=0, target=None):
        import autograd
        if isinstance(argnums, int):
            return autograd.grad(cls.twin(f), argnums)
        return lambda *a: tuple(autograd.grad(cls.twin(f), i)(*a) for i in argnums)

    @classmethod
    def value_and_grad(cls, f, argnums=0, target=None):
        import autograd
        return autograd.value_and_grad(cls.twin(f), argnums)

    @classmethod
    def jvp(cls, f, primals, tangents, target=None):
        import autograd
        h = cls.twin(f)

        def along(t):
            return h(*[p if v is None else p + t * v for p, v in zip(primals, tangents)])
        return h(*primals), autograd.jacobian(along)(0.0)

    @classmethod
    def vjp(cls, f, *primals, target=None):
        import autograd
        h = cls.twin(f)

        def back(ct):
            return tuple(autograd.make_vjp(h, i)(*primals)[0](ct) for i in range(len(primals)))
        return h(*primals), back


AUTOGRAD_TRANSFORMS = AutogradTransforms()


def autograd_module(source: str):
    """Execute ``source`` with ``np`` = autograd.numpy; None when autograd is missing."""
    try:
        import autograd.numpy as anp
    except ImportError:
        return None
    ns = _autograd_names(anp)
    ns["fg"] = AUTOGRAD_TRANSFORMS
    body = "\n".join(ln for ln in source.split("\n")
                     if not ln.startswith(("import ", "from ")))
    exec(compile(body, "<autograd>", "exec"), ns)
    return ns


def autograd_jacobian(ns, args, i):
    import autograd
    return np.asarray(autograd.jacobian(ns["f"], i)(*args), dtype=np.float64)


def autograd_hessian(ns, args, a, b):
    import autograd
    return np.asarray(autograd.jacobian(autograd.grad(ns["f"], a), b)(*args), dtype=np.float64)


def close(got, want, rtol, atol):
    """(ok, max scaled error); NaN entries of ``want`` are not compared."""
    g = np.asarray(got, dtype=np.float64)
    w = np.asarray(want, dtype=np.float64)
    if g.shape != w.shape:
        return False, math.inf
    m = ~np.isnan(w)
    if not m.any():
        return True, 0.0
    if not np.all(np.isfinite(g[m])):
        return False, math.inf
    err = np.abs(g[m] - w[m]) / (atol + rtol * np.abs(w[m]))
    e = float(np.max(err)) if err.size else 0.0
    return e <= 1.0, e
