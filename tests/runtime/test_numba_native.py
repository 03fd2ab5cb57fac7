"""flatgrad transforms called from user @njit code, prange loops and cfunc callbacks."""
import numpy as np
import pytest
from numba.core.errors import TypingError

from . import native_funcs as F

pytestmark = pytest.mark.slow        # every test compiles with Numba

X = np.array([0.3, -0.5])


def test_called_in_an_njit_loop_equals_the_python_call():
    want = sum(F.d_energy(X, 0.7 + i)[1] + F.d_energy(X, 0.7 + i)[0][0]
               + F.vg_energy(X, 0.7)[0] + F.vg_energy(X, 0.7)[1] for i in range(3))
    assert F.loop_user(X, 0.7, 3) == pytest.approx(want, rel=1e-12)


def test_called_in_a_prange_loop():
    ws = np.linspace(0.0, 1.0, 8)
    want = [2 * np.sum(np.tanh(X * w) * (1 - np.tanh(X * w) ** 2) * X) for w in ws]
    np.testing.assert_allclose(F.prange_user(X, ws), want, rtol=1e-12)


def test_a_cfunc_gradient_is_a_scipy_low_level_callable():
    import scipy.integrate
    from scipy import LowLevelCallable
    value, _ = scipy.integrate.quad(LowLevelCallable(F.d_cube_c.ctypes), 0.0, 2.0)
    assert value == pytest.approx(8.0)          # the integral of 3x^2 over [0, 2]


def test_clear_typing_errors():
    with pytest.raises(TypingError, match="target='cpu'"):
        F.calls_python_target(1.0)
    with pytest.raises(TypingError, match="differentiated argument must be a float"):
        F.passes_an_int(1.0)


def test_the_example_runs():
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parents[2] / "examples" / "numba_native.py"
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "work 0.984375 (exact 0.984375)" in out.stdout
