"""Run the peers' own gradient test corpora against flatgrad (issue 11).

    python bench/corpora.py autograd [--src DIR] [--only WORD] [--json OUT] [-v]
    python bench/corpora.py jax [--src DIR] [--only WORD] [--json OUT] [-v]
    python bench/corpora.py programs [--only WORD] [--json OUT] [-v]   (bench/programs)

Nothing of the peers is kept in this repository: the corpus is fetched at run time into a
cache folder (``$FLATGRAD_CORPORA_DIR``, else ``~/.cache/flatgrad-corpora``), or read from
``--src``:

* **autograd**: the sdist of the installed autograd (``pip download --no-binary``) holds its
  ``tests/``. Its test modules are imported and run with ``check_grads`` (and so
  ``combo_check`` and the ``*_ufunc_check`` helpers built on it) and ``grad`` replaced by an
  adapter: each call becomes one case, differentiated by flatgrad (the python target; reverse
  mode with a random cotangent, and forward mode where the call asks for ``"fwd"``) and
  compared with autograd's own VJP/JVP at the same point and direction. ``--src`` names a
  folder holding autograd's ``tests/`` (or the tests folder itself).
* **jax**: ``tests/lax_numpy_operators_test.py`` and ``tests/lax_numpy_test.py`` of the
  installed JAX's release, from GitHub; where that host cannot be reached, ``--src`` must
  name a folder with those files. The files are parsed, never imported: the op records whose
  ``diff_modes`` contain ``"rev"`` (and the grad records) are expanded over their shapes,
  in float64, into ``sum(np.<op>(*xs) * w)`` with a random ``w``, written as source to a
  temporary module, and flatgrad's gradient is compared with ``jax.grad`` (x64).

Each case is classified: ``correct``, ``rejected`` (a clean ``CompileError``), ``wrong``
(a result that matches neither the peer nor central differences) or ``crash`` (any other
exception). Cases the peer itself cannot differentiate, or with complex values, are listed
apart and not counted; a flatgrad crash there is still reported. JAX's inf/nan generators
are replaced by finite ones (a gradient at inf is not a test of the rule), and only first
derivatives are compared (the corpora's ``order=2`` checks are not repeated).
"""
from __future__ import annotations

import argparse
import builtins
import ast
import collections
import contextlib
import functools
import importlib
import importlib.util
import itertools
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
import types
import urllib.request
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

if __package__ in (None, ""):                       # run as a script: make flatgrad importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COUNTED = ("correct", "rejected", "wrong", "crash")
TARGET = "python"          # flatgrad's target for every case (--target)


@dataclass
class Case:
    suite: str
    name: str
    cls: str                 # correct / rejected / wrong / crash / excluded
    detail: str = ""
    peer: str = ""           # why a case is excluded (peer-error, complex, ...)


@dataclass
class Tally:
    cases: list = field(default_factory=list)
    test_errors: list = field(default_factory=list)

    def add(self, case: Case) -> None:
        self.cases.append(case)


# ---------------------------------------------------------------------------- fetching

def cache_dir() -> Path:
    d = os.environ.get("FLATGRAD_CORPORA_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "flatgrad-corpora")
    Path(d).mkdir(parents=True, exist_ok=True)
    return Path(d)


def _version(dist: str) -> str:
    from importlib import metadata
    return metadata.version(dist)


def fetch_autograd(src: str | None) -> Path:
    """The folder holding autograd's test modules."""
    if src:
        p = Path(src)
        return p / "tests" if (p / "tests" / "numpy_utils.py").exists() else p
    ver = _version("autograd")
    root = cache_dir() / f"autograd-{ver}"
    if not (root / "tests" / "numpy_utils.py").exists():
        dl = cache_dir() / "downloads"
        dl.mkdir(exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               f"autograd=={ver}", "-d", str(dl), "-q"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        archives = sorted(dl.glob(f"autograd-{ver}.tar.gz"))
        if r.returncode != 0 or not archives:
            sys.exit(f"could not download autograd {ver}'s sdist with `{' '.join(cmd)}`:\n"
                     f"{r.stderr.strip()}\nPass --src DIR with autograd's tests/ instead.")
        with tarfile.open(archives[0]) as tar:
            members = [m for m in tar.getmembers() if "/tests/" in m.name and m.isfile()]
            try:
                tar.extractall(cache_dir(), members=members, filter="data")
            except TypeError:            # a Python without extraction filters
                tar.extractall(cache_dir(), members=members)  # noqa: S202 - pip's own download
    return root / "tests"


JAX_FILES = ("lax_numpy_operators_test.py", "lax_numpy_test.py")


def fetch_jax(src: str | None) -> list[Path]:
    """The JAX test files holding the op records."""
    if src:
        p = Path(src)
        p = p / "tests" if (p / "tests").is_dir() else p
        found = [p / f for f in JAX_FILES if (p / f).exists()]
        if not found:
            sys.exit(f"none of {', '.join(JAX_FILES)} is in {p}")
        return found
    ver = _version("jax")
    root = cache_dir() / f"jax-{ver}" / "tests"
    root.mkdir(parents=True, exist_ok=True)
    out = []
    for f in JAX_FILES:
        path = root / f
        if not path.exists():
            url = f"https://raw.githubusercontent.com/jax-ml/jax/jax-v{ver}/tests/{f}"
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    path.write_bytes(r.read())
            except Exception as e:  # noqa: BLE001 - any network failure: say so
                sys.exit(f"could not download {url} ({e}).\nJAX's sdist has no tests: pass "
                         f"--src DIR with a checkout of jax {ver}'s tests/ "
                         f"({', '.join(JAX_FILES)}).")
        out.append(path)
    return out


# ---------------------------------------------------------------------------- flatgrad side

class CaseModules:
    """Writes generated case functions as real modules, so that flatgrad can read their source."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="fg_corpus_"))
        sys.path.insert(0, str(self.dir))
        self.n = 0

    def make(self, text: str, env: dict | None = None):
        self.n += 1
        name = f"fgcase_{self.n}"
        path = self.dir / f"{name}.py"
        path.write_text(text)
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        mod.__dict__.update(env or {})
        spec.loader.exec_module(mod)
        mod.__dict__.update(env or {})
        return mod


def attempt(thunk):
    """(outcome, value): ``ok``, ``rejected`` (CompileError) or ``crash``."""
    from flatgrad import CompileError
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", thunk()
    except CompileError as e:
        return "rejected", str(e).strip().splitlines()[0][:300]
    except Exception as e:  # noqa: BLE001 - any other exception is a crash
        tb = traceback.extract_tb(e.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        return "crash", f"{type(e).__name__}: {str(e).strip()[:250]}{where}"


def close(a, b, rtol=1e-5, atol=1e-8) -> bool:
    """Same shape and values (nan where the other has nan), relative to the values' scale;
    for sequences (several results), each pair."""
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(close(x, y, rtol, atol) for x, y in zip(a, b)))
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    if a.size == 0:
        return True
    scale = max(1.0, float(np.nanmax(np.abs(np.where(np.isfinite(b), b, 0.0)), initial=0.0)))
    return bool(np.allclose(a, b, rtol=rtol, atol=atol * scale, equal_nan=True))


def numeric_vjp(fun, xs, k, ct, eps=1e-6):
    """Central differences of ``sum(ct * fun(*xs))`` in argument ``k``."""
    def s(v):
        ys = list(xs)
        ys[k] = v
        out = fun(*ys)
        if isinstance(out, (list, tuple)):
            return sum(float(np.sum(np.asarray(o, dtype=float) * c)) for o, c in zip(out, ct))
        return float(np.sum(np.asarray(out, dtype=float) * ct))
    x = xs[k]
    if np.ndim(x) == 0:
        h = eps * max(1.0, abs(float(x)))
        return (s(float(x) + h) - s(float(x) - h)) / (2 * h)
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        h = eps * max(1.0, abs(x[i]))
        up, dn = x.copy(), x.copy()
        up[i] += h
        dn[i] -= h
        g[i] = (s(up) - s(dn)) / (2 * h)
    return g


def judge(ours, ref, numeric) -> tuple[str, str]:
    """``correct`` if flatgrad's gradients match the peer's, or (where the two differ)
    central differences; else ``wrong`` with the largest difference."""
    pairs = list(zip(ours, ref))
    if all(close(o, r) for o, r in pairs):
        return "correct", ""
    num = numeric()
    if num is not None and all(close(o, n, rtol=1e-4, atol=1e-6) for o, n in zip(ours, num)):
        return "correct", "peer differs; matches finite differences"
    worst = max(pairs, key=lambda p: _gap(*p))
    return "wrong", f"flatgrad {_short(worst[0])} vs peer {_short(worst[1])}"


def _gap(a, b) -> float:
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return float(np.nanmax(np.abs(a - b))) if a.shape == b.shape and a.size else np.inf
    except Exception:  # noqa: BLE001
        return np.inf


def _short(v) -> str:
    a = np.asarray(v)
    return f"{a.shape}:{np.array2string(a.ravel()[:4], precision=5)}"


# ---------------------------------------------------------------------------- autograd

class AutogradMap:
    """autograd.numpy & co. -> the NumPy/SciPy objects they wrap, and clones of the test
    files' functions whose globals and closures see NumPy instead of autograd.numpy."""

    def __init__(self, test_dir: Path):
        import scipy
        import autograd.numpy as anp
        self.test_dir = str(test_dir)
        self.objs: dict[int, object] = {}
        pairs = [("autograd.numpy", "numpy"), ("autograd.numpy.linalg", "numpy.linalg"),
                 ("autograd.numpy.random", "numpy.random"), ("autograd.numpy.fft", "numpy.fft")]
        for sub in ("special", "linalg", "signal", "stats", "stats.norm", "stats.t",
                    "stats.gamma", "stats.beta", "stats.poisson", "stats.chi2",
                    "stats.multivariate_normal", "stats.dirichlet"):
            pairs.append((f"autograd.scipy.{sub}", f"scipy.{sub}"))
        pairs.append(("autograd.scipy.misc", "scipy.special"))
        del scipy, anp
        from autograd import builtins as ab       # `from autograd import tuple` in test_linalg
        for name in ("tuple", "list", "dict"):
            self.objs[id(getattr(ab, name))] = getattr(builtins, name)
        for a, r in pairs:
            try:
                amod, rmod = importlib.import_module(a), importlib.import_module(r)
            except Exception:  # noqa: BLE001 - a module this autograd or SciPy lacks
                continue
            self.objs[id(amod)] = rmod
            for name in dir(amod):
                if name.startswith("_") or not hasattr(rmod, name):
                    continue
                self.objs.setdefault(id(getattr(amod, name)), getattr(rmod, name))
        self.modglobals: dict[int, dict] = {}
        self.clones: dict[int, object] = {}

    def value(self, v):
        hit = self.objs.get(id(v))
        if hit is not None:
            return hit
        if isinstance(v, types.FunctionType) and v.__code__.co_filename.startswith(self.test_dir):
            return self.clone(v)
        if isinstance(v, functools.partial):
            return functools.partial(self.value(v.func), *map(self.value, v.args),
                                     **{k: self.value(x) for k, x in v.keywords.items()})
        fun = getattr(v, "fun", None)            # an autograd primitive: the function it wraps
        if callable(fun) and (getattr(v, "_is_autograd_primitive", False)
                              or type(v).__module__.startswith("autograd")):
            return fun
        inner = getattr(v, "_fg_grad_of", None)  # the grad adapter: flatgrad's own grad
        if inner is not None:
            import flatgrad as fg
            return fg.grad(self.value(inner[0]), inner[1], target=TARGET)
        return v

    def globals_of(self, g: dict) -> dict:
        out = self.modglobals.get(id(g))
        if out is None:
            out = self.modglobals[id(g)] = {}
            for k, v in list(g.items()):
                out[k] = v
            for k, v in list(g.items()):
                out[k] = self.value(v)
        return out

    def clone(self, fn):
        hit = self.clones.get(id(fn))
        if hit is not None and hit[0] is fn:     # (the original is kept: ids are reused)
            return hit[1]
        cells = None
        if fn.__closure__:
            cells = tuple(types.CellType() for _ in fn.__closure__)
        new = types.FunctionType(fn.__code__, self.globals_of(fn.__globals__), fn.__name__,
                                 None, cells)
        self.clones[id(fn)] = (fn, new)
        if fn.__closure__:
            for cell, old in zip(cells, fn.__closure__):
                with contextlib.suppress(ValueError):
                    cell.cell_contents = self.value(old.cell_contents)
        if fn.__defaults__:
            new.__defaults__ = tuple(self.value(d) for d in fn.__defaults__)
        new.__kwdefaults__ = fn.__kwdefaults__
        new.__qualname__ = fn.__qualname__
        return new


def _literal(v) -> str | None:
    """The source text of a constant argument, or None when it has none."""
    if v is Ellipsis:
        return "..."
    if isinstance(v, slice):
        parts = [_literal(p) for p in (v.start, v.stop, v.step)]
        return None if None in parts else f"slice({', '.join(parts)})"
    if isinstance(v, tuple) and any(e is Ellipsis or isinstance(e, slice) for e in v):
        parts = [_literal(e) for e in v]
        return None if None in parts else f"({', '.join(parts)}{',' if len(v) == 1 else ''})"
    if isinstance(v, (np.integer, np.floating, np.bool_)):
        v = v.item()
    if isinstance(v, (type(None), bool, int, str)) or (isinstance(v, (tuple, list)) and all(
            _literal(e) is not None for e in v)):
        text = repr(v)
        with contextlib.suppress(Exception):
            if ast.literal_eval(text) == v:
                return text
    return None


def _ones_like(y):
    return type(y)(np.ones_like(v) for v in y) if isinstance(y, (list, tuple)) else np.ones_like(y)


def _is_number(v) -> bool:
    return (isinstance(v, (float, int, np.floating, np.integer, np.ndarray))
            and not isinstance(v, bool))


def _complex(v) -> bool:
    try:
        return bool(np.iscomplexobj(v))
    except Exception:  # noqa: BLE001
        return False


class AutogradRunner:
    def __init__(self, test_dir: Path, tally: Tally, verbose: bool):
        self.map = AutogradMap(test_dir)
        self.tally, self.verbose = tally, verbose
        self.modules = CaseModules()
        self.test = "?"
        self.rng = np.random.RandomState(0)

    # the adapters that replace autograd's test helpers
    def check_grads(self, fun, argnum=0, modes=("fwd", "rev"), order=2):
        def run(*args, **kwargs):
            self.case(fun, argnum, args, kwargs, tuple(modes))
        return run

    def grad(self, fun, argnum=0):
        from autograd.differential_operators import grad as ag_grad
        def run(*args, **kwargs):
            value = ag_grad(fun, argnum)(*args, **kwargs)
            self.case(fun, argnum, args, kwargs, ("rev",), seed_one=True)
            return value
        run._fg_grad_of = (fun, argnum)
        return run

    def name(self, fun, argnum, args, kwargs) -> str:
        shapes = ",".join("x".join(map(str, np.shape(a))) or "s" if _is_number(a) else
                          type(a).__name__ for a in args)
        kw = ",".join(f"{k}={v!r}" for k, v in kwargs.items())
        fname = getattr(fun, "__name__", "?")
        return f"{self.test}[{fname}({shapes}{';' + kw if kw else ''}) d{argnum}]"

    def case(self, fun, argnum, args, kwargs, modes, seed_one=False):
        name = self.name(fun, argnum, args, kwargs)
        nums = (argnum,) if isinstance(argnum, int) else tuple(argnum)
        try:
            self._case(name, fun, nums, args, kwargs, modes, seed_one)
        except Exception as e:  # noqa: BLE001 - a harness failure is reported, not fatal
            self.tally.add(Case("autograd", name, "excluded", f"harness: {type(e).__name__}: {e}",
                                "harness"))

    def _case(self, name, fun, nums, args, kwargs, modes, seed_one):
        from autograd.core import make_jvp, make_vjp
        args = list(args)
        if any(_complex(args[i]) for i in nums) or any(_complex(a) for a in args):
            return self.tally.add(Case("autograd", name, "excluded", "", "complex"))
        if not all(_is_number(args[i]) and np.issubdtype(np.asarray(args[i]).dtype, np.floating)
                   or isinstance(args[i], float) for i in nums):
            return self.tally.add(Case("autograd", name, "excluded", "",
                                       "not float (a container?)"))

        def partial_f(*xs):
            ys = list(args)
            for i, x in zip(nums, xs):
                ys[i] = x
            return fun(*ys, **kwargs)

        def unary(xt):
            return partial_f(*xt)
        xt = tuple(args[i] for i in nums)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                vjp, y = make_vjp(unary, xt)
                ys = list(y) if isinstance(y, (list, tuple)) else [y]
                if any(_complex(v) or not _is_number(v) for v in ys) or not ys:
                    return self.tally.add(Case("autograd", name, "excluded", "",
                                               "complex" if any(map(_complex, ys)) else
                                               "not an array"))
                cts = [float(self.rng.randn()) if np.ndim(v) == 0 else self.rng.randn(*np.shape(v))
                       for v in ys]
                ct = 1.0 if seed_one else cts[0] if len(ys) == 1 and not isinstance(
                    y, (list, tuple)) else type(y)(cts)
                ref = vjp(ct)
            except Exception as e:  # noqa: BLE001
                out, _ = attempt(lambda: self.flatgrad_vjp(fun, nums, args, kwargs, _ones_like(
                    self.map.value(fun)(*args, **kwargs))))
                cls = "crash" if out == "crash" else "excluded"
                detail = f"flatgrad: {out}; autograd: {type(e).__name__}: {e}"[:300]
                crashed = " (flatgrad crashed)" if cls == "crash" else ""
                return self.tally.add(Case("autograd", name, "excluded", detail,
                                           "peer-error" + crashed))
        tangents = tuple(self.rng.randn(*np.shape(x)) if np.ndim(x) else float(self.rng.randn())
                         for x in xt)
        ref_t = None
        if "fwd" in modes:
            with contextlib.suppress(Exception), np.errstate(all="ignore"):
                ref_t = make_jvp(unary, xt)(tangents)[1]     # (None: autograd has no JVP)
        mapped = self.map.value(fun)
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mapped(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - the test function is not a NumPy program
            return self.tally.add(Case("autograd", name, "excluded",
                                       f"{type(e).__name__}: {e}"[:200], "not NumPy code"))
        out, got = attempt(lambda: self.flatgrad_vjp(fun, nums, args, kwargs, ct))
        if out != "ok":
            return self.tally.add(Case("autograd", name, out, got))
        cls, detail = judge(got, ref, lambda: [numeric_vjp(
            lambda *a: mapped(*a, **kwargs), args, i, ct) for i in nums])
        if cls == "correct" and ref_t is not None:
            out, tan = attempt(lambda: self.flatgrad_jvp(fun, nums, args, kwargs, tangents))
            if out != "ok":
                return self.tally.add(Case("autograd", name, out, "fwd: " + tan))
            if not close(tan, ref_t):
                cls, detail = "wrong", f"fwd: flatgrad {_short(tan)} vs autograd {_short(ref_t)}"
        self.tally.add(Case("autograd", name, cls, detail))

    def wrapped(self, fun, args, kwargs, nums):
        """A function flatgrad can read that calls ``fun(*args, **kwargs)``, and the
        arguments it takes (the differentiated ones first)."""
        mapped = self.map.value(fun)
        from flatgrad.runtime.dispatch import Transformed
        where = getattr(getattr(mapped, "__code__", None), "co_filename", "")
        plain = not kwargs and all(_is_number(a) for a in args) and (
            isinstance(mapped, Transformed) or where.startswith(self.map.test_dir))
        if plain:
            return mapped, list(args), list(nums)
        params, call, values, env = [], [], [], {"F": mapped}
        for i, a in enumerate(args):
            text = None if i in nums else _literal(a)
            if text is None and i not in nums and isinstance(a, (np.ndarray, np.generic)):
                env[f"c{i}"] = a         # held constant, as the peer's argnums hold it: an
                call.append(f"c{i}")     # array of the module (no derivative asked there)
                continue
            if text is None:
                params.append(f"a{i}")
                values.append(a)
                call.append(f"a{i}")
            else:
                call.append(text)
        for k, v in kwargs.items():
            text = _literal(v)
            if text is None:
                params.append(f"k_{k}")
                values.append(v)
                call.append(f"{k}=k_{k}")
            else:
                call.append(f"{k}={text}")
        src = (f"import numpy as np\n\n\ndef case({', '.join(params)}):\n"
               f"    return F({', '.join(call)})\n")
        mod = self.modules.make(src, env)
        positions = [params.index(f"a{i}") for i in nums]
        return mod.case, values, positions

    def flatgrad_vjp(self, fun, nums, args, kwargs, ct):
        import flatgrad as fg
        f, values, pos = self.wrapped(fun, args, kwargs, nums)
        _, vjp_fn = fg.vjp(f, *values, target=TARGET)
        grads = vjp_fn(ct)
        return [grads[p] for p in pos]

    def flatgrad_jvp(self, fun, nums, args, kwargs, tangents):
        from flatgrad.api import forward
        f, values, pos = self.wrapped(fun, args, kwargs, nums)
        return forward(f, tuple(pos), target=TARGET)(*values, *tangents)[1]


def _parametrized(fn):
    """The keyword sets a ``pytest.mark.parametrize``'d test runs with."""
    marks = [m for m in getattr(fn, "pytestmark", []) if getattr(m, "name", "") == "parametrize"]
    combos = [{}]
    for m in marks:
        names, values = m.args[0], m.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        new = []
        for c in combos:
            for v in values:
                vs = v if len(names) > 1 else (v,)
                new.append({**c, **dict(zip(names, vs))})
        combos = new
    return combos


AUTOGRAD_FILES = ("test_numpy", "test_systematic", "test_scalar_ops", "test_binary_ops",
                  "test_truediv", "test_linalg", "test_scipy", "test_logic")


def run_autograd(src, only, verbose) -> Tally:
    import autograd
    import autograd.test_util as tu
    test_dir = fetch_autograd(src)
    print(f"  autograd's tests from {test_dir}", flush=True)
    tally = Tally()
    runner = AutogradRunner(test_dir, tally, verbose)
    tu.check_grads = runner.check_grads          # combo_check & the ufunc checks call it
    autograd.grad = runner.grad
    sys.path.insert(0, str(test_dir))
    for modname in AUTOGRAD_FILES:
        if not (test_dir / f"{modname}.py").exists():
            print(f"  ({modname}.py is not in this autograd's tests)")
            continue
        try:
            mod = importlib.import_module(modname)
        except Exception as e:  # noqa: BLE001 - e.g. a module needing a package not installed
            tally.test_errors.append(f"{modname}: import failed: {type(e).__name__}: {e}")
            continue
        mod.__dict__.update(check_grads=runner.check_grads, grad=runner.grad)
        for tname, fn in list(vars(mod).items()):
            if not (tname.startswith("test") and callable(fn)) or (only and only not in tname):
                continue
            for kw in _parametrized(fn):
                runner.test = f"{modname}.{tname}" + (f"{kw}" if kw else "")
                np.random.seed(42)
                before = len(tally.cases)
                t0 = time.time()
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        fn(**kw)
                except Exception as e:  # noqa: BLE001 - the test's own assertion or error
                    tally.test_errors.append(f"{runner.test}: {type(e).__name__}: {str(e)[:120]}")
                if verbose:
                    print(f"  {runner.test}: {len(tally.cases) - before} cases, "
                          f"{time.time() - t0:.1f}s", flush=True)
    return tally


# ---------------------------------------------------------------------------- jax

class _Tag:
    """A stand-in for a name of JAX's test utilities (``jtu.rand_default``, ``jnp.arcsinh``)."""

    def __init__(self, name, kw=None):
        self.__name__, self.kw = name, dict(kw or {})

    def __call__(self, *a, **k):
        return _Tag(self.__name__, k)

    def __repr__(self):
        return self.__name__


BF16 = _Tag("bfloat16")
NUMPY_SCALAR, PYTHON_SCALAR = _Tag("NUMPY_SCALAR_SHAPE"), _Tag("PYTHON_SCALAR_SHAPE")
_JNP = {"float_": np.float64, "int_": np.int64, "bool_": np.bool_, "complex_": np.complex128,
        "bfloat16": BF16, "bool": np.bool_}


class _Module:
    def __init__(self, name, attrs):
        self.__name__, self.attrs = name, attrs

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self.attrs:
            return self.attrs[name]
        if self.__name__ == "jnp" and hasattr(np, name) and isinstance(getattr(np, name), type):
            return getattr(np, name)
        return _Tag(name if self.__name__ == "jnp" else f"{self.__name__}.{name}")


def _jtu_dtypes():
    floating = [np.float32, np.float64]
    return _Module("dtypes", dict(
        all_floating=[BF16, np.float16] + floating, floating=floating, custom_floats=[],
        complex=[np.complex64, np.complex128], all_inexact=[BF16, np.float16] + floating +
        [np.complex64, np.complex128], inexact=floating + [np.complex64, np.complex128],
        all_integer=[np.int8, np.int16, np.int32, np.int64], integer=[np.int32, np.int64],
        all_unsigned=[np.uint8, np.uint16, np.uint32, np.uint64], unsigned=[np.uint32],
        boolean=[np.bool_]))


def _op_record(name, nargs, dtypes, shapes, rng_factory, diff_modes, test_name=None,
               check_dtypes=True, tolerance=None, inexact=False, kwargs=None, alias=None):
    return {"kind": "op", "name": name, "nargs": nargs, "dtypes": dtypes, "shapes": shapes,
            "rng": rng_factory, "modes": diff_modes, "kwargs": kwargs or {}, "alias": alias,
            "test_name": test_name or name}


def _grad_spec(op, nargs, order, rng_factory, dtypes, name=None, tol=None):
    return {"kind": "grad", "name": getattr(op, "__name__", str(op)), "nargs": nargs,
            "order": order, "rng": rng_factory, "dtypes": dtypes, "kwargs": {}, "alias": None,
            "test_name": name or getattr(op, "__name__", str(op))}


def _numpy_version() -> tuple:
    return tuple(int(p) for p in np.__version__.split(".")[:3] if p.isdigit())


def parse_jax_records(path: Path) -> tuple[dict, dict]:
    """The module-level record lists of a JAX test file, by name, and its namespace. Only
    assignments are evaluated, against stand-ins for ``jtu``/``jnp``/``dtypes``."""
    fixed = {"op_record": _op_record, "grad_test_spec": _grad_spec}
    ns = {"np": np, "jnp": _Module("jnp", _JNP), "partial": functools.partial,
          "functools": functools, "itertools": itertools, "collections": collections,
          "jtu": _Module("jtu", {"dtypes": _jtu_dtypes(), "NUMPY_SCALAR_SHAPE": NUMPY_SCALAR,
                                 "PYTHON_SCALAR_SHAPE": PYTHON_SCALAR,
                                 "numpy_version": _numpy_version}),
          "dtypes": _Module("dtypes", {"bfloat16": BF16}), "jax": _Module("jax", {}),
          "lax": _Module("lax", {}), "config": _Module("config", {}), **fixed}
    tree = ast.parse(path.read_text())
    for stmt in tree.body:
        if not isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            continue
        with contextlib.suppress(Exception):
            exec(compile(ast.Module([stmt], []), str(path), "exec"), ns)   # noqa: S102
        ns.update(fixed)
    lists = {}
    for k, v in ns.items():
        if isinstance(v, list) and v and all(isinstance(r, dict) and "kind" in r for r in v):
            lists[k] = v
        elif isinstance(v, list) and v and all(
                {"op", "values"} <= set(getattr(r, "_fields", ())) for r in v):
            lists[k] = [{"kind": "special", "name": getattr(r.op, "__name__", str(r.op)),
                         "values": list(r.values), "nargs": 1, "kwargs": {}, "alias": None,
                         "test_name": getattr(r.op, "__name__", str(r.op))} for r in v]
    return lists, ns


_FLOATS = (np.float16, np.float32, np.float64, BF16)


def _broadcastable(shapes) -> bool:
    try:
        np.broadcast_shapes(*(() if isinstance(s, _Tag) else s for s in shapes))
        return True
    except ValueError:
        return False


def _sample(rng_factory, shape, rs: np.random.RandomState):
    """Float64 values as JAX's generator of that name would give (finite ones only)."""
    name = getattr(getattr(rng_factory, "func", rng_factory), "__name__", "rand_default")
    kw = dict(getattr(rng_factory, "keywords", None) or getattr(rng_factory, "kw", {}) or {})
    dims = () if isinstance(shape, _Tag) else shape
    if name == "rand_uniform":
        x = rs.uniform(kw.get("low", 0.0), kw.get("high", 1.0), dims)
    elif name in ("rand_positive",):
        x = rs.uniform(0.5, 3.0, dims)
    elif name == "rand_small_positive":
        x = rs.uniform(0.01, 0.1, dims)
    elif name == "rand_small":
        x = rs.randn(*dims) * 1e-1
    elif name == "rand_nonzero":
        x = rs.randn(*dims) * 3.0
        x = np.where(np.abs(x) < 0.1, 0.5, x)
    elif name == "rand_some_equal":
        x = rs.randn(*dims) * 3.0
        if np.ndim(x) and x.size > 1:
            x.flat[-1] = x.flat[0]
    else:      # rand_default, and rand_some_inf/_nan/_zero without their specials
        x = rs.randn(*dims) * kw.get("scale", 3.0)
    if shape is PYTHON_SCALAR:
        return float(x)
    if shape is NUMPY_SCALAR:
        return np.float64(x)
    return np.asarray(x, dtype=np.float64)


def _shape_text(s) -> str:
    if s is PYTHON_SCALAR:
        return "py"
    if s is NUMPY_SCALAR:
        return "np0"
    return "x".join(map(str, s)) or "()"


class JaxRunner:
    def __init__(self, tally: Tally):
        import bench.peers as peers
        self.jax = peers.load("jax")
        if self.jax is None:
            sys.exit("jax is not installed (pip install jax)")
        import jax.numpy as jnp
        self.jnp = jnp
        self.tally = tally
        self.modules = CaseModules()
        self.funcs: dict = {}

    def expand(self, lists: dict, ns: dict):
        nonempty = ns.get("nonempty_shapes", [PYTHON_SCALAR, NUMPY_SCALAR, (), (4,), (3, 4)])
        for lname, recs in lists.items():
            for rec in recs:
                if rec["kind"] == "special":
                    for v in rec["values"]:
                        yield lname, rec, (PYTHON_SCALAR,), [float(v)]
                    continue
                if rec["kind"] == "op" and "rev" not in rec["modes"]:
                    continue
                if not any(d in _FLOATS or d is BF16 for d in rec["dtypes"]):
                    continue
                if rec["kind"] == "grad" and np.float64 not in rec["dtypes"]:
                    continue
                shapes = rec["shapes"] if rec["kind"] == "op" else nonempty
                for combo in itertools.combinations_with_replacement(shapes, rec["nargs"]):
                    if _broadcastable(combo):
                        yield lname, rec, combo, None

    def function(self, opname, nargs, kwargs):
        key = (opname, nargs, repr(sorted(kwargs.items())))
        if key not in self.funcs:
            xs = [f"x{i}" for i in range(nargs)]
            kw = "".join(f", {k}={v!r}" for k, v in kwargs.items())
            src = (f"import numpy as np\n\n\ndef case({', '.join(xs)}, w):\n"
                   f"    return np.sum(np.{opname}({', '.join(xs)}{kw}) * w)\n")
            self.funcs[key] = self.modules.make(src).case
        return self.funcs[key]

    def run(self, lname, rec, shapes, values, seed):
        opname = rec["name"] if hasattr(np, rec["name"]) else rec["alias"]
        name = f"{lname}:{rec['test_name']}({','.join(_shape_text(s) for s in shapes)})"
        if opname is None or not hasattr(np, opname) or not hasattr(self.jnp, rec["name"]):
            return self.tally.add(Case("jax", name, "excluded", "", "no such NumPy function"))
        rs = np.random.RandomState(seed)
        xs = values or [_sample(rec["rng"], s, rs) for s in shapes]
        kwargs = rec["kwargs"]
        np_op, j_op = getattr(np, opname), getattr(self.jnp, rec["name"])
        try:
            with np.errstate(all="ignore"):
                y = np_op(*xs, **kwargs)
        except Exception as e:  # noqa: BLE001 - not a valid NumPy call: not a case
            return self.tally.add(Case("jax", name, "excluded", str(e)[:100], "numpy rejects"))
        w = float(rs.randn()) if np.ndim(y) == 0 else rs.randn(*np.shape(y))
        nums = tuple(range(len(xs)))
        try:
            ref = self.jax.grad(lambda *a: self.jnp.sum(j_op(*a, **kwargs) * w), argnums=nums)(*xs)
            ref = [np.asarray(r) for r in ref]
        except Exception as e:  # noqa: BLE001
            f = self.function(opname, len(xs), kwargs)
            out, got = attempt(lambda: __import__("flatgrad").grad(f, nums, target=TARGET)(*xs, w))
            return self.tally.add(Case("jax", name, "excluded",
                                       f"flatgrad: {out} {got if out != 'ok' else ''}; "
                                       f"jax: {type(e).__name__}: {str(e)[:120]}",
                                       "peer-error" + (" (flatgrad crashed)"
                                                       if out == "crash" else "")))
        f = self.function(opname, len(xs), kwargs)
        import flatgrad as fg
        out, got = attempt(lambda: fg.grad(f, nums, target=TARGET)(*xs, w))
        if out != "ok":
            return self.tally.add(Case("jax", name, out, got))
        cls, detail = judge(list(got), ref, lambda: [
            numeric_vjp(lambda *a: np_op(*a, **kwargs), xs, i, w) for i in nums])
        self.tally.add(Case("jax", name, cls, detail))


def run_jax(src, only, verbose) -> Tally:
    files = fetch_jax(src)
    tally = Tally()
    runner = JaxRunner(tally)
    seed = 0
    found = 0
    for path in files:
        lists, ns = parse_jax_records(path)
        recs = [r for v in lists.values() for r in v]
        rev = [r for r in recs if r["kind"] != "op" or "rev" in r["modes"]]
        found += len(rev)
        print(f"  {path}: {len(recs)} records in {len(lists)} lists, {len(rev)} reverse-mode "
              f"({', '.join(sorted(lists))})", flush=True)
        for lname, rec, shapes, values in runner.expand(lists, ns):
            if only and only not in rec["test_name"]:
                continue
            seed += 1
            t0 = time.time()
            runner.run(lname, rec, shapes, values, seed)
            if verbose:
                c = tally.cases[-1]
                print(f"  {c.name}: {c.cls} {c.peer} ({time.time() - t0:.2f}s)", flush=True)
    if not found:
        sys.exit("no reverse-mode records were found in those files: has their format changed?")
    return tally


# ---------------------------------------------------------------------------- report

def report(suite: str, tally: Tally, elapsed: float) -> str:
    counted = [c for c in tally.cases if c.cls in COUNTED]
    by = collections.Counter(c.cls for c in counted)
    n = len(counted)
    lines = [f"{suite}: {by['correct']}/{n} float cases differentiated correctly "
             f"({100.0 * by['correct'] / max(n, 1):.1f}%) in {elapsed:.0f}s",
             "  " + ", ".join(f"{k} {by[k]}" for k in COUNTED)]
    excluded = collections.Counter(c.peer for c in tally.cases if c.cls == "excluded")
    if excluded:
        lines.append("  not counted: " + ", ".join(f"{k} {v}" for k, v in sorted(excluded.items())))
    for cls in ("wrong", "crash"):
        bad = [c for c in tally.cases if c.cls == cls or (cls == "crash" and "crashed" in c.peer)]
        if bad:
            lines.append(f"\n{cls} ({len(bad)}):")
            lines += [f"  {c.name}: {c.detail}" for c in bad]
    rejected = collections.Counter(_reason(c.detail) for c in counted if c.cls == "rejected")
    if rejected:
        lines.append(f"\nrejected ({by['rejected']}), by message:")
        lines += [f"  {v:4d}  {k}" for k, v in rejected.most_common()]
    if tally.test_errors:
        lines.append(f"\ntests that raised outside a case ({len(tally.test_errors)}):")
        lines += [f"  {e}" for e in tally.test_errors]
    return "\n".join(lines)


def _reason(detail: str) -> str:
    """A rejection's message without its file position."""
    text = detail.split(": ", 1)[1] if detail.count(":") >= 3 and detail.startswith("/") else detail
    return text[:140]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("suite", choices=("autograd", "jax", "programs"))
    ap.add_argument("--src", help="a folder holding the peer's tests (skips the download)")
    ap.add_argument("--only", help="run only tests/records whose name contains this")
    ap.add_argument("--json", help="write every case to this file")
    ap.add_argument("--target", default="python", choices=("python", "cpu"),
                    help="flatgrad's target (default python; cpu compiles each case with Numba)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("FLATGRAD_CACHE_DIR", tempfile.mkdtemp(prefix="fg_corpus_cache_"))
    global TARGET
    TARGET = args.target
    t0 = time.time()
    if args.suite == "programs":            # our own ports of autograd's examples (bench/programs)
        from bench import programs
        rep = programs.run(TARGET, args.only, args.verbose)
        print(rep.text(time.time() - t0))
        if args.json:
            Path(args.json).write_text(json.dumps([asdict(r) for r in rep.results], indent=1))
        return 0
    run = run_autograd if args.suite == "autograd" else run_jax
    tally = run(args.src, args.only, args.verbose)
    print(report(args.suite, tally, time.time() - t0))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(c) for c in tally.cases], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
