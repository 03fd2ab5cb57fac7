"""The targets: one :class:`Target` per kind of code flatgrad emits, in one registry.

A target says everything the compiler and the runtime ask about where code runs: the
template its modules are rendered from, whether the primitives' Numba spellings apply
(``Spelling.jit``), the module its generated code imports runtime helpers from, which
entry points accept it (transforms, ``vmap``, ``vectorize``) and how it runs there.
The command line's ``--target`` choices, ``grad(..., target=)``, ``vmap`` and
``vectorize`` all read this table; code asks a target's attributes, never its name.

To add a target, add a stanza here and its template under templates/ (see
docs/architecture.md, "Adding a target").
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    summary: str                    # one line, for --help and error messages
    template: str                   # templates/<template>.py.j2: how its modules look
    jit: bool                       # compiled by Numba: spellings' ``jit`` variants, fused
                                    # loops, nested results returned as tuples
    helper_module: str = "flatgrad.runtime.support"   # where generated code imports helpers
    bounds_checks: bool = False     # indices Numba would not check are checked explicitly
    tiered: bool = False            # a call may be answered by NumPy or Numba (runtime/tiers.py)
    native: bool = False            # its transforms can be called from Numba code
    parallel: bool = False          # loops spread over every core (``prange``)
    splits: bool = False            # long functions cut into parts Numba compiles one by one
                                    # (compiler/split.py: compile time of large programs)
    device: bool = False            # runs on a GPU (runtime/cuda_launch.py launches it; device
                                    # functions cannot allocate arrays)
    transforms_as: str | None = None    # grad/jvp/...: the target its transforms compile for
                                        # (None: transforms reject it)
    vmap_as: str | None = None          # vmap: the transform target of the mapped function
    kernel_template: str | None = None  # vectorize: the template of its batch kernels (None:
                                        # vectorize rejects it)


TARGETS: dict[str, Target] = {}


def deftarget(target: Target) -> Target:
    TARGETS[target.name] = target
    return target


PYTHON = deftarget(Target(
    "python", "plain NumPy, no JIT", "python", jit=False,
    transforms_as="python", vmap_as="python"))
CPU = deftarget(Target(
    "cpu", "Numba, one core", "cpu", jit=True, bounds_checks=True, tiered=True, native=True,
    splits=True,
    transforms_as="cpu", vmap_as="cpu", kernel_template="parallel"))
PARALLEL = deftarget(Target(
    "parallel", "Numba, loops over every core", "parallel", jit=True, parallel=True,
    vmap_as="cpu", kernel_template="parallel"))
CUDA = deftarget(Target(
    "cuda", "a numba-cuda kernel on the GPU", "cuda", jit=True, device=True,
    helper_module="flatgrad.runtime.cuda_support", kernel_template="cuda"))

DEFAULT = CPU           # every transform's default: Numba


def names(use: str) -> tuple[str, ...]:
    """The targets ``use`` accepts ("transform", "vmap", "vectorize"), in registry order."""
    return tuple(t.name for t in TARGETS.values() if _accepts(t, use))


def _accepts(t: Target, use: str) -> bool:
    return {"transform": t.transforms_as, "vmap": t.vmap_as,
            "vectorize": t.kernel_template}[use] is not None


def get(name: str | Target, use: str | None = None) -> Target:
    """The target called ``name``; with ``use``, one that ``use`` accepts, else a ValueError
    listing the choices."""
    if isinstance(name, Target):
        name = name.name
    t = TARGETS.get(name)
    if t is None or (use is not None and not _accepts(t, use)):
        what = "vectorize target" if use == "vectorize" else "target"
        choices = names(use) if use is not None else tuple(TARGETS)
        raise ValueError(f"unknown {what} {name!r}; choose one of {', '.join(choices)}")
    return t
