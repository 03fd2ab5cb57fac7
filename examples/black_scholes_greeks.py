"""Black-Scholes price and Greeks for a million options with flatgrad.vectorize.

The call price is written once, on numbers, with math.erf. flatgrad differentiates it
(delta, vega, rho, theta = d/dS, d/dsigma, d/dr, -d/dT), vectorize maps the price and
gradient over a million options in one compiled loop, and the results are checked
against the closed-form Greeks. Run:

    python examples/black_scholes_greeks.py [N]

Gamma is a second derivative: through flatgrad.hessian when this flatgrad has it;
otherwise as flatgrad's gradient of the delta N(d1) (written out by hand below), which
is exact but needs that first derivative by hand.
"""
import math
import sys
import time

import numpy as np

import flatgrad as fg


def ncdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def call_price(S, sigma, r, T, K):
    sqrt_t = math.sqrt(T)
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    return S * ncdf(d1) - K * math.exp(-r * T) * ncdf(d2)


def call_delta(S, sigma, r, T, K):
    """N(d1): the hand-derived delta, differentiated by flatgrad for gamma when there is no hessian."""
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * math.sqrt(T))
    return ncdf(d1)


def closed_form(S, sigma, r, T, K):
    """Textbook Greeks of a European call (no dividends), to check against."""
    sqrt_t = math.sqrt(T)
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    pdf = math.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi)
    disc = K * math.exp(-r * T)
    price = S * ncdf(d1) - disc * ncdf(d2)
    theta = -S * pdf * sigma / (2.0 * sqrt_t) - r * disc * ncdf(d2)
    return price, ncdf(d1), pdf / (S * sigma * sqrt_t), S * pdf * sqrt_t, T * disc * ncdf(d2), theta


def options(n, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(50, 150, n), rng.uniform(0.1, 0.5, n), rng.uniform(0.0, 0.05, n),
            rng.uniform(0.1, 2.0, n), 100.0)


def gamma_fn(target):
    """Vectorized gamma: d2C/dS2 by hessian if available, else d/dS of the delta."""
    if hasattr(fg, "hessian"):
        try:
            v = fg.vectorize(fg.hessian(call_price, argnums=0), target)
            return v, "flatgrad.hessian"
        except (TypeError, ValueError, fg.CompileError) as e:
            print(f"(hessian not vectorizable here: {e}; using grad of the delta)")
    return fg.vectorize(fg.grad(call_delta, argnums=0), target), "grad of N(d1)"


def timed(fn, repeats=5):
    fn()                                        # compile (or load from the cache) first
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def cuda_available():
    try:
        from flatgrad.runtime.cuda_launch import load_cuda
        load_cuda()
        return True
    except RuntimeError as e:
        print(f"cuda: skipped ({str(e).split(';')[0]})")
        return False


def main(n):
    args = options(n)
    ref = fg.vectorize(closed_form, "parallel")(*args)
    targets = ["cpu", "parallel"] + (["cuda"] if cuda_available() else [])
    print(f"{n:,} European calls; Greeks by flatgrad.grad, mapped by flatgrad.vectorize")
    for target in targets:
        greeks = fg.vectorize(fg.value_and_grad(call_price, argnums=(0, 1, 2, 3)), target)
        gamma, how = gamma_fn(target)
        price, (delta, vega, rho, dT) = greeks(*args)
        g = gamma(*args)
        got = {"price": price, "delta": delta, "gamma": g, "vega": vega, "rho": rho, "theta": -dT}
        errs = {k: float(np.max(np.abs(v - r)) / max(1.0, float(np.max(np.abs(r)))))
                for (k, v), r in zip(got.items(), ref)}
        t_greeks = timed(lambda: greeks(*args))
        t_gamma = timed(lambda: gamma(*args))
        print(f"\n[{target}] price+delta+vega+rho+theta {1e3 * t_greeks:8.2f} ms   "
              f"gamma ({how}) {1e3 * t_gamma:8.2f} ms")
        print("  max |flatgrad - closed form| / max(1, max |closed form|):")
        print("  " + "  ".join(f"{k} {e:.1e}" for k, e in errs.items()))
        assert max(errs.values()) < 1e-10, errs
    print(f"\noption 0: S={args[0][0]:.2f} sigma={args[1][0]:.3f} r={args[2][0]:.4f} T={args[3][0]:.3f} "
          f"K=100: price {price[0]:.4f} delta {delta[0]:.4f} gamma {g[0]:.5f} vega {vega[0]:.3f} "
          f"rho {rho[0]:.3f} theta {-dT[0]:.3f}")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 10**6)
