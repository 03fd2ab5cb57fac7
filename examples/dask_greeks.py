"""Black-Scholes price and Greeks of many options on a Dask cluster, with flatgrad.vectorize.

The same object that maps the gradient over NumPy arrays maps it over Dask arrays: chunk by
chunk, lazily, on the cluster's workers. Each worker receives the vectorize object pickled by
reference (the function's module and name and the transform's parameters, no compiled code)
and compiles it once, or loads it from flatgrad's on-disk cache. Run:

    python examples/dask_greeks.py [N]                          # a LocalCluster of 2 processes
    python examples/dask_greeks.py N --scheduler tcp://HOST:8786  # an existing cluster

The pricing function lives in black_scholes_greeks.py next to this file; the script uploads
that file to the workers (Client.upload_file), so workers on other machines need flatgrad
installed, not this repository. See docs/dask.md.
"""
import argparse
import os
import time

import numpy as np

import flatgrad as fg
from black_scholes_greeks import call_price, closed_form

HERE = os.path.dirname(os.path.abspath(__file__))


def options(n, chunks, seed=0):
    """n random European calls as Dask arrays, generated on the workers (strike 100)."""
    import dask.array as da
    rng = da.random.default_rng(seed)
    return (rng.uniform(50, 150, n, chunks=chunks), rng.uniform(0.1, 0.5, n, chunks=chunks),
            rng.uniform(0.0, 0.05, n, chunks=chunks), rng.uniform(0.1, 2.0, n, chunks=chunks), 100.0)


def main(argv=None):
    import dask
    from distributed import Client, LocalCluster
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=float, default=10**7, help="number of options")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="a running Dask scheduler (tcp://host:8786); default: a LocalCluster")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--chunk", type=float, default=10**6, help="options per chunk")
    args = parser.parse_args(argv)
    n, chunk = int(args.n), int(args.chunk)

    if args.scheduler:
        client, cluster = Client(args.scheduler), None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        client.upload_file(os.path.join(HERE, "black_scholes_greeks.py"))   # call_price's module
        print(f"{n:,} European calls in chunks of {chunk:,} on "
              f"{len(client.scheduler_info()['workers'])} Dask worker(s)")
        # one worker thread per core does the parallelism: the serial kernel in each task
        greeks = fg.vectorize(fg.value_and_grad(call_price, argnums=(0, 1, 2, 3)), "cpu")
        S, sigma, r, T, K = options(n, chunk)
        price, (delta, vega, rho, dT) = greeks(S, sigma, r, T, K)    # lazy: nothing runs yet
        print(f"graph built: price is {price!r}")

        t0 = time.perf_counter()
        totals = dask.compute(price.sum(), delta.mean(), vega.max(), rho.mean(), (-dT).mean())
        print(f"computed on the workers in {time.perf_counter() - t0:.2f} s "
              "(the first run includes each worker's compile or cache load)")
        print("  sum of prices {:.6g}; mean delta {:.4f}; max vega {:.3f}; mean rho {:.3f}; "
              "mean theta {:.3f}".format(*totals))

        # a spot check: the first 1000 options against the closed-form Greeks
        few = [np.asarray(a[:1000]) for a in dask.compute(S, sigma, r, T)] + [K]
        got = dask.compute(price[:1000], delta[:1000], vega[:1000], rho[:1000], -dT[:1000])
        ref = fg.vectorize(closed_form, "cpu")(*few)
        errs = [float(np.max(np.abs(g - e)) / max(1.0, float(np.max(np.abs(e)))))
                for g, e in zip(got, (ref[0], ref[1], ref[3], ref[4], ref[5]))]
        print("  max error against the closed form, first 1000 options: "
              + "  ".join(f"{e:.1e}" for e in errs))
        assert max(errs) < 1e-10, errs
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
