"""The rule-test table: one row per primitive, mirroring compiler/primitives.py.

Each row gives points where the primitive is smooth (finite differences are exact
enough there). The test modules check that every primitive with a VJP rule has a
row, so a new primitive cannot slip in untested.
"""
import math

# name: list of argument tuples at which the primitive is differentiable
SMOOTH_POINTS = {
    "add": [(1.3, -0.7)], "sub": [(1.3, -0.7)], "mul": [(1.3, -0.7)], "div": [(1.3, -0.7)],
    "pow": [(1.3, 2.2), (0.6, -1.5), (2.0, 3.0)],
    "mod": [(5.3, 2.1), (-5.3, 2.1), (5.3, -2.1)],
    "fmod": [(5.3, 2.1), (-5.3, 2.1), (5.3, -2.1)],
    "floordiv": [(5.3, 2.1)],
    "neg": [(0.7,)], "copy": [(0.7,)], "float": [(0.7,)], "int": [(1.3,)],
    "abs": [(0.7,), (-0.7,)], "sign": [(0.7,), (-0.7,)],
    "max": [(1.3, 0.7), (0.7, 1.3)], "min": [(1.3, 0.7), (0.7, 1.3)],
    "lt": [(1.3, 0.7)], "le": [(1.3, 0.7)], "gt": [(1.3, 0.7)], "ge": [(1.3, 0.7)],
    "eq": [(1.3, 0.7)], "ne": [(1.3, 0.7)],
    "select": [(True, 1.3, -0.7), (False, 1.3, -0.7)],
    "exp": [(0.4,), (-1.2,)], "log": [(0.7,), (3.0,)], "log1p": [(0.7,), (-0.5,)],
    "expm1": [(0.4,), (-1.2,)], "log2": [(0.7,)], "log10": [(0.7,)], "sqrt": [(0.7,), (4.0,)], "sqrt0": [(0.7,), (4.0,)], "logaddexp": [(0.3, -1.2), (5.0, 5.5)], "exp2": [(0.7,), (-1.5,)], "cbrt": [(0.7,), (-2.0,)], "reciprocal": [(0.7,), (-2.0,)], "deg2rad": [(30.0,)], "rad2deg": [(0.5,)],
    "sin": [(0.4,), (2.5,)], "cos": [(0.4,), (2.5,)], "tan": [(0.4,), (-1.0,)],
    "asin": [(0.4,), (-0.6,)], "acos": [(0.4,), (-0.6,)], "atan": [(0.4,), (-3.0,)],
    "sinh": [(0.4,), (-1.5,)], "cosh": [(0.4,), (-1.5,)], "tanh": [(0.4,), (-1.5,)],
    "asinh": [(0.4,), (-2.0,)], "acosh": [(1.7,), (3.0,)], "atanh": [(0.4,), (-0.6,)],
    "erf": [(0.4,), (-1.1,)], "erfc": [(0.4,), (-1.1,)],
    "sigmoid": [(0.4,), (-3.0,)], "relu": [(0.4,), (-0.4,)], "softplus": [(0.4,), (-3.0,)],
    "floor": [(1.3,)], "ceil": [(1.3,)], "trunc": [(1.3,)], "round": [(1.3,)],
    "atan2": [(0.6, -1.1), (-0.6, 1.1)], "hypot": [(0.6, -1.1), (3.0, 4.0)],
    # compiler/library/stable.py, special.py
    "logaddexp2": [(0.3, -1.2), (5.0, 5.5)], "xlogy": [(0.7, 1.3), (-2.0, 0.4)],
    "xlog1py": [(0.7, 0.3), (-2.0, -0.4)], "gammaln": [(0.7,), (3.5,), (-1.5,)],
    "polygamma": [(0, 0.7), (1, 2.5), (2, -1.3), (0, -2.6)], "sinc": [(0.4,), (-1.3,), (0.1,), (-0.2,)], "log_ndtr": [(0.4,), (-3.0,), (-25.0,), (7.0,)],
    "gammainc": [(2.5, 0.7), (0.6, 3.0), (40.0, 38.0)], "gammaincc": [(2.5, 0.7), (0.6, 3.0)],
    "betainc": [(2.5, 1.5, 0.3), (0.7, 4.0, 0.8), (30.0, 20.0, 0.6)],
    "stats_count": [(3.0,)],
    "fmax": [(1.3, 0.7), (0.7, 1.3)], "fmin": [(1.3, 0.7), (0.7, 1.3)],
    "isnan": [(0.7,)], "isinf": [(0.7,)], "isfinite": [(0.7,)], "signbit": [(0.7,), (-0.7,)],
    # compiler/library/bessel.py
    "erfinv": [(0.3,), (-0.7,)], "erfcinv": [(0.4,), (1.6,)], "ndtri": [(0.2,), (0.9,)],
    "gamma": [(0.7,), (3.5,), (-1.5,)], "rgamma": [(0.7,), (3.5,), (-1.5,)],
    "beta": [(1.5, 2.5), (0.7, 3.0), (-0.5, 2.2)], "gammasgn": [(0.7,), (-1.5,)],
    "j0": [(0.5,), (3.0,)], "j1": [(0.5,), (-3.0,)], "y0": [(0.5,), (3.0,)], "y1": [(0.5,), (3.0,)],
    "i0": [(0.5,), (-2.0,)], "i1": [(0.5,), (-2.0,)], "i0e": [(0.5,), (-2.0,)],
    "i1e": [(0.5,), (-2.0,)], "k0": [(0.5,), (3.0,)], "k1": [(0.5,), (3.0,)],
    "k0e": [(0.5,), (3.0,)], "k1e": [(0.5,), (3.0,)],
    "jv": [(1.5, 0.7), (2.0, -3.0)], "yv": [(1.5, 0.7), (0.5, 3.0)], "iv": [(1.5, 0.7), (2.0, -1.2)],
    "ive": [(1.5, 0.7), (2.0, -1.2)], "kv": [(1.5, 0.7), (0.5, 3.0)], "kve": [(1.5, 0.7), (0.5, 3.0)],
    # compiler/library/specfun.py
    "binom": [(4.5, 1.5), (6.0, 2.0), (2.3, -0.4)], "poch": [(2.5, 1.5), (0.7, -0.3)],
    "zetac": [(3.0,)], "hurwitz_zeta": [(3.0, 0.7), (2.5, 4.0)],
    "ellipk": [(0.3,), (-1.2,), (0.01,)], "ellipe": [(0.3,), (-1.2,), (0.01,)],
    "ellipkm1": [(0.3,), (0.99,)],
}

# runtime helpers the transforms create; they have no user-visible derivative
INTERNAL = {"trip_count", "tape_alloc", "tape_put", "tape_push", "tape_get", "zeros_like",
            "ones_like", "undef", "astype", "sum_to", "not", "and", "or"}

# arguments whose derivative flatgrad refuses (a CompileError, not a value): the shape
# parameters of the incomplete gamma and beta functions (no closed form)
NO_DERIVATIVE = {"gammainc": (0,), "gammaincc": (0,), "betainc": (0, 1),
                 # the number of trials of scipy.stats.binom and multinomial
                 "stats_count": (0,),
                 # and the order of the Bessel functions
                 "jv": (0,), "yv": (0,), "iv": (0,), "ive": (0,), "kv": (0,), "kve": (0,),
                 # and the exponent of the zeta functions
                 "zetac": (0,), "hurwitz_zeta": (0,)}

# Non-differentiable points and the JAX convention: (args, expected gradient per arg)
KINKS = {
    "relu": [((0.0,), (0.0,))],
    "abs": [((0.0,), (0.0,))],
    "max": [((1.5, 1.5), (0.5, 0.5)), ((0.0, 0.0), (0.5, 0.5))],
    "min": [((1.5, 1.5), (0.5, 0.5)), ((-2.0, -2.0), (0.5, 0.5))],
    "fmax": [((1.5, 1.5), (0.5, 0.5))], "fmin": [((-2.0, -2.0), (0.5, 0.5))],
    "sinc": [((0.0,), (0.0,))],
}


def is_float_arg(v):
    return isinstance(v, float) and not isinstance(v, bool) and math.isfinite(v)
