"""AST -> AST rewrites of the frontend: each turns one construct into plainer Python that
the :class:`~flatgrad.compiler.frontend.lower.Lowerer` already lowers, and each is a pure
function of syntax trees (tested on ``ast.unparse`` of its output).

The frontend runs, in this order (docs/architecture.md, "The frontend"):

1. resolve -- :func:`~flatgrad.compiler.frontend.source.parse_function` reads the source
   and positions;
2. fence -- :func:`~flatgrad.compiler.frontend.fence.fence` rejects what is outside the
   subset, before any lowering;
3. desugar -- the rewrites of this package, each chosen where its construct is met, since
   the choice depends on values known only while lowering (a comprehension over a constant
   range unrolls, one over an array's rows becomes a loop):

   - :mod:`.private` -- library code written as NumPy text gets private names
     (``np.polyval`` as Horner's loop, at the call's position);
   - :mod:`.index_loop` -- ``for row in M`` / ``enumerate`` / ``zip`` over arrays becomes
     ``for k in range(len(M))`` with the items read by index;
   - :mod:`.sum_loop` -- ``sum(f(i) for i in it if c(i))`` over what cannot be unrolled
     becomes an accumulating ``for`` loop;
   - :mod:`.generators` -- a generator helper becomes a function returning the list of
     what it yields (run to its end where it is called, as ``list(gen(...))``);
   - :mod:`.init` -- a class's ``__init__`` becomes a function returning the dict of the
     attributes it sets (an object built in the function);
   - :mod:`.comprehensions` -- a comprehension over values known while compiling becomes
     the display of its elements (tests in tests/frontend/test_desugar_comprehensions.py);
   - :mod:`.unroll` and :mod:`.peel` -- a loop over a tuple becomes its body once per value;
     a loop whose first trip defines a name read after it gets that trip peeled off;
4. SSA construction -- the Lowerer (break/continue/return as flags, loop regions, merges).

A new desugaring goes in a module of its own here: a function from AST to AST, with a test
of its output in tests/frontend/test_desugar.py.
"""
