"""Random expression trees over the scalar primitives, as Python source and as SymPy.

Domains are restricted so every value stays finite and smooth: ``exp`` is applied to
``tanh(...)``, ``log`` and ``sqrt`` to ``1 + e*e``, division by ``1 + e*e``.
"""
import importlib.util
import itertools
import sys

import sympy as sp
from hypothesis import strategies as st

X, Y = sp.symbols("x y")

UNARY = {
    "sin": ("math.sin({0})", sp.sin),
    "cos": ("math.cos({0})", sp.cos),
    "tanh": ("math.tanh({0})", sp.tanh),
    "atan": ("math.atan({0})", sp.atan),
    "exp": ("math.exp(math.tanh({0}))", lambda a: sp.exp(sp.tanh(a))),
    "log": ("math.log(1.0 + {0} * {0})", lambda a: sp.log(1 + a * a)),
    "sqrt": ("math.sqrt(1.0 + {0} * {0})", lambda a: sp.sqrt(1 + a * a)),
    "sigmoid": ("sigmoid({0})", lambda a: 1 / (1 + sp.exp(-a))),
    "softplus": ("softplus({0})", lambda a: sp.log(1 + sp.exp(a))),
    "neg": ("(-{0})", lambda a: -a),
    "square": ("({0}) ** 2", lambda a: a ** 2),
}
BINARY = {
    "add": ("({0} + {1})", lambda a, b: a + b),
    "sub": ("({0} - {1})", lambda a, b: a - b),
    "mul": ("({0} * {1})", lambda a, b: a * b),
    "div": ("({0} / (1.0 + {1} * {1}))", lambda a, b: a / (1 + b * b)),
}

leaves = st.one_of(
    st.sampled_from([("x", X), ("y", Y)]),
    st.sampled_from([0.5, 2.0, -1.5, 3.0]).map(lambda c: (f"({c!r})", sp.Float(c))),
)


def _extend(children):
    unary = st.tuples(st.sampled_from(sorted(UNARY)), children).map(
        lambda t: (UNARY[t[0]][0].format(t[1][0]), UNARY[t[0]][1](t[1][1])))
    binary = st.tuples(st.sampled_from(sorted(BINARY)), children, children).map(
        lambda t: (BINARY[t[0]][0].format(t[1][0], t[2][0]), BINARY[t[0]][1](t[1][1], t[2][1])))
    return st.one_of(unary, binary)


expressions = st.recursive(leaves, _extend, max_leaves=8)

points = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False).map(lambda v: round(v, 3))

HEADER = "import math\n\nfrom flatgrad import sigmoid, softplus\n\n\n"
_counter = itertools.count()


def load(directory, source, name="f"):
    """Write ``source`` to a fresh module file under ``directory`` and import it."""
    mod = f"fg_prop_{next(_counter)}_{id(directory) % 10000}"
    path = directory / f"{mod}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(mod, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod] = module
    spec.loader.exec_module(module)
    return getattr(module, name), path
