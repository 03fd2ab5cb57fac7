"""flatgrad: a source-to-source differentiation compiler for numeric Python.

    >>> import flatgrad as fg
    >>> @fg.grad
    ... def f(x):
    ...     return x * x
    >>> f(3.0)
    6.0
"""
from .compiler import CompileError, __version__
from .api import check_grad, grad, source, value_and_grad, vectorize
from .api import custom_vjp, hessian, hvp, jacobian, jvp, primitive, vjp
from .api import elementwise_grad, jacfwd, jacrev
from .compiler.ode import odeint
from .runtime.support import logsumexp, relu, sigmoid, softplus
from .vmap import vmap
from .graph import graph  # noqa: E402  (the function; the module stays flatgrad.graph in sys.modules)

__all__ = ["CompileError", "__version__", "check_grad", "custom_vjp", "elementwise_grad", "grad",
           "graph", "hessian", "hvp", "jacfwd", "jacobian", "jacrev", "jvp", "logsumexp", "odeint", "primitive", "relu", "sigmoid", "softplus",
           "source", "value_and_grad", "vectorize", "vjp", "vmap"]
