"""Constants read as ``cache_cfg.K`` by tests/runtime/cache_funcs.py (the tests edit them)."""
import types

K = 2.0
sub = types.ModuleType("cache_cfg.sub")   # a.b.c chains
sub.C = 0.5
