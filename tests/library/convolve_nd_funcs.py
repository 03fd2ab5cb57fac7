"""N-D convolutions and correlations as users call them: each library function with its mode
given as an argument (a static string), compositions for Hessians, vmap and Numba, and the
forms flatgrad refuses."""
import numpy as np
import scipy.signal
from scipy.signal import convolve2d, correlate2d


def sp_convolve(a, b, mode="full"):
    return scipy.signal.convolve(a, b, mode=mode)


def sp_convolve_fft(a, b, mode="full"):
    return scipy.signal.convolve(a, b, mode, method="fft")


def sp_correlate(a, b, mode="full"):
    return scipy.signal.correlate(a, b, mode=mode, method="direct")


def sp_convolve2d(a, b, mode="full"):
    return convolve2d(a, b, mode, boundary="fill", fillvalue=0)


def sp_correlate2d(a, b, mode="full"):
    return correlate2d(a, b, mode=mode)


def np_correlate(a, b, mode="full"):
    return np.correlate(a, b, mode)


def np_correlate_default(a, b):
    return np.correlate(a, b)


def np_convolve(a, b, mode="full"):
    return np.convolve(a, b, mode=mode)


K = np.array([[0.5, -1.0, 0.25], [2.0, 0.75, -0.5]])


def twice(x):
    """Convolution twice, each factor depending on x: a Hessian with cross terms."""
    y = scipy.signal.correlate2d(np.sin(x), K, mode="same")
    return np.sum(scipy.signal.convolve(x, y, mode="valid") ** 2) + np.sum(convolve2d(y, x) * y[0, 0])


def cube(x):
    """3-D: a kernel cut from x itself, correlated in 'same' mode."""
    return np.sum(np.tanh(scipy.signal.correlate(x, x[:2, 1:, :2], mode="same")) ** 2)


def blur(x, k):
    return np.sum(scipy.signal.convolve(x, k, mode="same") * np.cos(x))


def mixed(x, k):
    """Every form at once (the cpu target's test compiles few functions)."""
    s = np.sum(scipy.signal.convolve(x, k, "same") ** 2) + np.sum(correlate2d(x, k, "valid") ** 3)
    s += np.sum(convolve2d(x, k) * 0.5) + np.sum(scipy.signal.correlate(x, k, "full") ** 2)
    return s + np.sum(np.correlate(x[0], k[0], "same") ** 2) + np.sum(np.convolve(x[1], k[1], "valid"))


def valid_either(x, k):
    return np.sum(scipy.signal.correlate(x, k, mode="valid") ** 2)


def bad_ndim(x):
    return np.sum(scipy.signal.convolve(x, x[0]))


def bad_boundary(x):
    return np.sum(convolve2d(x, x, boundary="wrap"))


def bad_fill(x):
    return np.sum(correlate2d(x, x, fillvalue=1.0))


def bad_method(x):
    return np.sum(scipy.signal.convolve(x, x, method="overlap-add"))


def bad_mode(x):
    return np.sum(scipy.signal.correlate(x, x, mode="circular"))


def np_correlate_2d(x):
    return np.sum(np.correlate(x, x))


def convolve2d_3d(x):
    return np.sum(convolve2d(x[None], x[None]))


def complex_kernel(x):
    return np.sum(scipy.signal.convolve(x, x.astype(np.complex128)))
