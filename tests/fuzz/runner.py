"""Run a generated program through flatgrad's transforms and classify what happens.

Outcomes of one (program, configuration):

* ``OK`` — value and derivatives agree with plain Python and the oracle;
* ``WRONG`` — a value or derivative disagrees;
* ``INTERNAL`` — flatgrad raised something other than :class:`flatgrad.CompileError`
  (from compiling or from the call) although the plain Python run succeeded, or hung;
* ``REJECTED`` — a ``CompileError`` on a program of the documented subset;
* ``ORACLE_SKIP`` — no derivative could be checked (kinks within the difference step);
* ``KINK`` — a derivative disagrees at a point where the program is not differentiable (its
  one-sided slopes differ: :func:`oracle.kink_at`), or the program's value is a transform
  called inside it at a point where the function it differentiates is not (then the value is
  a derivative that does not exist, and AD systems' conventions differ).

A program the generator got wrong (the plain run raises, or it or any of its intermediates
leaves the range ``RANGE``) is ``GEN_BAD`` and not counted.
"""
from __future__ import annotations

import copy
import importlib.util
import itertools
import os
import re
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field

import numpy as np

from flatgrad.compiler import pipeline

from . import oracle
from .gen import TRANSFORMS_IMPORT, Expr, Program, Stmt, generate, random_args

# every program a configuration compiles is verified as a final program: no in-place write in
# it needs a copy (verify.check_final; one that does is an internal error, reported REJECTED)
pipeline.CHECK_FINAL = True

OK, WRONG, INTERNAL, REJECTED, SKIP, KINK, GEN_BAD = (
    "OK", "WRONG", "INTERNAL", "REJECTED", "ORACLE_SKIP", "KINK", "GEN_BAD")

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass(frozen=True)
class Config:
    transform: str              # vg grad jvp vjp jacrev jacfwd hess gradgrad vmap-* vmapvg-*
    target: str = "python"
    optimize: bool = True
    checkpoint: object = None

    @property
    def name(self):
        ck = "" if self.checkpoint is None else f",ckpt={self.checkpoint}"
        return f"{self.transform}[{self.target},-O{int(self.optimize)}{ck}]"

    @classmethod
    def parse(cls, name: str) -> "Config":
        """The configuration whose :attr:`name` is ``name`` (``vmapvg-loop[python,-O1]``,
        ``vg[cpu,-O0,ckpt=2]``); ValueError on anything else."""
        m = re.fullmatch(r"([\w-]+)\[(\w+),-O([01])(?:,ckpt=(True|\d+))?\]", name)
        if m is None:
            raise ValueError(f"not a configuration's name: {name!r}")
        ck = m.group(4)
        ck = None if ck is None else (True if ck == "True" else int(ck))
        return cls(m.group(1), m.group(2), m.group(3) == "1", ck)


def configs_for(prog: Program, rng, *, target="python", full=False):
    """The configurations one program runs under: all of them with ``full``, else a draw
    that always includes value_and_grad at -O1 and covers every transform over a campaign."""
    scalar = prog.main.ret_shape == ()
    has_for = "for" in prog.features()
    size = sum(int(np.prod(s)) for s in prog.arg_shapes)
    cands = []
    if scalar:
        cands += [Config("vg", target, True), Config("vg", target, False), Config("grad", target),
                  Config("vg32", target)]
        if has_for:
            cands += [Config("vg", target, True, True), Config("vg", target, False, 2)]
        if size <= 6:
            cands += [Config("hess", target, True), Config("hess", target, False)]
            if prog.arg_shapes[0] == ():
                # reverse over reverse: the first row of the Hessian as grad(grad(f))
                cands += [Config("gradgrad", target, True), Config("gradgrad", target, False)]
    cands += [Config("jvp", target, True), Config("jvp", target, False), Config("vjp", target),
              Config("jacrev", target, True), Config("jacfwd", target, True),
              Config("jacrev", target, False), Config("jacfwd", target, False)]
    # vmap over random in_axes, each method, compared with a loop of the unbatched function
    cands += [Config(f"vmap-{m}", target) for m in VMAP_METHODS]
    if scalar:
        cands += [Config(f"vmapvg-{m}", target) for m in VMAP_METHODS]
    if full:
        return cands
    first = cands[0]
    rest = cands[1:]
    rng.shuffle(rest)
    k = 3 if target == "python" else 1
    return [first] + rest[:k]


# ----------------------------------------------------------------------- loading
_counter = itertools.count()


def load(source: str, workdir: str, tag="p"):
    name = f"fz_{tag}_{os.getpid()}_{next(_counter)}"
    path = os.path.join(workdir, name + ".py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod, path


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout("timed out")


class alarm:
    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        self.old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(self.seconds)

    def __exit__(self, *exc):
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.old)
        return False


# ----------------------------------------------------------------------- results
@dataclass
class Result:
    config: str
    outcome: str
    key: str = ""
    detail: str = ""


@dataclass
class ProgramReport:
    seed: int
    source: str = ""
    results: list = field(default_factory=list)
    gen_bad: str = ""
    kink: str = ""              # a transform called inside at a point of non-differentiability
    oracle: str = ""            # "fd", "fd+autograd", "autograd", "none"

    @property
    def outcome(self):
        if self.gen_bad:
            return GEN_BAD
        if self.kink:
            return KINK
        order = [INTERNAL, WRONG, REJECTED, OK, KINK, SKIP]
        outs = {r.outcome for r in self.results}
        for o in order:
            if o in outs:
                return o
        return SKIP


_digits = re.compile(r"\d+")


def exc_key(e: BaseException) -> str:
    """A class key for an exception: its type and where it came from in flatgrad."""
    tb = traceback.extract_tb(e.__traceback__)
    where = ""
    for fr in reversed(tb):
        f = os.path.abspath(fr.filename)
        if f.startswith(PROJECT) and "/tests/" not in f:
            where = f"{os.path.relpath(f, PROJECT)}:{fr.name}"
            break
        if "flatgrad" in f and "cache" in f or os.path.basename(f).startswith("f_"):
            where = "generated code"
            break
    msg = _digits.sub("N", str(e).split("\n")[0])[:80]
    return f"{type(e).__name__} at {where or '?'}: {msg}"


def reject_key(e) -> str:
    msg = getattr(e, "message", str(e))
    msg = re.sub(r"'[^']*'", "'_'", msg)
    return _digits.sub("N", msg)[:100]


def _fmt(a):
    return np.array2string(np.asarray(a, dtype=float), precision=6, separator=", ",
                           suppress_small=True).replace("\n", "")


# ----------------------------------------------------------------------- running
class Oracle:
    """Jacobians of the plain program, computed on demand and cached per program."""

    def __init__(self, prog: Program, f, args, value, source):
        self.prog, self.f, self.args, self.value, self.source = prog, f, args, value, source
        self._J = None
        self._H = {}
        self.kind = "none"
        self.peak = 0.0         # the largest intermediate of the plain run (evaluate sets it)
        feats = prog.features()
        self.pure = not ({"local", "item_write", "item_aug", "aug_array"} & feats)

    def _ag(self):
        if not hasattr(self, "_ns"):
            self._ns = None
            if self.pure:
                try:
                    with alarm(20):
                        self._ns = oracle.autograd_module(self.source)
                except Exception:
                    self._ns = None
        return self._ns

    def jac(self):
        if self._J is None:
            J = [oracle.fd_jacobian(self.f, self.args, i, self.value)
                 for i in range(len(self.args))]
            self.kind = "fd"
            ns = self._ag()
            if ns is not None:
                try:
                    with alarm(20):
                        A = [oracle.autograd_jacobian(ns, self.args, i)
                             for i in range(len(self.args))]
                    agree = all(oracle.close(a, j, 1e-5, 1e-6 * self.scale(j))[0]
                                for a, j in zip(A, J))
                    if agree and all(a.shape == j.shape for a, j in zip(A, J)):
                        J = [np.where(np.isnan(j), a, j) for a, j in zip(A, J)]
                        self.kind = "fd+autograd"
                except Exception:
                    pass
            self._J = J
        return self._J

    def kink(self) -> bool:
        """Whether the program is not differentiable at its point (one-sided slopes differ
        along a random direction in all its arguments); computed once."""
        if not hasattr(self, "_kink"):
            self._kink = oracle.kink_at(self.f, self.args, range(len(self.args)))
        return self._kink

    def scale(self, J=None):
        vals = [1.0, float(np.max(np.abs(self.value))) if self.value.size else 1.0]
        if J is not None and np.isfinite(J).any():
            vals.append(float(np.nanmax(np.abs(J))))
        return max(vals)

    def hess_noise(self) -> float:
        """The scale of the differences' second derivatives' rounding: they difference values
        of size |f| over steps of 1e-3 and less, so where |f| is large (1.3e5: a constant
        part, fuzz seed 908000802) a Hessian that is exactly 0 comes back as 8e-5. The
        checks' absolute tolerance scales with 1e-3 |f| as well as with the Hessian."""
        v = float(np.max(np.abs(self.value))) if self.value.size else 0.0
        return max(1.0, 1e-3 * v)

    def hess(self, nums):
        if nums not in self._H:
            ns = self._ag()
            H = oracle.fd_hessian(self.f, self.args, nums)
            if ns is not None:
                try:
                    with alarm(20):
                        A = [[oracle.autograd_hessian(ns, self.args, a, b) for b in nums]
                             for a in nums]
                    if all(oracle.close(A[i][j], H[i][j], 1e-3, 1e-4)[0]
                           for i in range(len(nums)) for j in range(len(nums))):
                        H = [[np.where(np.isnan(H[i][j]), A[i][j], A[i][j])
                              for j in range(len(nums))] for i in range(len(nums))]
                except Exception:
                    pass
            self._H[nums] = H
        return self._H[nums]


VAL_RTOL, VAL_ATOL = 1e-8, 1e-10
# the largest value, or intermediate, of a program the oracle checks: its rounding error
# (eps * RANGE = 2e-10), divided by the differences' step (1e-3), stays below GRAD_ATOL
RANGE = 1e6
GRAD_RTOL, GRAD_ATOL = 1e-5, 1e-6


def _check_value(got, want, what):
    g = np.asarray(got, dtype=float)
    if g.shape != want.shape:
        return f"{what}: shape {g.shape}, plain Python gives {want.shape}"
    s = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    ok, _ = oracle.close(g, want, VAL_RTOL, VAL_ATOL * s)
    if not ok:
        return f"{what}: got {_fmt(g)}, plain Python gives {_fmt(want)}"
    return None


def _check_deriv(got, want, what, scale, rtol=GRAD_RTOL, atol=GRAD_ATOL):
    g = np.asarray(got, dtype=float)
    w = np.asarray(want, dtype=float)
    if g.shape != w.shape:
        return f"{what}: shape {g.shape}, expected {w.shape}"
    ok, err = oracle.close(g, w, rtol, atol * scale)
    if not ok:
        return f"{what}: got {_fmt(g)}, expected {_fmt(w)}"
    return None


def _copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def run_config(fg, cfg: Config, f, args, orc: Oracle):
    """(outcome, key, detail) for one configuration. flatgrad gets copies of the
    arguments, and must leave them as they were."""
    given = args
    args = _copies(given)
    with _tier(cfg.target):
        res = _run_config(fg, cfg, f, args, orc)
    if res[0] in (OK, SKIP, WRONG):
        for i, (a, b) in enumerate(zip(args, given)):
            if not np.array_equal(a, b):
                return WRONG, f"WRONG {cfg.transform} mutates an argument", \
                    f"argument {_pname(orc, i)} changed from {_fmt(b)} to {_fmt(a)}"
    return res


class _tier:
    """``FLATGRAD_TIER=python`` for a python-target configuration: flatgrad runs the program
    as plain Python for some values (vjp's primal, vmap's loop), and then the transforms the
    program calls inside, which name no target, would otherwise compile with Numba (under
    pytest, whose FLATGRAD_TIER is cpu: 30 s on a loaded machine, a timeout)."""

    def __init__(self, target):
        self.target = target

    def __enter__(self):
        self.old = os.environ.get("FLATGRAD_TIER")
        if self.target == "python":
            os.environ["FLATGRAD_TIER"] = "python"

    def __exit__(self, *exc):
        if self.old is None:
            os.environ.pop("FLATGRAD_TIER", None)
        else:
            os.environ["FLATGRAD_TIER"] = self.old
        return False


def _run_config(fg, cfg: Config, f, args, orc: Oracle):
    n = len(args)
    nums = tuple(range(n))
    value = orc.value
    kw = dict(target=cfg.target, optimize=cfg.optimize)
    problems = []
    unchecked = True
    limit = 30 if cfg.target == "python" else 240
    try:
        with alarm(limit):
            if cfg.transform == "vg":
                val, grads = fg.value_and_grad(f, nums, checkpoint=cfg.checkpoint, **kw)(*args)
                problems.append(_check_value(val, value, "value"))
                J = orc.jac()
                for i, g in enumerate(grads):
                    problems.append(_check_deriv(g, J[i], f"d/d{_pname(orc, i)}", orc.scale(J[i])))
                    unchecked &= bool(np.isnan(J[i]).all())
            elif cfg.transform == "grad":
                g = fg.grad(f, 0, checkpoint=cfg.checkpoint, **kw)(*args)
                J = orc.jac()
                problems.append(_check_deriv(g, J[0], f"d/d{_pname(orc, 0)}", orc.scale(J[0])))
                unchecked = bool(np.isnan(J[0]).all())
            elif cfg.transform == "jvp":
                rng = np.random.default_rng(7)
                tans = [float(rng.uniform(-1, 1)) if not isinstance(a, np.ndarray)
                        else rng.uniform(-1, 1, size=a.shape) for a in args]
                out, tout = fg.jvp(f, tuple(args), tuple(tans), **kw)
                problems.append(_check_value(out, value, "primal out"))
                J = orc.jac()
                want = sum(np.tensordot(J[i], np.asarray(tans[i]), axes=np.ndim(tans[i]))
                           for i in range(n))
                problems.append(_check_deriv(tout, want, "tangent out", orc.scale(want)))
                unchecked = bool(np.isnan(want).all())
            elif cfg.transform == "vjp":
                rng = np.random.default_rng(11)
                ct = rng.uniform(-1, 1, size=value.shape)
                ct = float(ct) if value.shape == () else ct
                out, fn = fg.vjp(f, *args, **kw)
                problems.append(_check_value(out, value, "primal out"))
                grads = fn(ct)
                J = orc.jac()
                k = value.ndim
                for i, g in enumerate(grads):
                    want = np.tensordot(np.asarray(ct), J[i], axes=(list(range(k)), list(range(k))))
                    problems.append(_check_deriv(g, want, f"vjp d/d{_pname(orc, i)}",
                                                 orc.scale(want)))
                    unchecked &= bool(np.isnan(want).all())
            elif cfg.transform in ("jacrev", "jacfwd"):
                jac = fg.jacobian(f, nums, mode=cfg.transform[3:], **kw)(*args)
                J = orc.jac()
                for i, g in enumerate(jac):
                    problems.append(_check_deriv(g, J[i], f"J[{_pname(orc, i)}]", orc.scale(J[i])))
                    unchecked &= bool(np.isnan(J[i]).all())
            elif cfg.transform == "gradgrad":
                row = fg.grad(fg.grad(f, 0, **kw), nums, **kw)(*args)
                W = orc.hess(nums)
                s = max(orc.hess_noise(), max(float(np.nanmax(np.abs(w))) if np.isfinite(w).any()
                                              else 0.0 for w in W[0]))
                for b in range(n):
                    problems.append(_check_deriv(row[b], W[0][b], f"gradgrad[{_pname(orc, b)}]", s,
                                                 rtol=1e-4, atol=1e-5))
                    unchecked &= bool(np.isnan(W[0][b]).all())
            elif cfg.transform == "vg32":
                problems = _float32(fg, f, args, kw, orc)
                if isinstance(problems, str):
                    return SKIP, "", problems
                unchecked = all(bool(np.isnan(j).all()) for j in orc.jac())
            elif cfg.transform.startswith("vmap"):
                problems, unchecked = _run_vmap(fg, cfg, f, args, kw, orc.f), False
                if isinstance(problems, str):
                    return SKIP, "", problems
            elif cfg.transform == "hess":
                H = fg.hessian(f, nums, **kw)(*args)
                W = orc.hess(nums)
                s = max(orc.hess_noise(), max(float(np.nanmax(np.abs(w))) if np.isfinite(w).any()
                                              else 0.0 for row in W for w in row))
                for a in range(n):
                    for b in range(n):
                        problems.append(_check_deriv(H[a][b], W[a][b],
                                                     f"H[{_pname(orc, a)},{_pname(orc, b)}]", s,
                                                     rtol=1e-4, atol=1e-5))
                        unchecked &= bool(np.isnan(W[a][b]).all())
    except fg.CompileError as e:
        return REJECTED, "REJECTED " + reject_key(e), str(e).split("\n")[0]
    except Timeout:
        return INTERNAL, f"INTERNAL timeout in {cfg.transform}", f"no answer in {limit} s"
    except Exception as e:
        return INTERNAL, f"INTERNAL {cfg.transform}: {exc_key(e)}", \
            "".join(traceback.format_exception_only(type(e), e)).strip()[-600:]
    problems = [p for p in problems if p]
    if problems and cfg.transform in FIRST_ORDER and not any(
            p.startswith(VALUE_PARTS) for p in problems) and orc.kink():
        return KINK, "", "the derivatives disagree at a point where the program is not " \
            "differentiable (one-sided slopes differ): " + "; ".join(problems)[:1200]
    if problems:
        part = problems[0].split(":")[0]
        part = re.sub(r"\[.*\]|d/d\w+", lambda m: "grad" if m.group(0).startswith("d/d")
                      else "[]", part)
        return WRONG, f"WRONG {cfg.transform} {part}", "; ".join(problems)[:1500]
    if unchecked:
        return SKIP, "", "oracle could not check (kink within the step)"
    return OK, "", ""


# float32 data: its rounding (6e-8) grows through the program as float64's (1e-16) does
F32_RTOL, F32_ATOL = 1e-3, 1e-3
F32_PEAK = 1e3      # a larger intermediate leaves float32 too few digits to check against


def _float32(fg, f, args, kw, orc):
    """``value_and_grad`` of the program on its float64 arrays rounded to float32: compiles
    where float64 does, every such argument's gradient is float32, and the values are the
    oracle's to float32 precision. A str where float32 cannot be checked (its rounding
    decides a branch, or the program's intermediates are too large for its digits)."""
    if orc.peak > F32_PEAK:
        return f"intermediates up to {orc.peak:.3g}: beyond float32's checkable range"
    a32 = [a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == np.float64 else a
           for a in args]
    val, grads = fg.value_and_grad(f, tuple(range(len(args))), **kw)(*a32)
    scale = orc.scale()
    if not np.allclose(np.asarray(val, dtype=np.float64), orc.value, rtol=F32_RTOL,
                       atol=F32_ATOL * scale):
        return "float32 rounding changes the value (a branch, a cancellation)"
    J = orc.jac()
    # the derivatives at the float32-rounded point: where they differ from those at the
    # point itself, float32's rounding inside the program moves them as much (a loop that
    # amplifies, a minimum whose runner-up is within rounding): nothing to check against
    at = [a.astype(np.float64) if isinstance(a, np.ndarray) else a for a in a32]
    moved = oracle._call(orc.f, at)
    for i in range(len(args)):
        Jr = oracle.fd_jacobian(orc.f, at, i, moved)
        if not oracle.close(Jr, J[i], F32_RTOL / 10, F32_ATOL / 10 * orc.scale(J[i]))[0]:
            return "the derivatives move beyond float32's precision at its rounding of the point"
    problems = []
    for i, g in enumerate(grads):
        if isinstance(a32[i], np.ndarray) and a32[i].dtype == np.float32 \
                and np.asarray(g).dtype != np.float32:
            problems.append(f"d/d{_pname(orc, i)} of float32: dtype {np.asarray(g).dtype}")
        problems.append(_check_deriv(g, J[i], f"d/d{_pname(orc, i)} of float32",
                                     orc.scale(J[i]), rtol=F32_RTOL, atol=F32_ATOL))
    return problems


# configurations whose derivatives are first derivatives of the program, and the parts of a
# report that are values (a value is wrong at a kink as anywhere else)
FIRST_ORDER = ("vg", "grad", "jvp", "vjp", "jacrev", "jacfwd")
VALUE_PARTS = ("value", "primal out")

VMAP_METHODS = ("auto", "batch", "loop")
VMAP_SIZE = 3


def vmap_case(args, seed: int):
    """Random ``in_axes`` for ``args`` (None, or an axis of the batched argument, negative
    ones too) and the batched arguments: example ``k`` of a mapped argument is the argument
    scaled by ``1 + k/10`` (so examples differ, and keep their signs)."""
    rng = np.random.default_rng([seed, 21])
    axes, batched = [], []
    for a in args:
        r = np.ndim(a)
        ax = None if rng.random() < 0.3 else int(rng.integers(-(r + 1), r + 1))
        axes.append(ax)
        if ax is None:
            batched.append(a)
            continue
        ex = [np.asarray(a) * (1.0 + k / 10) for k in range(VMAP_SIZE)]
        batched.append(np.stack(ex, axis=ax))
    if all(ax is None for ax in axes):
        axes[0] = 0
        batched[0] = np.stack([np.asarray(args[0]) * (1.0 + k / 10)
                               for k in range(VMAP_SIZE)], axis=0)
    return tuple(axes), batched


def _example(batched, axes, k):
    return [a if ax is None else (lambda e: float(e) if np.ndim(e) == 0 else e)(
        np.take(a, k, axis=ax)) for a, ax in zip(batched, axes)]


def _run_vmap(fg, cfg: Config, f, args, kw, plain=None):
    """vmap (of f, or of value_and_grad of f) against a Python loop over the examples of the
    unbatched function (``plain``: the plain run's, whose inner transforms are autograd's; or
    of the unbatched transform): the value to the last bit's neighbourhood, the gradients as
    closely. A string says why nothing could be checked."""
    kind, method = cfg.transform.split("-")
    seed = int(np.sum(np.abs(np.asarray(args[0]))) * 1e6) % (2 ** 31)
    axes, batched = vmap_case(args, seed)
    nums = tuple(range(len(args)))
    one = (plain or f) if kind == "vmap" else fg.value_and_grad(f, nums, **kw)
    try:
        with np.errstate(all="ignore"):
            want = [one(*_example(batched, axes, k)) for k in range(VMAP_SIZE)]
    except Exception:  # noqa: BLE001 - the plain program rejects an example: nothing to check
        return "an example is outside the program's domain"
    if not all(np.all(np.isfinite(np.asarray(w[0] if kind == "vmapvg" else w))) for w in want):
        return "an example is outside the program's domain"
    if kind == "vmap" and plain is not None and plain is not f and any(
            oracle.inner_tie(plain, _example(batched, axes, k)) for k in range(VMAP_SIZE)):
        return "an example is at a tie of an inner derivative (see oracle.inner_tie)"
    target = fg.vmap(one if kind == "vmapvg" else f, in_axes=axes, method=method, **(
        {"target": kw["target"]} if kind == "vmap" else {}))
    got = target(*batched)
    if kind == "vmap":
        return [_check_value(got, np.stack([np.asarray(w) for w in want]), f"vmap-{method}")]
    vals = np.array([w[0] for w in want])
    probs = [_check_value(got[0], vals, f"vmapvg-{method} value")]
    for i in nums:
        wi = np.stack([np.asarray(w[1][i]) for w in want])
        probs.append(_check_deriv(got[1][i], wi, f"vmapvg-{method} d/darg{i}", 1.0,
                                  rtol=1e-9, atol=1e-10 * max(1.0, float(np.max(np.abs(wi))))))
    return probs


def _pname(orc, i):
    return orc.prog.main.params[i][0]


def evaluate(prog: Program, configs, workdir: str, args=None, fg=None) -> ProgramReport:
    """Run ``prog`` under ``configs``; arguments from the program's seed unless given."""
    if fg is None:
        import flatgrad as fg
    rep = ProgramReport(prog.seed)
    src = prog.source
    rep.source = src
    args = random_args(prog, prog.seed) if args is None else args
    try:
        with alarm(20):
            mod, path = load(src, workdir)
            f = plain = mod.f
            if TRANSFORMS_IMPORT in src:
                # transforms called inside: the plain run (values, differences) takes its inner
                # derivatives from autograd, never from flatgrad
                plain = load(src.replace(TRANSFORMS_IMPORT, "from tests.fuzz.oracle import "
                                         "AUTOGRAD_TRANSFORMS as fg"), workdir)[0].f
            before = [np.copy(a) for a in args]
            # an intermediate that overflows (z = z ** 3, twelve times) is outside the smooth
            # domains the generator means to draw: there 0 * inf = nan in any reverse mode
            # (JAX's and autograd's too), where differences see 0
            kinks = oracle.AutogradTransforms.audit = []
            try:
                with np.errstate(over="raise"):
                    value, peak = oracle.traced_call(plain, args)
            finally:
                oracle.AutogradTransforms.audit = None
            if any(not np.array_equal(b, a) for b, a in zip(before, args)):
                raise RuntimeError("the plain run mutated an argument")
    except Exception as e:
        rep.gen_bad = f"{type(e).__name__}: {e}"[:200]
        return rep
    if kinks:       # first: there autograd's value of the inner derivative may be NaN
        rep.kink = kinks[0]
        return rep
    if plain is not f and oracle.inner_tie(plain, args):
        rep.kink = "a comparison decides on an inner derivative within rounding of its threshold"
        return rep
    if not np.all(np.isfinite(value)) or np.max(np.abs(value)) > RANGE:
        rep.gen_bad = "value out of range"
        return rep
    if peak > RANGE:
        # intermediates as large as 1e13 (x += 3 * x ** 2 six times) carry rounding errors
        # that differences of step 1e-3 see as changes of 1e-3 (and beyond), and that reverse
        # mode multiplies into noise where exact products cancel: no oracle can check there
        rep.gen_bad = f"intermediate out of range ({peak:.3g})"
        return rep
    orc = Oracle(prog, plain, args, value, src)
    orc.peak = peak
    for cfg in configs:
        out, key, detail = run_config(fg, cfg, f, args, orc)
        rep.results.append(Result(cfg.name, out, key, detail))
    rep.oracle = orc.kind
    return rep


# ----------------------------------------------------------------------- shrinking
def _stmt_lists(prog: Program):
    """Every statement list in the program, in a fixed order."""
    out = []

    def visit(body):
        out.append(body)
        for s in body:
            for _, _, b in s.arms:
                visit(b)
    for fn in prog.helpers + [prog.main]:
        visit(fn.body)
    return out


def _expr_slots(prog: Program):
    """(container list, index) of every expression, in a fixed order."""
    slots = []

    def visit_expr(lst):
        for j, e in enumerate(lst):
            slots.append((lst, j))
            visit_expr(e.kids)
    for body in _stmt_lists(prog):
        for s in body:
            visit_expr(s.exprs)
            for _, exprs, _ in s.arms:
                visit_expr(exprs)
    return slots


def _variants(prog: Program):
    """Smaller programs: fewer helpers, statements deleted, blocks unwrapped, expressions
    replaced by a sub-expression of the same shape or a constant."""
    for k in range(len(prog.helpers)):
        c = copy.deepcopy(prog)
        del c.helpers[k]
        yield c
    nl = len(_stmt_lists(prog))
    for li in range(nl):
        n = len(_stmt_lists(prog)[li])
        for i in range(n - 1, -1, -1):
            s = _stmt_lists(prog)[li][i]
            if s.tag == "counter":
                continue
            c = copy.deepcopy(prog)
            del _stmt_lists(c)[li][i]
            yield c
            for a in range(len(s.arms)):
                c = copy.deepcopy(prog)
                lst = _stmt_lists(c)[li]
                lst[i:i + 1] = lst[i].arms[a][2]
                yield c
            if len(s.arms) > 1:
                for a in range(1, len(s.arms)):
                    c = copy.deepcopy(prog)
                    arms = _stmt_lists(c)[li][i].arms
                    del arms[a]
                    yield c
    ns = len(_expr_slots(prog))
    for k in range(ns):
        lst, j = _expr_slots(prog)[k]
        e = lst[j]
        subs = [d for d in itertools.islice(e.walk(), 1, None) if d.shape == e.shape
                and (d.kids or d.names or d.tpl[:1].isdigit() or d.tpl[:1] == "-"
                     or d.tpl.startswith("np."))]
        seen = set()
        for d in subs[:6]:
            t = d.render()
            if t in seen:
                continue
            seen.add(t)
            c = copy.deepcopy(prog)
            lst2, j2 = _expr_slots(c)[k]
            lst2[j2] = copy.deepcopy(d)
            yield c
        if e.shape == () and e.kids and e.render() not in ("0.5", "1.0"):
            c = copy.deepcopy(prog)
            lst2, j2 = _expr_slots(c)[k]
            lst2[j2] = Expr("0.5")
            yield c


def shrink(prog: Program, cfg: Config, key: str, workdir: str, args, budget_s=120.0, fg=None):
    """Greedy shrinking: keep any smaller program that fails the same way (same key)."""
    t0 = time.time()
    best = prog
    tries = 0
    improved = True
    while improved and time.time() - t0 < budget_s:
        improved = False
        for cand in _variants(best):
            if time.time() - t0 >= budget_s:
                break
            tries += 1
            rep = evaluate(cand, [cfg], workdir, args=args, fg=fg)
            if rep.results and rep.results[0].key == key:
                best = cand
                improved = True
                break
    return best, tries


def size(prog: Program) -> int:
    return len(prog.source)


# ----------------------------------------------------------------------- one seed
def program_for(seed: int, target: str) -> Program:
    """Program ``seed``; smaller on the cpu target (Numba's compile time), except under
    NUMBA_DISABLE_JIT=1, where the Numba module's text runs as plain Python."""
    small = target == "cpu" and os.environ.get("NUMBA_DISABLE_JIT", "0") in ("", "0")
    return generate(seed, max_stmts=6) if small else generate(seed)


def run_seed(seed: int, workdir: str, *, cpu_frac=0.0, full=False, fg=None,
             target=None) -> ProgramReport:
    """Generate program ``seed`` and run it; a ``cpu_frac`` share of seeds (or all, with
    ``target="cpu"``) runs on the Numba target, as smaller programs (compile time)."""
    rng = np.random.default_rng([seed, 1])
    if target is None:
        target = "cpu" if rng.random() < cpu_frac else "python"
    prog = program_for(seed, target)
    cfgs = configs_for(prog, rng, target=target, full=full)
    return evaluate(prog, cfgs, workdir, fg=fg)
