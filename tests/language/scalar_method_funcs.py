"""Methods and attributes of numbers and one-element arrays as NumPy code calls them, dict
comprehensions and f-strings, for tests/language/test_scalar_methods.py."""
import numpy as np


def dot_then_sum(x):
    return (x @ x).sum()                        # a 1-D @ 1-D is a number: its .sum() is it


def sum_then_mean(x):
    return np.sum(x).mean() + np.sum(x ** 2).max() - np.sum(x).min()


def number_item(x):
    return (x @ x).item() * 2


def one_element_item(x):
    return x[1:2].item() * x[0]


def item_at(x):
    return x.item(2) * x[0] + x.item(-1)


def item_2d(A):
    return A.item(1, 2) * A.item((0, 1)) + A.item(4)


def number_astype_reshape(x):
    s = np.sum(x)
    return s.astype(np.float64) + np.sum(s.reshape(1) * x) + s.T * s.squeeze()


def conj_real_imag(x):
    s = np.sum(x ** 2)
    return (s.conj() * x.conj()[0] + np.sum(x.real * x) + x.imag.sum() + s.real + s.imag
            + np.sum(np.conjugate(x)))


def number_reductions(x):
    s = np.sum(x)
    return s.sum(axis=None) + s.prod() + s.round(2) + s.clip(0.0, 1.0) + s.cumsum()[0]


def float_of_array(x):
    return float(x[1:2]) * x[0]


def dict_comprehension(x, p):
    sq = {k: x[k] ** 2 for k in range(3)}
    act = {name: np.tanh(v) for name, v in p.items() if name != "skip"}
    keyed = {f"w{i}": x[i] for i in range(3) if i != 1}
    scaled = {name: x * (i + 1) for i, name in enumerate(("a", "b"))}
    return (sq[0] + 3 * sq[2] + np.sum(act["W"]) * act["b"] + sum(keyed.values())
            + np.sum(scaled["b"]) + len(act))


def dict_over_rows(X):
    return sum({i: r for i, r in enumerate(X)}.values())


def fstring_keys_and_modes(x, mode="tanh"):
    layers = {}
    for i in range(2):                       # (an unrolled loop: i is known)
        layers[f"layer{i}"] = x * (i + 1)
    act = np.tanh if f"{mode}" == "tanh" else np.sin
    return np.sum(act(layers["layer1"]) + layers[f"layer{0}"])


def fstring_of_a_run_time_value(x):
    name = f"x0 = {x[0]:.3f}"
    return np.sum(x) if name else 0.0


def literal_numbers_as_arrays(x):
    """NumPy calls on literal numbers (the generated code spelled 2.0.reshape(1), a float's
    missing method, before)."""
    return np.sum(np.reshape(2.0, (1,)) * x) + np.sum(np.copy(3.0) * x) + np.sum(
        np.ravel(-1.5) * x)


def errstate_block(x):
    """NumPy's error-state and warning contexts: their bodies, the same values."""
    import warnings
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(x > 0, np.log(np.abs(x)), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = np.sqrt(x * x + 1.0)
    return np.sum(r * x) + np.sum(s)


def set_of_modes(x, mode="tanh"):
    y = np.tanh(x) if mode in {"tanh", "sigmoid"} else x
    return np.sum(y) * len({1, 2, 2}) + (1.0 if "relu" not in {"tanh"} else 0.0)


def set_of_run_time_values(x):
    s = {x[0], 1.0}
    return x[0] * len(s)


def strings_known_while_compiling(x, kind="ReLU"):
    """Keys and modes computed from strings and loop counters while compiling."""
    p = {}
    for i in range(3):
        p["layer" + str(i)] = x * (i + 1)
    p["W%d" % 5] = x
    p["{}_{}".format("a", 2)] = 2 * x
    act = np.tanh if kind.lower() == "relu" else np.sin
    s = np.sum(act(p["layer2"])) + np.sum(p["W5"]) + np.sum(p["a_2"])
    if kind.startswith("Re") and "-" * 3 == "---" and repr(kind) == "'ReLU'":
        s = s * 2
    return s + len("a,b".split(",")) + len(kind)


def str_of_a_run_time_value(x):
    return np.sum(x) if str(x[0]) else 0.0
