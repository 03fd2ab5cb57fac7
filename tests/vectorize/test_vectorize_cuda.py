"""The cuda target: cuda_cases.py in a separate pytest process, under Numba's CUDA simulator
(everywhere) and on a real GPU (marked ``cuda``; skipped where there is none)."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run_cases(simulator: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    if simulator:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           os.path.join(HERE, "cuda_cases.py")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def gpu_present() -> tuple[bool, str]:
    """Asked in a child process, so this process never imports numba.cuda itself."""
    code = ("import numba_cuda; from numba import cuda; import sys; "
            "sys.exit(0 if cuda.is_available() else 3)")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if r.returncode == 0:
        return True, ""
    if "No module named 'numba_cuda'" in r.stderr:
        return False, "numba-cuda is not installed (pip install 'flatgrad[cuda]')"
    return False, "no CUDA GPU here (numba.cuda.is_available() is False)"


@pytest.mark.slow
def test_cuda_target_under_the_simulator():
    pytest.importorskip("numba_cuda", reason="numba-cuda is not installed")
    r = run_cases(simulator=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.cuda
@pytest.mark.slow
def test_cuda_target_on_the_gpu():
    ok, why = gpu_present()
    if not ok:
        pytest.skip(f"real-GPU variant: {why}; the simulator variant covers this machine")
    r = run_cases(simulator=False)
    assert r.returncode == 0, r.stdout + r.stderr
