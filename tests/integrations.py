"""Import every optional integration the ``test`` extra brings, and say loudly which package
versions do not work together.

pip's resolver can pick versions that install side by side but do not import together (a new
``dask`` with a ``distributed`` backtracked years: ``ImportError: cannot import name
'collections_to_dsk'``). Deep in the suite that shows as two unrelated test failures; here it
is one message naming the packages and their versions. ``.ci/run`` runs this module before
the suite (``python -m tests.integrations``), and ``tests/test_integrations.py`` runs it inside
the suite too, so the README's test command checks it on its own.
"""
from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata

#: distribution names whose versions go into every message
PACKAGES = ("numpy", "scipy", "numba", "llvmlite", "numba-cuda", "dask", "distributed",
            "autograd", "cairosvg", "sympy", "pytest", "pytest-xdist", "hypothesis")


def versions() -> str:
    """``name==version`` of each package above that is installed, one line."""
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def _dask() -> None:
    import dask
    import dask.array as da
    import distributed
    from distributed import Client, LocalCluster  # noqa: F401  (what the tests use)
    # dask and distributed are released in lockstep; a pair from different releases is what
    # broke before (each imported alone, distributed failed against the newer dask)
    if dask.__version__ != distributed.__version__:
        raise ImportError(f"dask {dask.__version__} with distributed {distributed.__version__}: "
                          "they are released together and must be the same version")
    assert float(da.ones(4, chunks=2).sum().compute(scheduler="sync")) == 4.0


def _cuda_simulator() -> None:
    """numba-cuda's simulator must import in a fresh process (it reads the variable once)."""
    code = ("from numba import cuda\n"
            "import numpy as np\n"
            "@cuda.jit\n"
            "def k(a):\n"
            "    i = cuda.grid(1)\n"
            "    if i < a.size:\n"
            "        a[i] += 1.0\n"
            "a = np.zeros(4); k[1, 4](a); assert a.sum() == 4.0\n")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    if run.returncode:
        raise ImportError(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "failed")


def _autograd() -> None:
    import autograd
    import autograd.numpy as anp
    assert abs(autograd.grad(lambda x: anp.sin(x))(0.0) - 1.0) < 1e-12


def _cairosvg() -> None:
    import cairosvg
    png = cairosvg.svg2png(bytestring=b'<svg xmlns="http://www.w3.org/2000/svg" width="2" '
                                      b'height="2"><rect width="2" height="2"/></svg>')
    assert png.startswith(b"\x89PNG")


def _numba() -> None:
    import numba
    import numpy as np
    assert numba.njit(lambda a: (a @ a).sum())(np.eye(2)) == 2.0


CHECKS = {"numba (with its BLAS through SciPy)": _numba,
          "dask.distributed": _dask,
          "numba-cuda's simulator": _cuda_simulator,
          "autograd": _autograd,
          "cairosvg": _cairosvg}


def check() -> list[str]:
    """The failures, one sentence each (empty when every integration works)."""
    failures = []
    for what, fn in CHECKS.items():
        try:
            fn()
        except Exception as e:   # noqa: BLE001  (any failure is the message)
            failures.append(f"{what}: {type(e).__name__}: {e}")
    return failures


def main() -> int:
    print("integrations:", versions())
    failures = check()
    for f in failures:
        print("BROKEN", f, file=sys.stderr)
    if failures:
        print("These packages do not work together; the versions are above. Install the test "
              "extra into a fresh virtual environment, or report the combination.", file=sys.stderr)
        return 1
    print("integrations: all import and run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
