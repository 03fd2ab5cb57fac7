"""Minimal programs the differential fuzzer (tests/fuzz) found wrong or crashing."""
import math

import numpy as np

import flatgrad as fg


def row_write_after_noop(x):
    Z1 = x[-1] + 0.0        # -O1 once folded this to a view of x, then wrote through it
    for i2 in range(0, 3, 2):
        Z1[i2 % 3] += 0.5
        if 0.5:
            Z1[1] *= np.max(x)
        else:
            return x.mean()
    return np.sum(Z1 * Z1)


def prod(x):
    return np.prod(x)


def prod_axis(x):
    return np.sum(np.prod(x, axis=1) ** 2)


def const_array_branch(x, z):
    if z > 0.0:
        return np.array([1.0, 2.0, 3.0])
    return x * 2.0


def var_in_branch(x):
    Z1 = np.zeros((3, 3)) + x
    if x > 5.0:
        x = np.var(Z1)
    return x


def _rebind(a0, a1):
    for i in range(4):
        for j in range(0, 1, 2):
            a0 = a1.mean(axis=0, keepdims=True)
    return a0


def nested_rebind(x):
    v = _rebind(np.zeros((1, 3)) + x, np.zeros((2, 3)) + x * np.arange(3.0))
    return np.max(v)


def _param_or_fresh(a0, a1):
    if a1 > 3.0:
        return a1 * np.ones(3)
    return a0


def early_fresh_return(x, y):
    v = _param_or_fresh(x, y)
    return np.sum(v * v)


def branch_shapes(a, b, c):
    if c > 0:
        v = a
    else:
        v = b
    return np.sum(v * v)


def _std_of_repeated(y):
    return np.std(y * np.ones(3))


def std_of_constant(x, y):
    return _std_of_repeated(y) + np.linalg.norm(x - x) + np.sum(x)


def nested_while_rebinding(x, y, z):
    k1 = 0
    while k1 < 3:
        k1 += 1
        y = y * 1.0
        k2 = 0
        while k2 < 4 and y < 0.5:
            k2 += 1
            x = z.T
    return z[0, 1] / (2.0 + np.tanh(np.sum(np.minimum(y, np.zeros((3, 3)) + y))))


def gather_columns(x, idx):
    return np.sum(x[:, idx] ** 2)


def gather_sliced_columns(x, idx):
    return np.sum(x[1:, idx] * 3.0) + np.sum(x[0, idx])


def gather_rows(x, idx):
    return np.sum(x[idx, :] ** 2) + np.sum(x[idx] * x[idx])


def write_after_division(y):
    Z2 = np.ones((3,))
    Z2[1:] *= np.mean(y, axis=1)
    Z2 /= Z2.reshape(3, 1)[2, 0]        # the division's adjoint reads its result...
    Z2[1:] += np.sum(y, axis=1, keepdims=True)[:, 0]     # ...which this writes into
    return Z2[-1]


def write_after_exp(x):
    Z = np.exp(x * np.ones(3))
    Z[0] = 0.0
    return np.sum(Z) + Z[1]


def minimum_then_write(x):
    v21 = x[:, :1]
    Z22 = np.minimum(v21, x[:1])
    Z22[1, 1] *= np.linalg.norm(v21)
    return Z22[1:]


def mutates_in_a_loop_that_never_runs(z):
    for i in range(1, 1):
        z += 1.0
    return np.sum(z)


def copy_by_adding_zero(x, y):
    Z1 = np.mean(y, axis=-1, keepdims=True) / (2.0 + np.tanh(np.zeros((1, 3)) + x))
    Z1[1, 1] = x
    y = Z1 + 0.0                      # a new array: -O1 once folded it into Z1 itself
    for i in range(2):
        x *= x
        Z1[0] = (np.ones((2, 3)) * 3.0)[-1]
    return x * y.sum()


def _rowsum(a0, a1):
    v3 = a1[2:] + a1
    return np.sum(v3, axis=1, keepdims=True)


def sum_to_returns_its_input(x):
    v1 = _rowsum(x[:, np.array([2])], x)
    return np.linalg.norm(v1)


def std_in_branch(y):
    v24 = np.std(np.sin(y))
    if y[0] > -5.0:
        return v24
    return v24 + np.sum(y)


def nested_loops_sharing_an_init(x):
    acc = 0.0
    y = x * 2.0
    for i in range(3):
        z = y
        for j in range(2):
            z = z * x
        acc = acc + z
    return acc


def select_of_arrays(x, v, z):
    return v @ np.where(z > 0.5, np.zeros(3) + x, x * np.ones(3))


def _column(a0, a1):
    return np.zeros((3, 1)) + a0


def loop_writes_then_divides(x, y):
    Z1 = np.zeros((3, 3))
    for i2 in range(2):
        Z1[0, 1] += 0.5
        Z1 /= 2.0 + np.tanh(x * _column(Z1.mean(), np.max(Z1, axis=0, keepdims=True)))
    x += np.max(Z1)
    return x


def returns_a_constant_from_a_loop(x, y):
    """Fuzz seed 141001377 (shrunk): the value returned from inside the loop is carried out
    of it; its zero tangent was shaped after the carried placeholder (an empty array)."""
    k3 = 0
    k3 += 1
    if 0.0:
        return x
    for i25 in range(1):
        return np.ones((2, 3)) * -1.25
    return x


def constant_continue_in_a_breaking_loop(x):
    """Fuzz seed 161000479 (shrunk): a for loop with a break runs as a while loop over a
    counter; a continue taken on a constant condition skipped the counter's step (a hang)."""
    acc = x * 1.0
    for i in range(1, 4):
        if acc > 100.0:
            break
        acc = acc * 2.0
        if -1.25 >= -1.25:
            continue
    return acc


def copy_of_a_slice_then_writes(x, y):
    """Fuzz seed 181000819 (shrunk): ``Z1[:2] + 0.0`` is a copy; -O1 folded it to the view
    ``Z1[:2]``, so the item writes into Z1 that follow changed it (a wrong gradient)."""
    Z1 = np.mean(y, axis=1)
    k2 = 0
    while k2 < 3 and -1.25:
        k2 += 1
        v3 = (Z1[:2] + 0.0)
        Z1[-3] += v3[k2 % 2]
        Z1[k2 % 3] = v3[0]
    return np.cos(np.min(Z1)) + np.sum(x)


def scaled_slice_then_write(y):
    """The same fold through ``* 1.0``, with the elementwise chain the Numba module fuses."""
    Z = y * 1.5
    v = Z[:2] * 1.0
    t = v * 2.0
    Z[0] = 5.0 * y[1]
    return np.sum(t * v) + np.sum(Z)


def item_into_a_slice(x, y):
    """Fuzz seed 78000019 (shrunk), once the generator wrote values NumPy broadcasts: a number
    written into a slice; its adjoint (the slice's) reached ``x[0]``'s scatter unsummed."""
    Z1 = np.array([0.5, 0.5])
    Z1[1:] = x[0]
    return np.prod(np.tanh(Z1))


def divided_by_its_own_item(x):
    """Fuzz seed 301000041 (shrunk): x / x, through an array divided by one of its items. The
    gradient scatters ``grad_s`` into ``grad_Z1``, the result of the division, in place; grad
    of grad then read that result (the division's rule reads it) after the scatter: 2.04
    where the second derivative is 0."""
    Z1 = np.array([0.5, x, x])
    Z1 /= Z1[2]
    return Z1[1] * np.exp(Z1[0])


def choice_in_a_while_condition(x):
    """A conditional expression in a while condition, choosing between a value from before
    the loop and the loop-carried one (fuzz campaign 331: at -O0 the choice was written into
    the carried variable's storage, so the loop never changed x)."""
    v1 = x
    k = 0
    while k < 4 and (v1 if v1 >= 0.5 else x) <= 1.5:
        k += 1
        x /= 2.0 + v1
    return x * v1


def min_of_a_choice_in_a_loop(x, y):
    """Fuzz campaign 334, seed 334001419: the Hessian's tangent of grad_y, carried through the
    backward loop, was yielded as np.broadcast_to(tan, shape) and summed into in place on the
    next trip ("output array is read-only")."""
    for i in range(1, 3):
        x = np.min(np.where((y * y) > 1.5, (y - y), (y / (2.0 + np.tanh(y)))))
    return x * 1.0


def strided_nested_write(x, y):
    # campaign 337, seed 337000396: at -O0 the reversed outer loop's step stays an op (neg 2),
    # and the final-program check took the tape row it reads for one another trip may write
    Z1 = np.zeros((3, 3))
    for i2 in range(0, 4, 2):
        for i3 in range(1, 4):
            Z1[1] += x[0] * y
    return Z1[1, np.array([2, 0])][0] + np.sum(x)


def reshaped_view_then_write(x):
    # campaign 337, seed 337000968: reshape_like reads its second argument's shape only
    Z1 = np.sum(x, axis=-1)[::-1] + 0.0
    Z1[-2] = np.mean(x) * Z1[0]
    Z1[0] = Z1[None, :][0, 1] + 0.0
    for i3 in range(4):
        Z1 -= 1.25 * np.where(Z1 > 0.5, Z1, Z1)
        Z1 /= 2.0 + np.tanh(math.sin(Z1[1]))
    return np.min(Z1) + np.sum(x)


def while_tapes_a_mean_then_writes(x):
    """Campaign 337 (seed 337003268): the while loop's tape of ``np.mean(Z, axis=1)`` was
    pushed at the body's tail, after ``Z[:, 0] +=`` wrote into Z."""
    Z = x * np.ones((3, 3))
    k = 0
    while k < 2 and np.sum(Z) > -50.0:
        k += 1
        Z += np.where(np.var(Z) > 3.0, x.T, x)
        Z[:, 0] += np.mean(Z, axis=1)
    return np.sum(np.sin(Z))


def nested_loop_adds_into_carried(x):
    """Campaign 338 (seed 338000083): an inner loop writes the outer loop's carried array in
    place; the first backward pass replayed that write into the outer tape's row, which
    reverse over reverse reads again."""
    Z = np.ones((3,))
    for i in range(2):
        for j in range(1, 4):
            v = (np.zeros((3, 3)) + x)[1, np.array([2, 0])]
            Z[np.array([2, 0])] += v * x
    k = 0
    while k < 4 and x * np.sum(Z) > 3.0:
        k += 1
        Z[k % 3] *= x
    return np.sum(np.sin(Z))


def returns_from_a_loop(a):
    """The ``return`` inside the loop leaves a placeholder in the loop's carried state until it
    is taken."""
    for i in range(3):
        if a > 0.5:
            return (np.zeros((3, 1)) + a).reshape(3) * a
        a = math.exp(math.tanh(a))
    return a * np.ones((3,))


def vjp_of_an_early_return(y):
    """Campaign 339 (seed 339000848): reverse over reverse of the loop above. The first
    backward loop's adjoint of the placeholder changed shape on the trip the return was
    taken (zeros shaped as the placeholder), which the second pass records in rows."""
    return np.sum(fg.vjp(returns_from_a_loop, y[1])[1](y)[0] * y)


def where_of_a_branch_then_column_write(x):
    """Campaign 339 (seed 339002880): the first gradient adds into its adjoint of Z in place
    inside the branch; reverse over reverse replays that branch, and the replay wrote the same
    addition into the buffer a second time (the late copy pass now copies there)."""
    Z = x * np.array([[-1.24, 1.18, -0.63], [1.37, -1.35, 0.48], [0.38, 0.04, 1.35]])
    Z[:, 0] = np.where(x > -1.25, (np.ones(3) * 0.5 if np.sum(Z) <= 0.0 else Z[:, 1]),
                       np.mean(Z, axis=1))
    return np.sum(np.sin(Z)) + x


def _summed_gather_loop(a0, a1):
    for i in range(0, 1, 2):
        a1 = (a1 + a0.sum()) + a1[np.array([2, 0, 1])]
    return math.cos(np.mean(a1))


def gradient_step_in_a_while_loop(x):
    """Campaign 340 (seed 340003608): the Hessian at -O0 pushed a row onto a tangent tape made
    by zeros_like and written inline, and the emitter's tape_push line looked up its name."""
    k = 0
    while k < 1:
        k += 1
        x = fg.grad(_summed_gather_loop, argnums=0)(x, np.sum(x, axis=0))
    return np.transpose(x)[2, 0]


def _dot_of_column_sums(a0, a1):
    return np.dot(np.array([-0.74, 0.75, 0.36]), a1.sum(axis=0))


grad_of_column_sums = fg.grad(_dot_of_column_sums, argnums=1, target="python")


def writes_into_a_gradient(x, y):
    """Campaign 343 (seed 343000771): the gradient of a sum over rows is its adjoint repeated
    down the rows, a read-only ``np.broadcast_to`` view; the caller divided it in place."""
    Z = x + np.minimum(np.ones((3, 1)) * 2.0, 0.5)
    g = grad_of_column_sums(np.ones((3, 1)) @ y, Z[1:])
    g /= Z[1]
    return np.sum(g * g)


def _returns_from_its_loop(a0, a1):
    for i in range(4):
        if np.mean(a1) > 0.5:
            return a0 * a0
    return a0


def helper_returning_from_a_loop_in_a_loop(x):
    """Campaign 1020 (seed 1020000455): the first gradient tapes the helper's return value,
    whose first row is the placeholder; differentiating it again shaped a dropped adjoint
    after that placeholder (an empty array), because the clone it met was a clone of a clone
    whose origin was not followed to the placeholder."""
    Z = np.ones((3,)) * x
    v = np.mean((x * np.ones((3, 3))), axis=-1, keepdims=True)
    for i in range(2):
        Z[-2] = np.dot(Z, _returns_from_its_loop(np.sum(v, axis=-1), Z))
    return np.max(Z[None, :]) + np.sum(np.sin(Z))
