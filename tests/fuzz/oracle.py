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



def _magnitude(v) -> float:
    """The largest finite |entry| of a number or array (of autograd's box's value), else 0."""
    while hasattr(v, "_value"):
        v = v._value
    if isinstance(v, (float, np.floating, np.ndarray)) and np.size(v):
        a = np.abs(np.asarray(v, dtype=np.float64))
        a = a[np.isfinite(a)]
        return float(a.max()) if a.size else 0.0
    return 0.0


def traced_call(f, args):
    """``(value, peak)``: ``f(*args)`` as :func:`_call`, and the largest magnitude any local
    variable of ``f``'s module's functions (``f``, its helpers, their autograd twins) held
    at any line or return, from ``sys.settrace``. An intermediate of size M carries rounding
    errors of eps * M, which a difference of step h turns into eps * M / h and reverse mode
    turns into cancelling products of that size (``y -= y ** 2`` eight times: 1e51)."""
    import sys
    fname = f.__code__.co_filename
    peak = [0.0]

    def local(frame, event, arg):
        if event in ("line", "return"):
            peak[0] = max([peak[0]] + [_magnitude(v) for v in frame.f_locals.values()])
            if event == "return":
                peak[0] = max(peak[0], _magnitude(arg))
        return local

    def calls(frame, event, arg):
        return local if frame.f_code.co_filename == fname else None
    old = sys.gettrace()
    sys.settrace(calls)
    try:
        value = _call(f, args)
    finally:
        sys.settrace(old)
    return value, peak[0]


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
    within ``h`` of the point, is NaN; so is one where the plain program raises within the
    step (campaign 335, seed 335003042: a branch switch 7e-4 away reaches an inner vjp of
    cbrt, which autograd, the plain run's inner transforms, cannot differentiate)."""
    a = np.asarray(args[i], dtype=np.float64)
    J = np.full(value.shape + a.shape, np.nan)
    scale = max(1.0, float(np.max(np.abs(value))) if value.size else 1.0)
    for idx in np.ndindex(a.shape):
        h = h0 * max(1.0, abs(float(a[idx])))
        D = []
        try:
            for k in (1.0, 0.5, 0.25):
                up = _call(f, _perturb(args, i, idx, h * k))
                dn = _call(f, _perturb(args, i, idx, -h * k))
                D.append((up - dn) / (2 * h * k))
        except Exception:   # noqa: BLE001 - a point within the step is outside the plain
            continue        # program's domain (or its autograd's): no difference there
        r1 = (4 * D[1] - D[0]) / 3
        r2 = (4 * D[2] - D[1]) / 3
        ok = np.abs(r1 - r2) <= 1e-7 * (scale + np.abs(r2))
        col = np.where(ok, r2, np.nan)
        J[(Ellipsis,) + idx] = col if value.shape else float(col)
    return J


def fd_hessian(f, args, nums, h0s=(1e-2, 1e-3)):
    """Second derivatives of scalar ``f`` by Richardson-extrapolated central differences:
    ``H[a][b]`` shaped ``args[a].shape + args[b].shape``, NaN where it does not converge.

    It converges where, at each step scale ``h0`` (steps h, h/2, h/4 with h = h0 * max(1,
    |x|)), the two extrapolations agree, and the scales agree with each other. A jump of the
    second derivative (or a small kink of the first) closer than the smallest coarse step is
    averaged alike by all three coarse steps, so they agree on a wrong value (1.7e-5 for
    3.2e-5: ``np.minimum(p, 0.25)`` reached 3e-3 away; fuzz seed 311000144); the fine scale
    does not straddle it."""
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
                    ests = [_mixed_second(f, args, a, ia, b, ib, h0, scale) for h0 in h0s]
                    if any(e is None for e in ests):
                        continue
                    if all(abs(e - ests[-1]) <= 1e-6 * (scale + abs(ests[-1])) for e in ests):
                        out[ia + ib] = ests[-1]
            H[ai][bi] = out
    return H


def _mixed_second(f, args, a, ia, b, ib, h0, scale):
    """d2 f / (d args[a][ia] d args[b][ib]) at the step scale ``h0``, Richardson-extrapolated;
    None where its two extrapolations disagree (a kink or a branch within the steps)."""
    ha = h0 * max(1.0, abs(float(np.asarray(args[a])[ia])))
    hb = h0 * max(1.0, abs(float(np.asarray(args[b])[ib])))
    est = []
    for k in (1.0, 0.5, 0.25):
        def at(da, db):
            p = _perturb(args, a, ia, da * ha * k)
            p = _perturb(p, b, ib, db * hb * k)
            return float(_call(f, p))
        try:
            est.append((at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * ha * hb * k * k))
        except Exception:   # noqa: BLE001 - outside the plain program's domain within the step
            return None
    r1 = (4 * est[1] - est[0]) / 3
    r2 = (4 * est[2] - est[1]) / 3
    return r2 if abs(r1 - r2) <= 1e-5 * (scale + abs(r2)) else None


# ----------------------------------------------------------------------- kinks
def _along(f, args, nums, dirs, t):
    """``f`` at ``args`` moved by ``t`` along ``dirs`` (one per argument in ``nums``), flat."""
    moved = list(args)
    for i, d in zip(nums, dirs):
        moved[i] = args[i] + t * d if isinstance(args[i], np.ndarray) else float(args[i] + t * d)
    out = f(*moved)
    parts = out if isinstance(out, (tuple, list)) else (out,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=np.float64)) for p in parts])


def one_sided_slopes(f, args, nums, seed=0, h0=1e-3):
    """The forward and the backward slope of ``f`` at ``args`` along one random direction in
    the arguments ``nums``: Richardson-extrapolated one-sided differences (steps h, h/2, h/4;
    error O(h^3)), with h = h0 * max(1, |args|). Returns ``(forward, backward, scale)``,
    ``scale`` the size of ``f`` there (its rounding error, divided by the step, is what the
    two may differ by at a smooth point)."""
    rng = np.random.default_rng([seed, 26])
    dirs = [rng.standard_normal(np.shape(args[i])) for i in nums]
    dirs = [d if np.ndim(d) else float(d) for d in dirs]
    big = max([1.0] + [float(np.max(np.abs(args[i]))) for i in nums if np.size(args[i])])
    h = h0 * big / max(float(np.max(np.abs(d))) for d in dirs)
    g0 = _along(f, args, nums, dirs, 0.0)

    def slope(sign):
        F = [(_along(f, args, nums, dirs, sign * h * k) - g0) / (sign * h * k)
             for k in (1.0, 0.5, 0.25)]
        d1, d2 = 2 * F[1] - F[0], 2 * F[2] - F[1]
        return (4 * d2 - d1) / 3
    return slope(1.0), slope(-1.0), max(1.0, float(np.max(np.abs(g0))) if g0.size else 1.0)


KINK_RTOL = 1e-6


def kink_at(f, args, nums, seed=0) -> bool:
    """Whether ``f`` is not differentiable at ``args`` (in the arguments ``nums``): along a
    random direction its one-sided slopes differ, by more than ``KINK_RTOL`` (far above the
    rounding of the differences) at the step 1e-4, and by about as much as at the step 1e-3
    (at a smooth point they differ by O(h^3): a thousand times less). Then there is no
    derivative to compare: the conventions of AD systems at such a point (flatgrad's and
    JAX's split ties, a ``std`` of equal entries has slope 0, autograd's is NaN) are all
    valid, and a central difference gives the mean of the two slopes. Only the plain program
    is run: a wrong derivative of flatgrad cannot make this true."""
    nums = [i for i in nums if np.size(args[i])]
    if not nums:
        return False
    try:
        with np.errstate(all="ignore"):
            gaps = []
            for h0 in (1e-3, 1e-4):
                fwd, bwd, scale = one_sided_slopes(f, args, nums, seed, h0)
                if not (np.all(np.isfinite(fwd)) and np.all(np.isfinite(bwd))):
                    return True
                gaps.append((np.abs(fwd - bwd), KINK_RTOL * (scale + np.abs(fwd) + np.abs(bwd))))
    except Exception:   # noqa: BLE001 - the edge of f's domain within the step: no derivative
        return True
    (big, _), (small, tol) = gaps
    return bool(np.any((small > tol) & (small > 0.1 * big)))


# ----------------------------------------------------------------------- autograd
class _MathShim:
    """``math`` for autograd: the functions the generator uses, on autograd.numpy."""

    def __init__(self, anp):
        self.sin, self.cos, self.tanh, self.exp = anp.sin, anp.cos, anp.tanh, anp.exp
        self.log, self.sqrt, self.atan = anp.log, anp.sqrt, anp.arctan
        self.pi, self.e = math.pi, math.e


def _autograd_float(anp):
    """``float`` for autograd: the item of a one-element array, differentiably (the generated
    programs call ``float(...)`` on values as well as in conditions)."""
    def conv(x):
        if hasattr(x, "_value"):            # an autograd box
            if anp.size(x) != 1:
                raise TypeError("only one-element arrays can be converted to Python scalars")
            return anp.reshape(x, ())
        return float(x)
    return conv


def _autograd_names(anp) -> dict:
    return {"np": anp, "math": _MathShim(anp), "float": _autograd_float(anp),
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
    transformed by the generator, so autograd runs every one.

    While ``audit`` is a list (the runner sets it for the plain run at the program's point),
    every transform called on plain values first checks that the function it differentiates
    is differentiable there (:func:`kink_at`) and appends a note when it is not: the program's
    value is then a derivative that does not exist, on which AD systems' conventions differ."""

    _twins: dict = {}
    audit = None
    nudge = 0.0        # see inner_tie: moves every inner result by this relative amount

    @classmethod
    def _nudged(cls, v):
        """``v`` (a number, an array, or a tuple of them) moved by ``nudge`` of its size, on
        plain values only (never an autograd box: the nudge is for the plain run)."""
        if not cls.nudge or hasattr(v, "_value"):
            return v
        if isinstance(v, tuple):
            return tuple(cls._nudged(e) for e in v)
        return v + cls.nudge * (1.0 + np.abs(v))

    @classmethod
    def twin(cls, h):
        """``h`` with its module's names re-bound to autograd.numpy; a function that is not
        one of its module's own (a transform's result: ``fg.grad(fg.grad(h0))``) as it is."""
        import types

        import autograd.numpy as anp
        g = getattr(h, "__globals__", None)
        if g is None or g.get(getattr(h, "__name__", None)) is not h or g.get("np") is anp:
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
    def _check(cls, h, primals, nums, what):
        """Audit one transform call (see the class docstring); never on autograd's boxes
        (the autograd run, or an outer transform's trace) nor within another audit."""
        if cls.audit is None or any(hasattr(p, "_value") for p in primals):
            return
        notes, cls.audit = cls.audit, None
        try:
            if kink_at(h, list(primals), nums):
                notes.append(f"{what} of {getattr(h, '__name__', '?')} at a point where it "
                             f"is not differentiable")
        finally:
            cls.audit = notes

    @classmethod
    def _nan(cls, result, h, what):
        """Audit an inner derivative autograd computed: NaN where the function has a value
        (np.prod's rule divides by the factors: 0/0 at a zero factor) is autograd's gap,
        not a derivative; the program's value then follows autograd's NaN down a branch."""
        if cls.audit is None or hasattr(result, "_value"):
            return result
        leaves = result if isinstance(result, tuple) else (result,)
        if any(not hasattr(v, "_value") and np.isnan(np.asarray(v, dtype=np.float64)).any()
               for v in leaves):
            cls.audit.append(f"autograd's {what} of {getattr(h, '__name__', '?')} is NaN "
                             f"where the function has a value")
        return result

    @classmethod
    def grad(cls, f, argnums=0, target=None):
        import autograd
        h = cls.twin(f)
        nums = [argnums] if isinstance(argnums, int) else list(argnums)

        def call(*a):
            cls._check(h, a, nums, "grad")
            if isinstance(argnums, int):
                return cls._nudged(cls._nan(autograd.grad(h, argnums)(*a), h, "grad"))
            return cls._nudged(cls._nan(tuple(autograd.grad(h, i)(*a) for i in argnums), h,
                                        "grad"))
        return call

    @classmethod
    def value_and_grad(cls, f, argnums=0, target=None):
        import autograd
        h = cls.twin(f)

        def call(*a):
            cls._check(h, a, [argnums], "value_and_grad")
            return cls._nudged(cls._nan(autograd.value_and_grad(h, argnums)(*a), h,
                                        "value_and_grad"))
        return call

    @classmethod
    def jvp(cls, f, primals, tangents, target=None):
        import autograd
        h = cls.twin(f)
        cls._check(h, primals, [i for i, v in enumerate(tangents) if v is not None], "jvp")

        def along(t):
            return h(*[p if v is None else p + t * v for p, v in zip(primals, tangents)])
        return cls._nudged(cls._nan((h(*primals), autograd.jacobian(along)(0.0)), h, "jvp"))

    @classmethod
    def vjp(cls, f, *primals, target=None):
        import autograd
        h = cls.twin(f)
        cls._check(h, primals, list(range(len(primals))), "vjp")

        def back(ct):
            return cls._nudged(cls._nan(tuple(autograd.make_vjp(h, i)(*primals)[0](ct)
                                              for i in range(len(primals))), h, "vjp"))
        return cls._nudged(h(*primals)), back


AUTOGRAD_TRANSFORMS = AutogradTransforms()

TIE_NUDGE = 1e-8


def inner_tie(plain, args) -> bool:
    """Whether the plain program's value jumps when every inner transform's result moves by
    ``TIE_NUDGE`` of its size (either way): a comparison then decides on an inner derivative
    within rounding of its threshold (``if fg.grad(g)(x) <= 0.0`` where the exact derivative
    is 0: autograd's 1e-16 and flatgrad's 0.0 take different branches). Both are right to
    their rounding; the program's value there is not a function of the exact derivatives,
    so no oracle can check it. Moving a smooth use by 1e-8 moves the value by about as
    much; only a branch switch moves it by more than 1e-6 of its size."""
    with np.errstate(all="ignore"):
        base = _call(plain, args)
        scale = max(1.0, float(np.max(np.abs(base))) if base.size else 1.0)
        for sign in (1.0, -1.0):
            AutogradTransforms.nudge = sign * TIE_NUDGE
            try:
                moved = _call(plain, args)
            except Exception:   # noqa: BLE001 - the other branch leaves the domain
                return True
            finally:
                AutogradTransforms.nudge = 0.0
            if moved.shape != base.shape or not np.allclose(moved, base, rtol=1e-6,
                                                            atol=1e-6 * scale, equal_nan=True):
                return True
    return False


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
