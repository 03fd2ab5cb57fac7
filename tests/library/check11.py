"""The oracle of test_special.py, test_cumulative.py and test_order.py: flatgrad's gradient
against central finite differences and autograd, and its JVP against a directional
difference. Test functions are generated from expression text (one module per batch, written
to a temporary folder) since flatgrad reads a function's source, and axes must be constants
there: ``build({"name": "np.sum(w * np.cumsum(x, axis=1))"})``."""
from __future__ import annotations

import importlib.util
import itertools
import tempfile
import types
from pathlib import Path

import numpy as np

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

RNG = np.random.default_rng(1111)
_DIR = Path(tempfile.mkdtemp(prefix="flatgrad_lib11_"))
_count = itertools.count()

HEADER = "import math\nimport numpy as np\nimport scipy.special as ss\n\n\n"


def build(exprs: dict, params: str = "x, w", header: str = HEADER) -> types.SimpleNamespace:
    """A module of functions ``name(params) = expr`` (returns its functions by name); an
    entry ``name: (params, expr)`` has parameters of its own."""
    def define(name, body):
        ps, expr = body if isinstance(body, tuple) else (params, body)
        return f"def {name}({ps}):\n    return {expr}\n"
    src = header + "\n\n".join(define(name, body) for name, body in exprs.items())
    path = _DIR / f"gen{next(_count)}.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def autograd_version(f):
    """``f`` with ``np`` bound to autograd.numpy and ``ss`` to autograd.scipy.special."""
    import autograd.numpy as anp
    import autograd.scipy.special as ags
    return types.FunctionType(f.__code__, {**f.__globals__, "np": anp, "ss": ags}, f.__name__)


def check(f, args, argnums=(0,), *, target="python", ag=True, jvp=True, rtol=1e-5, atol=1e-7,
          eps=1e-6):
    """grad(f) == finite differences (== autograd's); jvp(f) == a directional difference;
    the compiled value == f's. Returns the gradients."""
    args = list(args)
    value, grads = fg.value_and_grad(f, argnums=tuple(argnums), target=target)(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-10, atol=1e-12,
                               err_msg=f"{f.__name__}: value")
    if ag:
        import autograd
        fa = autograd_version(f)
    for i, g in zip(argnums, grads):
        assert np.shape(g) == np.shape(args[i]), (f.__name__, i, np.shape(g))
        num = numeric_grad(f, list(args), i, eps)
        np.testing.assert_allclose(g, num, rtol=rtol, atol=atol, err_msg=f"{f.__name__} arg {i}")
        if ag:
            ga = autograd.grad(fa, i)(*args)
            np.testing.assert_allclose(g, ga, rtol=1e-7, atol=1e-9,
                                       err_msg=f"{f.__name__} arg {i} vs autograd")
    if jvp:
        tans = [RNG.normal(size=np.shape(a)) if k in argnums else np.zeros(np.shape(a))
                for k, a in enumerate(args)]
        tans = [t if np.ndim(a) else float(t) for a, t in zip(args, tans)]
        out, tout = fg.jvp(f, tuple(args), tuple(tans), target=target)
        h = 1e-6
        up = f(*[a + h * t for a, t in zip(args, tans)])
        down = f(*[a - h * t for a, t in zip(args, tans)])
        np.testing.assert_allclose(out, f(*args), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(tout, (up - down) / (2 * h), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{f.__name__}: jvp")
    return grads


def weights_for(f_expr_value):
    """Random weights shaped like a result (a float for a number)."""
    shape = np.shape(f_expr_value)
    return RNG.normal(size=shape) if shape else float(RNG.normal())
