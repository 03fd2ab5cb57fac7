"""scipy.integrate's rules on samples: ``trapezoid`` (NumPy's ``np.trapezoid`` lowering),
``cumulative_trapezoid``, ``simpson`` and ``cumulative_simpson``.

Each is the NumPy text of SciPy's own code (scipy/integrate/_quadrature.py), operation for
operation, so values agree with SciPy's to rounding and the gradients in ``y``, ``x``,
``dx`` (and ``cumulative_simpson``'s ``initial``) are those of the rule SciPy computes.
Sizes are known only when the code runs, so what depends on the number of samples ``N``
along the axis is decided there, as SciPy decides it: ``simpson`` with an even ``N`` (SciPy
>= 1.11) is Simpson's rule on the first ``N - 1`` samples plus Cartwright's correction for
the last interval (the trapezoid for ``N == 2``), with SciPy's zeros where a spacing makes a
denominator 0; ``cumulative_simpson`` is the cumulative trapezoid below 3 samples.
A 1-D ``x`` is the spacing along the axis (broadcast over the others), an ``x`` of ``y``'s
rank is read along the axis, as SciPy.
"""
from __future__ import annotations

import scipy.integrate

from .. import types as T
from ..ir import Const
from .callargs import float_of, one_axis
from .numeric import _array, _trapezoid
from .registry import lowers

lowers(scipy.integrate.trapezoid, takes="y x dx axis")(_trapezoid)


def _given(args, name):
    """Whether argument ``name`` was given (not absent, not None)."""
    return name in args and not args.is_none(name)


class _Axis:
    """Index texts along one axis of an array of ``nd`` dimensions."""

    def __init__(self, nd, axis):
        self.nd, self.axis = nd, axis

    def __call__(self, name, s):
        return f"{name}[{', '.join(s if k == self.axis else ':' for k in range(self.nd))}]"


def _setup(lowerer, node, args, fname):
    """(y, its _Axis, the atoms by name, the text of the spacing array ``d`` of N - 1
    entries along the axis, or None where x is not given)."""
    y = float_of(lowerer, _array(lowerer, args["y"], fname), node)
    nd = y.type.ndim
    axis = one_axis(lowerer, args.get("axis"), nd, fname, default=nd - 1)
    at = _Axis(nd, axis)
    atoms = {"y": y}
    if not _given(args, "x"):
        atoms["dx"] = lowerer.atom(args["dx"]) if _given(args, "dx") else Const(1.0, T.F64)
        return y, at, atoms, None
    x = float_of(lowerer, _array(lowerer, args["x"], fname), node)
    if x.type.ndim == 1 and nd > 1:
        shape = ", ".join("-1" if k == axis else "1" for k in range(nd))
        x = lowerer.lower_text(f"np.reshape(x, ({shape},))", node, x=x)
    elif x.type.ndim != nd:
        raise lowerer.err(args["x"], f"{fname}: x must be 1-D or have y's number of dimensions")
    atoms["x"] = x
    return y, at, atoms, f"np.diff(x, axis={axis})"


@lowers(scipy.integrate.cumulative_trapezoid, takes="y x dx axis initial")
def _cumulative_trapezoid(lowerer, node, args):
    """cumsum(d * (y[1:] + y[:-1]) / 2) along the axis; ``initial`` None or 0 (SciPy's only
    values) puts a 0 in front."""
    fname = "scipy.integrate.cumulative_trapezoid"
    y, at, atoms, d = _setup(lowerer, node, args, fname)
    text = _cumtrapz(at, d)
    if _given(args, "initial"):
        init = lowerer.expr(args["initial"])
        if getattr(init, "value", getattr(init, "obj", None)) != 0:
            raise lowerer.err(args["initial"], f"{fname}: initial must be None or 0 (as SciPy)")
        text = (f"res = {text}\nnp.concatenate((np.zeros_like({at('y', ':1')}), res), "
                f"axis={at.axis})")
    return lowerer.lower_text(text, node, **atoms)


def _cumtrapz(at, d):
    return (f"np.cumsum({d or 'dx'} * ({at('y', '1:')} + {at('y', ':-1')}) / 2.0, "
            f"axis={at.axis})")


def _quotient(num, den):
    """SciPy's np.true_divide(num, den, out=zeros, where=den != 0)."""
    return (f"np.where(({den}) != 0.0, ({num}) / np.where(({den}) != 0.0, {den}, 1.0), "
            f"0.0 * ({den}))")


def _basic_simpson(at, stop, spaced):
    """SciPy's _basic_simpson(y, 0, stop, x, dx, axis) (``stop`` a text in n)."""
    y0, y1, y2 = (at("y", f"{a}:{stop} + {b}:2") for a, b in ((0, 0), (1, 1), (2, 2)))
    if not spaced:
        return f"np.sum({y0} + 4.0 * {y1} + {y2}, axis={at.axis}) * (dx / 3.0)"
    h0, h1 = at("h", f"0:{stop}:2"), at("h", f"1:{stop} + 1:2")
    r = f"{_quotient('h0', 'h1')}"
    return (f"h0 = {h0}\nh1 = {h1}\nhsum = h0 + h1\nhprod = h0 * h1\nr = {r}\n"
            f"np.sum(hsum / 6.0 * ({y0} * (2.0 - {_quotient('1.0', 'r')}) + {y1} * (hsum * "
            f"{_quotient('hsum', 'hprod')}) + {y2} * (2.0 - r)), axis={at.axis})")


def _last_line(text):
    """``text`` as statements whose last line's value is assigned to ``result``."""
    lines = text.split("\n")
    return "\n".join(lines[:-1] + [f"result = {lines[-1]}"])


def _indent(text):
    return "\n".join("    " + line for line in text.split("\n"))


@lowers(scipy.integrate.simpson, takes="y x dx axis")
def _simpson(lowerer, node, args):
    """Simpson's rule as SciPy computes it (see the module's docstring)."""
    y, at, atoms, d = _setup(lowerer, node, args, "scipy.integrate.simpson")
    spaced = d is not None
    head = f"n = y.shape[{at.axis}]\n" + (f"h = {d}\n" if spaced else "")
    odd = _last_line(_basic_simpson(at, "n - 2", spaced))
    first = _last_line(_basic_simpson(at, "n - 3", spaced))
    last = at("y", "-1"), at("y", "-2"), at("y", "-3")
    if spaced:
        two = f"result = 0.5 * ({at('x', '-1')} - {at('x', '-2')}) * ({last[0]} + {last[1]})"
        g0, g1 = at("h", "-2"), at("h", "-1")
    else:
        two = f"result = 0.5 * dx * ({last[0]} + {last[1]})"
        g0 = g1 = "dx"
    even = (f"{first}\ng0 = {g0}\ng1 = {g1}\n"
            f"alpha = {_quotient('2.0 * g1 ** 2 + 3.0 * g0 * g1', '6.0 * (g1 + g0)')}\n"
            f"beta = {_quotient('g1 ** 2 + 3.0 * g0 * g1', '6.0 * g0')}\n"
            f"eta = {_quotient('1.0 * g1 ** 3', '6.0 * g0 * (g0 + g1)')}\n"
            f"result = result + (alpha * {last[0]} + beta * {last[1]} - eta * {last[2]})")
    text = (f"{head}if n % 2 == 1:\n{_indent(odd)}\nelif n == 2:\n{_indent(two)}\n"
            f"else:\n{_indent(even)}\nresult")
    return lowerer.lower_text(text, node, **atoms)


def _simpson_pieces(at, spaced, reverse):
    """SciPy's integrals over the first interval of each triple of samples (``reverse``:
    over the second, its integration function on the flipped arrays, flipped back)."""
    f1, f2, f3 = at("y", ":-2"), at("y", "1:-1"), at("y", "2:")
    d1, d2 = at("d", ":-1"), at("d", "1:")
    if reverse:
        f1, f3, d1, d2 = f3, f1, d2, d1
    if not spaced:
        return f"{d1} / 3.0 * (5.0 * {f1} / 4.0 + 2.0 * {f2} - {f3} / 4.0)"
    return (f"({d1}) / 6.0 * ((3.0 - ({d1}) / ({d1} + {d2})) * {f1} + (3.0 + ({d1}) / "
            f"({d1} + {d2}) * (({d1}) / ({d2})) + ({d1}) / ({d1} + {d2})) * {f2} + -(({d1}) / "
            f"({d1} + {d2}) * (({d1}) / ({d2}))) * {f3})")


@lowers(scipy.integrate.cumulative_simpson, takes="y x dx axis initial")
def _cumulative_simpson(lowerer, node, args):
    """SciPy's cumulative Simpson: each interval's integral from the triple that starts at
    it (even intervals) or ends at it (odd ones, and the last), summed along the axis;
    below 3 samples the cumulative trapezoid; ``initial`` (a number, or an array with 1
    sample along the axis) added to every value and put in front."""
    fname = "scipy.integrate.cumulative_simpson"
    y, at, atoms, d = _setup(lowerer, node, args, fname)
    spaced = d is not None
    ax = at.axis
    shape = ", ".join("-1" if k == ax else "1" for k in range(at.nd))
    if spaced:
        head = (f"d = {d} + 0.0 * {at('y', '1:')}\nif np.any(d <= 0.0):\n"
                "    raise ValueError(\"Input x must be strictly increasing.\")\n")
    else:
        head = f"d = dx + 0.0 * {at('y', '1:')}\n"
    text = (f"n = y.shape[{ax}]\nif n < 3:\n    res = {_cumtrapz(at, d)}\nelse:\n"
            + _indent(head
                      + f"h1 = {_simpson_pieces(at, spaced, False)}\n"
                      f"h2 = {_simpson_pieces(at, spaced, True)}\n"
                      f"a = np.concatenate((h1, {at('h1', '-1:')}), axis={ax})\n"
                      f"b = np.concatenate(({at('h2', ':1')}, h2), axis={ax})\n"
                      "k = np.arange(n - 1)\n"
                      "first = np.reshape(np.logical_and(k % 2 == 0, k < n - 2), "
                      f"({shape},))\n"
                      f"res = np.cumsum(np.where(first, a, b), axis={ax})")
            + "\n")
    if _given(args, "initial"):
        atoms["initial"] = float_of(lowerer, lowerer.atom(args["initial"]), node)
        text += (f"start = np.zeros_like({at('y', ':1')}) + initial\n"
                 f"np.concatenate((start, res + initial), axis={ax})")
    else:
        text += "res"
    return lowerer.lower_text(text, node, **atoms)

