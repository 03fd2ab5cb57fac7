"""Fit models on data bigger than one machine: gradients of sums over Dask row chunks.

The data X (n x 20) and labels y are Dask arrays, generated lazily in chunks of 10^6 rows on
the cluster's workers. The models are plain NumPy functions of (parameters, X, y); flatgrad
proves each one a sum over rows (flatgrad show --rows X,y prints what a chunk runs), runs its
gradient chunk by chunk where the data lives, and sums the results on the cluster: SciPy's
L-BFGS-B gets parameter-sized NumPy arrays, as with in-memory data. Run:

    python examples/dask_fit.py [N]                             # a LocalCluster of 2 processes
    python examples/dask_fit.py N --scheduler tcp://HOST:8786   # an existing cluster
    python examples/dask_fit.py 1e5 --target python             # small, no Numba compile

To fit a model of your own, change the line `MODELS = ...` (or write another function like
these two): anything that returns a sum or mean over rows of row-wise terms, plus terms that
do not read the data (a penalty), works. See docs/dask.md.
"""
import argparse
import time

import numpy as np
from scipy.optimize import minimize

import flatgrad as fg

D, HIDDEN = 20, 8


def logistic(w, X, y):
    """Mean logistic loss of a linear model, plus an L2 penalty."""
    z = X @ w[:-1] + w[-1]
    return np.mean(np.logaddexp(0.0, z) - y * z) + 1e-4 * np.sum(w * w)


def mlp(theta, X, y):
    """Mean logistic loss of a one-hidden-layer network; theta holds all its weights."""
    W1 = theta[:D * HIDDEN].reshape(D, HIDDEN)
    b1 = theta[D * HIDDEN:(D + 1) * HIDDEN]
    w2 = theta[(D + 1) * HIDDEN:-1]
    z = np.tanh(X @ W1 + b1) @ w2 + theta[-1]
    return np.mean(np.logaddexp(0.0, z) - y * z) + 1e-4 * np.sum(theta * theta)


MODELS = {"logistic": (logistic, D + 1), "mlp": (mlp, (D + 2) * HIDDEN + 1)}


def data(n, chunk, seed=0):
    """Features and labels as Dask arrays: nothing is generated until a task needs a chunk."""
    import dask.array as da
    rng = da.random.default_rng(seed)
    X = rng.normal(size=(n, D), chunks=(chunk, D))
    truth = np.linspace(-1.0, 1.0, D)
    noise = rng.logistic(size=n, chunks=chunk)
    y = (np.sin(X[:, 0]) + X @ truth * 0.5 + noise > 0).astype(np.float64)
    return X, y


def predict(name, params, X):
    if name == "logistic":
        return X @ params[:-1] + params[-1]
    W1 = params[:D * HIDDEN].reshape(D, HIDDEN)
    return np.tanh(X @ W1 + params[D * HIDDEN:(D + 1) * HIDDEN]) @ params[(D + 1) * HIDDEN:-1] \
        + params[-1]


def fit(name, X, y, target):
    f, size = MODELS[name]
    vg = fg.value_and_grad(f, target=target)
    start = np.random.default_rng(1).normal(size=size) * 0.1
    t0 = time.perf_counter()
    res = minimize(vg, start, args=(X, y), jac=True, method="L-BFGS-B",
                   options={"maxiter": 200})
    seconds = time.perf_counter() - t0
    accuracy = float(((predict(name, res.x, X) > 0) == (y > 0.5)).mean().compute())
    print(f"{name:9s} final loss {res.fun:.6f}  accuracy {accuracy:.4f}  "
          f"{res.nit} iterations, {res.nfev} value-and-gradient calls, {seconds:.1f} s")
    return res


def main(argv=None):
    from distributed import Client, LocalCluster
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=float, default=10**7, help="rows of data")
    parser.add_argument("--chunk", type=float, default=10**6, help="rows per chunk")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="a running Dask scheduler (tcp://host:8786); default: a LocalCluster")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--target", default="cpu", choices=["cpu", "python"])
    parser.add_argument("--models", default="logistic,mlp", help="comma-separated")
    args = parser.parse_args(argv)
    n, chunk = int(args.n), int(min(args.chunk, args.n))
    if args.scheduler:
        client, cluster = Client(args.scheduler), None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        X, y = data(n, chunk)
        # the optimizer calls the gradient dozens of times: keep the chunks in the workers'
        # memory rather than generating (or reading) them again on every call
        X, y = X.persist(), y.persist()
        print(f"{n:,} rows x {D} features in {X.numblocks[0]} chunks on "
              f"{len(client.scheduler_info()['workers'])} workers")
        return {name: fit(name, X, y, args.target) for name in args.models.split(",")}
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
