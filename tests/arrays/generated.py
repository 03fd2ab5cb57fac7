"""Reductions and unary functions on arrays, one small function per case.

Generated once from a loop (every reduction x axis/keepdims form), then committed
as plain source, because flatgrad reads functions with inspect.getsource."""
import numpy as np

from flatgrad import relu, sigmoid, softplus


def u_exp(x, w):
    return np.sum(w * np.exp(x))


def u_log(x, w):
    return np.sum(w * np.log(x))


def u_log1p(x, w):
    return np.sum(w * np.log1p(x))


def u_expm1(x, w):
    return np.sum(w * np.expm1(x))


def u_log2(x, w):
    return np.sum(w * np.log2(x))


def u_log10(x, w):
    return np.sum(w * np.log10(x))


def u_sqrt(x, w):
    return np.sum(w * np.sqrt(x))


def u_sin(x, w):
    return np.sum(w * np.sin(x))


def u_cos(x, w):
    return np.sum(w * np.cos(x))


def u_tan(x, w):
    return np.sum(w * np.tan(x))


def u_sinh(x, w):
    return np.sum(w * np.sinh(x))


def u_cosh(x, w):
    return np.sum(w * np.cosh(x))


def u_tanh(x, w):
    return np.sum(w * np.tanh(x))


def u_arcsinh(x, w):
    return np.sum(w * np.arcsinh(x))


def u_arctanh(x, w):
    return np.sum(w * np.arctanh(x))


def u_arcsin(x, w):
    return np.sum(w * np.arcsin(x))


def u_arccos(x, w):
    return np.sum(w * np.arccos(x))


def u_arctan(x, w):
    return np.sum(w * np.arctan(x))


def u_abs(x, w):
    return np.sum(w * np.abs(x))


def u_negative(x, w):
    return np.sum(w * np.negative(x))


def u_square(x, w):
    return np.sum(w * np.square(x))


def u_absolute(x, w):
    return np.sum(w * np.absolute(x))


def u_fabs(x, w):
    return np.sum(w * np.fabs(x))


def u_arccosh(x, w):
    return np.sum(w * np.arccosh(x + 1.5))


def u_sigmoid(x, w):
    return np.sum(w * sigmoid(x))


def u_relu(x, w):
    return np.sum(w * relu(x))


def u_softplus(x, w):
    return np.sum(w * softplus(x))


def r_sum_all(x, w0, w1):
    return np.sum(x) * 1.7


def r_sum_method(x, w0, w1):
    return x.sum() * 1.7


def r_sum_axis0(x, w0, w1):
    return np.sum(w0 * np.sum(x, axis=0))


def r_sum_axis1(x, w0, w1):
    return np.sum(w1 * np.sum(x, axis=1))


def r_sum_axisneg1(x, w0, w1):
    return np.sum(w1 * np.sum(x, axis=-1))


def r_sum_keep0(x, w0, w1):
    return np.sum(w0 * np.sum(x, axis=0, keepdims=True))


def r_sum_keep1(x, w0, w1):
    return np.sum(w1[:, None] * np.sum(x, axis=1, keepdims=True))


def r_sum_method_axis1(x, w0, w1):
    return np.sum(w1 * x.sum(axis=1))


def r_sum_method_keep0(x, w0, w1):
    return np.sum(w0 * x.sum(axis=0, keepdims=True))


def r_sum_keep_all(x, w0, w1):
    return np.sum(np.sum(x, keepdims=True) * 1.7)


def r_sum_tuple02(x3, w0, w1):
    return np.sum(w0 * np.sum(x3, axis=(0, 2)))


def r_sum_tupleneg(x3, w0, w1):
    return np.sum(w1 * np.sum(x3, axis=(-2, -1)))


def r_mean_all(x, w0, w1):
    return np.mean(x) * 1.7


def r_mean_method(x, w0, w1):
    return x.mean() * 1.7


def r_mean_axis0(x, w0, w1):
    return np.sum(w0 * np.mean(x, axis=0))


def r_mean_axis1(x, w0, w1):
    return np.sum(w1 * np.mean(x, axis=1))


def r_mean_axisneg1(x, w0, w1):
    return np.sum(w1 * np.mean(x, axis=-1))


def r_mean_keep0(x, w0, w1):
    return np.sum(w0 * np.mean(x, axis=0, keepdims=True))


def r_mean_keep1(x, w0, w1):
    return np.sum(w1[:, None] * np.mean(x, axis=1, keepdims=True))


def r_mean_method_axis1(x, w0, w1):
    return np.sum(w1 * x.mean(axis=1))


def r_mean_method_keep0(x, w0, w1):
    return np.sum(w0 * x.mean(axis=0, keepdims=True))


def r_mean_keep_all(x, w0, w1):
    return np.sum(np.mean(x, keepdims=True) * 1.7)


def r_mean_tuple02(x3, w0, w1):
    return np.sum(w0 * np.mean(x3, axis=(0, 2)))


def r_mean_tupleneg(x3, w0, w1):
    return np.sum(w1 * np.mean(x3, axis=(-2, -1)))


def r_max_all(x, w0, w1):
    return np.max(x) * 1.7


def r_max_method(x, w0, w1):
    return x.max() * 1.7


def r_max_axis0(x, w0, w1):
    return np.sum(w0 * np.max(x, axis=0))


def r_max_axis1(x, w0, w1):
    return np.sum(w1 * np.max(x, axis=1))


def r_max_axisneg1(x, w0, w1):
    return np.sum(w1 * np.max(x, axis=-1))


def r_max_keep0(x, w0, w1):
    return np.sum(w0 * np.max(x, axis=0, keepdims=True))


def r_max_keep1(x, w0, w1):
    return np.sum(w1[:, None] * np.max(x, axis=1, keepdims=True))


def r_max_method_axis1(x, w0, w1):
    return np.sum(w1 * x.max(axis=1))


def r_max_method_keep0(x, w0, w1):
    return np.sum(w0 * x.max(axis=0, keepdims=True))


def r_max_keep_all(x, w0, w1):
    return np.sum(np.max(x, keepdims=True) * 1.7)


def r_max_tuple02(x3, w0, w1):
    return np.sum(w0 * np.max(x3, axis=(0, 2)))


def r_max_tupleneg(x3, w0, w1):
    return np.sum(w1 * np.max(x3, axis=(-2, -1)))


def r_min_all(x, w0, w1):
    return np.min(x) * 1.7


def r_min_method(x, w0, w1):
    return x.min() * 1.7


def r_min_axis0(x, w0, w1):
    return np.sum(w0 * np.min(x, axis=0))


def r_min_axis1(x, w0, w1):
    return np.sum(w1 * np.min(x, axis=1))


def r_min_axisneg1(x, w0, w1):
    return np.sum(w1 * np.min(x, axis=-1))


def r_min_keep0(x, w0, w1):
    return np.sum(w0 * np.min(x, axis=0, keepdims=True))


def r_min_keep1(x, w0, w1):
    return np.sum(w1[:, None] * np.min(x, axis=1, keepdims=True))


def r_min_method_axis1(x, w0, w1):
    return np.sum(w1 * x.min(axis=1))


def r_min_method_keep0(x, w0, w1):
    return np.sum(w0 * x.min(axis=0, keepdims=True))


def r_min_keep_all(x, w0, w1):
    return np.sum(np.min(x, keepdims=True) * 1.7)


def r_min_tuple02(x3, w0, w1):
    return np.sum(w0 * np.min(x3, axis=(0, 2)))


def r_min_tupleneg(x3, w0, w1):
    return np.sum(w1 * np.min(x3, axis=(-2, -1)))


def r_prod_all(x, w0, w1):
    return np.prod(x) * 1.7


def r_prod_method(x, w0, w1):
    return x.prod() * 1.7


def r_prod_axis0(x, w0, w1):
    return np.sum(w0 * np.prod(x, axis=0))


def r_prod_axis1(x, w0, w1):
    return np.sum(w1 * np.prod(x, axis=1))


def r_prod_axisneg1(x, w0, w1):
    return np.sum(w1 * np.prod(x, axis=-1))


def r_prod_keep0(x, w0, w1):
    return np.sum(w0 * np.prod(x, axis=0, keepdims=True))


def r_prod_keep1(x, w0, w1):
    return np.sum(w1[:, None] * np.prod(x, axis=1, keepdims=True))


def r_prod_method_axis1(x, w0, w1):
    return np.sum(w1 * x.prod(axis=1))


def r_prod_method_keep0(x, w0, w1):
    return np.sum(w0 * x.prod(axis=0, keepdims=True))


def r_prod_keep_all(x, w0, w1):
    return np.sum(np.prod(x, keepdims=True) * 1.7)


def r_prod_tuple02(x3, w0, w1):
    return np.sum(w0 * np.prod(x3, axis=(0, 2)))


def r_prod_tupleneg(x3, w0, w1):
    return np.sum(w1 * np.prod(x3, axis=(-2, -1)))


UNARY = ['u_exp', 'u_log', 'u_log1p', 'u_expm1', 'u_log2', 'u_log10', 'u_sqrt', 'u_sin', 'u_cos', 'u_tan', 'u_sinh', 'u_cosh', 'u_tanh', 'u_arcsinh', 'u_arctanh', 'u_arcsin', 'u_arccos', 'u_arctan', 'u_abs', 'u_negative', 'u_square', 'u_absolute', 'u_fabs', 'u_arccosh', 'u_sigmoid', 'u_relu', 'u_softplus']

REDUCTIONS = {'r_sum_all': 2, 'r_sum_method': 2, 'r_sum_axis0': 2, 'r_sum_axis1': 2, 'r_sum_axisneg1': 2, 'r_sum_keep0': 2, 'r_sum_keep1': 2, 'r_sum_method_axis1': 2, 'r_sum_method_keep0': 2, 'r_sum_keep_all': 2, 'r_sum_tuple02': 3, 'r_sum_tupleneg': 3, 'r_mean_all': 2, 'r_mean_method': 2, 'r_mean_axis0': 2, 'r_mean_axis1': 2, 'r_mean_axisneg1': 2, 'r_mean_keep0': 2, 'r_mean_keep1': 2, 'r_mean_method_axis1': 2, 'r_mean_method_keep0': 2, 'r_mean_keep_all': 2, 'r_mean_tuple02': 3, 'r_mean_tupleneg': 3, 'r_max_all': 2, 'r_max_method': 2, 'r_max_axis0': 2, 'r_max_axis1': 2, 'r_max_axisneg1': 2, 'r_max_keep0': 2, 'r_max_keep1': 2, 'r_max_method_axis1': 2, 'r_max_method_keep0': 2, 'r_max_keep_all': 2, 'r_max_tuple02': 3, 'r_max_tupleneg': 3, 'r_min_all': 2, 'r_min_method': 2, 'r_min_axis0': 2, 'r_min_axis1': 2, 'r_min_axisneg1': 2, 'r_min_keep0': 2, 'r_min_keep1': 2, 'r_min_method_axis1': 2, 'r_min_method_keep0': 2, 'r_min_keep_all': 2, 'r_min_tuple02': 3, 'r_min_tupleneg': 3, 'r_prod_all': 2, 'r_prod_method': 2, 'r_prod_axis0': 2, 'r_prod_axis1': 2, 'r_prod_axisneg1': 2, 'r_prod_keep0': 2, 'r_prod_keep1': 2, 'r_prod_method_axis1': 2, 'r_prod_method_keep0': 2, 'r_prod_keep_all': 2, 'r_prod_tuple02': 3, 'r_prod_tupleneg': 3}
