"""flatgrad show --vmap: the per-example gradient's batched code."""
import subprocess
import sys
from pathlib import Path

PROGRAMS = Path(__file__).resolve().parent / "programs.py"


def show(*extra):
    return subprocess.run([sys.executable, "-m", "flatgrad", "show", f"{PROGRAMS}::linear_loss",
                           "--wrt", "W", "--types", "W=f64[:,:],x=f64[:],y=f64[:]", *extra],
                          capture_output=True, text=True)


def test_show_vmap_prints_the_einsum():
    out = show("--vmap", "None,0,0")
    assert out.returncode == 0, out.stderr
    assert "np.einsum('ni,nj->nij', x, " in out.stdout and "x @ W" in out.stdout
    loop = show("--vmap", "None,0,0", "--vmap-method", "loop")
    assert loop.returncode == 0 and "for k in range(1, " in loop.stdout


def test_show_vmap_rejects_bad_axes():
    out = show("--vmap", "None,zero,0")
    assert out.returncode != 0 and "--vmap" in out.stderr
