"""A corpus of real programs: our own ports of the objectives in autograd's ``examples/``
(logistic regression, neural nets, Gaussian processes, SVI, RNNs, mixtures, HMMs, ...),
written in plain NumPy/SciPy as a user would write them after swapping ``autograd.numpy``
for ``numpy`` -- not copies: each is written from what the example computes.

Each module of this package is one program: its functions, a ``cases()`` function giving
``Program`` records (the function to differentiate, its arguments, which of them to
differentiate, and a ``reset`` run before every evaluation where the program draws random
numbers), and ``WAITS_FOR``: for each case flatgrad rejects today, the feature it waits for.
The first case of a program is the example's own objective; later ones are variants (the
same model written another way) that show how far the rest of the program gets.

The oracle is autograd on the same program: the function is cloned with its globals (and
its helpers', recursively) mapped from NumPy/SciPy to autograd.numpy/autograd.scipy; where
autograd fails or disagrees, central differences decide. Each case is ``correct``,
``rejected`` (a clean CompileError, counted and reported), ``wrong`` or ``crash``.

    python bench/corpora.py programs [-v]
"""
from __future__ import annotations

import collections
import importlib
import pkgutil
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = str(Path(__file__).resolve().parent)


@dataclass
class Program:
    """One objective of a program, at one point."""

    name: str
    fn: object
    args: tuple
    argnums: tuple = (0,)
    reset: object = None           # called before every evaluation (reseeds a generator)


@dataclass
class Result:
    program: str
    case: str
    cls: str                       # correct / rejected / wrong / crash / no-oracle
    detail: str = ""
    waits_for: str = ""


@dataclass
class Report:
    results: list = field(default_factory=list)

    def counts(self) -> collections.Counter:
        return collections.Counter(r.cls for r in self.results)

    def programs(self) -> dict:
        """Program -> its worst outcome (a program runs as written when every case does)."""
        order = ("crash", "wrong", "no-oracle", "rejected", "correct")
        out: dict = {}
        for r in self.results:
            prev = out.get(r.program, "correct")
            out[r.program] = min(prev, r.cls, key=order.index)
        return out

    def text(self, elapsed: float = 0.0) -> str:
        by = self.counts()
        n = len(self.results)
        progs = self.programs()
        ok = sum(1 for v in progs.values() if v == "correct")
        lines = [f"real programs (own ports of autograd examples): {ok}/{len(progs)} programs run "
                 f"as written ({100.0 * ok / max(len(progs), 1):.0f}%); {by['correct']}/{n} "
                 f"objectives ({100.0 * by['correct'] / max(n, 1):.0f}%)"
                 + (f" in {elapsed:.0f}s" if elapsed else ""),
                 "  objectives: " + ", ".join(f"{k} {by[k]}" for k in
                                               ("correct", "rejected", "wrong", "crash", "no-oracle"))]
        for r in self.results:
            line = f"  {r.cls:9s} {r.program}:{r.case}"
            if r.cls != "correct":
                line += f"  {r.detail}"
            if r.cls == "rejected" and r.waits_for:
                line += f"  [waits for: {r.waits_for}]"
            lines.append(line)
        return "\n".join(lines)


# ---------------------------------------------------------------------------- the oracle

def _autograd_map():
    from bench.corpora import AutogradMap
    return AutogradMap


class AutogradClone(_autograd_map()):
    """Functions of the corpus with NumPy and SciPy replaced by autograd's wrappers (the
    peers' harness maps the other way; its cloning of functions, globals and closures is
    reused)."""

    def __init__(self):
        import autograd.numpy as anp
        import autograd.scipy.special as asp
        import autograd.scipy.stats as ast
        import scipy.special
        import scipy.stats
        self.test_dir = HERE                  # functions defined here are cloned
        self.objs = {id(np): anp, id(np.linalg): anp.linalg, id(scipy.special): asp,
                     id(scipy.stats): ast}
        for real, wrapped in ((np, anp), (np.linalg, anp.linalg), (scipy.special, asp)):
            for name in dir(wrapped):
                if not name.startswith("_") and hasattr(real, name):
                    self.objs.setdefault(id(getattr(real, name)), getattr(wrapped, name))
        for name in ("norm", "t", "gamma", "beta", "chi2", "poisson", "dirichlet",
                     "multivariate_normal"):
            self.objs[id(getattr(scipy.stats, name))] = getattr(ast, name)
        self.keep = [np, scipy.special, scipy.stats]      # the ids above stay valid
        self.modglobals, self.clones = {}, {}

    def value(self, v):
        if isinstance(v, (list, tuple)) and any(isinstance(e, types.FunctionType) for e in v):
            return type(v)(self.value(e) for e in v)
        return super().value(v)


def _leaves(tree) -> list:
    if isinstance(tree, dict):
        return [x for k in sorted(tree) for x in _leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [x for e in tree for x in _leaves(e)]
    return [tree]


def _close(a, b, rtol=1e-6, atol=1e-8) -> bool:
    la, lb = _leaves(a), _leaves(b)
    if len(la) != len(lb):
        return False
    for x, y in zip(la, lb):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if x.shape != y.shape:
            return False
        scale = max(1.0, float(np.max(np.abs(y)))) if y.size else 1.0
        if not np.allclose(x, y, rtol=rtol, atol=atol * scale, equal_nan=True):
            return False
    return True


def _numeric(p: Program, i: int):
    """Central differences of the program in argument ``i``: a float number or array, or a
    list or tuple of them (each item differenced in turn; the result nests as the argument)."""
    from bench.corpora import numeric_vjp
    x = p.args[i]

    def floating(v) -> bool:
        return isinstance(v, (float, np.ndarray)) and np.issubdtype(np.asarray(v).dtype,
                                                                     np.floating)

    def f(*args):
        if p.reset:
            p.reset()
        return p.fn(*args)
    if floating(x):
        return numeric_vjp(f, list(p.args), i, 1.0)
    if not (isinstance(x, (list, tuple)) and x and all(map(floating, x))):
        return None

    def with_item(k):
        def g(*args):
            items = list(x)
            items[k] = args[i]
            return f(*args[:i], type(x)(items), *args[i + 1:])
        return g
    return type(x)(numeric_vjp(with_item(k), [*p.args[:i], x[k], *p.args[i + 1:]], i, 1.0)
                   for k in range(len(x)))


def _call(p: Program, thunk):
    if p.reset:
        p.reset()
    return thunk()


def judge(p: Program, clone: AutogradClone, target: str = "python") -> tuple[str, str]:
    """flatgrad's gradient of one program against autograd's (then central differences)."""
    import autograd
    import flatgrad as fg
    import warnings
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = _call(p, lambda: fg.grad(p.fn, argnums=p.argnums, target=target)(*p.args))
    except fg.CompileError as e:
        return "rejected", " ".join(str(e).strip().splitlines()[0].split(": ", 1)[-1:])[:200]
    except Exception as e:  # noqa: BLE001 - anything else is a crash
        return "crash", f"{type(e).__name__}: {str(e)[:200]}"
    fa = clone.clone(p.fn)
    for k, i in enumerate(p.argnums):
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = _call(p, lambda: autograd.grad(fa, i)(*p.args))
        except Exception:  # noqa: BLE001 - autograd cannot: differences decide
            ref = None
        if ref is not None and _close(got[k], ref):
            continue
        num = _numeric(p, i)
        if num is not None and _close(got[k], num, rtol=1e-4, atol=1e-6):
            continue
        if ref is None and num is None:
            return "no-oracle", f"argument {i}: autograd fails and it is not an array"
        return "wrong", f"argument {i}: flatgrad {_short(got[k])} vs {_short(ref if ref is not None else num)}"
    return "correct", ""


def _short(v) -> str:
    a = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in _leaves(v)] or [np.zeros(0)])
    return np.array2string(a[:4], precision=5)


def modules() -> list:
    """Every program module of the corpus, by name."""
    return [importlib.import_module(f"{__name__}.{m.name}")
            for m in sorted(pkgutil.iter_modules([HERE]), key=lambda m: m.name)]


def run(target: str = "python", only: str | None = None, verbose: bool = False) -> Report:
    report = Report()
    clone = AutogradClone()
    for mod in modules():
        short = mod.__name__.rsplit(".", 1)[1]
        if only and only not in short:
            continue
        for p in mod.cases():
            t0 = time.time()
            cls, detail = judge(p, clone, target)
            waits = getattr(mod, "WAITS_FOR", {}).get(p.name, "")
            report.results.append(Result(short, p.name, cls, detail, waits))
            if verbose:
                print(f"  {short}:{p.name}: {cls} ({time.time() - t0:.2f}s) {detail}", flush=True)
    return report
