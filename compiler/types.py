"""The value types of the IR and the typing rules shared by every stage.

Types are specialised from the call: each distinct combination of argument types
(float / int / bool scalars, arrays by dtype and ndim) gets its own IR. Shapes stay
dynamic. Only floating-point values carry adjoints or tangents.
"""
from __future__ import annotations

from dataclasses import dataclass, field

FLOATS = ("float32", "float64")
_RANK = {"bool": 0, "int64": 1, "float32": 2, "float64": 3}


@dataclass(frozen=True, slots=True)
class Scalar:
    dtype: str

    def __str__(self) -> str:
        return {"float64": "f64", "float32": "f32", "int64": "i64", "bool": "bool"}[self.dtype]


@dataclass(frozen=True, slots=True)
class Array:
    dtype: str
    ndim: int

    def __str__(self) -> str:
        return f"{Scalar(self.dtype)}[{','.join(':' * self.ndim)}]"


@dataclass(frozen=True, slots=True)
class Sized(Array):
    """An array argument with the size facts its function's typing asked for: which axes
    have length 1 (``unit``, for ``np.squeeze(x)`` without an axis; None where not asked)
    and the lengths of some axes (``lengths``: (axis, length) pairs, for ``np.unstack``); see
    ``compiler/facts.py``. Only the dispatcher's signatures hold it, as Numba's hold layouts:
    one compilation per distinct fact, and only for functions that ask. The IR sees the
    plain :class:`Array`."""

    unit: tuple | None = None
    lengths: tuple = ()

    def __str__(self) -> str:
        unit = "" if self.unit is None else f"length 1: {list(self.unit)}"
        lengths = ", ".join(f"axis {a}: {n}" for a, n in self.lengths)
        return f"{Array.__str__(self)}{{{'; '.join(x for x in (unit, lengths) if x)}}}"

    @property
    def plain(self) -> Array:
        return Array(self.dtype, self.ndim)


@dataclass(frozen=True, slots=True)
class TupleT:
    items: tuple

    def __str__(self) -> str:
        return "(" + ", ".join(map(str, self.items)) + ")"


@dataclass(frozen=True, slots=True)
class Tree:
    """One argument that is a tuple, list or dict of numbers and arrays (a *pytree*, as JAX
    calls it): its structure (a :class:`~flatgrad.compiler.tree.TreeDef`) and the type of
    each leaf, in the order :func:`~flatgrad.compiler.tree.flatten` lists them. The IR has
    one parameter per leaf; the function sees the container."""

    tree: object
    leaves: tuple

    def __str__(self) -> str:
        from .tree import unflatten
        return str(unflatten(self.tree, [str(t) for t in self.leaves])).replace("'", "")


@dataclass(frozen=True)
class Static:
    """An argument the compiled code does not take: a function (``act=np.tanh``), None or a
    string, fixed when compiling, as JAX's static arguments; one compilation per value.
    ``key`` names the value (in cache keys); the function sees ``obj`` itself. An object
    describing a model (``compiler/objects.py``) is one too, keyed on everything it holds
    but its arrays, which the compiled code takes as parameters (``leaves``, their types)."""

    key: str
    obj: object = field(default=None, compare=False, hash=False, repr=False)
    leaves: tuple = ()    # an object argument's arrays: inputs of the compiled code

    def __str__(self) -> str:
        return f"static {self.key}"


Type = Scalar | Array | TupleT | Tree | Static


def leaf_types(types) -> tuple:
    """``types`` with every :class:`Tree` replaced by its leaves' types (and static
    arguments, which the compiled code does not take, left out, but for the arrays of an
    object argument)."""
    out: list = []
    for t in types:
        out.extend(t.leaves if isinstance(t, (Tree, Static)) else (t,))
    return tuple(out)

F64 = Scalar("float64")
F32 = Scalar("float32")
I64 = Scalar("int64")
BOOL = Scalar("bool")


def is_float(t: Type) -> bool:
    """True for values that can carry a derivative."""
    return isinstance(t, (Scalar, Array)) and t.dtype in FLOATS


def is_array(t: Type) -> bool:
    return isinstance(t, Array)


def ndim(t: Type) -> int:
    return t.ndim if isinstance(t, Array) else 0


def with_dtype(t: Type, dtype: str) -> Type:
    return Array(dtype, t.ndim) if isinstance(t, Array) else Scalar(dtype)


def promote_dtype(*dtypes: str) -> str:
    return max(dtypes, key=_RANK.__getitem__)


def broadcast(*types: Type, dtype: str | None = None) -> Type:
    """Result type of an elementwise operation (NumPy broadcasting on ndim)."""
    nd = max(ndim(t) for t in types)
    dt = dtype or promote_dtype(*(t.dtype for t in types))
    if dt == "float32" and any(is_array(t) and t.dtype == "int64" for t in types):
        dt = "float64"      # NumPy: an int64 array with float32 is float64 (a number is weak)
    return Array(dt, nd) if nd else Scalar(dt)


def arithmetic(*types: Type) -> Type:
    """`+ - * %` and friends: bools count as ints, as in Python and NumPy."""
    t = broadcast(*types)
    return with_dtype(t, "int64") if t.dtype == "bool" else t


def floating(*types: Type) -> Type:
    """Result of a function that always returns floats (`/`, `exp`, ...)."""
    t = broadcast(*types)
    return t if t.dtype in FLOATS else with_dtype(t, "float64")


def boolean(*types: Type) -> Type:
    return broadcast(*types, dtype="bool")


def integer(*types: Type) -> Type:
    return broadcast(*types, dtype="int64")


def same(t: Type, *_: Type) -> Type:
    return t


def array_dtype(value) -> str | None:
    """The IR dtype of a NumPy array's elements (all ints read as int64), or None."""
    return {"f": str(value.dtype), "i": "int64", "u": "int64", "b": "bool"}.get(value.dtype.kind)


def of_value(value) -> Type:
    """Type of a Python/NumPy value met at a call or as a constant."""
    import numpy as np

    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, (int, np.integer)):
        return I64
    if isinstance(value, np.floating):
        return F32 if value.dtype == np.float32 else F64
    if isinstance(value, float):
        return F64
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        if kind == "f" and value.dtype.itemsize in (4, 8):
            return Array(str(value.dtype), value.ndim)
        if kind in "iu":
            return Array("int64", value.ndim)
        if kind == "b":
            return Array("bool", value.ndim)
    raise TypeError(f"unsupported value of type {type(value).__name__}")


_NAMES = {"f64": "float64", "float64": "float64", "float": "float64", "double": "float64",
          "f32": "float32", "float32": "float32", "i64": "int64", "int64": "int64", "int": "int64",
          "bool": "bool", "b1": "bool"}


def parse(spec: str) -> Type:
    """A type from text: ``f64``, ``float``, ``i64``, ``bool``; arrays as ``f64[:, :]``."""
    text = spec.replace(" ", "")
    base, _, rest = text.partition("[")
    dtype = _NAMES.get(base)
    if dtype is None or (rest and not rest.endswith("]")):
        raise ValueError(f"not a type: {spec!r} (use f64, f32, i64, bool, or e.g. f64[:, :])")
    if not rest:
        return Scalar(dtype)
    dims = rest[:-1].split(",")
    if any(d != ":" for d in dims):
        raise ValueError(f"not a type: {spec!r} (array dimensions are written ':', e.g. f64[:, :])")
    return Array(dtype, len(dims))


def from_annotation(note) -> Type | None:
    """The type a parameter annotation names (a string such as "f64[:, :]"), if any."""
    if isinstance(note, str):
        try:
            return parse(note)
        except ValueError:
            return None
    return {float: F64, int: I64, bool: BOOL}.get(note)
