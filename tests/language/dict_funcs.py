"""Dicts the function makes, as users write them: parameters gathered for a helper, a cache
filled step by step, a helper returning one, a loop updating one, an if updating one, the
dict methods. Each takes (w, x) and is differentiated with respect to w."""
import numpy as np


def predict(params, x):
    h = np.tanh(x @ params["W1"] + params["b1"])
    return h @ params["W2"]


def gathered(w, x):
    params = {"W1": w[:6].reshape(3, 2), "b1": w[6:8], "W2": w[8:10]}
    return np.sum(predict(params, x) ** 2)


def cache(w, x):
    c = {}
    c["z"] = x @ w[:3]
    c["a"] = np.tanh(c["z"])
    c["a"] += 1.0
    out = dict(c, extra=w[3])
    return np.sum(out["a"] * out["extra"]) + len(out)


def init(w):
    return {"scale": w[0], "shift": w[1]}


def from_helper(w, x):
    p = init(w)
    p["shift"] = p["shift"] * 2.0
    total = 0.0
    for k, v in p.items():
        total = total + v * np.sum(x)
    return total + sum(v ** 2 for v in p.values())


def loop_update(w, x):
    stats = {"s": 0.0, "m": w[0]}
    for i in range(x.shape[0]):
        stats["s"] = stats["s"] + np.sum(x[i] * w[:3])
        stats = {**stats, "m": stats["m"] * 0.5}
    return stats["s"] + stats["m"]


def if_update(w, x):
    d = {"a": w[0], "n": 2}
    if np.sum(x) > 0:
        d["a"] = d["a"] * 3.0
    else:
        d["a"] = d["a"] - 1.0
    return d["a"] ** 2 * d["n"]


def methods(w, x):
    d = {"a": w[0], "b": w[1]}
    e = d.copy()
    e["a"] = w[2]
    s = 0.0
    if "a" in d and "z" not in d:
        s = s + d["a"]
    return (s + d.get("b", 0.0) + d.get("c", 2.0) + sum(d[k] for k in d)
            + e["a"] * d["a"] + np.sum(x) * len(e))


FUNCS = [gathered, cache, from_helper, loop_update, if_update, methods]


# ---- refused

def adds_keys_in_a_loop(w, x):
    d = {}
    for i in range(x.shape[0]):
        d["k"] = np.sum(x[i]) * w[0]
    return d["k"]


def two_names(w, x):
    a = {"x": w[0]}
    b = a
    b["x"] = w[1]
    return a["x"]


def set_key(d):
    d["z"] = 1.0
    return d["z"]


def helper_writes(w, x):
    d = {"a": w[0]}
    return set_key(d) + d["a"]


def nested(w, x):
    outer = {"inner": {"v": w[0]}}
    inner = outer["inner"]
    inner["v"] = w[1]
    return outer["inner"]["v"]


def argument(d, x):
    d["a"] = x[0, 0]
    return d["a"]
