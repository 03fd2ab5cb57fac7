"""``call_part(f_part1, (a, b))``: a split function's entry calls a part without compiling it again.

A long generated Numba function is cut into parts (compiler/split.py), each an ``@njit``
function of its own. Called the ordinary way, Numba links every part's LLVM module into the
caller and optimises and generates machine code for the whole again (so that it may inline):
for autograd's wing simulation that second pass was 58 s of the 140 s a cold compile took,
all of it repeating work already done. ``call_part`` calls the part's compiled native function
by a symbol of its own instead, the way Numba's generated code calls its runtime's C
functions: the part is compiled (or loaded from Numba's cache) once, its address registered
under that symbol with LLVM's process symbol table, and the entry's module holds only a
declaration, resolved when the entry is loaded. Nothing is linked in or optimised twice; the
call is Numba's own calling convention, so a part's exceptions (an ``IndexError`` of a bounds
check) propagate through the entry as they did.

A part is decorated ``@opt_level(2)`` and compiled with LLVM's -O2 instead of Numba's -O3:
what -O3 adds (non-trivial loop unswitching, aggressive instruction combining, argument
promotion) multiplies copies of the loops Numba makes for array expressions and bounds
checks, and bought nothing measurable on the parts of the wing simulation (autograd's
``fluidsim/wing.py``, bench/programs/wing.py): its hottest part, the body of a 50-trip
Gauss-Seidel sweep's adjoint, compiled in 9.6 s at -O3 and 3.2 s at -O2, and ran in 38.9
against 38.3 us; the whole gradient with every hot part at -O2 ran in 14.43 against 14.28 ms
(same process, A/B), its cold compile 66 -> 47 s CPU. (Loop vectorisation stays on: Numba
asks for it at every level.) A function short enough not to be split keeps -O3. A *cold*
part (compiler/split.py: run at least 16 times less often per call than the function's
hottest line) is decorated ``@opt_level(1)`` and compiled with LLVM's -O1: its share of the
run time is small whatever code it gets, and -O1 roughly halves its compile again.

Loading the entry from Numba's on-disk cache needs the symbol defined first: the entry's
compile result carries a loader per part (Numba's ``reload_init``, run before a cached library
is loaded), which finds the part in its generated module, compiles or loads it for the same
argument types and registers the symbol again.
"""
from __future__ import annotations

import hashlib
import sys
from contextlib import contextmanager

from llvmlite import binding as ll
from numba.core import cgutils, config, types
from numba.core.compiler_lock import global_compiler_lock
from numba.core.imputils import fix_returning_optional, impl_ret_new_ref
from numba.extending import intrinsic


def _symbol(dispatcher, args) -> str:
    """The symbol a part is called by: its module, name and argument types (not Numba's
    mangled name, which holds a number that differs from process to process)."""
    fn = dispatcher.py_func
    sig = hashlib.sha1(repr(tuple(str(a) for a in args)).encode()).hexdigest()[:16]
    return f"flatgrad.part.{fn.__module__}.{fn.__qualname__}.{sig}"


def opt_level(level: int):
    """Decorator of a part's dispatcher: compile it with LLVM's optimisation level ``level``
    (at most Numba's own, ``NUMBA_OPT``) when :func:`call_part` compiles it."""
    def mark(dispatcher):
        dispatcher.flatgrad_opt_level = level
        return dispatcher
    return mark


@contextmanager
def _optimising(level: int | None):
    """Numba's optimisation level lowered to ``level`` while a part compiles. Numba reads it
    when it builds each LLVM pass pipeline, under its compiler lock, which this holds (and
    which serialises every compile in the process), so no other compile sees the change.
    The machine-code generator keeps Numba's level (it is fixed when Numba starts)."""
    if level is None or level >= config.OPT:
        yield
        return
    with global_compiler_lock:
        saved = config.OPT
        config.OPT = config._OptLevel(level)
        try:
            yield
        finally:
            config.OPT = saved


def _define(dispatcher, args) -> tuple:
    """Compile (or load) ``dispatcher`` for ``args`` and register its native function under
    its symbol; ``(symbol, compile result)``."""
    args = tuple(args)
    cres = dispatcher.overloads.get(args)
    if cres is None:
        with _optimising(getattr(dispatcher, "flatgrad_opt_level", None)):
            dispatcher.compile(args)
        cres = dispatcher.overloads[args]
    symbol = _symbol(dispatcher, args)
    ll.add_symbol(symbol, cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name))
    return symbol, cres


class _LoadPart:
    """Defines a part's symbol again in a process that loads the entry from Numba's cache
    (pickled with the entry's compile result; equal loaders are one)."""

    def __init__(self, module: str, name: str, args: tuple):
        self.module, self.name, self.args = module, name, args

    def __call__(self) -> None:
        module = sys.modules.get(self.module)
        part = getattr(module, self.name, None)
        if part is None:    # the cache load fails; flatgrad's guard recompiles (runtime/cache.py)
            raise RuntimeError(f"part {self.name} of {self.module} is not loaded")
        _define(part, self.args)

    def _key(self):
        return (self.module, self.name, self.args)

    def __eq__(self, other):
        return isinstance(other, _LoadPart) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())


@intrinsic
def call_part(typingctx, part, inputs):
    """``part(*inputs)``, ``part`` a dispatcher compiled and linked on its own (see the module
    docstring). The inputs come as one tuple: Numba passes a call of many arguments as a
    tuple of them all, and a tuple starting with a function warns of an experimental
    feature."""
    if not isinstance(inputs, types.BaseTuple):
        return None
    args = tuple(inputs)
    with _optimising(getattr(part.dispatcher, "flatgrad_opt_level", None)):
        sig = part.get_call_type(typingctx, args, {})      # compiles the part (or loads it)
    if sig is None:
        return None
    dispatcher, own = part.dispatcher, tuple(sig.args)

    def codegen(context, builder, signature, llargs):
        symbol, cres = _define(dispatcher, own)
        restype = cres.fndesc.restype
        fnty = context.call_conv.get_function_type(restype, own)
        fn = cgutils.get_or_insert_function(builder.module, fnty, symbol)
        given = cgutils.unpack_tuple(builder, llargs[1], len(args)) if args else []
        values = [context.cast(builder, v, t, u) for v, t, u in zip(given, args, own)]
        status, res = context.call_conv.call_function(builder, fn, restype, own, values)
        with cgutils.if_unlikely(builder, status.is_error):
            context.call_conv.return_status_propagate(builder, status)
        res = fix_returning_optional(context, builder, sig, status, res)
        context.active_code_library._reload_init.add(
            _LoadPart(dispatcher.py_func.__module__, dispatcher.py_func.__name__, own))
        return impl_ret_new_ref(context, builder, restype, res)

    return sig.return_type(part, inputs), codegen


if config.DISABLE_JIT:          # NUMBA_DISABLE_JIT=1: the generated code runs as plain Python
    def call_part(part, inputs):  # noqa: F811 - the same call, without Numba
        """``part(*inputs)`` (Numba is off: no intrinsic, no compiled code)."""
        return part(*inputs)
