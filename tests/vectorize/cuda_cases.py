"""vectorize(target="cuda") cases. Not collected by the main run (numba.cuda must see
NUMBA_ENABLE_CUDASIM before it is first imported): test_vectorize_cuda.py runs this file in a
separate pytest process, under the simulator everywhere and on the real GPU where one exists."""
import math

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime import cuda_launch
from vec_funcs import call_price, neuron, piecewise, polar

cuda = cuda_launch.load_cuda()
SIM = cuda_launch.simulating(cuda)
N = 45 if SIM else 100_003              # the simulator runs every thread in Python: keep it small
RNG = np.random.default_rng(1)
X0, X1 = RNG.standard_normal(N), RNG.standard_normal(N)
ALL = (0, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def neuron_grad():
    return fg.vectorize(fg.grad(neuron, argnums=ALL), "cuda")


def reference(fn, *args):
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    cols = [np.broadcast_to(a, shape).ravel() for a in args]
    return [fn(*(c[i] for c in cols)) for i in range(math.prod(shape))]


def test_host_arrays_agree_with_grad_per_element(neuron_grad):
    got = neuron_grad(2.0, X0, -3.0, X1, -3.0)
    assert all(isinstance(g, np.ndarray) for g in got)
    ref = np.array(reference(fg.grad(neuron, argnums=ALL), 2.0, X0, -3.0, X1, -3.0))
    np.testing.assert_allclose(np.array(got), ref.T, rtol=1e-13)


def test_device_arrays_are_used_in_place_and_results_stay(neuron_grad):
    d0, d1 = cuda.to_device(X0), cuda.to_device(X1)
    got = neuron_grad(2.0, d0, -3.0, d1, -3.0)
    assert all(cuda_launch.is_device_array(g) for g in got)
    host = np.array([g.copy_to_host() for g in got])
    np.testing.assert_allclose(host, np.array(neuron_grad(2.0, X0, -3.0, X1, -3.0)), rtol=0)
    outs = tuple(cuda.device_array(N) for _ in ALL)
    back = neuron_grad(2.0, d0, -3.0, d1, -3.0, out=outs)
    assert all(b is o for b, o in zip(back, outs))
    np.testing.assert_allclose(outs[1].copy_to_host(), host[1], rtol=0)


def test_host_out_and_value_and_grad_nesting():
    v = fg.vectorize(fg.value_and_grad(neuron, argnums=(1, 3)), "cuda")
    outs = (np.empty(N), (np.empty(N), np.empty(N)))
    value, (g1, g3) = v(2.0, X0, -3.0, X1, -3.0, out=outs)
    assert value is outs[0] and g3 is outs[1][1]
    ref = reference(fg.value_and_grad(neuron, argnums=(1, 3)), 2.0, X0, -3.0, X1, -3.0)
    np.testing.assert_allclose(g3, [r[1][1] for r in ref], rtol=1e-13)


def test_branches_erf_tuples_float32_and_2d():
    xs = np.linspace(-2.0, 2.0, 12).reshape(3, 4)
    got = fg.vectorize(fg.grad(piecewise, argnums=(0, 1)), "cuda")(xs, 0.3)
    assert got[0].shape == (3, 4)
    ref = reference(fg.grad(piecewise, argnums=(0, 1)), xs, 0.3)
    np.testing.assert_allclose(np.array([g.ravel() for g in got]).T, ref, rtol=1e-13)
    sig = np.linspace(0.1, 0.5, 9)
    got = fg.vectorize(fg.grad(call_price, argnums=(0, 4)), "cuda")(100.0, 95.0, 0.5, 0.03, sig)
    ref = reference(fg.grad(call_price, argnums=(0, 4)), 100.0, 95.0, 0.5, 0.03, sig)
    np.testing.assert_allclose(np.array(got).T, ref, rtol=1e-12)
    r, theta = fg.vectorize(polar, "cuda")(X0, X1)
    np.testing.assert_allclose(r, np.hypot(X0, X1), rtol=1e-14)
    g32 = fg.vectorize(fg.grad(neuron, argnums=1), "cuda")(np.float32(2.0), X0.astype(np.float32),
                                                           -3.0, X1.astype(np.float32), -3.0)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, np.array(reference(fg.grad(neuron, argnums=1), 2.0, X0, -3.0, X1,
                                                       -3.0)), rtol=1e-5)


def test_cuda_array_interface_objects_are_used_in_place(neuron_grad):
    if SIM:
        pytest.skip("the simulator has no __cuda_array_interface__ import (as_cuda_array)")

    class Foreign:                     # what CuPy or PyTorch hand over: the interface alone
        def __init__(self, d):
            self.__cuda_array_interface__ = d.__cuda_array_interface__
            self.d = d
    got = neuron_grad(2.0, Foreign(cuda.to_device(X0)), -3.0, Foreign(cuda.to_device(X1)), -3.0)
    assert all(cuda_launch.is_device_array(g) for g in got)
    np.testing.assert_allclose(got[0].copy_to_host(), neuron_grad(2.0, X0, -3.0, X1, -3.0)[0], rtol=0)


def test_device_errors(neuron_grad):
    with pytest.raises(ValueError, match="device arrays must have the full batch shape"):
        neuron_grad(2.0, cuda.to_device(X0[:1]), -3.0, X1, -3.0)
    with pytest.raises(ValueError, match=r"argument 'x1' has shape \(3,\)"):
        neuron_grad(2.0, cuda.to_device(X0), -3.0, X1[:3], -3.0)
