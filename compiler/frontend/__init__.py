"""Frontend: Python source -> IR (source lookup, the fence, SSA construction)."""
from .lower import lower_function
from .source import parse_function

__all__ = ["lower_function", "parse_function"]
