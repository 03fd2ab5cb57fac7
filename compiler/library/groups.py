"""The list of function groups (each module registers itself when imported)."""
from __future__ import annotations

from . import stable  # noqa: F401
from . import special  # noqa: F401
from . import cumulative  # noqa: F401
from . import ufunc_methods  # noqa: F401
from . import rounding  # noqa: F401
from . import interp  # noqa: F401
from . import order  # noqa: F401
from . import shape  # noqa: F401
from . import tiling  # noqa: F401
from . import linalg  # noqa: F401
from . import einsum  # noqa: F401
from . import eigh  # noqa: F401
from . import numeric  # noqa: F401
from . import introspect  # noqa: F401
from . import grids  # noqa: F401
from . import incomplete  # noqa: F401
from . import stats  # noqa: F401
from . import stats_families  # noqa: F401
from . import random  # noqa: F401
from . import effects  # noqa: F401
from . import bessel  # noqa: F401
from . import specfun  # noqa: F401
from . import quadrature  # noqa: F401
from . import convolve  # noqa: F401
from . import pinv  # noqa: F401
from . import svd  # noqa: F401
from . import composite  # noqa: F401
from . import nanfuncs  # noqa: F401
from . import editing  # noqa: F401
from . import fitting  # noqa: F401
from . import scilinalg  # noqa: F401
from . import expm  # noqa: F401
from . import qr  # noqa: F401
from . import windows  # noqa: F401
from . import ivp  # noqa: F401
from . import indices  # noqa: F401
from . import stacks  # noqa: F401 - last: it wraps the lowerings of np.linalg's functions
