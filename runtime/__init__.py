"""flatgrad's runtime: loading generated code, Numba JIT, caches, dispatch, support."""
