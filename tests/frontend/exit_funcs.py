"""Functions that leave loops and themselves early: break, continue and return (the
desugaring of compiler/frontend/desugar/exits.py), checked in test_exits.py."""
import numpy as np


def break_inside_if(x):
    """Sum the entries up to the first one above a threshold."""
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 1.0:
            break
        s = s + x[i] * x[i]
    return s + np.sin(x[0])


def nested_break_and_continue(x):
    """The inner loop skips the diagonal; the outer one stops once the total is large."""
    s = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[0]):
            if j == i:
                continue
            s = s + x[i] * np.cos(x[j])
        if s > 2.0:
            break
        s = s * 1.1
    return s


def while_with_continue(x):
    """A while loop whose continue skips a damping step on some trips."""
    k = 0
    y = x[0]
    while k < 6:
        k = k + 1
        y = y + x[k % x.shape[0]] * 0.3
        if y > 0.5:
            continue
        y = y * 0.9 + 0.1 * x[1]
    return y * y


def early_return_in_loop(x):
    """Return from inside the loop once the running product crosses a bound."""
    p = 1.0
    for i in range(x.shape[0]):
        p = p * (1.0 + x[i])
        if p > 2.0:
            return p * x[i]
    q = p + x[0]
    return q * q


def return_in_both_branches(x):
    """Both arms return, after a loop: the function ends in the if."""
    t = 0.0
    for i in range(x.shape[0]):
        t = t + np.exp(x[i])
    if t > 4.0:
        return np.log(t) * x[0]
    else:
        return t * x[1]


def while_true_break_and_return(x):
    """while True left by a break, a return, or a continue around the rest of the trip."""
    y = x[0]
    k = 0
    while True:
        k = k + 1
        if y > 3.0:
            break
        elif k > 20:
            return y * x[1]
        else:
            y = y * 1.3 + x[1]
            if y < 0.0:
                continue
        y = y + 0.01 * x[2]
    return y - x[2]


def return_in_loop_over_a_tuple(x):
    """An unrolled loop (over a tuple): a trip after one that returned must not run."""
    for v in (x[0], 2.0 * x[1], x[2] * x[0]):
        if v > 0.5:
            return v * x[1]
    return -x[0]


def break_in_a_helper(x):
    """A helper with its own break and return, inlined twice."""
    return _first_large(x, 0.7) + _first_large(x * x, 0.3)


def _first_large(v, bound):
    acc = 0.0
    for i in range(v.shape[0]):
        if v[i] > bound:
            return acc + v[i]
        acc = acc + 0.5 * v[i]
        if acc > 0.25:
            break
    return acc


def break_in_enumerate(x):
    """A loop over enumerate(...) (a private index) that breaks: its counter is named after
    the index's hint (it was once emitted as `$k2`, which no Python parses)."""
    t = 0.0
    for i, v in enumerate(x):
        if t > 0.6:
            break
        t = t + (i + 1) * v * v
    return t


def return_in_zip_of_reversed(x):
    """enumerate(zip(x, reversed(x))) with a return inside: a while loop over the index."""
    t = 0.0
    for i, (a, b) in enumerate(zip(x, reversed(x))):
        if a * b > 0.5:
            return t + a * b * i
        t = t + a * b
    return t


def append_after_a_return(x):
    """A list grown in a constant loop that may return first: the path that returned has a
    shorter list, which the merge leaves out (it has exited)."""
    acc = []
    for i in range(4):
        acc.append(x[i] * 2.0)
        if x[i] > 1.5:
            return sum(acc) * 10.0
        acc.append(x[i] ** 2)
    return sum(acc)


FUNCS = [break_inside_if, nested_break_and_continue, while_with_continue, early_return_in_loop,
         return_in_both_branches, while_true_break_and_return, return_in_loop_over_a_tuple,
         break_in_a_helper, break_in_enumerate, return_in_zip_of_reversed, append_after_a_return]

# points on both sides of each exit's condition, away from where it flips
INPUTS = [np.array([0.3, -0.4, 1.6, 0.2]), np.array([1.2, 0.9, -0.3, 0.8]),
          np.array([-0.6, 0.45, 0.1, -0.2]), np.array([0.55, 1.4, 0.7, 2.1]),
          np.array([-0.2, -0.1, -0.35, -0.05])]
