"""The on-disk cache never gives a stale or failed answer.

* The key covers everything the compiled code read: module attribute chains (``cfg.K``,
  ``a.b.c``), functions reached through modules, default arguments of the function and of its
  callees, closure cells, NumPy scalar constants, tuples of numbers.
* An unusable cache directory, a damaged entry or damaged Numba cache files are rebuilt or
  worked around (one warning at most), never fatal; processes racing on an empty cache all
  get the right answer.
"""
import os
import subprocess
import sys
import textwrap
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime import cache
from flatgrad.runtime.dispatch import Transformed

from . import cache_cfg, cache_helpers
from . import cache_funcs as C

REPO = Path(__file__).resolve().parents[2]


def _fn(src: str, globs: dict, name: str = "f"):
    ns = dict(globs)
    exec(textwrap.dedent(src), ns)
    return ns[name]


def _key(fn) -> str:
    return cache.fingerprint(fn)


def _via_module_grad(x, K=2.0, p=3.0, c=0.5, cubed=False):
    """d/dx of cache_funcs.via_module, by hand."""
    dh = 3 * x * x if cubed else 2 * x
    return K * dh + p + c


def _fd(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


# ---------------------------------------------------------------------- the key (item 7)

def test_key_covers_module_attribute_chains():
    m = types.ModuleType("m")
    m.K = 1.0
    m.sub = types.ModuleType("m.sub")
    m.sub.C = 2.0
    f = _fn("def f(x):\n    return m.K * x + m.sub.C", {"m": m})
    k0 = _key(f)
    m.K = 3.0
    k1 = _key(f)
    m.sub.C = 5.0
    k2 = _key(f)
    assert len({k0, k1, k2}) == 3


def test_key_covers_functions_reached_through_modules_and_their_defaults():
    m = types.ModuleType("m")
    h1 = _fn("def h(x, p=2.0, *, q=1.0):\n    return p * x", {}, "h")
    h2 = _fn("def h(x, p=2.0, *, q=1.0):\n    return p * x * x", {}, "h")
    m.h = h1
    f = _fn("def f(x):\n    return m.h(x)", {"m": m})
    keys = [_key(f)]
    m.h = h2
    keys.append(_key(f))
    h2.__defaults__ = (4.0,)
    keys.append(_key(f))
    h2.__kwdefaults__ = {"q": 7.0}
    keys.append(_key(f))
    assert len(set(keys)) == 4


def test_key_covers_own_defaults_closures_and_callee_globals():
    f = _fn("def f(x, p=2.0):\n    return p * x", {})
    k0 = _key(f)
    f.__defaults__ = (3.0,)
    assert _key(f) != k0
    make = _fn("def make(k):\n    def f(x):\n        return k * x\n    return f", {}, "make")
    assert _key(make(1.0)) != _key(make(2.0))
    g = _fn("def g(x):\n    return A * x", {"A": 1.0}, "g")
    f = _fn("def f(x):\n    return g(x)", {"g": g})
    k0 = _key(f)
    g.__globals__["A"] = 2.0
    assert _key(f) != k0


@pytest.mark.parametrize("a, b", [
    (np.float64(1.0), np.float64(2.0)),
    (np.float32(1.0), np.float64(1.0)),
    (np.int64(3), np.int64(4)),
    ((1.0, 2.0), (1.0, 3.0)),
    (0.0, -0.0),
    (True, 1),
    (np.arange(3.0), np.arange(3.0).reshape(3, 1)),     # arrays: by dtype and ndim (their
    (np.arange(3.0), np.arange(3.0, dtype=np.float32)),  # data is passed at each call)
])
def test_key_covers_constants(a, b):
    m = types.ModuleType("m")
    m.K = a
    f = _fn("def f(x):\n    return K * x + m.K", {"K": a, "m": m})
    k0 = _key(f)
    f.__globals__["K"] = b
    k1 = _key(f)
    m.K = b
    f.__globals__["K"] = a
    k2 = _key(f)
    assert len({k0, k1, k2}) == 3


def test_key_does_not_hold_array_data():
    f = _fn("def f(x):\n    return K @ x", {"K": np.arange(3.0)})
    k0 = _key(f)
    f.__globals__["K"] = np.arange(3.0) + 1
    assert _key(f) == k0


def test_key_hooks_are_looked_up_on_the_type():
    # a module whose __getattr__ answers every name (lazy-loading modules do this)
    m = types.ModuleType("m")
    m.__getattr__ = lambda name: (lambda *a: 42)
    f = _fn("def f(x):\n    return x + m.anything", {"m": m})
    _key(f)                                  # no crash

    class Plain:
        pass
    p = Plain()
    p.__flatgrad_key__ = lambda: 42          # an instance attribute is not a hook
    _key(_fn("def f(x):\n    return p(x)", {"p": p}))

    class Bad:
        def __flatgrad_key__(self):
            return 42
    with pytest.raises(fg.CompileError, match="__flatgrad_key__"):
        _key(_fn("def f(x):\n    return b(x)", {"b": Bad()}))

    class Good:
        def __init__(self, k):
            self.k = k

        def __flatgrad_key__(self):
            return self.k
    assert _key(_fn("def f(x):\n    return b(x)", {"b": Good("a")})) != \
        _key(_fn("def f(x):\n    return b(x)", {"b": Good("b")}))


def test_key_of_a_transform_that_reads_itself_terminates():
    ns = {}
    f = _fn("def f(x):\n    return g(x)", ns)
    f.__globals__["g"] = Transformed(f, fg.grad(f).steps, target="python")
    _key(f)


def test_a_fresh_grad_sees_edited_module_constants_functions_and_defaults(monkeypatch):
    x = 1.5
    assert fg.grad(C.via_module, target="python")(x) == pytest.approx(_via_module_grad(x))
    monkeypatch.setattr(cache_cfg, "K", 5.0)
    assert fg.grad(C.via_module, target="python")(x) == pytest.approx(_via_module_grad(x, K=5.0))
    monkeypatch.setattr(cache_cfg.sub, "C", -1.0)
    assert fg.grad(C.via_module, target="python")(x) == \
        pytest.approx(_via_module_grad(x, K=5.0, c=-1.0))
    monkeypatch.setattr(cache_helpers, "h", cache_helpers.h_cubed)
    assert fg.grad(C.via_module, target="python")(x) == \
        pytest.approx(_via_module_grad(x, K=5.0, c=-1.0, cubed=True))
    monkeypatch.setattr(cache_helpers.scaled, "__defaults__", (7.0,))
    got = fg.grad(C.via_module, target="python")(x)
    assert got == pytest.approx(_via_module_grad(x, K=5.0, c=-1.0, p=7.0, cubed=True))
    assert got == pytest.approx(_fd(C.via_module, x), rel=1e-6)


# ---------------------------------------------------------------------- across processes

def _run(code: str, cwd, cache_dir, check=True, extra_env=None):
    env = dict(os.environ, FLATGRAD_CACHE_DIR=str(cache_dir), PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join([str(cwd), str(REPO)]))
    env.update(extra_env or {})
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=300)
    if check:
        assert p.returncode == 0, p.stderr
    return p


_USER = """
import cfg
import helpers


def f(x):
    return cfg.K * helpers.h(x) + helpers.scaled(x)
"""

_CALL = """
import user, flatgrad as fg
print(float(fg.grad(user.f, target="{target}")(1.5)))
"""


def test_a_new_process_sees_edits_of_other_modules(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "user.py").write_text(_USER)
    (src / "cfg.py").write_text("K = 2.0\n")
    (src / "helpers.py").write_text("def h(x):\n    return x * x\n\n\n"
                                    "def scaled(x, p=3.0):\n    return p * x\n")
    cache_d = tmp_path / "cache"

    def grad():
        return float(_run(_CALL.format(target="python"), src, cache_d).stdout)

    x = 1.5
    assert grad() == pytest.approx(2.0 * 2 * x + 3.0)
    (src / "cfg.py").write_text("K = 5.0\n")
    assert grad() == pytest.approx(5.0 * 2 * x + 3.0)
    (src / "helpers.py").write_text("def h(x):\n    return x * x * x\n\n\n"
                                    "def scaled(x, p=3.0):\n    return p * x\n")
    assert grad() == pytest.approx(5.0 * 3 * x * x + 3.0)
    (src / "helpers.py").write_text("def h(x):\n    return x * x * x\n\n\n"
                                    "def scaled(x, p=9.0):\n    return p * x\n")
    assert grad() == pytest.approx(5.0 * 3 * x * x + 9.0)


def test_the_key_is_the_same_in_every_process(tmp_path):
    code = """
    import flatgrad as fg
    from tests.runtime import cache_funcs as C
    g = fg.grad(C.via_module)
    print(g.key(g.signature((1.5,))[0]))
    """
    keys = {_run(code, REPO, tmp_path).stdout for _ in range(2)}
    assert len(keys) == 1


# ---------------------------------------------------------------------- damage (item 8)

@pytest.fixture
def fresh_warnings(monkeypatch):
    """Each test sees flatgrad's once-per-process cache warnings afresh."""
    monkeypatch.setattr(cache, "_warned", set())


def _cache_warnings(record):
    return [w for w in record if issubclass(w.category, cache.CacheWarning)]


def _check_python_grad(x=1.5):
    got = fg.grad(C.via_module, target="python")(x)
    assert got == pytest.approx(_via_module_grad(x))


@pytest.mark.parametrize("how", ["file", "under_a_file", "entry_is_a_dir"])
def test_an_unusable_cache_location_warns_once_and_still_answers(tmp_path, monkeypatch,
                                                                 fresh_warnings, how):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    if how == "file":
        monkeypatch.setenv("FLATGRAD_CACHE_DIR", str(blocker))
    elif how == "under_a_file":
        monkeypatch.setenv("FLATGRAD_CACHE_DIR", str(blocker / "sub"))
    else:
        d = tmp_path / "cache"
        monkeypatch.setenv("FLATGRAD_CACHE_DIR", str(d))
        g = fg.grad(C.via_module, target="python")
        sig = g.signature((1.5,))[0]
        entry = d / f"{g.__name__}_{g.key(sig)}.py"
        entry.mkdir(parents=True)
        (entry / "inside").write_text("x")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _check_python_grad()
        _check_python_grad(-0.5)
        fg.grad(C.weighted, target="python")(np.ones(3), np.ones(3))
    assert len(_cache_warnings(record)) == 1, [str(w.message) for w in record]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_without_any_writable_directory_code_runs_from_memory(tmp_path, monkeypatch,
                                                              fresh_warnings, target):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    monkeypatch.setenv("FLATGRAD_CACHE_DIR", str(blocker))
    monkeypatch.setattr(cache, "_fallback", None)

    def no_temp(*a, **k):
        raise PermissionError("no temporary directory either")
    monkeypatch.setattr(cache.tempfile, "mkdtemp", no_temp)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        g = fg.grad(C.weighted, argnums=(0, 1), target=target)
        x, w = np.array([1.0, 2.0]), np.array([-3.0, 0.5])
        gx, gw = g(x, w)
        np.testing.assert_allclose(gx, w)
        np.testing.assert_allclose(gw, x)
        with pytest.raises(ValueError, match="cache_funcs.py"):   # errors still name the line
            g(np.ones(2), np.ones(3))
    msgs = [str(w.message) for w in _cache_warnings(record)]
    assert len(msgs) == 1 and "memory" in msgs[0]


def test_an_unwritable_cache_dir_warns_once_and_still_answers(tmp_path, monkeypatch,
                                                              fresh_warnings):
    # what a read-only directory does, also where the tests run as root
    d = tmp_path / "ro"
    d.mkdir()
    monkeypatch.setenv("FLATGRAD_CACHE_DIR", str(d))
    real = cache._write_atomic

    def deny(path, text):
        if Path(path).parent == d:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, text)
    monkeypatch.setattr(cache, "_write_atomic", deny)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _check_python_grad()
        _check_python_grad(0.25)
    assert len(_cache_warnings(record)) == 1
    assert not list(d.iterdir())


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only directories")
def test_a_read_only_cache_dir_warns_once_and_still_answers(tmp_path, monkeypatch, fresh_warnings):
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    monkeypatch.setenv("FLATGRAD_CACHE_DIR", str(d))
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            _check_python_grad()
        assert len(_cache_warnings(record)) == 1
    finally:
        d.chmod(0o700)


def test_a_garbage_entry_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("FLATGRAD_CACHE_DIR", str(tmp_path))
    _check_python_grad()
    for p in tmp_path.glob("via_module_grad_*.py"):
        p.write_bytes(b"\xff\xfe garbage \x00" * 10)
    _check_python_grad()


@pytest.mark.slow
def test_damaged_numba_cache_files_are_rebuilt(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "user.py").write_text(_USER)
    (src / "cfg.py").write_text("K = 2.0\n")
    (src / "helpers.py").write_text("def h(x):\n    return x * x\n\n\n"
                                    "def scaled(x, p=3.0):\n    return p * x\n")
    cache_d = tmp_path / "cache"
    want = 2.0 * 2 * 1.5 + 3.0

    def grad():
        p = _run(_CALL.format(target="cpu"), src, cache_d, check=False)
        assert p.returncode == 0, p.stderr
        return float(p.stdout)

    assert grad() == pytest.approx(want)
    index = list(cache_d.rglob("*.nbi"))
    data = list(cache_d.rglob("*.nbc"))
    assert index and data
    for p in index:
        p.write_bytes(b"garbage")
    assert grad() == pytest.approx(want)
    for p in cache_d.rglob("*.nbc"):
        p.write_bytes(p.read_bytes()[:40])                     # truncated
    assert grad() == pytest.approx(want)
    for p in cache_d.rglob("*.nbi"):
        p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])
    assert grad() == pytest.approx(want)
    assert grad() == pytest.approx(want)                      # and the repaired cache loads
    for p in cache_d.rglob("*.nbi"):
        p.unlink()
        (p / "inside").mkdir(parents=True)                    # an index that is a directory
    assert grad() == pytest.approx(want)


_RACE = """
import os, sys, time
import numpy as np
import user, flatgrad as fg
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.005)
print(repr(fg.grad(user.f, target="cpu")(1.5)))
"""


@pytest.mark.slow
def test_processes_racing_on_an_empty_cache_all_answer(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "user.py").write_text(_USER)
    (src / "cfg.py").write_text("K = 2.0\n")
    (src / "helpers.py").write_text("def h(x):\n    return x * x\n\n\n"
                                    "def scaled(x, p=3.0):\n    return p * x\n")
    cache_d = tmp_path / "cache"
    go = tmp_path / "go"
    env = dict(os.environ, FLATGRAD_CACHE_DIR=str(cache_d), PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join([str(src), str(REPO)]))
    procs = [subprocess.Popen([sys.executable, "-c", _RACE, str(go)], cwd=src, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(6)]
    go.write_text("go")
    want = 2.0 * 2 * 1.5 + 3.0
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert float(out) == pytest.approx(want)
    p = subprocess.run([sys.executable, "-c", _RACE, str(go)], cwd=src, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert float(p.stdout) == pytest.approx(want)


# ---------------------------------------------------------------------- byte order (item 9)

@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_big_endian_arrays_are_converted(target):
    x = np.array([1.0, -2.0, 0.5], dtype=">f8")
    w = np.array([3.0, 4.0, -1.0], dtype=">f8")
    g = fg.grad(C.weighted, argnums=(0, 1), target=target)
    gx, gw = g(x, w)
    np.testing.assert_allclose(gx, w.astype(float))
    np.testing.assert_allclose(gw, x.astype(float))
    i = np.array([1, 2, 3], dtype=">i4")
    np.testing.assert_allclose(fg.grad(C.weighted, target=target)(x, i), [1.0, 2.0, 3.0])
