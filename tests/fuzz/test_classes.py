"""The runner's classes on small hand-written programs: what is set aside (GEN_BAD for
intermediates out of range, KINK at points of non-differentiability) and that a wrong
derivative is still WRONG beside them; the campaign's configuration names parse back."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from . import oracle, runner
from .gen import Func, Program, Stmt, generate

ROOT = Path(__file__).resolve().parents[2]


def hand(body, params=(("x", ()),), helpers=(), ret=(), tag=""):
    """A program from source text: ``body`` is ``f``'s body, ``helpers`` are (name, params,
    body, return shape) of pure helpers, all indented by the renderer; ``tag="local"`` says
    that ``f`` writes a local array (then autograd is not an oracle, only differences)."""
    hs = [Func(name, [(p, s) for p, s in ps], [Stmt(text)], hr, pure=True)
          for name, ps, text, hr in helpers]
    return Program(hs, Func("f", list(params), [Stmt(body, tag=tag)], ret), seed=26)


def outcomes(prog, args, configs=("vg", "jvp", "vjp", "jacrev"), fg=None, workdir="."):
    rep = runner.evaluate(prog, [runner.Config(c) for c in configs], workdir, args=args, fg=fg)
    return rep


# a recurrence that explodes: y reaches 1e51, while the result (the spread of sin(y) plus a
# fixed ramp) does not depend on y at all; its exact derivative 0 comes out as rounding noise
EXPLODES = """for i in range({n}):
    y -= y ** 2
return np.var(1.5 + np.sin(y * np.ones((3, 3))) + 0.3 * np.arange(9).reshape(3, 3)) + x"""

STD = ("h", [("a0", (3,))], "return np.std(a0) * (1.0 + a0[0])", ())
TIE = ("h", [("a0", ())], "return max(a0, 0.5) * a0", ())


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    warnings.filterwarnings("ignore")
    return str(tmp_path_factory.mktemp("fuzz_classes"))


def test_exploding_intermediates_are_the_generators(workdir):
    big = hand(EXPLODES.format(n=8), (("x", ()), ("y", ())))
    rep = outcomes(big, [0.3, -0.61], workdir=workdir)
    assert rep.outcome == runner.GEN_BAD and "intermediate out of range" in rep.gen_bad
    # two steps keep y small: the same program is checked, and passes
    small = hand(EXPLODES.format(n=2), (("x", ()), ("y", ())))
    assert outcomes(small, [0.3, -0.61], workdir=workdir).outcome == runner.OK


def test_inner_transform_at_a_kink_is_a_kink(workdir):
    # the spread of equal entries has no derivative: flatgrad's is 0, autograd's NaN
    std = hand("return np.sum(fg.grad(h)(x * np.ones(3)))", helpers=[STD])
    rep = outcomes(std, [0.8], workdir=workdir)
    assert rep.outcome == runner.KINK and "grad of h" in rep.kink
    # a tie of max inside: flatgrad splits it (JAX's convention), autograd does not
    tie = hand("return fg.grad(h)(0.5 + 0.0 * x) + x", helpers=[TIE])
    assert outcomes(tie, [0.8], workdir=workdir).outcome == runner.KINK
    # the same programs at points where the helpers are smooth are checked, and pass
    spread = hand("return np.sum(fg.grad(h)(x * np.array([1.0, 2.0, 3.0])))", helpers=[STD])
    rep = outcomes(spread, [0.8], workdir=workdir)
    assert rep.outcome == runner.OK, rep.results
    off = hand("return fg.grad(h)(0.6 + 0.0 * x) + x", helpers=[TIE])
    assert outcomes(off, [0.8], workdir=workdir).outcome == runner.OK


LINEAR = ("h", [("a0", ())], "return 2.0 * a0 + 1.0", ())


def test_a_branch_on_an_inner_derivative_at_its_threshold_is_a_kink(workdir):
    """The second derivative of a line is exactly 0: compared with ``<= 0.0`` the branch
    taken depends on the last bit of each system's rounding (campaign 333, seed 333000599:
    autograd's 1.1e-16 and flatgrad's 0.0 took different arms). The same branch on a
    threshold away from the derivative is checked, and passes."""
    body = ("if fg.grad(fg.grad(h))(x) <= {t}:\n    return np.sin(x)\nreturn 2.0 * x")
    rep = outcomes(hand(body.format(t="0.0"), helpers=[LINEAR]), [0.8], workdir=workdir)
    assert rep.outcome == runner.KINK and "within rounding" in rep.kink
    rep = outcomes(hand(body.format(t="-0.5"), helpers=[LINEAR]), [0.8], workdir=workdir)
    assert rep.outcome == runner.OK, rep.results


def test_outer_derivative_at_a_kink_is_a_kink(workdir):
    # relu at 0: the central difference is 1/2, flatgrad's (and JAX's) derivative 0
    prog = hand("return relu(x - 0.5) + np.sin(x)")
    rep = outcomes(prog, [0.5], workdir=workdir)
    assert {r.outcome for r in rep.results} == {runner.KINK}, rep.results
    assert outcomes(prog, [0.7], workdir=workdir).outcome == runner.OK


# a planted bug in a subprocess (its own cache): sin's derivative 1% off
_PLANTED = """
import json, sys, warnings
warnings.filterwarnings("ignore")
from flatgrad.compiler import primitives as P
P.defderiv("sin", lambda b, s, out, x: b.mul(s, b.mul(1.01, b.cos(x))))
from tests.fuzz import runner
from tests.fuzz.test_classes import hand, outcomes, STD, TIE
cases = {
    "inner": (hand("return fg.grad(h)(x + 0.3) + x", helpers=[
        ("h", [("a0", ())], "return np.sin(a0) * a0", ())]), [0.4]),
    "outer_near_kink": (hand("return relu(x - 0.5) + np.sin(x)"), [0.7]),
    "beside_inner_kink_check": (hand("return np.sum(fg.grad(h)(x * np.array([1.0, 2.0, 3.0])))"
                                     " + np.sin(x)", helpers=[STD]), [0.8]),
    "beside_inner_tie_check": (hand("if fg.grad(fg.grad(h))(x) <= -0.5:\\n    return np.cos(x)"
                                    "\\nreturn np.sin(x)", helpers=[
        ("h", [("a0", ())], "return 2.0 * a0 + 1.0", ())]), [0.4]),
    "gen_range_ok": (hand("for i in range(2):\\n    y -= y ** 2\\nreturn np.sin(y) + x",
                          (("x", ()), ("y", ()))), [0.3, -0.61]),
}
out = {k: runner.evaluate(p, [runner.Config("vg"), runner.Config("jvp")], sys.argv[1],
                          args=a).outcome for k, (p, a) in cases.items()}
print(json.dumps(out))
"""


def test_a_wrong_derivative_is_still_wrong(tmp_path):
    """A broken rule (sin's derivative 1% off) is reported WRONG on programs beside each new
    class: a transform called inside at a smooth point (its value is the wrong derivative),
    a kink near but not at the point, a helper checked for kinks, a bounded recurrence."""
    env = {**os.environ, "FLATGRAD_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", _PLANTED, str(tmp_path)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res == dict.fromkeys(res, runner.WRONG) and len(res) == 5, res


def test_configuration_names_parse_back():
    """Every configuration a campaign can run is found again from its name (the summary's
    shrinking step reads them back: ``vmapvg-loop[python,-O1]`` once failed to parse)."""
    seen = set()
    for seed in range(9_000_000, 9_000_060):
        prog = generate(seed)
        for target in ("python", "cpu"):
            for cfg in runner.configs_for(prog, np.random.default_rng(0), target=target,
                                          full=True):
                assert runner.Config.parse(cfg.name) == cfg
                seen.add(cfg.transform)
    assert {"vmap-auto", "vmapvg-loop", "hess", "gradgrad"} <= seen
    assert runner.Config("vg", "cpu", False, True) == runner.Config.parse("vg[cpu,-O0,ckpt=True]")
    with pytest.raises(ValueError):
        runner.Config.parse("vg[python]")


def test_hessian_differences_agree_across_two_step_scales(workdir):
    """A small kink 3e-3 from the point (1e-6 * relu(x - 0.303)) is averaged alike by the
    coarse steps (2e-2, 1e-2, 5e-3 apart): their extrapolations agree on a second derivative
    8e-5 off, eight times the tolerance (fuzz seed 311000144: np.minimum(p, 0.25) reached
    3e-3 away gave 1.7e-5 for 3.2e-5). The fine scale does not straddle it, so the scales
    disagree and the entry is not compared; flatgrad's, right, is not called WRONG."""
    prog = hand("z = np.zeros(2)\nz[1] = x\nreturn 1e-6 * relu(z[1] - 0.303) + np.sin(x)",
                tag="local")
    f = runner.load(prog.source, workdir)[0].f
    coarse = oracle.fd_hessian(f, [0.3], (0,), h0s=(1e-2,))[0][0]
    assert abs(coarse + np.sin(0.3)) > 5e-5       # what a single coarse scale compared with
    assert np.isnan(oracle.fd_hessian(f, [0.3], (0,))[0][0])
    smooth = oracle.fd_hessian(f, [0.2], (0,))[0][0]      # the kink is 0.1 away: compared
    assert smooth == pytest.approx(-np.sin(0.2), abs=1e-9)
    rep = outcomes(prog, [0.3], configs=("hess", "vg"), workdir=workdir)
    assert [r.outcome for r in rep.results] == [runner.SKIP, runner.OK], rep.results
    assert rep.oracle == "fd"
