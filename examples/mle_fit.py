"""Maximum-likelihood fit with SciPy: a Poisson regression with an overdispersion-free
log link, the data in a closure, the gradient from ``value_and_grad`` and the Hessian-vector
product from forward mode over the gradient (``fg.hvp(nll)``), as Newton-CG wants them.

    python examples/mle_fit.py
"""
import numpy as np
import scipy.optimize
from scipy.special import gammaln

import flatgrad as fg


def make_nll(X, counts):
    """The negative log-likelihood of counts ~ Poisson(exp(X @ beta)), reading X and counts
    from the closure (flatgrad reads them at every call; no gradient flows into them)."""
    log_fact = gammaln(counts + 1.0)

    def nll(beta):
        eta = X @ beta
        return np.sum(np.exp(eta) - counts * eta + log_fact)

    return nll


def fit(X, counts, target="cpu"):
    nll = make_nll(X, counts)
    value_and_grad = fg.value_and_grad(nll, target=target)
    hessp = fg.hvp(nll, target=target)        # hessp(beta, v) = H(beta) @ v, as SciPy calls it

    beta0 = np.zeros(X.shape[1])
    return scipy.optimize.minimize(value_and_grad, beta0, jac=True, hessp=hessp,
                                   method="Newton-CG", options={"xtol": 1e-8})


def simulate(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    beta = np.array([0.5, -0.3, 0.8])
    return X, rng.poisson(np.exp(X @ beta)).astype(float), beta


if __name__ == "__main__":
    X, counts, truth = simulate()
    res = fit(X, counts)
    # the MLE's standard errors: the inverse Fisher information X^T diag(mu) X
    mu = np.exp(X @ res.x)
    se = np.sqrt(np.diag(np.linalg.inv(X.T @ (mu[:, None] * X))))
    print(f"converged: {res.success} in {res.nit} Newton-CG steps ({res.nfev} gradient calls, "
          f"{res.nhev} Hessian-vector products)")
    for name, b, s, t in zip(("intercept", "x1", "x2"), res.x, se, truth):
        print(f"  {name:9s} {b:+.4f} ± {s:.4f}   (simulated with {t:+.2f})")
