"""vectorize rejects bad input with errors that name the problem (no Numba compile needed)."""
import sys

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.cli import main
from flatgrad.compiler import types as T
from flatgrad.compiler.pipeline import Request, transform
from vec_funcs import neuron, power_loop, scale, sum_of_squares

FUNCS = __import__("vec_funcs").__file__


def test_mismatched_lengths_name_the_arguments():
    v = fg.vectorize(fg.grad(neuron, argnums=(0, 1)))
    with pytest.raises(ValueError, match=r"argument 'x1' has shape \(4,\).*\(3,\).*'x0'"):
        v(1.0, np.ones(3), 2.0, np.ones(4), 0.0)


def test_wrong_argument_count_and_types():
    v = fg.vectorize(neuron)
    with pytest.raises(TypeError, match=r"takes 5 argument\(s\) \(w0, x0, w1, x1, w2\), got 2"):
        v(1.0, 2.0)
    with pytest.raises(TypeError, match="argument 'x0' has unsupported type str"):
        v(1.0, "a", 1.0, 1.0, 1.0)
    with pytest.raises(TypeError, match="argument 'x0' has dtype complex128"):
        v(1.0, np.ones(2, complex), 1.0, 1.0, 1.0)


def test_not_a_function():
    with pytest.raises(TypeError, match="scalar Python function.*got builtin_function_or_method"):
        fg.vectorize(abs)
    with pytest.raises(TypeError, match="got Vectorized"):
        fg.vectorize(fg.vectorize(neuron))
    with pytest.raises(ValueError, match="unknown vectorize target 'gpu'"):
        fg.vectorize(neuron, target="gpu")


def test_array_code_is_a_compile_error_that_says_why():
    with pytest.raises(fg.CompileError, match=r"funcs\.py:\d+(.|\n)*every argument a scalar"):
        fg.vectorize(fg.grad(sum_of_squares))(np.ones(3))


class ArrayValued:
    """A transform whose IR returns an array: not something vectorize can map."""
    fn, params, defaults, __name__ = scale, ("v",), (), "scale"
    req = Request()

    def build_ir(self, sig):
        return transform(scale, (T.Array("float64", 1),), self.req)


def test_non_scalar_result_is_rejected():
    with pytest.raises(TypeError, match="maps scalar functions, but scale returns a value of type f64"):
        fg.vectorize(ArrayValued())(np.ones(3))


def test_cuda_refuses_a_gradient_that_needs_a_tape():
    with pytest.raises(TypeError, match="CUDA device functions cannot allocate"):
        fg.vectorize(fg.grad(power_loop), target="cuda").build_source()


def test_cuda_without_numba_cuda(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba_cuda", None)       # import numba_cuda now fails
    v = fg.vectorize(fg.grad(neuron), target="cuda")
    with pytest.raises(RuntimeError, match=r"needs the numba-cuda package.*pip install 'flatgrad\[cuda\]'"):
        v(1.0, np.ones(3), 1.0, 1.0, 1.0)


def test_cuda_without_a_gpu():
    from flatgrad.runtime import cuda_launch
    pytest.importorskip("numba_cuda")
    from numba import cuda
    if cuda_launch.simulating(cuda) or cuda.is_available():
        pytest.skip("a GPU (or the simulator) is present, so there is no error to see")
    with pytest.raises(RuntimeError, match=r"no usable CUDA GPU.*NUMBA_ENABLE_CUDASIM=1"):
        fg.vectorize(fg.grad(neuron), target="cuda")(1.0, np.ones(3), 1.0, 1.0, 1.0)


def test_show_target_cuda_prints_the_kernel(capsys):
    assert main(["show", f"{FUNCS}::neuron", "--wrt", "x0,x1", "--target", "cuda"]) == 0
    out = capsys.readouterr().out
    assert "@cuda.jit(device=True)\ndef neuron_grad(w0, x0, w1, x1, w2):" in out
    assert "for i in range(start, out_grad_x0.shape[0], stride):" in out
    assert "from flatgrad.runtime.cuda_support import sigmoid" in out
    assert main(["show", f"{FUNCS}::neuron", "--target", "parallel"]) == 0
    assert "for i in prange(out_grad_w0.shape[0]):" in capsys.readouterr().out


def test_fastmath_is_off_by_default_and_can_be_chosen():
    assert "fastmath=False" in fg.vectorize(neuron, "parallel").build_source()
    src = fg.vectorize(neuron, "cpu", fastmath={"contract"}).build_source()
    assert "parallel=False, fastmath={'contract'})" in src


def test_launch_config_fills_the_device_and_covers_small_batches():
    from types import SimpleNamespace

    from flatgrad.runtime import cuda_launch
    dev = SimpleNamespace(id=-7, MAX_THREADS_PER_BLOCK=1024, MULTIPROCESSOR_COUNT=132,
                          MAX_THREADS_PER_MULTIPROCESSOR=2048)
    fake = SimpleNamespace(config=SimpleNamespace(ENABLE_CUDASIM=0), get_current_device=lambda: dev)
    assert cuda_launch.launch_config(fake, 10**8) == (132 * 8 * cuda_launch.WAVES, 256)
    assert cuda_launch.launch_config(fake, 1000) == (4, 256)
    assert cuda_launch.launch_config(fake, 1) == (1, 256)


def test_a_container_argument_is_a_clear_type_error():
    v = fg.vectorize(neuron, target="cpu")
    with pytest.raises(TypeError, match="'w0'.*separate arguments"):
        v((np.ones(3), np.ones(3)), 1.0, 1.0, 1.0, 1.0)
