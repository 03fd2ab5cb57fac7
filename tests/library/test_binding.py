"""The one binder (compiler/library/binding.py): a call to a registered function binds its
arguments against the function's own Python signature, so keywords work wherever NumPy,
SciPy or Python take them -- compared here with NumPy's own value of the same call and the
gradient with central differences -- and a wrong call is a CompileError at the argument
that names it."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError

from flatgrad.runtime.gradcheck import numeric_grad

from .check11 import build, check

HEADER = ("import math\nimport numpy as np\nimport scipy.special as ss\nimport scipy.stats as st\n"
          "import scipy.linalg as sl\n\n\n")

rng = np.random.default_rng(444)
V, W = rng.normal(size=4), rng.normal(size=4)
M = rng.normal(size=(3, 4))
_R = rng.normal(size=(3, 3))
SPD = _R @ _R.T + 3 * np.eye(3)

# name: (parameters, expression, arguments), each a keyword form of a call, run by NumPy too
KEYWORD_FORMS = {
    "sum_a": ("x", "np.sum(a=x, axis=0) @ np.ones(4)", (M,)),
    "sum_all_keywords": ("x", "np.sum(keepdims=True, axis=1, a=x).sum()", (M,)),
    "mean_axis_positional": ("x", "np.mean(x, 1, keepdims=False).sum()", (M,)),
    "dot_b": ("x, w", "np.dot(x, b=w)", (V, W)),
    "dot_both": ("x, w", "np.dot(b=w, a=x)", (V, W)),
    "matmul_positional": ("x, w", "np.matmul(x, w)", (V, W)),
    "outer_b": ("x, w", "np.sum(np.outer(x, b=w) ** 2)", (V, W)),
    "zeros_shape": ("x", "np.sum(np.zeros(shape=4) + x)", (V,)),
    "zeros_dtype": ("x", "np.sum(np.ones(shape=(2, 4), dtype=np.float64) * x)", (V,)),
    "full_keywords": ("x", "np.sum(np.full(fill_value=2.0, shape=4) * x)", (V,)),
    "reshape_shape": ("x", "np.sum(np.reshape(x, shape=(2, 6)) * np.arange(12.0).reshape(2, 6))", (M,)),
    "method_reshape": ("x", "np.sum(x.reshape(6, 2)[0])", (M,)),
    "var_ddof": ("x", "np.var(x, ddof=1, axis=1).sum()", (M,)),
    "clip_min_max": ("x", "np.sum(np.clip(x, min=-0.5, max=0.5) ** 2)", (V,)),
    "sort_axis_none": ("x", "np.sum(np.sort(x, axis=None) * np.arange(12.0))", (M,)),
    "log_base": ("x", "math.log(x, 2.0)", (1.7,)),
    "tril_k": ("x", "np.sum(np.tril(m=x, k=1) ** 2)", (M,)),
    "solve_b": ("x", "np.sum(np.linalg.solve(a=x, b=np.ones(3)))", (SPD,)),
    "cholesky_lower": ("x", "np.sum(sl.cholesky(np.outer(x, x) + 3.0 * np.eye(4), lower=True, "
                            "check_finite=False))", (V,)),
    "norm_ord": ("x", "np.linalg.norm(x=x, ord=1)", (V,)),
    "logpdf_keywords": ("x", "np.sum(st.norm.logpdf(x=x, loc=0.5, scale=2.0))", (V,)),
    "frozen_keywords": ("x", "np.sum(st.norm(loc=0.5, scale=2.0).logpdf(x=x))", (V,)),
    "concatenate_axis": ("x", "np.sum(np.concatenate((x, x), axis=1) ** 2)", (M,)),
    "squeeze_axis": ("x", "np.sum(np.squeeze(x[None], axis=0) ** 2)", (M,)),
    "pad_constant_values": ("x", "np.sum(np.pad(x, 1, constant_values=2.0) ** 2)", (V,)),
    "where_keywordless": ("x", "np.sum(np.where(x > 0, x, 0.0))", (V,)),
    "logsumexp_b": ("x, w", "ss.logsumexp(a=x, b=w * w)", (V, W)),
}
_FNS = build({k: (p, e) for k, (p, e, _) in KEYWORD_FORMS.items()}, header=HEADER)


@pytest.mark.parametrize("name", list(KEYWORD_FORMS))
def test_a_keyword_form_has_numpys_value_and_the_difference_gradient(name):
    f, args = getattr(_FNS, name), KEYWORD_FORMS[name][2]
    check(f, args, tuple(range(len(args))), ag=False, jvp=False)    # value == f(*args) run by NumPy


# a ufunc's inputs are positional-only in NumPy; flatgrad binds them by name as well: the
# keyword form against NumPy's value of the positional one
UFUNC_KEYWORDS = {"expit": ("np.sum(ss.expit(x=x))", "np.sum(ss.expit(x))"),
                  "erf": ("np.sum(ss.erf(x=x))", "np.sum(ss.erf(x))"),
                  "betaln": ("np.sum(ss.betaln(b=2.0, a=x * x + 1.0))",
                             "np.sum(ss.betaln(x * x + 1.0, 2.0))"),
                  # callables that are one primitive (a stanza's names=) bind the same way
                  "sin": ("np.sum(np.sin(x=x))", "np.sum(np.sin(x))"),
                  "arctan2": ("np.sum(np.arctan2(x, x2=x * x + 1.0))",
                              "np.sum(np.arctan2(x, x * x + 1.0))"),
                  "xlogy": ("np.sum(ss.xlogy(x2=x * x + 1.0, x1=x))",
                            "np.sum(ss.xlogy(x, x * x + 1.0))")}
_UF = build({**{k: ("x", kw) for k, (kw, _) in UFUNC_KEYWORDS.items()},
             **{k + "_ref": ("x", ref) for k, (_, ref) in UFUNC_KEYWORDS.items()}}, header=HEADER)


@pytest.mark.parametrize("name", list(UFUNC_KEYWORDS))
def test_a_ufuncs_inputs_bind_by_name(name):
    f, ref = getattr(_UF, name), getattr(_UF, name + "_ref")
    value, grad = fg.value_and_grad(f, target="python")(V)
    np.testing.assert_allclose(value, ref(V), rtol=1e-12)
    np.testing.assert_allclose(grad, numeric_grad(ref, [V], 0), rtol=1e-5, atol=1e-7)


# name: (expression, what the message says, the text the caret points at)
BAD_CALLS = {
    "unknown_keyword": ("np.sum(x, foo=1)", "np.sum: unexpected keyword argument 'foo'", "foo=1"),
    "missing": ("np.sum(axis=0)", "np.sum: missing required argument 'a'", "np.sum(axis=0)"),
    "twice": ("np.sum(x, 0, axis=1)", "np.sum got 'axis' twice", "axis=1"),
    "not_handled": ("np.sum(x, out=x)", "np.sum: the argument 'out' is not supported", "x)"),
    "too_many": ("np.linalg.inv(x, x)", "np.linalg.inv takes at most 1 arguments", "np.linalg.inv"),
    "positional_only": ("np.sum(np.concatenate(arrays=(x, x)))",
                        "np.concatenate: unexpected keyword argument 'arrays'", "arrays="),
    "builtin": ("len(obj=x)", "len: unexpected keyword argument 'obj'", "obj=x"),
    "method": ("x.sum(axis=0, foo=2).sum()", "np.sum: unexpected keyword argument 'foo'", "foo=2"),
    "ufunc_out": ("np.sum(ss.expit(x, out=x))", "scipy.special.expit: the argument 'out' is not "
                                                "supported", "x))"),
    "primitive_out": ("np.sum(np.sin(x, out=x))", "np.sin: the argument 'out' is not supported",
                      "x))"),
    "primitive_missing": ("np.sum(np.arctan2(x))", "np.arctan2: missing required argument 'x2'",
                          "np.arctan2"),
    "primitive_unknown": ("np.sum(np.tanh(x, y=x))", "np.tanh: unexpected keyword argument 'y'",
                          "y=x"),
    "written_signature": ("math.log(x, 2.0, 3.0)", "math.log takes at most 2 arguments", "math.log"),
    "dynamic": ("np.sum(st.norm(0.0, 1.0).logpdf(x, y=1.0))",
                "scipy.stats.norm(...).logpdf: unexpected keyword argument 'y'", "y=1.0"),
}
_BAD = build({k: ("x", e) for k, (e, _, _) in BAD_CALLS.items()}, header=HEADER)


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_a_bad_call_is_an_error_at_the_argument_naming_it(name):
    expr, message, at = BAD_CALLS[name]
    f = getattr(_BAD, name)
    with pytest.raises(CompileError) as info:
        fg.grad(f, target="python")(M)
    err = info.value
    assert message in str(err), str(err)
    assert err.loc is not None and err.loc.line == f.__code__.co_firstlineno + 1, str(err)
    line = f"    return {expr}"
    assert line[err.loc.col:].startswith(at), (err.loc.col, str(err))     # (col counts from 0)


def test_builtin_sum_of_a_matrix_adds_its_rows():
    """``sum(x)`` iterates ``x``: the sum over the first axis, as Python computes it (it was
    the sum of every element)."""
    f = build({"rows": ("x", "np.sum(sum(x) * np.arange(4.0))")}, header=HEADER).rows
    check(f, (M,), (0,), ag=False, jvp=False)
