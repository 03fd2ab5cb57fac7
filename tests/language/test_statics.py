"""isinstance folded from the argument types, starred expressions, np.meshgrid/np.indices:
gradients against central differences (and autograd where it has the function), values
against the Python function, both targets (the cpu target in one shared slow test)."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

from . import statics_funcs as F
from .source_module import module_from

rng = np.random.default_rng(26)

CASES = [
    (F.by_kind, (rng.normal(size=3), (0.3, 0.9)), (0, 1)),
    (F.by_kind, (0.7, [0.3, rng.normal(size=2)]), (0, 1)),
    (F.by_kind_dict, (rng.normal(size=3), {"w": rng.normal(size=3)}), (0, 1)),
    (F.by_kind_dict, (1.5, {"w": 2.0}), (0,)),
    (F.by_kind_local, (0.8,), (0,)),
    (F.starred_calls, (1.5, (0.5, 2.0, 3.0)), (0, 1)),
    (F.starred_arrays, (rng.normal(size=(2, 3)), rng.normal(size=(2, 3))), (0, 1)),
    (F.meshgrids, (rng.normal(size=3), rng.normal(size=4), rng.normal(size=2)), (0, 1, 2)),
    (F.meshgrid_potential, (np.linspace(-1, 1, 5), np.linspace(-0.5, 1, 4)), (0, 1)),
]
IDS = [f"{c[0].__name__}{i}" for i, c in enumerate(CASES)]


def _flat(g):
    if isinstance(g, dict):
        return np.concatenate([np.ravel(g[k]) for k in sorted(g)])
    if isinstance(g, (tuple, list)):
        return np.concatenate([np.ravel(v) for v in g])
    return np.ravel(g)


def check(f, args, argnums, target):
    value, grads = fg.value_and_grad(f, argnums=argnums, target=target)(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12, atol=1e-12)
    for i, g in zip(argnums, grads):
        if isinstance(args[i], (tuple, list, dict)):
            num = _tree_fd(f, args, i)
        else:
            num = numeric_grad(f, list(args), i)
        np.testing.assert_allclose(_flat(g), _flat(num), rtol=1e-5, atol=1e-7,
                                   err_msg=f"{f.__name__} argument {i}")


def _tree_fd(f, args, i, eps=1e-6):
    """Central differences with respect to every leaf of a tuple/list/dict argument."""
    tree = args[i]
    keys = sorted(tree) if isinstance(tree, dict) else range(len(tree))
    out = {} if isinstance(tree, dict) else []
    for k in keys:
        leaf = np.asarray(tree[k], dtype=float)
        g = np.zeros_like(leaf)
        for j in np.ndindex(leaf.shape):
            vals = []
            for s in (1, -1):
                moved = leaf.copy()
                moved[j] += s * eps
                t2 = dict(tree) if isinstance(tree, dict) else list(tree)
                t2[k] = moved if leaf.ndim else float(moved)
                if isinstance(tree, tuple):
                    t2 = tuple(t2)
                a2 = list(args)
                a2[i] = t2
                vals.append(f(*a2))
            g[j] = (vals[0] - vals[1]) / (2 * eps)
        if isinstance(out, dict):
            out[k] = g
        else:
            out.append(g)
    return out


@pytest.mark.parametrize("f, args, argnums", CASES, ids=IDS)
def test_python_target(f, args, argnums):
    check(f, args, argnums, "python")


@pytest.mark.slow
def test_cpu_target():
    for f, args, argnums in CASES:
        check(f, args, argnums, "cpu")


def test_isinstance_answers_as_python():
    # by_kind: an array argument is an ndarray (a = x[0], a float); a tuple is a tuple
    x = np.array([2.0, 1.0])
    g = fg.grad(F.by_kind, target="python")(x, (0.5, 0.25))
    assert g[0] == pytest.approx(2.0 * 7.0 * 11.0)
    # a list (holding an array: a container argument) is a list; a float is not an array
    g = fg.grad(F.by_kind, target="python")(2.0, [0.5, np.ones(2)])
    assert g == pytest.approx(3.0 * 5.0 * 11.0)


def test_isinstance_int_argument():
    v = fg.value_and_grad(F.by_kind_dict, argnums=1, target="python")(2, {"w": 1.5})[0]
    assert v == pytest.approx(F.by_kind_dict(2, {"w": 1.5}))


def test_autograd_agrees_on_starred():
    autograd = pytest.importorskip("autograd")
    import types
    import autograd.numpy as anp
    for f, args, argnums in (CASES[5], CASES[6]):      # (autograd has no VJP of meshgrid)
        fa = types.FunctionType(f.__code__, {**f.__globals__, "np": anp}, f.__name__)
        for i in argnums:
            got = fg.grad(f, argnums=i, target="python")(*args)
            np.testing.assert_allclose(_flat(got), _flat(autograd.grad(fa, i)(*args)),
                                       rtol=1e-10, atol=1e-12)


def test_meshgrid_matches_numpy():
    x, y = np.arange(3.0), np.arange(4.0) + 10
    out = fg.value_and_grad(F.meshgrid_potential, target="python")(x, y)[0]
    assert out == pytest.approx(F.meshgrid_potential(x, y))


@pytest.mark.parametrize("src, msg", [
    ("def f(x):\n    return np.sum(np.array([*x]))\n", "only a tuple or a list"),
    ("def f(x):\n    a, *b, c, d = (x, x)\n    return a\n", "not enough values"),
    ("def f(x):\n    return x[*(0,)]\n", "Starred"),
    ("def f(x):\n    return x if isinstance(x, T) else 0.0\n", "isinstance needs a class"),
    ("def f(x):\n    X, Y = np.meshgrid(x, x, indexing='yx')\n    return np.sum(X)\n",
     "indexing must be"),
])
def test_clear_errors(tmp_path, src, msg):
    mod = module_from(tmp_path, "bad_statics", "import numpy as np\nT = 3\n\n" + src)
    with pytest.raises(fg.CompileError, match=msg):
        fg.grad(mod.f, target="python")(np.ones(3))
