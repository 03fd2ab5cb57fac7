"""Gradients of sums over Dask row chunks (compiler/rows.py, runtime/dask_rows.py): every
call equals the same call on the in-memory arrays (the oracle: flatgrad's in-memory
transform, itself checked against finite differences here once more); every non-additive
model is rejected at its line. Threaded scheduler, python target (no JIT) unless stated."""
import inspect

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.compiler.tree import flatten
from tests.rows import funcs as F

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

RNG = np.random.default_rng(7)
N, D = 203, 4
XN = RNG.normal(size=(N, D))
YN = (RNG.random(N) < 0.4).astype(float)
SN = RNG.uniform(0.5, 2.0, N)
W = RNG.normal(size=D) * 0.5


def lazy(a, chunks):
    return da.from_array(a, chunks=chunks)


def assert_close(got, want):
    g, gt = flatten(got)
    w, wt = flatten(want)
    assert gt == wt
    for a, b in zip(g, w):
        assert type(a) is type(b) or np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-11)


ADDITIVE = [
    (F.logistic_nll, ()),
    (F.least_squares_mean, ()),
    (F.weighted_sum, ("s",)),
    (F.column_means, ()),
    (F.hand_normal_equations, ()),
    (F.per_row_loop, ()),
    (F.generator_sum, ()),
    (F.affine_of_sums, ()),
    (F.columns, ()),
]


@pytest.mark.parametrize("f, more", ADDITIVE, ids=[f.__name__ for f, _ in ADDITIVE])
@pytest.mark.parametrize("transform", ["value_and_grad", "grad"])
def test_additive_models_equal_the_in_memory_call(f, more, transform):
    t = getattr(fg, transform)(f, target="python")
    extra_np = [SN for _ in more]
    # X and y chunked differently (rows unified to X's), X's columns in two chunks
    X, y = lazy(XN, (60, 2)), lazy(YN, 47)
    extra = [lazy(SN, 101) for _ in more]
    with dask.config.set(scheduler="threads"):
        assert_close(t(W, X, y, *extra), t(W, XN, YN, *extra_np))


def test_the_gradient_matches_finite_differences():
    X, y = lazy(XN, 50), lazy(YN, 50)
    g = fg.grad(F.logistic_nll, target="python")(W, X, y)
    eps, num = 1e-6, np.zeros(D)
    for j in range(D):
        e = np.zeros(D)
        e[j] = eps
        num[j] = (F.logistic_nll(W + e, XN, YN) - F.logistic_nll(W - e, XN, YN)) / (2 * eps)
    np.testing.assert_allclose(g, num, rtol=1e-7, atol=1e-9)


def test_pytree_parameters_and_a_static_mode():
    params = {"W1": RNG.normal(size=(D, 5)), "b1": RNG.normal(size=5),
              "W2": RNG.normal(size=(5, 1)), "b2": np.array([0.1])}
    X, y = lazy(XN, 70), lazy(YN, 70)
    vg = fg.value_and_grad(F.mlp, target="python")
    assert_close(vg(params, X, y), vg(params, XN, YN))
    g = fg.grad(F.branch_on_parameter, target="python")
    for act, reg in ((np.tanh, None), (np.sin, 0.5)):
        assert_close(g(W, X, y, act, reg), g(W, XN, YN, act, reg))
    # parameters too large to travel inside every chunk's task: one value of the graph
    big = {"w": W, "unused": RNG.normal(size=10**4)}
    g = fg.value_and_grad(F.mlp_like_dict, target="python")
    assert_close(g(big, X, y), g(big, XN, YN))


def test_hvp_and_jvp_of_the_gradient():
    X, y = lazy(XN, 64), lazy(YN, 64)
    v = RNG.normal(size=D)
    h = fg.hvp(F.logistic_nll, target="python")
    assert_close(h(W, X, y, v), h(W, XN, YN, v))
    g = fg.grad(F.least_squares_mean, target="python")
    hv = fg.hvp(F.least_squares_mean, target="python")(W, X, y, v)
    np.testing.assert_allclose(hv, 2 * XN.T @ (XN @ v) / N, rtol=1e-12)
    np.testing.assert_allclose(g(W, X, y), 2 * XN.T @ (XN @ W - YN) / N, rtol=1e-12)
    # jvp of the gradient, the data held constant (None tangents): (gradient, H @ v)
    jv = fg.jvp(fg.grad(F.logistic_nll, target="python"), (W, X, y), (v, None, None),
                target="python")
    assert_close(jv, fg.jvp(fg.grad(F.logistic_nll, target="python"), (W, XN, YN),
                            (v, None, None), target="python"))


def test_one_chunk_and_many_chunks():
    g = fg.value_and_grad(F.logistic_nll, target="python")
    want = g(W, XN, YN)
    for chunks in (N, 1, 17):
        assert_close(g(W, lazy(XN, chunks), lazy(YN, chunks)), want)


def test_processes_scheduler():
    g = fg.value_and_grad(F.logistic_nll, target="python")
    with dask.config.set(scheduler="processes", num_workers=2):
        assert_close(g(W, lazy(XN, 80), lazy(YN, 80)), g(W, XN, YN))


def test_each_chunk_of_the_data_is_computed_once_per_call():
    calls = []

    def source(block, block_info=None):
        calls.append(block_info[None]["chunk-location"])
        return block

    X = lazy(XN, (50, D)).map_blocks(source, dtype=float)
    g = fg.value_and_grad(F.logistic_nll, target="python")
    with dask.config.set(scheduler="sync"):
        assert_close(g(W, X, lazy(YN, 50)), g(W, XN, YN))
    assert sorted(calls) == sorted(set(calls)) and len(calls) == 5


def test_scipy_optimizers_fit_as_on_in_memory_data():
    from scipy.optimize import minimize
    X, y = lazy(XN, 50), lazy(YN, 50)
    vg = fg.value_and_grad(F.logistic_nll, target="python")
    a = minimize(vg, np.zeros(D), args=(X, y), jac=True, method="L-BFGS-B")
    b = minimize(vg, np.zeros(D), args=(XN, YN), jac=True, method="L-BFGS-B")
    np.testing.assert_allclose(a.x, b.x, rtol=1e-8, atol=1e-10)
    assert abs(a.fun - b.fun) < 1e-12
    h = fg.hvp(F.logistic_nll, target="python")
    c, d = (minimize(vg, np.zeros(D), args=data, jac=True, method="Newton-CG",
                     hessp=lambda w, v, X, y: h(w, X, y, v)) for data in ((X, y), (XN, YN)))
    np.testing.assert_allclose(c.x, d.x, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(c.x, b.x, rtol=1e-4)


def _line(f) -> int:
    src, first = inspect.getsourcelines(f)
    return first + next(i for i, s in enumerate(src) if "# breaks" in s)


NOT_ADDITIVE = [
    (F.centred, (), "as in a normalisation"),
    (F.log_of_sum, (), "not linear"),
    (F.max_over_rows, (), "not a sum"),
    (F.product_of_sums, (), "not linear"),
    (F.gram_inverse, (), "not linear"),
    (F.recurrence_over_rows, (), "running sum"),
    (F.next_row, (), "a part of the rows is picked"),
    (F.numpy_rows, ("c",), "pass per-row values as Dask arrays"),
    (F.weighted_mean, ("s",), "not linear"),
    (F.sorted_rows, (), "sort"),
]


@pytest.mark.parametrize("f, more, why", NOT_ADDITIVE, ids=[f.__name__ for f, _, _ in NOT_ADDITIVE])
def test_each_non_additive_model_is_rejected_at_its_line(f, more, why):
    X, y = lazy(XN, 50), lazy(YN, 50)
    extra = [SN if m == "c" else lazy(SN, 50) for m in more]
    with pytest.raises(fg.CompileError) as e:
        fg.grad(f, target="python")(W, X, y, *extra)
    text = str(e.value)
    assert f"funcs.py:{_line(f)}:" in text and "not a sum over the rows" in text, text
    assert "pass it in as a parameter" in text
    assert why in text, text
    # the in-memory call is unaffected
    fg.grad(f, target="python")(W, XN, YN, *[SN for _ in more])


def test_bad_dask_arguments_are_named():
    X = lazy(XN, 50)
    g = fg.grad(F.least_squares_mean, target="python")
    with pytest.raises(ValueError, match="'X' and 'y' have 203 and 100 rows"):
        g(W, X, lazy(YN[:100], 50))
    with pytest.raises(TypeError, match="argument 'X' is a Dask array and is differentiated"):
        fg.grad(F.least_squares_mean, argnums=1, target="python")(W, X, YN)
    unknown = X[X[:, 0] > 0]
    with pytest.raises(ValueError, match="argument 'X' must be a Dask array with rows and known"):
        g(W, unknown, YN)


def test_a_loop_over_part_of_the_rows_and_data_in_containers_are_rejected():
    X, y = lazy(XN, 50), lazy(YN, 50)

    def skip_first(w, X, y):
        total = 0.0
        for i in range(1, X.shape[0]):
            total += X[i] @ w
        return total
    with pytest.raises(fg.CompileError, match="must run over all of them"):
        fg.grad(skip_first, target="python")(W, X, y)
    with pytest.raises(TypeError, match="whole arguments"):
        fg.grad(lambda w, d: np.sum(d[0] @ w), target="python")(W, (X, y))


def test_show_names_the_split_sums(capsys):
    from flatgrad.cli import main
    assert main(["show", "tests/rows/funcs.py::logistic_nll", "--rows", "X,y", "--types",
                 "w=f64[:],X=f64[:,:],y=f64[:]"]) == 0
    out = capsys.readouterr().out
    assert "# one row chunk of X, y runs this" in out
    assert "funcs.py:12: return np.sum(np.logaddexp(0.0, z) - y * z) / X.shape[0]" in out
    assert "def logistic_nll_grad_rows(w, X, y, rows):" in out and "1.0 / rows" in out


def test_a_cluster_given_by_address():
    """A LocalCluster of 2 worker processes, reached as any cluster is, by its scheduler's
    address: the workers rebuild the transform by reference (runtime/pickling.py) and run
    their chunks; the client gets parameter-sized results."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster.scheduler_address):
        X, y = lazy(XN, 70), lazy(YN, 70)
        vg = fg.value_and_grad(F.logistic_nll, target="python")
        assert_close(vg(W, X, y), vg(W, XN, YN))
        h = fg.hvp(F.per_row_loop, target="python")
        v = RNG.normal(size=D)
        assert_close(h(W, X, y, v), h(W, XN, YN, v))
        # parameters too large to travel inside every chunk's task are one value of the graph
        big = {"w": W, "unused": np.zeros(10**4)}
        g = fg.grad(F.mlp_like_dict, target="python")
        assert_close(g(big, X, y), g(big, XN, YN))


def test_data_held_by_the_workers_runs_as_a_task_per_worker():
    """Persisted data (every block in a worker's memory): one task per worker thread, placed
    where the placement says, loops over its chunks; equal to the in-memory call and to the
    closed form; a placement that is wrong (data moved, a worker gone) still gives the same
    results, the tasks fetching their blocks; the client gets one result."""
    distributed = pytest.importorskip("distributed")
    from flatgrad.runtime import dask_placement
    from flatgrad.runtime.dask_rows import _row_keys
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        X, y = client.persist([lazy(XN, 25), lazy(YN, 25)])      # 9 chunks
        distributed.wait([X, y])
        keys = tuple(zip(_row_keys(X), _row_keys(y)))
        workers = sorted(client.scheduler_info()["workers"])
        known = dask_placement._KNOWN.setdefault(client, {})
        v = RNG.normal(size=D)
        big = {"w": W, "unused": np.zeros(10**4)}     # a payload that is a value of the graph
        cases = [(fg.value_and_grad(F.logistic_nll, target="python"), (W,), ()),
                 (fg.hvp(F.per_row_loop, target="python"), (W,), (v,)),
                 (fg.grad(F.least_squares_mean, target="python"), (W,), ()),
                 (fg.value_and_grad(F.mlp_like_dict, target="python"), (big,), ())]
        said = [({k: [workers[i % 2]] for i, chunk in enumerate(keys) for k in chunk},
                 {w: 1 for w in workers}, 2),                    # 5 and 4 chunks
                ({k: ["tcp://127.0.0.1:9"] for chunk in keys for k in chunk},
                 {"tcp://127.0.0.1:9": 2}, 2),                   # a worker that is gone
                ({k: [workers[0]] for chunk in keys for k in chunk},
                 {w: 1 for w in workers}, 6)]    # 9 and 0: rows 200 and 3, then 100
        # and 103 (8 chunks of 25 rows and one of 3): 5 chunks moved, a task each
        for who_has, nthreads, tasks in said:
            for t, params, more in cases:
                known[keys] = (who_has, nthreads)
                with distributed.get_task_stream(client) as stream:
                    got = t(*params, X, y, *more)
                assert_close(got, t(*params, XN, YN, *more))
                ours = [r["key"] for r in stream.data if "flatgrad-rows" in str(r["key"])]
                kinds = sorted(k[1] for k in ours if k[1] != "payload")
                assert kinds == ["sum"] + ["worker"] * tasks, kinds
        g = fg.grad(F.least_squares_mean, target="python")
        np.testing.assert_allclose(g(W, X, y), 2 * XN.T @ (XN @ W - YN) / N, rtol=1e-12)
        # the placement the scheduler gives, asked again in the background after each call
        known.clear()
        for _ in range(3):
            assert_close(g(W, X, y), g(W, XN, YN))
        assert known[keys][0].keys() == {k for chunk in keys for k in chunk}


@pytest.mark.slow
def test_memory_on_a_cluster():
    """Lazily generated data (not persisted), 40 chunks on 2 workers: by the workers' own
    memory records no worker ever holds more than a few chunks of it, and the client is
    sent one parameter-sized result (the scheduler's record of what clients ask for)."""
    distributed = pytest.importorskip("distributed")
    from bench import dask_memory
    rows, cols, chunk = 200_000, D, 5_000
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dask_memory.install(client)
        gen = da.random.default_rng(3)
        X = gen.normal(size=(rows, cols), chunks=(chunk, cols))
        y = (X[:, 0] + gen.logistic(size=rows, chunks=chunk) > 0).astype(float)
        vg = fg.value_and_grad(F.logistic_nll, target="python")
        got, peaks, delivered = dask_memory.measure(client, lambda: vg(W, X, y))
        Xn, yn = dask.compute(X, y)
        assert_close(got, vg(W, Xn, yn))
    one_chunk = chunk * (cols + 2) * 8          # a chunk of X, y and the noise behind y
    for peak_bytes, _ in peaks.values():
        assert 0 < peak_bytes <= 5 * one_chunk, (peaks, one_chunk)   # of 20 chunks each
    assert len(delivered) == 1 and delivered[0] <= 8 * (D + 1) + 200, delivered


@pytest.mark.slow
def test_cpu_target(monkeypatch):
    """The default target (Numba), on the loop over rows (where Numba is what runs); and with
    each chunk in blocks of 9 rows (views of the chunk's rows: the same compiled code)."""
    from flatgrad.runtime import dask_rows
    X, y = lazy(XN, 70), lazy(YN, 70)
    with dask.config.set(scheduler="threads"):
        vg = fg.value_and_grad(F.per_row_loop)
        want = vg(W, XN, YN)
        assert_close(vg(W, X, y), want)
        monkeypatch.setattr(dask_rows, "BLOCK_ROWS", (9, 9))
        monkeypatch.setattr(dask_rows, "BASE_SHARE", 0)
        assert dask_rows._block_rows([X, y]) == 9
        assert_close(vg(W, X, y), want)


def test_the_example_fits_and_reports(capsys, monkeypatch):
    """examples/dask_fit.py at a small size: the logistic model reaches the in-memory
    optimum (same objective, same optimizer, NumPy data) and prints loss and accuracy."""
    from pathlib import Path
    from scipy.optimize import minimize
    # the workers import the models' module by name, as they would an installed module
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "examples"))
    import dask_fit
    out = dask_fit.main(["4e4", "--chunk", "1e4", "--target", "python", "--models", "logistic"])
    printed = capsys.readouterr().out
    assert "4 chunks on 2 workers" in printed and "logistic  final loss" in printed
    X, y = dask_fit.data(40000, 10000)
    Xn, yn = dask.compute(X, y, scheduler="threads")
    vg = fg.value_and_grad(dask_fit.logistic, target="python")
    ref = minimize(vg, np.random.default_rng(1).normal(size=dask_fit.D + 1) * 0.1,
                   args=(Xn, yn), jac=True, method="L-BFGS-B", options={"maxiter": 200})
    assert abs(out["logistic"].fun - ref.fun) < 1e-9
    np.testing.assert_allclose(out["logistic"].x, ref.x, rtol=1e-5, atol=1e-6)
