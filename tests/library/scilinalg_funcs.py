"""Functions of SciPy's dense solvers and least squares, compiled by flatgrad in
test_scilinalg.py (scalar results, so grad, jvp and hessian all apply)."""
import numpy as np
import scipy.linalg


def solve_gen(A, b):
    return np.sum(np.sin(scipy.linalg.solve(A, b)))


def solve_gen_t(A, b):
    return np.sum(np.sin(scipy.linalg.solve(A, b, transposed=True, check_finite=False)))


def solve_sym(A, b):
    return np.sum(np.sin(scipy.linalg.solve(A, b, assume_a="sym")))


def solve_sym_lower(A, b):
    return np.sum(np.sin(scipy.linalg.solve(A, b, assume_a="symmetric", lower=True)))


def solve_pos(A, b):
    return np.sum(np.sin(scipy.linalg.solve(A, b, assume_a="pos")))


def solve_pos_lower(A, b):
    return np.sum(np.sin(scipy.linalg.solve(A, b, assume_a="positive definite", lower=True)))


def solve_upper_t(A, b):
    return np.sum(np.sin(scipy.linalg.solve(A, b, assume_a="upper triangular", transposed=True)))


def solve_lower(A, b):
    return np.sum(np.sin(scipy.linalg.solve(A, b, assume_a="lower triangular")))


def solve_diag(A, b):
    return np.sum(np.sin(scipy.linalg.solve(A, b, assume_a="diagonal")))


def solve_tridiag(A, b):
    return np.sum(np.sin(scipy.linalg.solve(A, b, assume_a="tridiagonal")))


def inv(A, b):
    return np.sum(np.sin(scipy.linalg.inv(A) @ b))


def inv_pos(A, b):
    return np.sum(np.sin(scipy.linalg.inv(A, assume_a="pos") @ b))


def det(A, b):
    return scipy.linalg.det(A) * np.sum(b)


def lu(A, b):
    return np.sum(np.sin(scipy.linalg.lu_solve(scipy.linalg.lu_factor(A), b)))


def lu_trans(A, b):
    lu_, piv = scipy.linalg.lu_factor(A)
    return np.sum(np.sin(scipy.linalg.lu_solve((lu_, piv), b, trans=1)))


def lu_logdet(A, b):
    lu_, piv = scipy.linalg.lu_factor(A)
    return np.sum(np.log(np.abs(np.diag(lu_)))) + np.sum(lu_) * np.sum(b)


def lu_in_loop(A, b):
    f = scipy.linalg.lu_factor(A)
    x = b
    for _ in range(3):
        x = scipy.linalg.lu_solve(f, np.sin(x))
    return np.sum(x)


SOLVES = [solve_gen, solve_gen_t, solve_sym, solve_sym_lower, solve_upper_t, solve_lower,
          solve_diag, solve_tridiag, inv, det, lu, lu_trans, lu_logdet, lu_in_loop]
POS = [solve_pos, solve_pos_lower, inv_pos]


def np_lstsq(A, b):
    x, res, rank, s = np.linalg.lstsq(A, b, rcond=None)
    return np.sum(np.sin(x)) + np.sum(res) + np.sum(s) + rank


def np_lstsq_x(A, b):
    return np.sum(np.sin(np.linalg.lstsq(A, b, rcond=None)[0]))


def sp_lstsq(A, b):
    x, res, rank, s = scipy.linalg.lstsq(A, b)
    return np.sum(np.sin(x)) + np.sum(s) * rank


def np_lstsq_parts(A, b):
    """The four results, for values against NumPy."""
    return np.linalg.lstsq(A, b, rcond=None)


def sp_lstsq_parts(A, b):
    x, res, rank, s = scipy.linalg.lstsq(A, b)
    return x, rank, s


def sp_lstsq_res(A, b):
    return scipy.linalg.lstsq(A, b)[1]


def sp_lstsq_res_vec(A, b):
    x, res, rank, s = scipy.linalg.lstsq(A, b)
    return np.sum(x) + np.sum(res)


def batched_solve(A, b):
    return scipy.linalg.solve(A, b)


def bad_flag(A, b, flag):
    return np.sum(scipy.linalg.solve(A, b, transposed=flag))


def bad_assume(A, b):
    return np.sum(scipy.linalg.solve(A, b, assume_a="weird"))


def bad_rcond(A, b, r):
    return np.sum(np.linalg.lstsq(A, b, rcond=r)[0])


def sp_lstsq_res_vec_indexed(A, b):
    return np.sum(scipy.linalg.lstsq(A, b)[1]) + scipy.linalg.lstsq(A, b)[0][0]


def banded(ab, b):
    """l = 2 lower and u = 1 upper diagonals in SciPy's band storage."""
    return np.sum(np.sin(scipy.linalg.solve_banded((2, 1), ab, b)))


def banded_upper(ab, b):
    return np.sum(scipy.linalg.solve_banded((0, 3), ab, b, check_finite=False) ** 2)
