"""Functions asking arrays their shape through NumPy's functions, and helpers with docstrings
(tests/library/test_shape_queries.py)."""
import numpy as np


def unpack(params):
    """autograd's mixture_variational_inference: the half sizes from np.shape."""
    d = np.shape(params)[0] // 2
    return params[:d], params[d:]


def gaussian_energy(params, x):
    """A function whose nested def and helper carry docstrings."""
    def quadratic(z, scale):
        """The scaled square of z."""
        return scale * z * z

    mean, log_std = unpack(params)
    n = np.size(x, 0) + np.ndim(x) + np.size(mean) - np.ndim(3.0) + np.size(2.0)
    ratio = (x - mean) / np.exp(log_std)
    return np.sum(quadratic(ratio, 0.5)) + np.sum(log_std) * n + len(np.shape(params))


def gaussian_energy_plain(params, x):
    d = params.shape[0] // 2
    mean, log_std = params[:d], params[d:]
    n = x.shape[0] + x.ndim + mean.size - 0 + 1
    ratio = (x - mean) / np.exp(log_std)
    return np.sum(0.5 * ratio * ratio) + np.sum(log_std) * n + 1


def shape_of_a_tuple(x):
    return x * np.shape((1.0, 2.0, 3.0))[0] + np.size(x, -1)
