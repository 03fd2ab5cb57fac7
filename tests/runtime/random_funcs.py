"""Functions that draw random numbers inside (tests/runtime/test_random.py), written as users
write them: generators passed in, closed over, global, NumPy's global state, made inside."""
import types

import autograd.numpy as anp
import numpy as np
import numpy.random as npr

from . import random_data

RS = np.random.RandomState(0)          # a module-level generator, read at every call


# ---------------------------------------------------------------- RandomState methods (x: 1-D)

def rs_randn(x, rs):
    return x * rs.randn(x.shape[0]) + np.sum(rs.randn(2, 3))


def rs_rand(x, rs):
    return x * rs.rand(len(x)) + rs.rand()


def rs_normal(x, rs):
    a = rs.normal(1.0, 2.0, size=x.shape)
    b = rs.normal(size=(2, x.shape[0]))
    return x * a + np.sum(b, axis=0) + rs.normal(loc=-1.0)


def rs_uniform(x, rs):
    return x * rs.uniform(-2.0, 3.0, x.shape[0]) + rs.uniform(size=(1, len(x)))[0]


def rs_standard_normal(x, rs):
    return x * rs.standard_normal(x.shape) + rs.random_sample(len(x))


def rs_integers(x, rs):
    k = rs.randint(0, 5, size=len(x))
    p = rs.permutation(len(x))
    c = rs.choice(len(x), size=2, replace=False)
    return x * k + x[p] + np.sum(x[c]) + rs.choice(3) + rs.randint(4)


def rs_distributions(x, rs):
    return (x * rs.exponential(2.0, size=len(x)) + rs.laplace(size=len(x))
            + rs.gamma(2.0, size=len(x)) + rs.beta(2.0, 3.0, size=len(x)))


RS_FUNCS = [rs_randn, rs_rand, rs_normal, rs_uniform, rs_standard_normal, rs_integers,
            rs_distributions]


# ---------------------------------------------------------------- Generator methods

def gen_methods(x, rng):
    a = rng.normal(0.5, 1.5, size=len(x))
    b = rng.standard_normal((2, x.shape[0]))
    c = rng.uniform(-1.0, 1.0, size=x.shape)
    d = rng.random(len(x))
    k = rng.integers(0, len(x), size=3)
    p = rng.permutation(len(x))
    e = x[rng.choice(len(x), size=2, replace=False)]
    return x * a + np.sum(b, axis=0) + c * d + np.sum(x[k]) + x[p] + np.sum(e)


# ---------------------------------------------------------------- where the generator lives

def closed_over(seed):
    rs = npr.RandomState(seed)

    def sample_mean(x):
        eps = rs.randn(3, x.shape[0])
        return np.mean(x * eps)
    return sample_mean


def module_generator(x):
    return np.sum(x * RS.randn(x.shape[0]))


def module_attribute(x):
    return np.sum(x * random_data.GEN.normal(size=len(x)))


def default_generator(x, rs=npr.RandomState(0)):
    return np.sum(x * rs.randn(len(x)))


def comprehension(x, rs):
    es = [rs.randn(len(x)) for _ in range(3)]
    return np.sum(x * (es[0] + es[1] * es[2])) + rs.randn()


def numpy_global(x):
    return np.sum(x * np.random.randn(len(x))) + np.sum(npr.uniform(size=2)) * x[0]


def made_inside(x, seed):
    rng = np.random.default_rng(seed)
    legacy = np.random.RandomState(seed + 1)
    return np.sum(x * rng.standard_normal(x.shape)) + x[0] * legacy.rand()


def made_but_unused(x, seed):
    rng = np.random.default_rng(seed)
    return np.sum(x * x)


def _sample(params, n, rs):
    """A helper drawing from the generator it is given."""
    d = np.shape(params)[0] // 2
    mean, log_std = params[:d], params[d:]
    return rs.randn(n, d) * np.exp(log_std) + mean


# ---------------------------------------------------------------- reparameterised objectives

def svi_objective(params, rs):
    """autograd's black_box_svi: a Gaussian's entropy plus a Monte Carlo estimate of the
    log density of its samples (a banana-shaped density)."""
    d = len(params) // 2
    log_std = params[d:]
    samples = _sample(params, 20, rs)
    mu, log_sigma = samples[:, 0], samples[:, 1]
    logp = -0.5 * (log_sigma / 1.35) ** 2 - 0.5 * (mu / np.exp(log_sigma)) ** 2 - log_sigma
    entropy = 0.5 * d * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)
    return -(entropy + np.mean(logp))


def svi_objective_autograd(params, rs):
    d = len(params) // 2
    mean, log_std = params[:d], params[d:]
    samples = rs.randn(20, d) * anp.exp(log_std) + mean
    mu, log_sigma = samples[:, 0], samples[:, 1]
    logp = -0.5 * (log_sigma / 1.35) ** 2 - 0.5 * (mu / anp.exp(log_sigma)) ** 2 - log_sigma
    entropy = 0.5 * d * (1.0 + anp.log(2 * anp.pi)) + anp.sum(log_std)
    return -(entropy + anp.mean(logp))


def gen_objective(params, rng):
    """The same with a Generator's standard_normal, the draws used in a loop."""
    d = params.shape[0] // 2
    eps = rng.standard_normal((5, d))
    total = 0.0
    for i in range(5):
        z = params[:d] + eps[i] * np.exp(params[d:])
        total = total + np.sum(np.sin(z) * z)
    return total / 5


def vector_valued(x, rs):
    return np.sin(x) * rs.randn(x.shape[0])


def loop_draws(params, rs, n):
    """Monte Carlo in a loop: two draws per trip, the loop over an int argument."""
    d = params.shape[0] // 2
    total = 0.0
    for i in range(n):
        eps = rs.randn(d)
        u = rs.rand()
        z = params[:d] + eps * np.exp(params[d:])
        total = total + np.sum(z * z) * u
    return total / n


def noisy_sines(x, rs, n):
    """Vector-valued; the draw's size read from x's shape inside the loop."""
    out = x * 0.0
    for i in range(n):
        out = out + np.sin(x) * rs.randn(x.shape[0])
    return out


def strided_loop_draws(x, rs):
    s = 0.0
    for i in range(len(x) - 1, 0, -2):
        s = s + x[i] * rs.standard_normal()
    return s


# ---------------------------------------------------------------- rejected

def draw_in_nested_loop(x, rs):
    s = 0.0
    for i in range(2):
        for j in range(len(x)):
            s = s + x[j] * rs.randn()
    return s


def draw_in_while(x, rs):
    s, k = 0.0, 0
    while k < len(x):
        s = s + x[k] * rs.randn()
        k += 1
    return s


def size_changes_by_trip(x, rs):
    s = 0.0
    for i in range(1, 3):
        s = s + np.sum(rs.randn(i)) * x[i]
    return s


def draw_in_branch(x, rs):
    if x[0] > 0:
        return np.sum(x * rs.randn(len(x)))
    return np.sum(x)


def scale_from_argument(x, rs):
    return np.sum(rs.normal(0.0, x[0], size=3)) + x[1]


def arithmetic_on_a_generator(x, rs):
    return x * rs


def unsupported_method(x, rs):
    return x * rs.vonmises(0.0, 1.0)


def index_error(x, rs, i):
    eps = rs.randn(len(x))
    return x[i] * eps[0]


def scalar_draw(x):
    return x * RS.randn()


def calls_a_drawing_transform(inner):
    def outer(x):
        return inner(x) * x
    return outer


def on_autograd(f):
    """``f`` with ``np`` meaning autograd.numpy (the same code, for autograd to run)."""
    return types.FunctionType(f.__code__, {**f.__globals__, "np": anp}, f.__name__,
                              f.__defaults__, f.__closure__)


loop_draws_autograd = on_autograd(loop_draws)
gen_objective_autograd = on_autograd(gen_objective)


def custom_noisy(x):
    return x * RS.randn()


def custom_noisy_fwd(x):
    return custom_noisy(x), x


def custom_noisy_bwd(x, g):
    return (g,)


def calls_custom(custom):
    def f(x):
        return custom(x) + x
    return f
