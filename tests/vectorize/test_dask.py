"""vectorize over Dask arrays (lazy, chunk by chunk, the NumPy call's values to the bit), and
flatgrad's callables pickled by reference for other processes (Dask workers)."""
import math
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import flatgrad as fg
from vec_funcs import call_price, neuron, piecewise, polar

da = pytest.importorskip("dask.array")

TARGETS = ["cpu", "parallel"]
RNG = np.random.default_rng(1)
N = 101
S, T, SIGMA = RNG.uniform(50, 150, N), RNG.uniform(0.1, 2.0, N), RNG.uniform(0.1, 0.5, N)
HERE = os.path.dirname(os.path.abspath(__file__))


def leaves(tree):
    if isinstance(tree, tuple):
        return [x for t in tree for x in leaves(t)]
    return [tree]


def assert_same(lazy, eager):
    """``lazy`` (Dask arrays) nests as ``eager`` (NumPy arrays) and computes to the same bits."""
    assert isinstance(lazy, tuple) == isinstance(eager, tuple)
    got, ref = leaves(lazy), leaves(eager)
    assert [len(x) for x in (lazy, eager) if isinstance(x, tuple)] in ([], [len(eager)] * 2)
    assert len(got) == len(ref) and all(isinstance(g, da.Array) for g in got)
    for g, r in zip(da.compute(*got), ref):
        assert g.dtype == r.dtype and g.shape == r.shape
        np.testing.assert_array_equal(g, r)


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_greeks_chunk_by_chunk_equal_the_numpy_call(target):
    greeks = fg.vectorize(fg.value_and_grad(call_price, argnums=(0, 2, 3, 4)), target)
    eager = greeks(S, 100.0, T, 0.02, SIGMA)
    # chunks that differ between the arguments are unified; a NumPy array and scalars mix in
    lazy = greeks(da.from_array(S, chunks=30), 100.0, da.from_array(T, chunks=45), 0.02, SIGMA)
    assert lazy[0].numblocks[0] > 3
    assert_same(lazy, eager)


@pytest.mark.slow
def test_nothing_runs_before_compute():
    v = fg.vectorize(fg.grad(neuron, argnums=(1, 3)), "cpu")
    lazy = v(2.0, da.from_array(S, chunks=25), -3.0, da.from_array(T, chunks=25), -3.0)
    assert isinstance(lazy, tuple) and not v._kernels       # the graph is built; nothing compiled
    lazy[0].compute()
    assert v._kernels


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_broadcasting_a_column_against_a_row_and_2d_chunks(target):
    v = fg.vectorize(polar, target)
    col, row = RNG.standard_normal((6, 1)), RNG.standard_normal((1, 8))
    assert_same(v(da.from_array(col, chunks=(4, 1)), row), v(col, row))
    grid = RNG.standard_normal((6, 8))
    assert_same(v(da.from_array(grid, chunks=(3, 5)), 0.5), v(grid, 0.5))
    one = fg.vectorize(fg.grad(neuron, argnums=1), target)           # one result: one array
    assert_same(one(np.float64(2.0), da.from_array(grid, chunks=4), -3.0, row, -3.0),
                one(np.float64(2.0), grid, -3.0, row, -3.0))


@pytest.mark.slow
def test_float32_and_integer_chunks():
    v = fg.vectorize(fg.grad(neuron, argnums=(1,)), "cpu")
    x = S.astype(np.float32)
    assert_same(v(2.0, da.from_array(x, chunks=40), -3.0, 0.5, -3.0), v(2.0, x, -3.0, 0.5, -3.0))
    k = np.arange(20)
    assert_same(v(2.0, da.from_array(k, chunks=7), -3.0, 0.5, -3.0), v(2.0, k, -3.0, 0.5, -3.0))


def test_dask_misuse_is_explained():
    v = fg.vectorize(neuron, "cpu")
    x = da.from_array(S, chunks=50)
    with pytest.raises(TypeError, match="out= is not supported with Dask arrays"):
        v(1.0, x, 1.0, 1.0, 1.0, out=np.empty(N))
    with pytest.raises(ValueError, match="argument 'x1' has shape"):
        v(1.0, x, 1.0, np.ones(3), 1.0)
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        v(1.0, x[x > 100], 1.0, 1.0, 1.0)


def test_equal_vectorize_objects_name_their_tasks_alike():
    from dask.base import tokenize
    make = lambda target: fg.vectorize(fg.grad(neuron, argnums=(1, 3)), target)   # noqa: E731
    assert tokenize(make("cpu")) == tokenize(make("cpu")) != tokenize(make("parallel"))
    x = da.from_array(S, chunks=50)
    assert make("cpu")(2.0, x, -3.0, x, -3.0)[0].name == make("cpu")(2.0, x, -3.0, x, -3.0)[0].name


# ---------------------------------------------------------------- pickling


def run_python(code: str, data: bytes) -> str:
    """Run ``code`` in a fresh interpreter with ``data`` on its stdin; its stdout."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([HERE, os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, env=env,
                       cwd=os.path.dirname(HERE), timeout=300)
    assert r.returncode == 0, r.stderr.decode()[-3000:]
    return r.stdout.decode().strip()


UNPICKLE_AND_CALL = ("import pickle, sys, numpy as np; v = pickle.loads(sys.stdin.buffer.read()); "
                     "print(type(v).__name__, repr(np.asarray(v(np.arange(1.0, 4.0), 0.5)).tolist()))")


@pytest.mark.slow
def test_pickled_by_reference_and_rebuilt_in_a_fresh_process():
    v = fg.vectorize(fg.grad(piecewise, argnums=(0, 1)), "parallel")
    v(np.ones(2), 0.5)                                   # compiled here: no compiled state goes
    data = pickle.dumps(v)
    assert b"vec_funcs" in data and b"piecewise" in data and len(data) < 1000
    expected = repr(np.asarray(v(np.arange(1.0, 4.0), 0.5)).tolist())
    assert run_python(UNPICKLE_AND_CALL, data).split(maxsplit=1) == ["Vectorized", expected]
    g = pickle.loads(pickle.dumps(fg.value_and_grad(call_price, argnums=(0, 4))))
    assert g.req == fg.value_and_grad(call_price, argnums=(0, 4)).req
    assert g(100.0, 95.0, 0.5, 0.03, 0.2) == fg.value_and_grad(call_price, argnums=(0, 4))(
        100.0, 95.0, 0.5, 0.03, 0.2)


def scaled(k):
    def f(x, y):
        return k * x * math.exp(y)
    return f


@pytest.mark.slow
def test_a_closure_goes_by_value_with_cloudpickle_and_plain_pickle_says_why_not():
    v = fg.vectorize(fg.grad(scaled(3.0), argnums=(0, 1)), "cpu")
    with pytest.raises(pickle.PicklingError, match="not reachable by name.*cloudpickle"):
        pickle.dumps(v)
    cloudpickle = pytest.importorskip("cloudpickle")
    expected = repr(np.asarray(v(np.arange(1.0, 4.0), 0.5)).tolist())
    assert run_python(UNPICKLE_AND_CALL, cloudpickle.dumps(v)).split(maxsplit=1)[1] == expected


@pytest.mark.slow
def test_greeks_on_a_local_cluster_of_two_worker_processes():
    distributed = pytest.importorskip("distributed")
    greeks = fg.vectorize(fg.value_and_grad(call_price, argnums=(0, 2, 3, 4)), "parallel")
    eager = greeks(S, 100.0, T, 0.02, SIGMA)         # also fills the on-disk cache the workers read
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        lazy = greeks(da.from_array(S, chunks=26), 100.0, da.from_array(T, chunks=26), 0.02, SIGMA)
        futures = client.compute(leaves(lazy))
        got = client.gather(futures)
        who = client.run(os.getpid)
    assert len(set(who.values())) == 2 and os.getpid() not in who.values()
    for g, r in zip(got, leaves(eager)):
        np.testing.assert_array_equal(g, r)
