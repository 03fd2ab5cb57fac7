"""NumPy's and SciPy's own Python source is read as any helper's; where the reading stops,
the CompileError is the user's call (its line, the function's name, the nearest supported),
not a line inside site-packages."""
import numpy as np
import pytest

import flatgrad as fg

from . import library_source_funcs as F


def test_the_error_points_at_the_users_call_and_names_the_function():
    with pytest.raises(fg.CompileError) as e:
        fg.grad(F.sylvester, target="python")(np.array([0.5, 1.5]))
    text = str(e.value)
    first = text.splitlines()[0]
    assert "library_source_funcs.py:8:" in first
    assert "cannot differentiate calls to 'scipy.linalg.solve_sylvester'" in first
    assert "scipy.linalg.solve" in text          # the nearest supported
