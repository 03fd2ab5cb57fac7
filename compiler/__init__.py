"""flatgrad's compiler: Python source -> IR -> IR -> Python source. Never imports Numba."""
__version__ = "0.1.0"

from .errors import CompileError, SourceLoc  # noqa: E402

__all__ = ["CompileError", "SourceLoc", "__version__"]
