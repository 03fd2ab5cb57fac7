"""Functions outside the supported subset. The offending line of each is marked `# <-`."""
import math
import os

import numpy as np


def uses_class(x):
    class Box:  # <-
        pass
    return x


def uses_try(x):
    try:  # <-
        y = math.log(x)
    except ValueError:
        y = 0.0
    return y


def uses_with(x):
    with open("f") as fh:  # <-
        pass
    return x


def uses_lambda(x):
    sq = lambda *t: t[0] * t[0]  # <-
    return sq(x)


def uses_listcomp(x):
    ys = [x * i * j for i in range(int(x)) for j in range(2)]  # <-
    return ys[0]


def uses_genexp(x):
    return sum(x * i for i in range(3) for j in range(int(x)))  # <-


def uses_dictcomp(x):
    # keys known only at run time
    d = {i: x for i in range(int(x))}  # <-
    return x


STATE = 0.0


def uses_global(x):
    global STATE  # <-
    STATE = x
    return x


def make_nonlocal():
    total = 0.0

    def uses_nonlocal(x):
        nonlocal total  # <-
        total = total + x
        return total
    return uses_nonlocal


uses_nonlocal = make_nonlocal()


def recursive(x):
    if x > 1.0:
        return recursive(x / 2.0)  # <-
    return x


def uses_string(x):
    s = "hello" * x  # <-
    return x


def prints_to_a_file(x):
    print(x, file=None)  # <-
    return x


def saves_a_file(x):
    np.save("x.npy", x)  # <-
    return x


def mutates_argument(x):
    x[0] = 1.0  # <-
    return x


def for_over_tuple(x, y):
    s = 0.0
    for v in x:  # <-
        s = s + v
    return s


def maybe_undefined(x):
    if x > 0.0:
        y = x
    return y  # <-


def unknown_call(x):
    return os.getcwd(x)  # <-


def unknown_numpy_call(x):
    return np.linalg.eig(x)  # <-


def uses_yield(x):
    yield x  # <-


def nested_def(x):
    def inner(*t):  # <-
        return t[0]
    return inner(x)


def uses_assert(x):
    assert x > 0, f"{x}" + "!"  # <-
    return x


def uses_fstring(x):
    s = f"{x}"  # <-
    return x


def uses_walrus(x):
    if (y := x * 2.0) > 1.0:  # <-
        return y
    return x


def uses_while_else(x):
    while x < 1.0:
        x = x * 2.0
    else:
        x = x + 1.0  # <-
    return x


def uses_import(x):
    import no_such_module_for_flatgrad as m  # <-
    return m.sin(x)


def no_return(x):  # <-
    y = x * 2.0


def uses_match(x):
    match x:  # <-
        case 1.0:
            return x
    return x
