"""Large arrays allocated by Numba code backed by huge pages, as NumPy's are.

NumPy asks the kernel for transparent huge pages on every large array it allocates
(``madvise(MADV_HUGEPAGE)``, NumPy >= 1.16 on Linux); Numba's runtime allocates with plain
``malloc``. Writing a fresh array then costs one page fault per 4 KiB in Numba code and one
per 2 MiB in NumPy's: for the 200 MB of per-example weight gradients of ``vmap(grad(mlp))``
that is most of the time of the whole call (about 240 ms against 90 ms for the same loop).
:func:`advise` gives an array Numba code just allocated the same hint, before anything is
written to it. It is a no-op off Linux, under ``NUMBA_DISABLE_JIT`` and for small arrays.

The call to ``madvise`` is by symbol name (resolved in the process, like libm's functions),
not a ctypes pointer, so the functions that use it stay cacheable.
"""
from __future__ import annotations

import sys

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, register_jitable

HUGE = 1 << 22           # arrays of 4 MiB and more, NumPy's own threshold
PAGE = 4096
MADV_HUGEPAGE = 14       # <sys/mman.h> on Linux
LINUX = sys.platform.startswith("linux")


@intrinsic
def _madvise(typingctx, start, length):
    """``madvise(start, length, MADV_HUGEPAGE)``; its result (0, or -1 where the kernel has
    no huge pages) is ignored: the hint is only a hint."""
    sig = types.void(types.uintp, types.uintp)

    def codegen(context, builder, signature, args):
        size_t = context.get_value_type(types.uintp)
        fnty = ir.FunctionType(ir.IntType(32), [ir.IntType(8).as_pointer(), size_t,
                                                ir.IntType(32)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "madvise")
        ptr = builder.inttoptr(args[0], ir.IntType(8).as_pointer())
        builder.call(fn, [ptr, args[1], ir.Constant(ir.IntType(32), MADV_HUGEPAGE)])
        return context.get_dummy_value()

    return sig, codegen


if LINUX:
    @register_jitable
    def advise(a):
        """Ask for huge pages under the whole pages of ``a``'s buffer (fresh, C-contiguous)."""
        nbytes = a.size * a.itemsize
        if nbytes >= HUGE:
            p = a.ctypes.data
            start = (p + PAGE - 1) // PAGE * PAGE
            end = (p + nbytes) // PAGE * PAGE
            if end > start:
                _madvise(start, end - start)
else:
    @register_jitable
    def advise(a):
        """No huge-page hint off Linux."""
        return
